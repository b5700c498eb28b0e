"""The start page each role lands on."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from union.home import views  # noqa: E402,F401
