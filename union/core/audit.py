"""The append-only audit log: who changed what, when. Every write goes through ``record``."""

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from union.core.commits import name_witness
from union.core.time import utcnow
from union.core.types import UTCDateTime
from union.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_chapter_at", "chapter_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("chapters.id", ondelete="SET NULL"))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.object_type}#{self.object_id}>"


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")


@event.listens_for(Session, "after_flush")
def _witness_the_transaction(session: Session, flush_context: Any) -> None:
    # An audit entry commits with its change or not at all: if the connection breaks
    # during the COMMIT, whether this row exists says whether the change was saved.
    for obj in session.new:
        if isinstance(obj, AuditEntry):
            name_witness(session, AuditEntry.__table__, obj.id)
            return


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    chapter_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` to the current transaction.

    ``actor`` defaults to the logged-in user (``None`` for the system: CLI, jobs).
    The entry is flushed with the change itself, so both commit or neither does.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None and obj.id is None:
        db.session.flush()
    entry = AuditEntry(
        action=action,
        object_type=type(obj).__name__ if obj is not None else "system",
        object_id=getattr(obj, "id", None),
        actor_id=getattr(actor, "id", None),
        chapter_id=chapter_id if chapter_id is not None else getattr(obj, "chapter_id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=_jsonable(details),
    )
    db.session.add(entry)
    return entry


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        if isinstance(value, str | int | float | bool | type(None) | list | dict)
        else str(value)
        for key, value in details.items()
    }
