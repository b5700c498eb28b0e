"""Roster requests: management's solicitations and nominations as reps record them, the
members they are sent to and what each answers, and the union's information requests for
the roster under 5 U.S.C. 7114(b)(4), with their printable letter."""

from flask import Blueprint

bp = Blueprint("rosters", __name__)

from union.rosters import letter_views, views  # noqa: E402,F401  (routes register on import)
