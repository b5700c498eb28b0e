"""Accounts as a member meets them: joining, logging in, resetting, editing oneself."""

import re

import pytest

from tests.factories import PASSWORD, login, make_chapter, make_user
from union.auth.models import LoginAttempt, User
from union.core.audit import AuditEntry
from union.extensions import db


def _register(client, code, email="new.member@example.org", **extra):
    data = {
        "invite_code": code,
        "name": "Jordan Reyes",
        "email": email,
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
        **extra,
    }
    return client.post("/register", data=data)


def test_member_joins_chapter_with_invite_code(client, ctx):
    chapter = make_chapter("247")
    response = _register(client, chapter.invite_code.lower())
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "new.member@example.org"))
    assert user.chapter_id == chapter.id and user.role == "member"
    assert user.password_hash != "a long enough passphrase"
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert "Jordan Reyes" in client.get("/").get_data(as_text=True)
    actions = db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.object_id == user.id)
    )
    assert "user.register" in set(actions)


def test_wrong_invite_code_is_refused_beside_the_field_and_input_kept(client, ctx):
    make_chapter()
    response = _register(client, "NOPE1234")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That invite code is not valid" in page
    assert 'value="Jordan Reyes"' in page and 'value="new.member@example.org"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_government_address_needs_confirmation(client, ctx):
    chapter = make_chapter()
    response = _register(client, chapter.invite_code, email="j.reyes@irs.gov")
    page = response.get_data(as_text=True)
    assert "This is a government address" in page
    assert 'value="j.reyes@irs.gov"' in page
    assert 'id="use_government_address"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0

    response = _register(
        client, chapter.invite_code, email="j.reyes@irs.gov", use_government_address="y"
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10"), ("password123", "too easy"), ("aaaaaaaaaaaa", "too easy")],
)
def test_weak_passwords_are_refused(client, ctx, password, message):
    chapter = make_chapter()
    response = _register(client, chapter.invite_code, password=password, confirm=password)
    assert message in response.get_data(as_text=True)


def test_email_already_registered_is_refused(client, ctx):
    chapter = make_chapter()
    make_user(chapter=chapter, email="taken@example.org")
    response = _register(client, chapter.invite_code, email="Taken@Example.org")
    assert "already exists" in response.get_data(as_text=True)


def test_login_and_logout(client, ctx):
    user = make_user()
    assert login(client, user).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_with_remember_me_sets_a_lasting_cookie(client, ctx):
    # The session cookie itself lasts (up to SESSION_MAX_HOURS: union.core.sessions); a
    # separate remember-me cookie, which carries no time, is never issued.
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("steward_session").expires is not None
    assert client.get_cookie("remember_token") is None


def test_session_cookie_is_httponly_and_samesite(client, ctx):
    user = make_user()
    response = login(client, user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "steward_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_says_so_without_telling_which_part(client, ctx):
    user = make_user()
    page = login(client, user, "not the password").get_data(as_text=True)
    assert "do not match an active account" in page
    assert 'value="' + user.email + '"' in page


def test_account_locks_after_repeated_wrong_passwords(client, ctx, app):
    user = make_user()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        login(client, user, "wrong password!")
    response = login(client, user)  # even the right password waits out the lockout
    assert response.status_code == 429
    assert "logging in is paused for 15 minutes" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_lockout_is_per_account(client, ctx, app):
    victim, other = make_user(), make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, victim, "wrong password!")
    assert login(client, other).status_code == 302


def test_too_many_failures_from_one_address_pause_it(client, ctx, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    users = [make_user() for _ in range(3)]
    for user in users:
        login(client, user, "wrong password!")
    response = login(client, make_user())
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, ctx):
    user = make_user()
    user.active = False
    db.session.commit()
    assert login(client, user).status_code == 200
    assert client.get("/").status_code == 302


def test_login_attempts_are_recorded(client, ctx):
    user = make_user()
    login(client, user, "wrong password!")
    login(client, user)
    outcomes = db.session.scalars(db.select(LoginAttempt.succeeded).order_by(LoginAttempt.id))
    assert list(outcomes) == [False, True]


def test_next_only_follows_local_paths(client, ctx):
    user = make_user()
    response = client.post(
        "/login?next=https://evil.example/phish", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def _reset_link(message) -> str:
    match = re.search(r"http://steward\.test(/password/reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_emailed_single_use_link(client, ctx, sent_mail):
    user = make_user(email="forgetful@example.org")
    response = client.post("/password/forgot", data={"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(sent_mail) == 1 and sent_mail[0].to == ["forgetful@example.org"]
    assert sent_mail[0].extra_headers["Message-ID"].endswith("@steward.test>")
    link = _reset_link(sent_mail[0])

    new = "my brand new passphrase"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert login(client, user, new).status_code == 302
    client.post("/logout")

    # The link worked once; now it is dead.
    response = client.post(
        link, data={"password": "another passphrase!", "confirm": "another passphrase!"}
    )
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]
    assert login(client, user, new).status_code == 302


def test_reset_link_expires(client, ctx, sent_mail, app):
    make_user(email="late@example.org")
    client.post("/password/forgot", data={"email": "late@example.org"})
    link = _reset_link(sent_mail[0])
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert "/password/forgot" in client.get(link).headers["Location"]


def test_reset_link_dies_when_password_changes_otherwise(client, ctx, sent_mail):
    user = make_user(email="changer@example.org")
    client.post("/password/forgot", data={"email": "changer@example.org"})
    link = _reset_link(sent_mail[0])
    user.set_password("changed some other way")
    db.session.commit()
    assert "/password/forgot" in client.get(link).headers["Location"]


def test_forged_reset_link_is_refused(client, ctx):
    assert "/password/forgot" in client.get("/password/reset/forged.token").headers["Location"]


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, ctx, sent_mail):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert sent_mail == []


def test_member_edits_own_name_and_email(client, ctx):
    user = make_user()
    login(client, user)
    response = client.post(
        "/account", data={"name": "New Name", "email": "new.address@example.org", "submit": "Save"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.email) == ("New Name", "new.address@example.org")


def test_email_change_to_someone_elses_address_is_refused(client, ctx):
    user, other = make_user(), make_user()
    login(client, user)
    page = client.post(
        "/account", data={"name": "Me", "email": other.email, "submit": "Save"}
    ).get_data(as_text=True)
    assert "Another account already uses this email" in page


def test_password_change_needs_current_and_logs_out_other_devices(app, ctx):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    page = laptop.post(
        "/account/password",
        data={
            "pw-current_password": "wrong",
            "pw-password": "valid new passphrase",
            "pw-confirm": "valid new passphrase",
        },
    ).get_data(as_text=True)
    assert "current password is not right" in page

    new = "a fresh long passphrase"
    response = laptop.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": new, "pw-confirm": new},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # this device stays logged in
    assert phone.get("/").status_code == 302  # the other one is logged out
