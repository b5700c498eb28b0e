"""How long a login lasts, and that it really ends.

Flask keeps the session in a signed cookie on the person's device, so "ending" a session
on the server means making the cookie worthless. Three rules do that:

* **Idle timeout** (``SESSION_IDLE_MINUTES``): a session not used for that long ends.
* **Absolute timeout** (``SESSION_MAX_HOURS``): every session ends that long after the
  password was typed, however busy it is, "keep me logged in" or not. Both times are kept
  inside the signed session, so they cannot be changed by the person holding the cookie.
* **Logout ends it everywhere**: logging out rotates the user's ``session_token``, which
  every session cookie of the user carries (``User.get_id``). A copy of the cookie taken
  before the logout (a shared computer, a stolen backup) is refused afterwards. The price
  is that logging out on one device logs out the others too; for people whose employer
  may be reading over their shoulder that is the safer side.

"Keep me logged in" makes the session cookie outlive the browser (a permanent cookie)
and waives the idle timeout, never the absolute one. Flask-Login's own remember-me
cookie carries no time, so a copy would stay good for as long as the password does:
it is never issued here, and one presented (from an older version) is deleted unused.

Logging in clears the session first (the auth views do), so nothing planted before the
login carries over; a change of role or access rotates ``session_token`` (admin
services), so privileges change only through a fresh login.
"""

import time
from typing import Any

from flask import Flask, current_app, flash, g, request, session
from flask_login import user_logged_in, user_logged_out

from union.extensions import db

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
KEEP = "_keep"
# Writing the last-seen time on every request would send a new cookie with every
# response; to the minute is precise enough for a timeout counted in minutes.
SEEN_RESOLUTION_SECONDS = 60
_OURS = (LOGIN_AT, SEEN_AT, KEEP)
_FLASK_LOGIN = ("_user_id", "_fresh", "_id", "_remember_seconds")


def _now() -> float:
    return time.time()


@user_logged_in.connect
def _session_started(sender: Any, user: Any = None, **extra: Any) -> None:
    """Stamp a new login and turn remember-me into a permanent, time-bound session."""
    now = int(_now())
    keep = session.pop("_remember", None) == "set"
    session.pop("_remember_seconds", None)
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session[KEEP] = keep
    session.permanent = keep


@user_logged_out.connect
def _session_ended(sender: Any, user: Any = None, **extra: Any) -> None:
    """A logout ends every session of the user: a replayed cookie no longer matches."""
    if g.get("steward_session_expired") or user is None or not user.is_authenticated:
        return
    from union.auth.services import end_all_sessions
    from union.core import audit

    end_all_sessions(user)
    audit.record("user.logout", user, actor=user)
    db.session.commit()


def expiry_reason(data: Any, now: float, idle_minutes: int, max_hours: int) -> str | None:
    """Why the logged-in session ``data`` is over at ``now`` ("idle", "expired"), or None."""
    login_at, seen_at = data.get(LOGIN_AT), data.get(SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return "expired"  # a session from before these rules: start again
    if now - login_at > max_hours * 3600 or login_at > now + 300:
        return "expired"
    if not data.get(KEEP) and now - seen_at > idle_minutes * 60:
        return "idle"
    return None


def _end(reason: str) -> None:
    g.steward_session_expired = True
    for key in (*_FLASK_LOGIN, *_OURS):
        session.pop(key, None)
    session.permanent = False
    g.pop("_login_user", None)  # Flask-Login loads the (now anonymous) user afresh
    config = current_app.config
    if reason == "idle":
        flash(
            f"You were logged out after {config['SESSION_IDLE_MINUTES']} minutes without "
            "activity. Please log in again.",
            "info",
        )
    else:
        flash(
            f"For your safety every login ends after {config['SESSION_MAX_HOURS']} hours. "
            "Please log in again.",
            "info",
        )


def init_app(app: Flask) -> None:
    remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")

    @app.before_request
    def _enforce_session_limits() -> None:
        if request.endpoint == "static":
            return
        if remember_cookie in request.cookies:
            # Never log anyone in from a remember-me cookie: Flask-Login then deletes it.
            session["_remember"] = "clear"
        if "_user_id" not in session:
            return
        config = current_app.config
        now = _now()
        reason = expiry_reason(
            session, now, config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]
        )
        if reason is not None:
            _end(reason)
        elif now - session[SEEN_AT] >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = int(now)
