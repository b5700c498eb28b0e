"""Each rep's digest preference, and every digest delivery: one row per (rep, period),
whose unique key is the claim that makes a digest go out once."""

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.core.outbox import OutboxMessage
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User


class DigestFrequency(enum.StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {
    DigestFrequency.OFF: "Off: no digest",
    DigestFrequency.DAILY: "Daily",
    DigestFrequency.WEEKLY: "Weekly",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class DeliveryStatus(enum.StrEnum):
    """Where a digest stands on our side. Once it is handed to the outbox ("queued"), the
    outbox row says whether it was sent, is being retried or failed: that state is read
    from there (joined), never copied here."""

    CLAIMED = "claimed"  # only inside the claiming transaction
    QUEUED = "queued"  # in the outbox, in the same commit as the claim
    FAILED = "failed"  # could not be built (the error is in last_error)
    SKIPPED_EMPTY = "skipped_empty"  # nothing to say, and the rep asked for no empty digest


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(24)


class DigestPreference(db.Model):
    __tablename__ = "digest_preferences"
    __table_args__ = (
        enum_check("frequency", DigestFrequency),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour_valid"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        Index("ix_digest_preferences_frequency", "frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[str] = mapped_column(
        String(8), default=DigestFrequency.OFF, server_default=DigestFrequency.OFF.value
    )
    # The local hour the digest is due, in ``timezone``; ``weekday`` (Monday 0) for weekly.
    hour: Mapped[int] = mapped_column(default=7, server_default="7")
    weekday: Mapped[int] = mapped_column(default=0, server_default="0")
    timezone: Mapped[str] = mapped_column(String(64))
    send_when_empty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The secret in the one-click unsubscribe link of every digest.
    unsubscribe_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_unsubscribe_token
    )
    # When frequency, hour, day or zone last changed: no period due before it is sent.
    schedule_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship(lazy="raise_on_sql")

    @property
    def is_on(self) -> bool:
        return self.frequency != DigestFrequency.OFF

    @property
    def schedule_text(self) -> str:
        """The schedule in words: "daily at 07:00 (America/New_York)"."""
        if not self.is_on:
            return "off"
        when = f"at {self.hour:02d}:00 ({self.timezone})"
        if self.frequency == DigestFrequency.WEEKLY:
            return f"weekly on {WEEKDAYS[self.weekday]} {when}"
        return f"daily {when}"

    def __repr__(self) -> str:
        return f"<DigestPreference user#{self.user_id} {self.frequency}>"


class DigestDelivery(db.Model):
    """One rep's digest for one period. ``UNIQUE(user_id, period_key)`` is the claim: the
    process whose INSERT lands sends it; every other finds the row and leaves it."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "period_key"),
        enum_check("status", DeliveryStatus),
        Index("ix_digest_deliveries_period_key", "period_key"),
        Index("ix_digest_deliveries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "daily:2026-11-29" or "weekly:2026-11-23": the period's local start date.
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        String(16), default=DeliveryStatus.CLAIMED, server_default=DeliveryStatus.CLAIMED.value
    )
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    # Attempts at building the digest (sending is the outbox's, with its own attempts).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship(lazy="raise_on_sql")
    outbox_message: Mapped[OutboxMessage | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<DigestDelivery user#{self.user_id} {self.period_key} {self.status}>"
