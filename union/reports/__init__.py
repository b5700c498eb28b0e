"""Seeing the picture: the dashboard, who is out on assignment now, exports of the case
list, and anonymized statements reviewed for a letter to lawmakers."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from union.reports import views  # noqa: E402,F401  (routes register on import)
