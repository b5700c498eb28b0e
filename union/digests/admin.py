"""Admins' side of digests: the delivery history (its sending state read from the outbox,
never copied) and sending a failed digest again."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from union.auth.models import User
from union.core import audit
from union.core.outbox import OutboxMessage, OutboxStatus, retry_message
from union.core.time import utcnow
from union.digests.content import build_digest
from union.digests.models import DeliveryStatus, DigestDelivery
from union.digests.services import (
    MAX_LOOKBACK,
    DigestProblems,
    message_key,
    preference_of,
    queue_digest,
    scope_of,
)
from union.extensions import db

DELIVERY_VIEWS = {
    "all": "All",
    "problems": "Retrying or failed",
    "sent": "Sent",
    "waiting": "Waiting to send",
    "skipped": "Skipped (empty)",
}


def shown_status(delivery: DigestDelivery, message: OutboxMessage | None) -> str:
    """One status for a person: the outbox's word once the digest is queued."""
    if delivery.status == DeliveryStatus.SKIPPED_EMPTY:
        return "skipped"
    if delivery.status in {DeliveryStatus.FAILED, DeliveryStatus.CLAIMED} or message is None:
        return "failed" if delivery.status == DeliveryStatus.FAILED else "claimed"
    if message.status == OutboxStatus.PENDING:
        return "retrying" if message.attempts else "queued"
    return str(message.status)


def deliveries_query(view: str) -> Any:
    """(delivery, outbox message, rep) rows of one of the ``DELIVERY_VIEWS``, newest first."""
    stmt = (
        select(DigestDelivery, OutboxMessage, User)
        .join(User, User.id == DigestDelivery.user_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == DigestDelivery.outbox_message_id)
        .order_by(DigestDelivery.created_at.desc(), DigestDelivery.id.desc())
    )
    queued = DigestDelivery.status == DeliveryStatus.QUEUED.value
    if view == "problems":
        stmt = stmt.where(
            (DigestDelivery.status == DeliveryStatus.FAILED.value)
            | (queued & (OutboxMessage.status == OutboxStatus.FAILED.value))
            | (
                queued
                & (OutboxMessage.status == OutboxStatus.PENDING.value)
                & (OutboxMessage.attempts > 0)
            )
        )
    elif view == "sent":
        stmt = stmt.where(queued, OutboxMessage.status == OutboxStatus.SENT.value)
    elif view == "waiting":
        stmt = stmt.where(
            queued,
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
        )
    elif view == "skipped":
        stmt = stmt.where(DigestDelivery.status == DeliveryStatus.SKIPPED_EMPTY.value)
    return stmt


def resend_delivery(delivery: DigestDelivery, *, actor: Any, now: datetime | None = None) -> int:
    """An admin sends a failed digest again: a failed send goes back to the outbox from
    scratch; a digest that could not be built is built and queued now. Returns the
    outbox message's id (send it after the commit)."""
    message = (
        db.session.get(OutboxMessage, delivery.outbox_message_id)
        if delivery.outbox_message_id
        else None
    )
    if message is not None and message.status == OutboxStatus.FAILED:
        previous = {"attempts": message.attempts, "last_error": message.last_error}
        retry_message(message)
        audit.record(
            "digest.resend", delivery, actor=actor, period=delivery.period_key,
            user_id=delivery.user_id, outbox_message_id=message.id, **previous,
        )  # fmt: skip
        return message.id
    if delivery.status != DeliveryStatus.FAILED or message is not None:
        raise DigestProblems({"delivery": "Only a failed digest can be sent again."})
    return _rebuild(delivery, actor=actor, now=now or utcnow())


def _rebuild(delivery: DigestDelivery, *, actor: Any, now: datetime) -> int:
    user = db.session.get(User, delivery.user_id)
    preference = preference_of(user) if user else None
    if user is None or preference is None:
        raise DigestProblems({"delivery": "The rep or their digest settings are gone."})
    previous = db.session.scalar(
        select(func.max(DigestDelivery.period_start)).where(
            DigestDelivery.user_id == user.id,
            DigestDelivery.period_start < delivery.period_start,
            DigestDelivery.period_start >= delivery.period_start - MAX_LOOKBACK,
        )
    )
    since = previous or delivery.period_start - (delivery.period_end - delivery.period_start)
    digest = build_digest(
        recipient_name=user.name,
        chapters=scope_of(user),
        zone=preference.timezone,
        since=since,
        until=delivery.period_start,
        now=now,
        schedule=preference.schedule_text,
        unsubscribe_token=preference.unsubscribe_token,
    )
    message = queue_digest(
        digest,
        kind="digest",
        email=user.email,
        user_id=user.id,
        key=message_key(user.id, delivery.period_key),
        token=preference.unsubscribe_token,
    )
    delivery.outbox_message_id = message.id
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.attempts += 1
    error = delivery.last_error
    delivery.last_error = None
    audit.record(
        "digest.resend", delivery, actor=actor, period=delivery.period_key,
        user_id=delivery.user_id, rebuilt=True, last_error=error,
    )  # fmt: skip
    return message.id
