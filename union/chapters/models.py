"""Chapters, the agency catalogue, and which chapters each rep covers."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db


class DayKind(enum.StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


rep_coverage = Table(
    "rep_coverage",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("chapter_id", Integer, ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(db.Model):
    """A component in the catalogue, e.g. Treasury / IRS-CI."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("department", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def label(self) -> str:
        return self.label_of(self.department, self.code)

    @staticmethod
    def label_of(department: str, code: str) -> str:
        """The short name of a component, e.g. ``Treasury/IRS-CI``."""
        return f"{department}/{code}"

    def __repr__(self) -> str:
        return f"<Agency {self.label}>"


class Chapter(db.Model):
    __tablename__ = "chapters"
    __table_args__ = (
        enum_check("grievance_day_kind", DayKind),
        enum_check("info_request_day_kind", DayKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    # Deadline policy: what the chapter's contract gives the union and management.
    grievance_days: Mapped[int] = mapped_column(default=30, server_default="30")
    grievance_day_kind: Mapped[str] = mapped_column(
        String(16), default=DayKind.CALENDAR, server_default=DayKind.CALENDAR.value
    )
    info_request_days: Mapped[int] = mapped_column(default=15, server_default="15")
    info_request_day_kind: Mapped[str] = mapped_column(
        String(16), default=DayKind.BUSINESS, server_default=DayKind.BUSINESS.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        return f"Chapter {self.number}"

    def __repr__(self) -> str:
        return f"<Chapter {self.number}>"
