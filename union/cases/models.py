"""A case, its yearly reference counter, and its timeline of events."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.chapters.models import Chapter
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User


class CaseStatus(enum.StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in {CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN}


STATUS_LABELS = {
    CaseStatus.NEW: "New",
    CaseStatus.TRIAGED: "Triaged",
    CaseStatus.IN_PROGRESS: "In progress",
    CaseStatus.WAITING: "Waiting",
    CaseStatus.RESOLVED: "Resolved",
    CaseStatus.CLOSED: "Closed",
    CaseStatus.WITHDRAWN: "Withdrawn",
}


class CaseEventKind(enum.StrEnum):
    OPENED = "opened"
    STATUS_CHANGED = "status_changed"
    MEMBER_UPDATE = "member_update"
    WITHDRAWN = "withdrawn"
    # A rep's words: a reply the member sees, or a note only reps see.
    REPLY = "reply"
    NOTE = "note"
    DEADLINE = "deadline"  # set, moved, extended, closed or reopened (details say which)


class CaseReferenceCounter(db.Model):
    """The last case number handed out in a year: ``C-2026-00042`` is number 42 of 2026.

    One row per year, bumped with a single atomic upsert, so two submissions at once never
    get the same number (the unique reference on ``cases`` is the backstop)."""

    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (enum_check("status", CaseStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=CaseStatus.NEW, server_default=CaseStatus.NEW.value, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Any activity on the case (an event, a status change) moves this forward.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    chapter: Mapped[Chapter] = relationship(lazy="raise_on_sql")
    # A case's timeline can grow long: always query it, never load it whole by accident.
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", lazy="raise_on_sql", order_by="CaseEvent.at"
    )

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return CaseStatus(self.status).is_open

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status}>"


class CaseEvent(db.Model):
    """One entry on a case's timeline. ``visible_to_member`` separates what the member
    sees (replies, their own updates) from what only reps see (internal notes)."""

    __tablename__ = "case_events"
    __table_args__ = (
        enum_check("kind", CaseEventKind),
        Index("ix_case_events_case_id_at", "case_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    # The notice an event is about, when it is about one (a member's update): on a
    # collective case, a member sees the case's own events and those of their notice only.
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), index=True
    )
    visible_to_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    body: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.kind} case#{self.case_id}>"
