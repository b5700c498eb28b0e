"""A login lasts as long as it should and no longer: a fresh session at login, idle and
absolute timeouts, "keep me logged in" bound by the absolute one, a logout that a copied
cookie cannot undo, and a role change that sends the person back to the login page."""

import time

import pytest
from flask_login.utils import encode_cookie

from tests.factories import PASSWORD, login, make_chapter, make_user
from union.admin.services import update_user_access
from union.auth.models import Role, User
from union.auth.services import make_reset_token, reset_password, user_for_reset_token
from union.core import sessions
from union.core.audit import AuditEntry
from union.extensions import db

COOKIE = "steward_session"


@pytest.fixture
def app_config():
    return {"SESSION_IDLE_MINUTES": 30, "SESSION_MAX_HOURS": 12}


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _replay(app, value: str):
    """A different browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def _shift(client, **seconds_ago: int) -> None:
    """Pretend the login, or the last request, happened that many seconds ago."""
    now = int(time.time())
    with client.session_transaction() as data:
        if "login" in seconds_ago:
            data[sessions.LOGIN_AT] = now - seconds_ago["login"]
        if "seen" in seconds_ago:
            data[sessions.SEEN_AT] = now - seconds_ago["seen"]


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


# -- at login ----------------------------------------------------------------------------


def test_login_starts_a_new_session_and_the_one_from_before_stays_anonymous(app, client, ctx):
    user = make_user()
    with client.session_transaction() as data:
        data["planted"] = "by someone who had this browser first"
    before = _cookie(client)

    assert login(client, user).status_code == 302
    after = _cookie(client)
    assert after and after != before
    with client.session_transaction() as data:
        assert "planted" not in data
        assert data[sessions.LOGIN_AT] == data[sessions.SEEN_AT]
    # Whoever kept the pre-login cookie (session fixation) holds nothing of the login.
    assert not _logged_in(_replay(app, before))
    assert _logged_in(_replay(app, after))


# -- logout ------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_gives_no_access_afterwards(app, client, ctx):
    user = make_user()
    login(client, user)
    copy = _cookie(client)
    assert _logged_in(_replay(app, copy))

    assert client.post("/logout").status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, copy))
    assert db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.action == "user.logout", AuditEntry.object_id == user.id
        )
    )


def test_logging_out_ends_the_other_devices_too(app, ctx):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user, PASSWORD)
    laptop.post("/logout")
    assert not _logged_in(phone)
    login(phone, user)  # and logging in again works
    assert _logged_in(phone)


def test_a_remember_me_cookie_is_never_honoured_and_is_deleted(app, client, ctx):
    # Flask-Login's remember cookie is the user id signed, with no time in it: valid for as
    # long as the password. One from an older version must not log anyone in.
    user = make_user()
    with app.test_request_context():
        forged = encode_cookie(db.session.get(User, user.id).get_id())
    client.set_cookie("remember_token", forged)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get_cookie("remember_token") is None


def test_remember_me_survives_closing_the_browser_but_not_a_logout(app, client, ctx):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie(COOKIE)
    assert cookie.expires is not None  # a lasting cookie, not a browser-session one
    copy = cookie.value
    client.post("/logout")
    assert not _logged_in(_replay(app, copy))


# -- timeouts ----------------------------------------------------------------------------


def test_a_session_idle_past_the_limit_ends_with_a_message(client, ctx):
    login(client, make_user())
    _shift(client, seen=31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "logged out after 30 minutes without activity" in page
    assert not _logged_in(client)


def test_activity_keeps_a_session_alive(client, ctx):
    login(client, make_user())
    _shift(client, login=3 * 3600, seen=29 * 60)
    assert _logged_in(client)
    with client.session_transaction() as data:
        assert time.time() - data[sessions.SEEN_AT] < 5  # the clock started again


def test_every_session_ends_after_the_absolute_limit_however_busy(client, ctx):
    login(client, make_user())
    _shift(client, login=12 * 3600 + 5, seen=10)
    assert not _logged_in(client)
    assert "every login ends after 12 hours" in client.get("/login").get_data(as_text=True)


def test_keep_me_logged_in_waives_the_idle_limit_but_not_the_absolute_one(client, ctx):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    _shift(client, login=5 * 3600, seen=5 * 3600)
    assert _logged_in(client)
    _shift(client, login=12 * 3600 + 5, seen=60)
    assert not _logged_in(client)
    with client.session_transaction() as data:
        assert not data.permanent


def test_a_session_without_its_times_is_not_trusted(client, ctx):
    # A cookie made before these rules (or by code that forgot them) carries no times.
    login(client, make_user())
    with client.session_transaction() as data:
        del data[sessions.LOGIN_AT]
    assert not _logged_in(client)


def test_a_cookie_signed_with_another_key_is_worthless(app, ctx):
    from flask.sessions import SecureCookieSessionInterface

    user = make_user()
    other = create_other_app_signing(app)
    with other.test_request_context():
        serializer = SecureCookieSessionInterface().get_signing_serializer(other)
        forged = serializer.dumps(
            {
                "_user_id": db.session.get(User, user.id).get_id(),
                sessions.LOGIN_AT: int(time.time()),
                sessions.SEEN_AT: int(time.time()),
            }
        )
    assert not _logged_in(_replay(app, forged))


def create_other_app_signing(app):
    from union import create_app

    return create_app({**app.config, "SECRET_KEY": "an attacker's guess"})


@pytest.mark.parametrize(
    ("login_ago", "seen_ago", "keep", "expected"),
    [
        (60, 60, False, None),
        (60, 31 * 60, False, "idle"),
        (60, 31 * 60, True, None),
        (13 * 3600, 60, True, "expired"),
        (-3600, 0, False, "expired"),  # a login "in the future": not one we made
    ],
)
def test_expiry_rules(login_ago, seen_ago, keep, expected):
    now = 1_800_000_000
    data = {sessions.LOGIN_AT: now - login_ago, sessions.SEEN_AT: now - seen_ago}
    data[sessions.KEEP] = keep
    assert sessions.expiry_reason(data, now, idle_minutes=30, max_hours=12) == expected


class TestShortLimits:
    """The limits are settings."""

    @pytest.fixture
    def app_config(self):
        return {"SESSION_IDLE_MINUTES": 2, "SESSION_MAX_HOURS": 1}

    def test_limits_come_from_the_configuration(self, app, client, ctx):
        from datetime import timedelta

        assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)
        login(client, make_user())
        _shift(client, seen=3 * 60)
        assert not _logged_in(client)


# -- privilege changes and reset links ---------------------------------------------------


def test_a_role_change_sends_the_person_back_to_the_login_page(app, client, ctx):
    chapter = make_chapter()
    member = make_user(Role.MEMBER, chapter=chapter)
    admin = make_user(Role.ADMIN)
    login(client, member)
    assert _logged_in(client)

    update_user_access(
        db.session.get(User, member.id),
        actor=db.session.get(User, admin.id),
        role=Role.REP,
        chapter=chapter,
        covered=[chapter],
        active=True,
    )
    db.session.commit()
    assert not _logged_in(client)  # the old session had the old role: it is over
    login(client, member)
    assert client.get(f"/members/chapters/{chapter.id}").status_code == 200


def test_a_reset_link_dies_once_used_and_when_the_password_changes(ctx):
    user = db.session.get(User, make_user().id)
    first, second = make_reset_token(user), make_reset_token(user)
    assert user_for_reset_token(first) is not None
    reset_password(user, "a brand new passphrase")
    db.session.commit()
    assert user_for_reset_token(first) is None  # used
    assert user_for_reset_token(second) is None  # issued before the change
    third = make_reset_token(user)
    user.set_password("yet another passphrase")
    db.session.commit()
    assert user_for_reset_token(third) is None
