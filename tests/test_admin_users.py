"""Admins find people, change their role and chapters, and deactivate accounts."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import login, make_chapter, make_user
from union.auth.models import Role, User
from union.chapters.models import Chapter
from union.core.audit import AuditEntry
from union.extensions import db


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    login(client, "admin@example.org")
    return client


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _access_form(**values: Any) -> dict[str, Any]:
    form = {"role": "member", "chapter_id": "", "covered": [], "active": "y"}
    form.update(values)
    if not form["active"]:
        del form["active"]  # an unticked checkbox is simply absent
    return form


def _add_people(count: int, chapter: Chapter, covered: Chapter, prefix: str) -> None:
    """Many accounts at once; they never log in, so they skip the slow password hash."""
    for n in range(count):
        rep = n % 3 == 0
        user = User(
            email=f"{prefix}{n}@example.org",
            name=f"{prefix.title()} {n:03d}",
            password_hash="not-a-real-hash",
            role=Role.REP if rep else Role.MEMBER,
            chapter=chapter,
        )
        if rep:
            user.covered_chapters = [chapter, covered]
        db.session.add(user)
    db.session.commit()


def test_admin_promotes_a_member_to_rep_covering_a_chapter(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        home, covered = make_chapter("11"), make_chapter("12")
        member = make_user(Role.MEMBER, chapter=home, email="steward-to-be@example.org")
        ids = (home.id, covered.id, member.id)
        token_before = member.session_token

    response = admin_client.post(
        f"/admin/users/{ids[2]}",
        data=_access_form(role="rep", chapter_id=ids[0], covered=[ids[0], ids[1]]),
        follow_redirects=True,
    )
    assert "is now rep" in response.get_data(as_text=True)

    with app.app_context():
        rep = db.session.get(User, ids[2])
        assert rep.role == Role.REP
        assert [c.number for c in rep.covered_chapters] == ["11", "12"]
        assert rep.covers(ids[1])
        assert rep.session_token != token_before  # a privilege change starts a fresh login
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.access_change")
        )
        assert entry.object_id == ids[2]
        assert entry.details["before"] == {"covered": [], "role": "member"}
        assert entry.details["after"] == {"covered": ["11", "12"], "role": "rep"}
        assert entry.details["sessions_ended"] is True
        assert entry.actor_id == _user("admin@example.org").id


def test_a_rep_must_cover_at_least_one_chapter(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        member = make_user(Role.MEMBER)
        member_id, chapter_id = member.id, member.chapter_id
    response = admin_client.post(
        f"/admin/users/{member_id}", data=_access_form(role="rep", chapter_id=chapter_id)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A rep must cover at least one chapter" in html
    assert '<input checked id="role-1" name="role" type="radio" value="rep">' in html
    with app.app_context():
        assert db.session.get(User, member_id).role == Role.MEMBER


def test_a_member_must_belong_to_a_chapter(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        member_id = make_user(Role.MEMBER).id
    response = admin_client.post(f"/admin/users/{member_id}", data=_access_form(chapter_id=""))
    assert "A member belongs to a chapter" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in_and_their_open_session_ends(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        member = make_user(Role.MEMBER, email="leaving@example.org")
        member_id, chapter_id = member.id, member.chapter_id
    members_browser = app.test_client()
    login(members_browser, "leaving@example.org")
    assert members_browser.get("/").status_code == 200

    response = admin_client.post(
        f"/admin/users/{member_id}", data=_access_form(chapter_id=chapter_id, active=False)
    )
    assert response.status_code == 302

    next_request = members_browser.get("/")
    assert next_request.status_code == 302
    assert "/login" in next_request.headers["Location"]
    login(members_browser, "leaving@example.org")
    assert members_browser.get("/").status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.access_change")
        )
        assert entry.details["before"] == {"active": True}
        assert entry.details["after"] == {"active": False}


def test_reactivated_user_can_log_in_again(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        member = make_user(Role.MEMBER, email="back@example.org")
        member.active = False
        db.session.commit()
        member_id, chapter_id = member.id, member.chapter_id
    admin_client.post(f"/admin/users/{member_id}", data=_access_form(chapter_id=chapter_id))
    browser = app.test_client()
    login(browser, "back@example.org")
    assert browser.get("/").status_code == 200


def test_admin_cannot_deactivate_or_demote_themselves(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        admin = _user("admin@example.org")
        admin_id, token = admin.id, admin.session_token

    response = admin_client.post(
        f"/admin/users/{admin_id}", data=_access_form(role="admin", active=False)
    )
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/users/{admin_id}", data=_access_form(role="member"))
    assert "You cannot remove your own admin role." in response.get_data(as_text=True)

    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert (admin.role, admin.active, admin.session_token) == (Role.ADMIN, True, token)
        assert db.session.query(AuditEntry).filter_by(action="user.access_change").count() == 0
    assert admin_client.get("/admin/users").status_code == 200


def test_saving_without_changes_writes_nothing(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        member = make_user(Role.MEMBER)
        member_id, chapter_id, token = member.id, member.chapter_id, member.session_token
    response = admin_client.post(
        f"/admin/users/{member_id}", data=_access_form(chapter_id=chapter_id), follow_redirects=True
    )
    assert "Nothing changed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, member_id).session_token == token
        assert db.session.query(AuditEntry).filter_by(action="user.access_change").count() == 0


def test_users_list_searches_filters_and_pages(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        chapter, other = make_chapter("301"), make_chapter("302")
        _add_people(60, chapter, other, "bulk")
        make_user(Role.MEMBER, chapter=other, name="Rosa 100% Parks", email="rosa@example.org")
        other_id = other.id

    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Showing 1–50 of 62 users." in first
    assert "/admin/users?page=2" in first
    second = admin_client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Showing 51–62 of 62 users." in second

    found = admin_client.get("/admin/users?q=ROSA@").get_data(as_text=True)
    assert "Rosa 100% Parks" in found and "Bulk 001" not in found
    # A percent sign is a character to look for, not a wildcard.
    assert "Rosa 100% Parks" in admin_client.get("/admin/users?q=100%25").get_data(as_text=True)
    assert "of 1 users" in admin_client.get("/admin/users?q=0%25").get_data(as_text=True)

    reps = admin_client.get("/admin/users?role=rep").get_data(as_text=True)
    assert "Showing 1–20 of 20 users." in reps
    # Chapter 302 has Rosa as a member and every bulk rep covering it.
    in_other = admin_client.get(f"/admin/users?chapter={other_id}").get_data(as_text=True)
    assert "of 21 users" in in_other
    paged = admin_client.get(f"/admin/users?chapter={other_id}&role=member").get_data(as_text=True)
    assert "of 1 users" in paged

    odd = admin_client.get("/admin/users?role=overlord&chapter=abc&page=zz")
    assert odd.status_code == 200
    assert "Choose a role from the list." in odd.get_data(as_text=True)


def test_users_list_costs_the_same_queries_for_5_or_30_users(
    app: Flask, admin_client: FlaskClient, count_queries: Any
) -> None:
    with app.app_context():
        chapter, other = make_chapter(), make_chapter()
        chapter_ids = (chapter.id, other.id)
        _add_people(5, chapter, other, "few")
    with count_queries() as few:
        assert admin_client.get("/admin/users").status_code == 200

    with app.app_context():
        chapter, other = (db.session.get(Chapter, i) for i in chapter_ids)
        _add_people(25, other, chapter, "more")
    with count_queries() as many:
        html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "of 31 users" in html
    assert many.count == few.count
