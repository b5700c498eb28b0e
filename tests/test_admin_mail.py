"""Admins watch the outbox and send failed messages again."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import login, make_user
from union.auth.models import Role
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.core.time import utcnow
from union.extensions import db

SECRET_BODY = "reset link https://steward.test/password/reset/SECRET-TOKEN"


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    return client


def _message(n: int, status: str, **fields: object) -> OutboxMessage:
    message = OutboxMessage(
        message_id=f"<test.{n}@steward.test>",
        kind="password-reset",
        recipient=f"person{n}@example.org",
        subject=f"Subject {n}",
        body_text=SECRET_BODY,
        body_html=f"<p>{SECRET_BODY}</p>",
        status=status,
        **fields,
    )
    db.session.add(message)
    return message


@pytest.fixture
def messages(app: Flask) -> dict[str, int]:
    with app.app_context():
        now = utcnow()
        rows = {
            "failed": _message(1, "failed", attempts=8, last_error="SMTPConnectError: refused",
                               created_at=now - timedelta(hours=2)),
            "pending": _message(2, "pending", attempts=1, last_error="timed out",
                                created_at=now - timedelta(hours=1)),
            "sent": _message(3, "sent", attempts=1, sent_at=now, created_at=now),
        }  # fmt: skip
        db.session.commit()
        return {status: message.id for status, message in rows.items()}


def test_mail_page_lists_waiting_and_failed_messages_newest_first_without_bodies(
    admin_client: FlaskClient, messages: dict[str, int]
) -> None:
    html = admin_client.get("/admin/mail").get_data(as_text=True)
    assert "person1@example.org" in html and "person2@example.org" in html
    assert "person3@example.org" not in html
    assert html.index("Subject 2") < html.index("Subject 1")  # newest first
    assert "SMTPConnectError: refused" in html
    assert "SECRET-TOKEN" not in html
    assert html.count("Send again</button>") == 1

    sent = admin_client.get("/admin/mail?status=sent").get_data(as_text=True)
    assert "person3@example.org" in sent and "person1@example.org" not in sent
    assert "SECRET-TOKEN" not in sent
    failed = admin_client.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "person1@example.org" in failed and "person2@example.org" not in failed


def test_send_again_puts_a_failed_message_back_in_the_queue_and_is_audited(
    app: Flask, admin_client: FlaskClient, messages: dict[str, int]
) -> None:
    response = admin_client.post(f"/admin/mail/{messages['failed']}/retry", follow_redirects=True)
    assert "queued again" in response.get_data(as_text=True)

    with app.app_context():
        message = db.session.get(OutboxMessage, messages["failed"])
        assert (message.status, message.attempts) == ("pending", 0)
        assert message.next_attempt_at <= utcnow()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
        assert entry.object_type == "OutboxMessage"
        assert entry.object_id == message.id
        assert entry.details["attempts"] == 8
        assert entry.actor_id is not None


def test_only_failed_messages_can_be_sent_again(
    app: Flask, admin_client: FlaskClient, messages: dict[str, int]
) -> None:
    for status in ("pending", "sent"):
        response = admin_client.post(f"/admin/mail/{messages[status]}/retry", follow_redirects=True)
        assert "Only a failed message can be sent again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OutboxMessage, messages["sent"]).status == "sent"
        assert db.session.get(OutboxMessage, messages["pending"]).attempts == 1
        assert db.session.query(AuditEntry).filter_by(action="outbox.retry").count() == 0
