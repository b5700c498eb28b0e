"""People: members, reps and admins, and their login attempts."""

import enum
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from union.chapters.models import Chapter, rep_coverage
from union.core.time import utcnow
from union.core.types import UTCDateTime, enum_check
from union.extensions import db


class Role(enum.StrEnum):
    MEMBER = "member"
    REP = "rep"
    ADMIN = "admin"


GOVERNMENT_SUFFIXES = (".gov", ".mil")


def is_government_address(email: str) -> bool:
    """Union business belongs on personal email: is this a .gov or .mil address?"""
    domain = email.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    return domain.endswith(GOVERNMENT_SUFFIXES) or domain in {"gov", "mil"}


class Verification(enum.StrEnum):
    """Whether the chapter knows this person is one of its members."""

    VERIFIED = "verified"  # on the chapter's list, invited, created by staff, or approved
    PENDING = "pending"  # registered with the invite code; a rep has yet to decide
    REJECTED = "rejected"  # a rep found they are not a member: they cannot log in


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role), enum_check("verification", Verification))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The member's own chapter (reps and admins may have one too).
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True
    )
    # Accounts made before verification existed, and by staff, count as verified.
    verification: Mapped[str] = mapped_column(
        String(16), default=Verification.VERIFIED, server_default=Verification.VERIFIED.value
    )
    # The member number someone typed when registering, for the rep who verifies them.
    claimed_member_number: Mapped[str | None] = mapped_column(String(32))
    # Changing this ends every session and remember-me cookie of the user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    chapter: Mapped[Chapter | None] = relationship(foreign_keys=[chapter_id])
    covered_chapters: Mapped[list[Chapter]] = relationship(
        secondary=rep_coverage, order_by=Chapter.number
    )

    # Flask-Login: the id in the session carries the session token, so rotating the token
    # (password change, deactivation) logs the user out everywhere.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_rep(self) -> bool:
        """Reps and admins both work cases."""
        return self.role in {Role.REP, Role.ADMIN}

    @property
    def is_verified(self) -> bool:
        """Known to be a member of their chapter (reps see notices of others marked
        "unverified")."""
        return self.verification == Verification.VERIFIED

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def covers(self, chapter_id: int | None) -> bool:
        """Whether this user may work the cases of ``chapter_id``."""
        if self.role == Role.ADMIN:
            return True
        return self.role == Role.REP and any(c.id == chapter_id for c in self.covered_chapters)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginAttempt(db.Model):
    """Each try at logging in, kept to slow guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
