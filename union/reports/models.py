"""A rep's review of one member's statement for anonymized use."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User
    from union.notices.models import Notice


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"  # scrubbed text saved, not decided yet
    APPROVED = "approved"  # may go into the document for lawmakers
    REJECTED = "rejected"  # not to be used

    @property
    def label(self) -> str:
        return {"pending": "Saved, not decided", "approved": "Approved",
                "rejected": "Not used"}[self.value]  # fmt: skip


class StatementReview(db.Model):
    """The anonymized text of a notice's statement as a rep last saved it, and their
    decision. One per notice; deleted when the member withdraws consent, so nothing of
    the statement outlives the consent (the audit log keeps that it happened)."""

    __tablename__ = "statement_reviews"
    __table_args__ = (
        enum_check("status", ReviewStatus),
        Index("ix_statement_reviews_chapter_id_status", "chapter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), unique=True
    )
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(
        String(16), default=ReviewStatus.PENDING, server_default=ReviewStatus.PENDING.value
    )
    text: Mapped[str] = mapped_column(Text)
    # SHA-256 of the statement the text was made from: a different statement means the
    # review no longer stands.
    source_sha256: Mapped[str] = mapped_column(String(64))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    notice: Mapped["Notice"] = relationship(lazy="raise_on_sql")
    reviewer: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    @property
    def status_label(self) -> str:
        return ReviewStatus(self.status).label

    def __repr__(self) -> str:
        return f"<StatementReview notice#{self.notice_id} {self.status}>"
