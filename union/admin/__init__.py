"""Admin pages: chapters, users and roles, agency catalogue, mail, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from union.admin import views  # noqa: E402,F401
