"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from union.auth.models import LoginAttempt, Role, User
from union.chapters.models import Agency, Chapter, DayKind, rep_coverage
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage, OutboxStatus

__all__ = [
    "Agency",
    "AuditEntry",
    "Chapter",
    "DayKind",
    "LoginAttempt",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "User",
    "rep_coverage",
]
