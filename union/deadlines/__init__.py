"""Deadlines: what is due on a case and when (proposed from the chapter's policy, set and
extended by reps), business-day arithmetic, the detail clock, and each rep's private
calendar feed."""

from flask import Blueprint

bp = Blueprint("deadlines", __name__)

from union.deadlines import next_due, views  # noqa: E402,F401  (listeners and routes register on import)
