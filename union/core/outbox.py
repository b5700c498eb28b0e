"""The outbox: every email is a row written in the transaction that causes it.

Rows are delivered after the commit (right away in the embedded default, and by the
scheduler's sweep), each claimed first so two senders never send one twice, retried with
backoff, and kept with their last error. A rolled-back change leaves no row, so sends
nothing; an SMTP outage leaves rows pending, so loses nothing.
"""

import contextlib
import enum
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import ForeignKey, Index, String, Text, and_, event, or_, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from union.core.links import external_url, mail_domain
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db, mail

log = logging.getLogger(__name__)

# A claim older than this belongs to a sender that died mid-send: it may be taken again.
STALE_CLAIM = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        enum_check("status", OutboxStatus),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(48))
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


def queue_email(
    kind: str,
    recipient: str,
    subject: str,
    template: str,
    *,
    user: Any = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` and ``.html`` and add the message to the
    current transaction. ``key`` makes the Message-ID deterministic for the thing the
    email is about (a digest period, say); the unique Message-ID then refuses a duplicate.
    """
    context.setdefault("user", user)
    context["external_url"] = external_url
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        user_id=getattr(user, "id", None),
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        message_id=f"<{kind}.{key or uuid.uuid4().hex}@{mail_domain()}>",
        headers="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()) or None,
    )
    db.session.add(message)
    return message


# -- delivery after commit -------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_new_messages(session: Session, flush_context: Any) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new:
        session.info.setdefault("outbox_flushed", []).extend(new)


@event.listens_for(Session, "after_commit")
def _messages_committed(session: Session) -> None:
    flushed = session.info.pop("outbox_flushed", None)
    if flushed:
        session.info.setdefault("outbox_committed", []).extend(flushed)


@event.listens_for(Session, "after_rollback")
def _messages_rolled_back(session: Session) -> None:
    session.info.pop("outbox_flushed", None)


def send_committed() -> int:
    """Deliver the messages committed by this session so far (call after the commit).

    At most ``OUTBOX_SEND_NOW_LIMIT`` go out right away: hundreds of emails (inviting a
    whole chapter) would hold the request past any proxy's timeout, so the rest wait for
    the scheduler's sweep, which finds them pending and due."""
    ids = db.session.info.pop("outbox_committed", None)
    if not ids or not current_app.config["OUTBOX_SEND_AFTER_COMMIT"]:
        return 0
    try:
        return deliver_pending(ids=ids[: current_app.config["OUTBOX_SEND_NOW_LIMIT"]])
    except SQLAlchemyError:
        # The change is committed: the person must hear that it worked, not see an error
        # (they would do it again). The messages wait in the outbox for the sweep.
        log.warning("mail of a committed change left to the sweep", exc_info=True)
        db.session.rollback()
        return 0


# -- the sender ------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """How long to wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most 6 h."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(message_pk: int) -> str | None:
    """Take one message for sending; None if another sender has it or it is not due."""
    now = utcnow()
    token = secrets.token_hex(8)
    due = and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    abandoned = and_(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claimed_at < now - STALE_CLAIM,
    )
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_pk, or_(due, abandoned))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def _build(message: OutboxMessage, connection: Any) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id}
    for line in (message.headers or "").splitlines():
        name, _, value = line.partition(": ")
        headers[name] = value
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        headers=headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _finish(message_pk: int, token: str, error: Exception | None) -> None:
    message = db.session.get(OutboxMessage, message_pk, populate_existing=True)
    if message is None or message.claim_token != token:
        return  # another sender took over a claim it judged abandoned
    message.claim_token = None
    if error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.last_error = None
    else:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.FAILED
        else:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = utcnow() + backoff(message.attempts)
    db.session.commit()


def _record(message_pk: int, token: str, error: Exception | None) -> None:
    """``_finish``, once more on a fresh connection if the database dropped the first (a
    server restart between sending and recording): a message sent but left "sending"
    would go out again once its claim went stale."""
    try:
        _finish(message_pk, token, error)
    except OperationalError:
        db.session.rollback()
        _finish(message_pk, token, error)


def due_message_ids(limit: int = 100) -> list[int]:
    """Messages waiting to go out, oldest first (abandoned claims included)."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                or_(
                    and_(
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    ),
                    and_(
                        OutboxMessage.status == OutboxStatus.SENDING,
                        OutboxMessage.claimed_at < now - STALE_CLAIM,
                    ),
                )
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def deliver_pending(ids: list[int] | None = None, limit: int = 100) -> int:
    """Send due messages (or just ``ids``); returns how many were sent.

    Commits as it goes: each claim and each outcome is its own short transaction.
    """
    db.session.commit()  # nothing of the caller's may ride along with our claims
    sent = 0
    connection = None
    try:
        for message_pk in ids if ids is not None else due_message_ids(limit):
            token = _claim(message_pk)
            if token is None:
                continue
            message = db.session.get(OutboxMessage, message_pk, populate_existing=True)
            try:
                if connection is None:
                    connection = mail.get_connection(fail_silently=False)
                    connection.open()
                _build(message, connection).send(fail_silently=False)
            except Exception as exc:  # noqa: BLE001 - any send failure is retried later
                log.warning("email %s not sent: %s", message.message_id, exc)
                _close_quietly(connection)
                connection = None
                _record(message_pk, token, exc)
            else:
                _record(message_pk, token, None)
                sent += 1
    finally:
        _close_quietly(connection)
    return sent


def _close_quietly(connection: Any) -> None:
    if connection is None:
        return
    # A broken connection cannot be closed cleanly; there is nothing to do about it.
    with contextlib.suppress(Exception):
        connection.close()


def retry_message(message: OutboxMessage) -> None:
    """An admin asks for a failed message to be tried again from scratch."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claim_token = None
