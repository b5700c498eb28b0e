"""Roster requests: management soliciting or nominating staff for a detail, who in the
chapter it was sent to and what each answered, the documents that came with it, and the
union's own information requests for the roster (5 U.S.C. 7114(b)(4))."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.cases.models import Case
from union.chapters.models import Agency, Chapter
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db
from union.notices.models import (
    LONG_TEXT,
    MEDIUM_TEXT,
    SHORT_TEXT,
    Channel,
    Choice,
    Duty,
    Notice,
)

if TYPE_CHECKING:
    from union.auth.models import User
    from union.deadlines.models import Deadline

# What a rep writes in a need statement, a letter paragraph or management's answer.
LETTER_TEXT = 10_000


class RosterStatus(Choice):
    RECORDED = "recorded", "Recorded, not sent to members"
    SENT = "sent", "Sent to members"
    CLOSED = "closed", "Closed"


class RosterAnswerKind(Choice):
    """What a member says to a roster request."""

    AVAILABLE = "available", "I am available"
    UNAVAILABLE = "unavailable", "I am not available"
    OBJECTS = "objects", "I object to it"
    VOLUNTEERED = "volunteered", "I volunteered"
    NAMED_UNASKED = "named_unasked", "My name was put forward without asking me"

    @property
    def short(self) -> str:
        return ANSWER_SHORT[self]


ANSWER_SHORT = {
    RosterAnswerKind.AVAILABLE: "Available",
    RosterAnswerKind.UNAVAILABLE: "Unavailable",
    RosterAnswerKind.OBJECTS: "Objects",
    RosterAnswerKind.VOLUNTEERED: "Volunteered",
    RosterAnswerKind.NAMED_UNASKED: "Named without being asked",
}


class InfoRequestStatus(Choice):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    AWAITING = "awaiting", "Awaiting answer"
    OVERDUE = "overdue", "Overdue"
    CLARIFICATION = "clarification", "Clarification asked"
    ANSWERED_PART = "answered_part", "Answered in part"
    ANSWERED_FULL = "answered_full", "Answered in full"
    REFUSED = "refused", "Refused"
    NO_DATA = "no_data", "Data said not to exist"


class DocumentRole(Choice):
    SOURCE = "source", "What management sent"
    ANSWER = "answer", "Management's answer to the information request"


class RosterDuty(db.Model):
    """One duty the request is for, from the notice form's vocabulary (one row each, so
    reports can count requests by duty in plain SQL)."""

    __tablename__ = "roster_request_duties"
    __table_args__ = (enum_check("duty", Duty),)

    roster_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_requests.id", ondelete="CASCADE"), primary_key=True
    )
    duty: Mapped[str] = mapped_column(String(32), primary_key=True)


# A member's notice about the same solicitation, shown with the request.
roster_request_notices = Table(
    "roster_request_notices",
    db.metadata,
    Column(
        "roster_request_id",
        Integer,
        ForeignKey("roster_requests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("notice_id", Integer, ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_roster_request_notices_notice_id", "notice_id"),
)


class RosterRequest(db.Model):
    """Management asking staff of a chapter whether they are available for (or telling them
    they were named for) a detail, task force or the like."""

    __tablename__ = "roster_requests"
    __table_args__ = (
        enum_check("status", RosterStatus),
        enum_check("how_communicated", Channel),
        CheckConstraint(
            "people_requested IS NULL OR people_requested > 0", name="people_requested_positive"
        ),  # fmt: skip
        Index("ix_roster_requests_chapter_id_reply_by", "chapter_id", "reply_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"))
    status: Mapped[str] = mapped_column(
        String(16), default=RosterStatus.RECORDED, server_default=RosterStatus.RECORDED.value
    )
    title: Mapped[str] = mapped_column(String(SHORT_TEXT))
    # Who in management asked
    requested_by_name: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    requested_by_title: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    # Whose staff: a component of the catalogue and a free office
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    office: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    # For what
    receiving_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    receiving_unit: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    duties_other: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    people_requested: Mapped[int | None]
    duration: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    starts_on: Mapped[date | None] = mapped_column(Date)
    # When and how management said it, and by when it wants answers
    communicated_on: Mapped[date | None] = mapped_column(Date)
    how_communicated: Mapped[str | None] = mapped_column(String(16))
    reply_by: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # The collective case opened for it, if any.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    chapter: Mapped[Chapter] = relationship(lazy="raise_on_sql")
    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id], lazy="raise_on_sql")
    receiving_agency: Mapped[Agency | None] = relationship(
        foreign_keys=[receiving_agency_id], lazy="raise_on_sql"
    )
    case: Mapped[Case | None] = relationship(lazy="raise_on_sql")
    notices: Mapped[list[Notice]] = relationship(
        secondary=roster_request_notices, lazy="raise_on_sql", order_by=Notice.id
    )
    documents: Mapped[list["RosterDocument"]] = relationship(
        back_populates="roster_request",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
        order_by="RosterDocument.id",
    )

    duties: Mapped[list[RosterDuty]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by=RosterDuty.duty
    )

    @property
    def status_label(self) -> str:
        return RosterStatus(self.status).label

    @property
    def duty_choices(self) -> list[Duty]:
        """The duties, in the form's order."""
        chosen = {d.duty for d in self.duties}
        return [duty for duty in Duty if duty.value in chosen]

    @property
    def channel_label(self) -> str | None:
        return Channel(self.how_communicated).label if self.how_communicated else None

    @property
    def source_documents(self) -> list["RosterDocument"]:
        return [d for d in self.documents if d.role == DocumentRole.SOURCE]

    def __repr__(self) -> str:
        return f"<RosterRequest {self.id} {self.status}>"


class RosterDocument(db.Model):
    """A file kept with a roster request: what management sent, or what came back to the
    union's information request. Stored like notice attachments (union.notices.storage):
    type read from the content, random name outside the web root."""

    __tablename__ = "roster_documents"
    __table_args__ = (enum_check("role", DocumentRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_requests.id", ondelete="CASCADE"), index=True
    )
    info_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_info_requests.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    roster_request: Mapped[RosterRequest] = relationship(
        back_populates="documents", lazy="raise_on_sql"
    )

    @property
    def kind_label(self) -> str:
        from union.notices.models import ATTACHMENT_KIND_LABELS

        return ATTACHMENT_KIND_LABELS.get(self.content_type, self.content_type)

    def __repr__(self) -> str:
        return f"<RosterDocument {self.id} of request {self.roster_request_id}>"


class RosterRecipient(db.Model):
    """A member a roster request was sent to. ``answer`` is their latest answer (the
    history is in roster_answers), kept here so the tally is one GROUP BY."""

    __tablename__ = "roster_recipients"
    __table_args__ = (
        UniqueConstraint("roster_request_id", "user_id"),
        enum_check("answer", RosterAnswerKind),
        CheckConstraint("reminder_count >= 0", name="reminder_count_not_negative"),
        Index("ix_roster_recipients_roster_request_id_answer", "roster_request_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_requests.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The roster record it was sent through (by office), when there is one.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(default=0, server_default="0")
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roster_request: Mapped[RosterRequest] = relationship(lazy="raise_on_sql")
    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")
    history: Mapped[list["RosterAnswer"]] = relationship(
        back_populates="recipient",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
        order_by="RosterAnswer.id",
    )

    @property
    def answer_label(self) -> str | None:
        return RosterAnswerKind(self.answer).short if self.answer else None

    def __repr__(self) -> str:
        return f"<RosterRecipient {self.user_id} of request {self.roster_request_id}>"


class RosterAnswer(db.Model):
    """One answer a member gave; a change is a new row, never an edit."""

    __tablename__ = "roster_answers"
    __table_args__ = (
        enum_check("answer", RosterAnswerKind),
        CheckConstraint("answer <> 'objects' OR reason IS NOT NULL", name="objection_has_reason"),
        Index("ix_roster_answers_recipient_id_at", "recipient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("roster_recipients.id", ondelete="CASCADE")
    )
    answer: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(LONG_TEXT))
    comment: Mapped[str | None] = mapped_column(String(LONG_TEXT))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[RosterRecipient] = relationship(back_populates="history")

    @property
    def answer_label(self) -> str:
        return RosterAnswerKind(self.answer).short

    def __repr__(self) -> str:
        return f"<RosterAnswer {self.answer} recipient#{self.recipient_id}>"


class InfoRequest(db.Model):
    """The union's request to management for the roster and related information, under
    5 U.S.C. 7114(b)(4): a letter with one particularized need per item, and its fate."""

    __tablename__ = "roster_info_requests"
    __table_args__ = (
        enum_check("status", InfoRequestStatus),
        Index("ix_roster_info_requests_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_requests.id", ondelete="CASCADE"), index=True
    )
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(
        String(16), default=InfoRequestStatus.DRAFT, server_default=InfoRequestStatus.DRAFT.value
    )
    # The letter
    addressee_name: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    addressee_title: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    subject: Mapped[str] = mapped_column(String(MEDIUM_TEXT))
    opening: Mapped[str] = mapped_column(Text)
    closing: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    signer_title: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    # Its course
    sent_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_rule: Mapped[str | None] = mapped_column(String(300))
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer_text: Mapped[str | None] = mapped_column(Text)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id", ondelete="SET NULL"))
    ulp_deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roster_request: Mapped[RosterRequest] = relationship(lazy="raise_on_sql")
    case: Mapped[Case | None] = relationship(lazy="raise_on_sql")
    deadline: Mapped["Deadline | None"] = relationship(
        foreign_keys=[deadline_id], lazy="raise_on_sql"
    )
    ulp_deadline: Mapped["Deadline | None"] = relationship(
        foreign_keys=[ulp_deadline_id], lazy="raise_on_sql"
    )
    items: Mapped[list["InfoRequestItem"]] = relationship(
        back_populates="info_request",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
        order_by="InfoRequestItem.position",
    )
    documents: Mapped[list[RosterDocument]] = relationship(
        lazy="raise_on_sql", order_by=RosterDocument.id, viewonly=True
    )
    changes: Mapped[list["InfoRequestChange"]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by="InfoRequestChange.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == InfoRequestStatus.DRAFT

    @property
    def status_label(self) -> str:
        return InfoRequestStatus(self.status).label

    def __repr__(self) -> str:
        return f"<InfoRequest {self.id} {self.status}>"


class InfoRequestChange(db.Model):
    """One step of an information request's course: sent, overdue, answered, refused…
    with the date it happened and what came back."""

    __tablename__ = "roster_info_request_changes"
    __table_args__ = (
        enum_check("status_to", InfoRequestStatus, name="status_to_valid"),
        Index("ix_roster_info_request_changes_info_request_id_at", "info_request_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    info_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_info_requests.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    @property
    def status_label(self) -> str:
        return InfoRequestStatus(self.status_to).label

    def __repr__(self) -> str:
        return f"<InfoRequestChange {self.status_to} info request#{self.info_request_id}>"


class InfoRequestItem(db.Model):
    """One thing the union asks for, with its particularized need: why the union needs
    it, how it will use it, and how that relates to its representational duties."""

    __tablename__ = "roster_info_request_items"
    __table_args__ = (UniqueConstraint("info_request_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    info_request_id: Mapped[int] = mapped_column(
        ForeignKey("roster_info_requests.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(LONG_TEXT))
    why: Mapped[str] = mapped_column(String(LETTER_TEXT))
    use: Mapped[str] = mapped_column(String(LETTER_TEXT))
    relation: Mapped[str] = mapped_column(String(LETTER_TEXT))

    info_request: Mapped[InfoRequest] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<InfoRequestItem {self.position} of info request {self.info_request_id}>"
