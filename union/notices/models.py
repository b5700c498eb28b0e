"""A reassignment notice as a member reports it, its multiple-choice answers and its
attachments."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Self

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.cases.models import Case
from union.chapters.models import Agency, Chapter
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User


class Choice(enum.StrEnum):
    """A stored value with the words a member reads: ``NoticeKind.TDY.label``."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class NoticeStatus(Choice):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class NoticeKind(Choice):
    DETAIL = "detail", "Detail"
    TDY = "tdy", "Temporary duty (TDY)"
    TASK_FORCE = "task_force", "Task force"
    DEPUTIZATION = "deputization", "Deputization"
    COLLATERAL_DUTY = "collateral_duty", "Collateral duty"
    PERMANENT_REASSIGNMENT = "permanent_reassignment", "Permanent reassignment"
    AVAILABILITY_SOLICITATION = "availability_solicitation", "Asked if I am available"
    ROSTER_NOMINATION = "roster_nomination", "My name was put forward (roster nomination)"


class Willingness(Choice):
    DIRECTED = "directed", "Directed: I was told to go"
    VOLUNTARY = "voluntary", "Voluntary: I was asked and could say no"
    UNCLEAR = "unclear", "Not clear"


class Channel(Choice):
    EMAIL = "email", "Email"
    MEMO = "memo", "Memo or letter"
    MEETING = "meeting", "In person or in a meeting"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message or chat"
    OTHER = "other", "Another way"


class Answer(Choice):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Not sure"


class TrainingStatus(Choice):
    NONE = "none", "None"
    PROMISED = "promised", "Promised, not given yet"
    PARTIAL = "partial", "Some, not all"
    COMPLETE = "complete", "Complete"


class Duty(Choice):
    ARRESTS = "arrests", "Arrests"
    TRANSPORT = "transport", "Transport or removal flights"
    DETENTION = "detention", "Detention custody"
    DOCKETS = "dockets", "Docket management"
    INVESTIGATIONS = "investigations", "Investigations"
    CONTRACT_OVERSIGHT = "contract_oversight", "Contract oversight"
    ADMINISTRATIVE = "administrative", "Administrative work"
    OTHER = "other", "Other"


class TrainingGap(Choice):
    USE_OF_FORCE = "use_of_force", "Use of force"
    FIREARMS = "firearms", "Firearms"
    ARREST_PROCEDURE = "arrest_procedure", "Arrest procedure"
    DETENTION_STANDARDS = "detention_standards", "Detention standards"
    IMMIGRATION_LAW = "immigration_law", "Immigration law"


class PayItem(Choice):
    OVERTIME = "overtime", "Overtime"
    PREMIUM = "premium", "Premium or availability pay"
    TRAVEL = "travel", "Travel and per diem"
    HAZARD = "hazard", "Hazard differential"
    NONE_OFFERED = "none_offered", "Nothing extra offered"


class UpdateKind(Choice):
    """What a member tells the union changed after they reported."""

    TRAINING_RECEIVED = "training_received", "Training received"
    DETAIL_EXTENDED = "detail_extended", "Detail extended"
    START_DATE_CHANGED = "start_date_changed", "Start date changed"
    END_DATE_CHANGED = "end_date_changed", "End date changed"
    RETURNED = "returned", "I am back on my regular duties"
    OTHER = "other", "Something else"


class Question(enum.StrEnum):
    """The multiple-choice questions of the form, answered in ``notice_choices``."""

    DUTY = "duty"
    TRAINING_GAP = "training_gap"
    PAY = "pay"


ANSWERS: dict[Question, type[Choice]] = {
    Question.DUTY: Duty,
    Question.TRAINING_GAP: TrainingGap,
    Question.PAY: PayItem,
}


def _answers_check() -> CheckConstraint:
    allowed = " OR ".join(
        f"(question = '{question}' AND answer IN ({', '.join(repr(m.value) for m in enum_cls)}))"
        for question, enum_cls in ANSWERS.items()
    )
    return CheckConstraint(allowed, name="answer_valid")


# Free text limits, in characters. The statement is the member's story: room to tell it.
SHORT_TEXT = 200
MEDIUM_TEXT = 500
LONG_TEXT = 5000
STATEMENT_TEXT = 20000


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        enum_check("status", NoticeStatus),
        enum_check("kind", NoticeKind),
        enum_check("willingness", Willingness),
        enum_check("how_told", Channel),
        enum_check("training_status", TrainingStatus),
        *(
            enum_check(column, Answer)
            for column in (
                "travel",
                "relocation",
                "remote_to_onsite",
                "union_notified_before",
                "telework_affected",
                "outside_position_description",
            )
        ),
        CheckConstraint("coworkers_count >= 0", name="coworkers_count_not_negative"),
        Index("ix_notices_member_id_created_at", "member_id", "created_at"),
        Index("ix_notices_chapter_id_status_created_at", "chapter_id", "status", "created_at"),
        # The digest's new notices of a period: a chapter's submitted notices by when they
        # were submitted, read as a range (without it, each of its chapters' notices).
        Index("ix_notices_chapter_id_status_submitted_at", "chapter_id", "status", "submitted_at"),
        # A case page's duplicate suggestions: the chapter's notices of one kind told
        # within a few days, read as a range.
        Index("ix_notices_chapter_id_kind_notified_on", "chapter_id", "kind", "notified_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=NoticeStatus.DRAFT, server_default=NoticeStatus.DRAFT.value, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What happened
    kind: Mapped[str | None] = mapped_column(String(32))
    willingness: Mapped[str | None] = mapped_column(String(16))
    how_told: Mapped[str | None] = mapped_column(String(16))
    # Where from and where to
    home_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    home_office: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    receiving_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    receiving_agency_other: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    receiving_unit: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    # Duties (the choices are in notice_choices)
    duties_other: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    # Dates
    notified_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    expected_length: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    reply_by: Mapped[date | None] = mapped_column(Date)
    # Place
    duty_location: Mapped[str | None] = mapped_column(String(SHORT_TEXT))
    travel: Mapped[str | None] = mapped_column(String(8))
    relocation: Mapped[str | None] = mapped_column(String(8))
    remote_to_onsite: Mapped[str | None] = mapped_column(String(8))
    coworkers_count: Mapped[int | None]
    # Concerns
    training_status: Mapped[str | None] = mapped_column(String(16))
    training_other: Mapped[str | None] = mapped_column(String(MEDIUM_TEXT))
    contract_articles: Mapped[str | None] = mapped_column(String(MEDIUM_TEXT))
    union_notified_before: Mapped[str | None] = mapped_column(String(8))
    telework_affected: Mapped[str | None] = mapped_column(String(8))
    outside_position_description: Mapped[str | None] = mapped_column(String(8))
    safety_health: Mapped[str | None] = mapped_column(Text)
    personal_hardship: Mapped[str | None] = mapped_column(Text)
    # In the member's words, and what they allow
    statement: Mapped[str | None] = mapped_column(Text)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_anonymized_use: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    member: Mapped["User"] = relationship(lazy="raise_on_sql")
    chapter: Mapped[Chapter] = relationship(lazy="raise_on_sql")
    case: Mapped[Case | None] = relationship(lazy="raise_on_sql")
    home_agency: Mapped[Agency | None] = relationship(
        foreign_keys=[home_agency_id], lazy="raise_on_sql"
    )
    receiving_agency: Mapped[Agency | None] = relationship(
        foreign_keys=[receiving_agency_id], lazy="raise_on_sql"
    )
    choices: Mapped[list["NoticeChoice"]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql", order_by="NoticeChoice.answer"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="notice",
        cascade="all, delete-orphan",
        lazy="raise_on_sql",
        order_by="Attachment.id",
    )

    def answers(self, question: Question) -> list[Choice]:
        """The options ticked for ``question``, in the form's order."""
        ticked = {c.answer for c in self.choices if c.question == question}
        return [member for member in ANSWERS[question] if member.value in ticked]

    @property
    def duties(self) -> list[Choice]:
        return self.answers(Question.DUTY)

    @property
    def training_gaps(self) -> list[Choice]:
        return self.answers(Question.TRAINING_GAP)

    @property
    def pay_items(self) -> list[Choice]:
        return self.answers(Question.PAY)

    @property
    def is_draft(self) -> bool:
        return self.status == NoticeStatus.DRAFT

    @property
    def status_label(self) -> str:
        return NoticeStatus(self.status).label

    @property
    def receiving_label(self) -> str | None:
        """The receiving component: from the catalogue, or as the member typed it."""
        if self.receiving_agency_id is not None and self.receiving_agency is not None:
            return self.receiving_agency.label
        return self.receiving_agency_other

    def label_of(self, column: str) -> str | None:
        """The words for a stored choice, e.g. ``notice.label_of("kind")``."""
        value = getattr(self, column)
        return None if value is None else COLUMN_CHOICES[column](value).label

    def __repr__(self) -> str:
        return f"<Notice {self.id} {self.status}>"


COLUMN_CHOICES: dict[str, type[Choice]] = {
    "status": NoticeStatus,
    "kind": NoticeKind,
    "willingness": Willingness,
    "how_told": Channel,
    "training_status": TrainingStatus,
    "travel": Answer,
    "relocation": Answer,
    "remote_to_onsite": Answer,
    "union_notified_before": Answer,
    "telework_affected": Answer,
    "outside_position_description": Answer,
}


class NoticeChoice(db.Model):
    """One ticked box of a multiple-choice question (duties, missing training, pay): one
    row each, so reports can count notices by duty or concern in plain SQL."""

    __tablename__ = "notice_choices"
    __table_args__ = (
        enum_check("question", Question),
        _answers_check(),
        Index("ix_notice_choices_question_answer", "question", "answer"),
    )

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    answer: Mapped[str] = mapped_column(String(32), primary_key=True)


class Attachment(db.Model):
    """A file a member attached: the memo, email or screenshot that told them.

    The file lives under UPLOAD_FOLDER as ``stored_name`` (random); ``filename`` is the
    member's name for it, cleaned, used only for display and the download's name."""

    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    notice: Mapped[Notice] = relationship(back_populates="attachments", lazy="raise_on_sql")

    @property
    def kind_label(self) -> str:
        return ATTACHMENT_KIND_LABELS.get(self.content_type, self.content_type)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} of notice {self.notice_id}>"


ATTACHMENT_KIND_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "text/plain": "Text",
    "message/rfc822": "Email",
}
