"""A case's deadlines, the history of each one, and reps' private calendar feeds."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.cases.models import Case
from union.chapters.models import DayKind
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User


class DeadlineKind(enum.StrEnum):
    GRIEVANCE = "grievance"
    INFO_REQUEST = "info_request"
    BARGAINING_DEMAND = "bargaining_demand"
    ULP_CHARGE = "ulp_charge"
    REPLY_BY = "reply_by"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    DeadlineKind.GRIEVANCE: "Grievance window",
    DeadlineKind.INFO_REQUEST: "Information request answer",
    DeadlineKind.BARGAINING_DEMAND: "Bargaining demand",
    DeadlineKind.ULP_CHARGE: "ULP charge window",
    DeadlineKind.REPLY_BY: "Reply to management",
    DeadlineKind.CUSTOM: "Other",
}


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    EXTENDED = "extended"
    CLOSED = "closed"
    REOPENED = "reopened"


TITLE_LENGTH = 200
RULE_LENGTH = 300
REASON_LENGTH = 1000


class Deadline(db.Model):
    """Something due on a case by a date. ``days``/``day_kind`` are a snapshot of the
    count that set it (the chapter's policy at the time, or the rep's own): changing the
    policy later never moves a deadline already set."""

    __tablename__ = "deadlines"
    __table_args__ = (
        enum_check("kind", DeadlineKind),
        enum_check("day_kind", DayKind),
        CheckConstraint("days IS NULL OR days >= 0", name="days_not_negative"),
        # The queue's summary: open deadlines per case, earliest first.
        Index("ix_deadlines_case_id_done_at_due_on", "case_id", "done_at", "due_on"),
        Index("ix_deadlines_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    due_on: Mapped[date] = mapped_column(Date)
    # The date first set; an agreed extension moves ``due_on`` and keeps this.
    original_due_on: Mapped[date] = mapped_column(Date)
    # What computed the date, in words: "30 calendar days after notice of 2026-03-02 …".
    rule: Mapped[str | None] = mapped_column(String(RULE_LENGTH))
    days: Mapped[int | None]
    day_kind: Mapped[str | None] = mapped_column(String(16))
    counted_from: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(lazy="raise_on_sql")
    done_by: Mapped["User | None"] = relationship(foreign_keys=[done_by_id], lazy="raise_on_sql")
    changes: Mapped[list["DeadlineChange"]] = relationship(
        back_populates="deadline",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
        order_by="DeadlineChange.id",
    )

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def kind_label(self) -> str:
        return DeadlineKind(self.kind).label

    @property
    def is_extended(self) -> bool:
        return self.due_on != self.original_due_on

    def __repr__(self) -> str:
        return f"<Deadline {self.id} {self.kind} {self.due_on} case#{self.case_id}>"


class DeadlineChange(db.Model):
    """One step in a deadline's history: who set, moved, extended, closed or reopened it."""

    __tablename__ = "deadline_changes"
    __table_args__ = (enum_check("kind", ChangeKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    old_due_on: Mapped[date | None] = mapped_column(Date)
    new_due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)

    deadline: Mapped[Deadline] = relationship(back_populates="changes")
    actor: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<DeadlineChange {self.kind} deadline#{self.deadline_id}>"


class CalendarFeed(db.Model):
    """A rep's private calendar address. Only a hash of its token is kept: the address is
    shown once, when made; revoking it makes the old address answer 404."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} of user#{self.user_id}>"
