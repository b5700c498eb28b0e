"""Whoever registers with a chapter's invite code is matched to its member list: a match
joins at once, anyone else waits for a rep to approve or reject them."""

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, login, make_chapter, make_member, make_user
from union.auth.models import User
from union.core.audit import AuditEntry
from union.extensions import db
from union.members import imports
from union.members.models import Member
from union.members.spreadsheets import read_sheet

NEW_PASSWORD = "a long enough passphrase"


def _register(client, code, email="new.member@example.org", **extra):
    data = {"invite_code": code, "name": "Jordan Reyes", "email": email,
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **extra}  # fmt: skip
    return client.post("/register", data=data, follow_redirects=True)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


def test_someone_on_the_list_by_email_joins_at_once(client, chapter):
    member = make_member(chapter, "1001", email="jordan@example.net")
    page = _register(client, chapter.invite_code, email="Jordan@Example.net").get_data(as_text=True)
    assert "Your account is ready." in page and "yet to confirm" not in page
    user = _user("jordan@example.net")
    assert user.is_verified
    db.session.refresh(member)
    assert member.user_id == user.id


def test_someone_on_the_list_by_member_number_joins_at_once(client, chapter):
    member = make_member(chapter, "AB-1001", email=None)
    _register(client, chapter.invite_code, member_number=" ab-1001 ")
    user = _user("new.member@example.org")
    assert user.is_verified
    db.session.refresh(member)
    assert member.user_id == user.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.join"))
    assert entry.details["matched_by"] == "member_number"


@pytest.mark.parametrize(
    "situation",
    ["stranger", "number_of_another_chapter", "already_linked", "email_and_number_differ"],
)
def test_anyone_else_waits_for_a_rep(client, chapter, situation):
    other = make_chapter()
    make_member(other, "9999", email="new.member@example.org")
    if situation == "already_linked":
        make_member(chapter, "1001", email="x@example.net", user_id=make_user(chapter=chapter).id)
    if situation == "email_and_number_differ":
        make_member(chapter, "1001", email="someone@example.net")
        make_member(chapter, "1002", email="new.member@example.org")
    number = {"number_of_another_chapter": "9999"}.get(situation, "1001")
    page = _register(client, chapter.invite_code, member_number=number).get_data(as_text=True)
    assert "a steward will confirm your membership soon" in page
    assert "yet to confirm your membership" in page  # the home page says so too
    user = _user("new.member@example.org")
    assert user.verification == "pending" and not user.is_verified
    assert user.claimed_member_number == number


def test_registering_without_a_member_list_still_works(client, chapter):
    response = _register(client, chapter.invite_code)
    assert response.status_code == 200
    assert _user("new.member@example.org").verification == "pending"


def test_rep_approves_from_the_queue_and_may_link_the_list_entry(client, app, chapter):
    rep = make_user("rep", covers=[chapter])
    _register(client, chapter.invite_code)
    client.post("/logout")
    waiting = _user("new.member@example.org")
    member = make_member(chapter, "1001", name="Jordan Reyes", email="jr@example.net")
    login(client, rep)

    page = client.get("/members/verification").get_data(as_text=True)
    assert "Jordan Reyes" in page and "new.member@example.org" in page
    assert "Jordan Reyes (1001)" in page  # a name on the list that may be them

    form = f"u{waiting.id}"
    page = client.post(
        f"/members/verification/{waiting.id}",
        data={f"{form}-member_number": "4242", f"{form}-approve": "y"},
    ).get_data(as_text=True)
    assert "No member of the chapter has that number." in page
    assert 'value="4242"' in page
    assert _user(waiting.email).verification == "pending"

    response = client.post(
        f"/members/verification/{waiting.id}",
        data={f"{form}-member_number": "1001", f"{form}-approve": "y"},
    )
    assert response.status_code == 302
    assert _user(waiting.email).is_verified
    db.session.refresh(member)
    assert member.user_id == waiting.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.verify"))
    assert entry.actor_id == rep.id and entry.details["member_number"] == "1001"
    assert "new.member@example.org" not in client.get("/members/verification").get_data(
        as_text=True
    )


def test_rejected_registrations_are_logged_out_and_cannot_log_in(client, app, chapter):
    rep = make_user("rep", covers=[chapter])
    stranger_browser = app.test_client()
    _register(stranger_browser, chapter.invite_code, email="stranger@example.org")
    assert stranger_browser.get("/").status_code == 200
    stranger = _user("stranger@example.org")

    login(client, rep)
    response = client.post(
        f"/members/verification/{stranger.id}", data={f"u{stranger.id}-reject": "y"}
    )
    assert response.status_code == 302
    assert _user("stranger@example.org").verification == "rejected"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reject"))

    assert stranger_browser.get("/").status_code == 302  # their session ended
    response = stranger_browser.post(
        "/login", data={"email": "stranger@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert "could not confirm that you are a member" in response.get_data(as_text=True)
    wrong = stranger_browser.post(
        "/login", data={"email": "stranger@example.org", "password": "not the password"}
    )
    assert "could not confirm" not in wrong.get_data(as_text=True)  # no hint without it


def test_deciding_twice_or_on_someone_else_is_harmless(client, chapter):
    rep = make_user("rep", covers=[chapter])
    verified = make_user(chapter=chapter)
    login(client, rep)
    response = client.post(
        f"/members/verification/{verified.id}", data={f"u{verified.id}-reject": "y"},
        follow_redirects=True,
    )  # fmt: skip
    assert "already verified" in response.get_data(as_text=True)
    assert _user(verified.email).is_verified
    assert client.post(f"/members/verification/{rep.id}").status_code == 404


def test_only_reps_of_the_chapter_see_and_decide(client, app, chapter):
    _register(app.test_client(), chapter.invite_code)
    waiting = _user("new.member@example.org")
    other_rep = make_user("rep", covers=[make_chapter()])
    login(client, other_rep)
    assert "Jordan Reyes" not in client.get("/members/verification").get_data(as_text=True)
    data = {f"u{waiting.id}-approve": "y"}
    assert client.post(f"/members/verification/{waiting.id}", data=data).status_code == 404
    client.post("/logout")
    login(client, make_user(chapter=chapter))
    assert client.get("/members/verification").status_code == 403
    assert client.post(f"/members/verification/{waiting.id}", data=data).status_code == 403
    assert _user(waiting.email).verification == "pending"


def test_an_import_that_names_a_waiting_person_verifies_them(client, chapter):
    _register(client, chapter.invite_code, member_number="2002")
    sheet = read_sheet(b"id,name,email\n2002,Jordan Reyes,\n")
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    imports.apply_plan(chapter, plan)
    from union.members.matching import match_pending

    assert match_pending(chapter) == 1
    db.session.commit()
    user = _user("new.member@example.org")
    assert user.is_verified
    member = db.session.scalar(select(Member).where(Member.member_number == "2002"))
    assert member.user_id == user.id


def test_existing_accounts_are_verified(ctx):
    user = make_user()
    assert user.verification == "verified" and user.is_verified
    assert make_user("rep").is_verified and make_user("admin").is_verified
    assert PASSWORD  # the factories' accounts log in as before
