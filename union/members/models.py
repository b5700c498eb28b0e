"""The chapter's member roster (imported from its list), the column mapping each chapter
last used, and the record of every import run."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.chapters.models import Chapter
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db

if TYPE_CHECKING:
    from union.auth.models import User


class Member(db.Model):
    """One person on a chapter's member list. Separate from accounts: most members on the
    list have none yet; ``user_id`` links the account once they join."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("chapter_id", "member_number"),
        # Emails are stored lower-case, so this makes them unique case-insensitively;
        # NULLs (no email on file) never clash.
        UniqueConstraint("chapter_id", "email"),
        Index("ix_members_chapter_id_name", "chapter_id", "name"),
        Index("ix_members_chapter_id_office", "chapter_id", "office"),
        Index("ix_members_chapter_id_component", "chapter_id", "component"),
        Index("ix_members_chapter_id_missing", "chapter_id", "missing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    member_number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    component: Mapped[str | None] = mapped_column(String(100))
    office: Mapped[str | None] = mapped_column(String(120))
    duty_station: Mapped[str | None] = mapped_column(String(120))
    work_schedule: Mapped[str | None] = mapped_column(String(60))
    # The account of this member, once they joined (one roster entry per account).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    # Not on the chapter's latest list: flagged, never deleted (they may be back).
    missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every invitation bumps the count; a link carries the count it was sent with, so
    # only the latest link works, and none once the member has joined.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    invitation_count: Mapped[int] = mapped_column(default=0, server_default="0")
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    chapter: Mapped[Chapter] = relationship(lazy="raise_on_sql")
    user: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    @property
    def has_joined(self) -> bool:
        return self.user_id is not None

    def __repr__(self) -> str:
        return f"<Member {self.chapter_id}/{self.member_number}>"


class ImportMapping(db.Model):
    """What a chapter's files look like, remembered from its last import: which file
    column holds each Steward field, and the chapter's known offices."""

    __tablename__ = "member_import_mappings"

    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    # Steward field name -> the file's column header.
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Empty: any office is accepted. Otherwise a row naming another office is refused.
    known_offices: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ImportStatus(enum.StrEnum):
    DRAFT = "draft"  # uploaded; columns being mapped, dry run being read
    QUEUED = "queued"  # confirmed; waiting for a worker to claim it
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    DISCARDED = "discarded"  # a draft nobody confirmed; its file is deleted


class ImportRun(db.Model):
    """One import of a member list: the uploaded file, its mapping, and its progress."""

    __tablename__ = "member_import_runs"
    __table_args__ = (
        enum_check("status", ImportStatus),
        Index("ix_member_import_runs_status_claimed_at", "status", "claimed_at"),
        Index("ix_member_import_runs_chapter_id_created_at", "chapter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    # Random name of the upload under instance/member-imports; None once deleted.
    stored_name: Mapped[str | None] = mapped_column(String(64))
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    known_offices: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.DRAFT)
    total_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    processed_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    created_count: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_count: Mapped[int] = mapped_column(default=0, server_default="0")
    unchanged_count: Mapped[int] = mapped_column(default=0, server_default="0")
    missing_count: Mapped[int] = mapped_column(default=0, server_default="0")
    error_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # [{"row": 12, "member_number": "…", "reason": "…"}, …]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    chapter: Mapped[Chapter] = relationship(lazy="joined")
    created_by: Mapped["User | None"] = relationship(lazy="raise_on_sql")

    @property
    def is_active(self) -> bool:
        return self.status in {ImportStatus.QUEUED, ImportStatus.RUNNING}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    def __repr__(self) -> str:
        return f"<ImportRun {self.id} {self.status}>"
