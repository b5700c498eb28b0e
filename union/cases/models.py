"""A case, its yearly reference counter, its timeline of events, the actions the union
took on it, and the queue views reps save."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
OPEN_STATUSES = tuple(s for s in CaseStatus if s.is_open)


class CasePriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.title()

    @property
    def rank(self) -> int:
        """0 for the most pressing: the queue's "priority" sort puts urgent first."""
        return PRIORITY_RANKS[self]


PRIORITY_RANKS = {
    CasePriority.URGENT: 0,
    CasePriority.HIGH: 1,
    CasePriority.NORMAL: 2,
    CasePriority.LOW: 3,
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
    ASSIGNED = "assigned"
    PRIORITY_CHANGED = "priority_changed"
    ACTION_RECORDED = "action_recorded"
    # A notice moved into this case from another (collective case), or out of it.
    NOTICE_LINKED = "notice_linked"
    NOTICE_UNLINKED = "notice_unlinked"


class CaseActionKind(enum.StrEnum):
    INFORMATION_REQUEST = "information_request"
    GRIEVANCE = "grievance"
    BARGAINING_DEMAND = "bargaining_demand"
    MEETING = "meeting"
    REFERRAL = "referral"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    CaseActionKind.INFORMATION_REQUEST: "Information request sent",
    CaseActionKind.GRIEVANCE: "Grievance filed",
    CaseActionKind.BARGAINING_DEMAND: "Bargaining demand",
    CaseActionKind.MEETING: "Meeting held",
    CaseActionKind.REFERRAL: "Referral",
}
# Negotiated grievance procedures have a few steps; anything past this is a typo.
MAX_GRIEVANCE_STEP = 5


class CaseReferenceCounter(db.Model):
    """The last case number handed out in a year: ``C-2026-00042`` is number 42 of 2026.

    One row per year, bumped with a single atomic upsert, so two submissions at once never
    get the same number (the unique reference on ``cases`` is the backstop)."""

    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        enum_check("status", CaseStatus),
        enum_check("priority", CasePriority),
        # The queue's filters: a chapter's cases by status, a rep's, the stale ones.
        Index("ix_cases_chapter_id_status", "chapter_id", "status"),
        # ... and what is due: a chapter's cases by how soon.
        Index("ix_cases_chapter_id_next_due_on", "chapter_id", "next_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=CaseStatus.NEW, server_default=CaseStatus.NEW.value, index=True
    )
    priority: Mapped[str] = mapped_column(
        String(8), default=CasePriority.NORMAL, server_default=CasePriority.NORMAL.value
    )
    assigned_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Any activity on the case (an event, a status change) moves this forward.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    # Bumped by every UPDATE of the row, which SQLAlchemy makes conditional on the value
    # it read: two reps saving the same case can never silently overwrite each other.
    # Forms carry it too, so a page opened before someone else's change is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The earliest due date among the case's open deadlines (None without one), kept by
    # the deadlines feature whenever a deadline changes, never set here: a stored copy,
    # so the queue filters and sorts by it through an index instead of looking through
    # every deadline of a chapter for each page.
    next_due_on: Mapped[date | None] = mapped_column(Date)

    __mapper_args__ = {"version_id_col": version}

    chapter: Mapped[Chapter] = relationship(lazy="raise_on_sql")
    assigned_rep: Mapped["User | None"] = relationship(lazy="raise_on_sql")
    # A case's timeline can grow long: always query it, never load it whole by accident.
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", lazy="raise_on_sql", order_by="CaseEvent.at"
    )

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def priority_label(self) -> str:
        return CasePriority(self.priority).label

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


class CaseAction(db.Model):
    """Something the union did on a case, on a date: an information request sent, a
    grievance filed at step N, a bargaining demand, a meeting held, a referral."""

    __tablename__ = "case_actions"
    __table_args__ = (
        enum_check("kind", CaseActionKind),
        CheckConstraint(
            f"(kind = 'grievance' AND step BETWEEN 1 AND {MAX_GRIEVANCE_STEP}) "
            "OR (kind <> 'grievance' AND step IS NULL)",
            name="step_only_for_grievance",
        ),
        Index("ix_case_actions_case_id_taken_on", "case_id", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[int | None]
    taken_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    @property
    def label(self) -> str:
        label = CaseActionKind(self.kind).label
        return f"{label} at step {self.step}" if self.step else label

    def __repr__(self) -> str:
        return f"<CaseAction {self.kind} case#{self.case_id}>"


class SavedView(db.Model):
    """A rep's named queue filter: the query string of the queue page, as bookmarked."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("rep_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SavedView {self.name!r} of user#{self.rep_id}>"
