"""A rep's look at their next digest: the preview page, the same as an email file, and a
test digest sent to themselves through the outbox."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import func, select

from union.auth.models import User
from union.core import audit
from union.core.links import external_url
from union.core.outbox import OutboxMessage
from union.core.time import utcnow
from union.digests.content import Digest, build_digest
from union.digests.models import DigestDelivery
from union.digests.periods import Period, previous_period
from union.digests.services import (
    MAX_LOOKBACK,
    digest_headers,
    preference_of,
    preference_or_default,
    queue_digest,
    scope_of,
    upcoming_period,
)
from union.extensions import db


@dataclass(frozen=True)
class Preview:
    digest: Digest
    subject: str
    text: str
    html: str
    period: Period | None


def preview_digest(user: User, now: datetime | None = None) -> Preview:
    """The rep's next digest as it would read if it were built now."""
    now = now or utcnow()
    preference = preference_or_default(user)
    period = upcoming_period(preference, now)
    last = db.session.scalar(
        select(func.max(DigestDelivery.period_start)).where(
            DigestDelivery.user_id == user.id, DigestDelivery.period_start >= now - MAX_LOOKBACK
        )
    )
    if last is not None:
        since = last
    elif period is not None:
        since = previous_period(period, preference.hour, ZoneInfo(preference.timezone)).start
    else:
        since = now - timedelta(days=1)
    digest = build_digest(
        recipient_name=user.name,
        chapters=scope_of(user),
        zone=preference.timezone,
        since=min(since, now),
        until=now,
        now=now,
        schedule=preference.schedule_text,
        unsubscribe_token=preference.unsubscribe_token if preference.id else None,
    )
    context = {"digest": digest, "user": user, "external_url": external_url}
    return Preview(
        digest=digest,
        subject=digest.subject,
        text=render_template("email/digest.txt", **context),
        html=render_template("email/digest.html", **context),
        period=period,
    )


def preview_message(user: User, now: datetime | None = None) -> bytes:
    """The preview as the email file a mail app opens (text and HTML parts, headers)."""
    preview = preview_digest(user, now)
    preference = preference_of(user)
    email = EmailMultiAlternatives(
        subject=preview.subject,
        body=preview.text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[user.email],
        headers=digest_headers(preference.unsubscribe_token if preference else None),
    )
    email.attach_alternative(preview.html, "text/html")
    return bytes(email.message().as_bytes())


def send_test_digest(user: User, now: datetime | None = None) -> OutboxMessage:
    """Queue the preview to the rep themselves (kind "digest-test": it is not a period's
    delivery and changes nothing of the schedule)."""
    preview = preview_digest(user, now)
    preference = preference_of(user)
    message = queue_digest(
        preview.digest,
        kind="digest-test",
        email=user.email,
        user_id=user.id,
        key=None,
        token=preference.unsubscribe_token if preference else None,
        subject_prefix="[Test] ",
    )
    audit.record("digest.test", message, actor=user, user_id=user.id)
    return message
