"""Notices: a member reports a reassignment notice, attaches what they were sent, saves a
draft, submits it (opening a case) and follows it in "My notices"."""

from flask import Blueprint

bp = Blueprint("notices", __name__)

from union.notices import views  # noqa: E402,F401  (routes register on import)
