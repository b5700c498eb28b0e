"""Cases: what the union does about one or more notices. Reps work them from the queue
(filters, saved views, bulk changes) and the case page (workflow, assignment, priority,
notes and replies, actions, collective cases)."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from union.cases import views  # noqa: E402,F401  (routes register on import)
