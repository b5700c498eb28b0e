"""Only admins reach the admin pages: members and reps get 403, strangers the login page."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_chapter, make_user
from union.auth.models import Role
from union.chapters.models import Agency
from union.core.outbox import OutboxMessage
from union.extensions import db


@pytest.fixture
def admin_urls(app: Flask) -> dict[str, list[str]]:
    """Every admin page (GET) and action (POST), with real objects behind the ids."""
    with app.app_context():
        chapter = make_chapter()
        member = make_user(Role.MEMBER, chapter=chapter)
        agency = db.session.query(Agency).first()
        message = OutboxMessage(
            message_id="<access.1@steward.test>", kind="test", recipient="x@example.org",
            subject="Hello", body_text="...", status="failed", attempts=5,
        )  # fmt: skip
        db.session.add(message)
        db.session.commit()
        ids = {"chapter": chapter.id, "user": member.id, "agency": agency.id, "mail": message.id}
    return {
        "get": [
            "/admin/chapters",
            "/admin/chapters/new",
            f"/admin/chapters/{ids['chapter']}",
            "/admin/users",
            f"/admin/users/{ids['user']}",
            "/admin/agencies",
            "/admin/agencies/new",
            f"/admin/agencies/{ids['agency']}",
            "/admin/mail",
            "/admin/audit",
        ],
        "post": [
            "/admin/chapters/new",
            f"/admin/chapters/{ids['chapter']}",
            f"/admin/chapters/{ids['chapter']}/invite-code",
            f"/admin/users/{ids['user']}",
            "/admin/agencies/new",
            f"/admin/agencies/{ids['agency']}",
            f"/admin/mail/{ids['mail']}/retry",
        ],
    }


def test_anonymous_visitor_is_sent_to_login_from_every_admin_page(
    client: FlaskClient, admin_urls: dict[str, list[str]]
) -> None:
    for url in admin_urls["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url in admin_urls["post"]:
        response = client.post(url, data={})
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", [Role.MEMBER, Role.REP])
def test_members_and_reps_are_refused_every_admin_page(
    app: Flask, client: FlaskClient, admin_urls: dict[str, list[str]], role: Role
) -> None:
    with app.app_context():
        make_user(role, email=f"not-admin-{role}@example.org")
    login(client, f"not-admin-{role}@example.org")
    for url in admin_urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in admin_urls["post"]:
        assert client.post(url, data={}).status_code == 403, url
    with app.app_context():
        # A refused "send again" left the message as it was.
        assert db.session.query(OutboxMessage).one().status == "failed"


def test_admin_sees_every_admin_page(
    app: Flask, client: FlaskClient, admin_urls: dict[str, list[str]]
) -> None:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    for url in admin_urls["get"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.data.count(b"<h1") == 1, url


def test_missing_objects_are_404(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    for url in ["/admin/chapters/999999", "/admin/users/999999", "/admin/agencies/999999"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/chapters/999999/invite-code").status_code == 404
    assert client.post("/admin/mail/999999/retry").status_code == 404
