"""Accounts: registration with an invite code, login, password reset, one's own account."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from union.auth import views  # noqa: E402,F401  (routes register on import)
