"""With CSRF protection on (as in production), every admin form and button carries its
token, and a POST without one changes nothing."""

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_chapter, make_user
from union.auth.models import Role
from union.chapters.models import Chapter
from union.core.outbox import OutboxMessage
from union.extensions import db

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"')  # fmt: skip


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def _tokens(html: str) -> list[str]:
    return [a or b for a, b in TOKEN.findall(html)]


def _login(client: FlaskClient, email: str) -> None:
    token = _tokens(client.get("/login").get_data(as_text=True))[-1]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_admin_buttons_carry_a_token_and_a_post_without_one_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
        chapter = make_chapter("71")
        db.session.add(
            OutboxMessage(
                message_id="<csrf.1@steward.test>", kind="test", recipient="x@example.org",
                subject="Hello", body_text="...", status="failed", attempts=8,
            )
        )  # fmt: skip
        db.session.commit()
        chapter_id, code = chapter.id, chapter.invite_code
        message_id = db.session.query(OutboxMessage.id).scalar()
    _login(client, "admin@example.org")

    assert client.post(f"/admin/chapters/{chapter_id}/invite-code").status_code == 400
    assert client.post(f"/admin/mail/{message_id}/retry").status_code == 400
    with app.app_context():
        assert db.session.get(Chapter, chapter_id).invite_code == code
        assert db.session.get(OutboxMessage, message_id).status == "failed"

    edit_page = client.get(f"/admin/chapters/{chapter_id}").get_data(as_text=True)
    # The chapter form, the invite-code button and the logout button each carry one.
    assert len(_tokens(edit_page)) == 3
    token = _tokens(edit_page)[0]
    assert (
        client.post(
            f"/admin/chapters/{chapter_id}/invite-code", data={"csrf_token": token}
        ).status_code
        == 302
    )
    mail_page = client.get("/admin/mail").get_data(as_text=True)
    assert len(_tokens(mail_page)) == 2
    response = client.post(
        f"/admin/mail/{message_id}/retry", data={"csrf_token": _tokens(mail_page)[0]}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Chapter, chapter_id).invite_code != code
        assert db.session.get(OutboxMessage, message_id).status == "pending"
