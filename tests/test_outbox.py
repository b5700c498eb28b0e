"""The outbox: mail is written with the change, sent after the commit, never twice,
never lost when the SMTP server is down."""

import threading
from datetime import timedelta

import pytest

from tests.factories import make_user
from union.auth.services import request_password_reset
from union.core.outbox import (
    OutboxMessage,
    OutboxStatus,
    backoff,
    deliver_pending,
    queue_email,
    retry_message,
)
from union.core.time import utcnow
from union.extensions import db


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


def _queue_reset(user):
    request_password_reset(user.email)


def _all_messages():
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_reset_email_arrives_over_smtp_with_text_html_and_message_id(client, ctx, smtp_server):
    user = make_user(email="member@example.org")
    client.post("/password/forgot", data={"email": user.email})
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "member@example.org"
    assert message["Subject"] == "Reset your Steward password"
    assert message["Message-ID"].startswith("<password-reset.")
    assert message["Message-ID"].endswith("@steward.test>")
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    assert "http://steward.test/password/reset/" in message.get_body(("plain",)).get_content()
    [row] = _all_messages()
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_rolled_back_change_sends_nothing(ctx, smtp_server):
    user = make_user()
    _queue_reset(user)
    db.session.rollback()
    assert deliver_pending() == 0
    assert smtp_server.messages == [] and _all_messages() == []


def test_smtp_outage_delays_mail_and_loses_none(ctx, smtp_server):
    user = make_user()
    smtp_server.stop()
    _queue_reset(user)
    db.session.commit()
    assert deliver_pending() == 0
    [row] = _all_messages()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.next_attempt_at > utcnow()

    # Not due yet: a sweep right now leaves it alone.
    assert deliver_pending() == 0

    smtp_server.start()
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert len(smtp_server.messages) == 1
    [row] = _all_messages()
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error is None


def test_message_fails_after_the_last_attempt_and_admin_can_resend(ctx, app, smtp_server):
    ctx.config["OUTBOX_MAX_ATTEMPTS"] = 2
    user = make_user()
    smtp_server.stop()
    _queue_reset(user)
    db.session.commit()
    for _ in range(2):
        deliver_pending()
        for row in _all_messages():
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    [row] = _all_messages()
    assert row.status == OutboxStatus.FAILED and row.attempts == 2

    smtp_server.start()
    assert deliver_pending() == 0  # failed mail waits for a person
    retry_message(row)
    db.session.commit()
    assert deliver_pending() == 1
    assert len(smtp_server.messages) == 1


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(minutes=1)
    assert backoff(2) == timedelta(minutes=2)
    assert backoff(4) == timedelta(minutes=8)
    assert backoff(30) == timedelta(hours=6)


def test_two_senders_at_once_send_each_message_once(ctx, smtp_server, database_url):
    user = make_user()
    for n in range(20):
        queue_email(
            "test", user.email, f"Message {n}", "password_reset", user=user, token="t", minutes=1
        )
    db.session.commit()

    from tests.conftest import _test_config
    from union import create_app

    results: list[int] = []
    errors: list[BaseException] = []
    # Each sender is its own app, as in its own process. They are built here, one after
    # another: building one compiles its URL rules with ``ast``, which CPython 3.11 does
    # not make safe to run from several threads at once (a SystemError, now and then).
    workers = [create_app(_test_config(database_url, **_smtp(smtp_server))) for _ in range(3)]

    def sender(worker) -> None:
        try:
            with worker.app_context():
                results.append(deliver_pending())
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == 20
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"Message {n}" for n in range(20))


def _smtp(server):
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}


def test_sender_that_died_mid_send_is_taken_over_later(ctx, smtp_server):
    user = make_user()
    _queue_reset(user)
    db.session.commit()
    [row] = _all_messages()
    # A sender claimed it and died before finishing.
    row.status = OutboxStatus.SENDING
    row.claim_token = "dead-sender"
    row.claimed_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert deliver_pending() == 0  # a recent claim is respected
    row.claimed_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert deliver_pending() == 1
    assert len(smtp_server.messages) == 1


def test_duplicate_key_is_refused_by_the_database(ctx):
    from sqlalchemy.exc import IntegrityError

    user = make_user()
    for _ in range(2):
        queue_email(
            "digest", user.email, "Digest", "password_reset",
            user=user, key="rep1.2026-11-29", token="t", minutes=1,
        )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
