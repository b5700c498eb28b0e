"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from union.auth.models import LoginAttempt, Role, User, Verification
from union.cases.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseReferenceCounter,
    CaseStatus,
    SavedView,
)
from union.chapters.models import Agency, Chapter, DayKind, rep_coverage
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage, OutboxStatus
from union.core.scheduler import JobHealth
from union.deadlines.models import CalendarFeed, Deadline, DeadlineChange
from union.digests.models import DigestDelivery, DigestPreference
from union.members.models import ImportMapping, ImportRun, ImportStatus, Member
from union.notices.models import Attachment, Notice, NoticeChoice, NoticeStatus
from union.reports.models import StatementReview
from union.rosters.models import (
    InfoRequest,
    InfoRequestChange,
    InfoRequestItem,
    RosterAnswer,
    RosterDocument,
    RosterDuty,
    RosterRecipient,
    RosterRequest,
)

__all__ = [
    "Agency",
    "Attachment",
    "AuditEntry",
    "CalendarFeed",
    "Case",
    "CaseAction",
    "CaseEvent",
    "CaseReferenceCounter",
    "CaseStatus",
    "Chapter",
    "DayKind",
    "Deadline",
    "DeadlineChange",
    "DigestDelivery",
    "DigestPreference",
    "ImportMapping",
    "ImportRun",
    "ImportStatus",
    "InfoRequest",
    "InfoRequestChange",
    "InfoRequestItem",
    "JobHealth",
    "LoginAttempt",
    "Member",
    "Notice",
    "NoticeChoice",
    "NoticeStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "RosterAnswer",
    "RosterDocument",
    "RosterDuty",
    "RosterRecipient",
    "RosterRequest",
    "SavedView",
    "StatementReview",
    "User",
    "Verification",
    "rep_coverage",
]
