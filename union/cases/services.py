"""Case rules: opening a case with its reference, the timeline, status changes.

Services flush and audit; the caller (view, command, job) commits.
"""

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from union.cases.models import Case, CaseEvent, CaseEventKind, CaseReferenceCounter, CaseStatus
from union.core import audit
from union.core.permissions import policy
from union.core.time import utcnow
from union.extensions import db


@policy(Case)
def _case_policy(user: Any, action: str, case: Case) -> bool:
    """Reps of the case's chapter (and admins) work it. Members reach their cases through
    their notices, whose policy decides what they see."""
    return bool(user.covers(case.chapter_id))


def format_reference(year: int, number: int) -> str:
    """``C-2026-00042``: five digits, more only past 99,999 cases in a year."""
    return f"C-{year}-{number:05d}"


def _bump_counter(year: int) -> Insert:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING: one atomic statement on PostgreSQL and
    SQLite. Two transactions at once queue on the counter row (PostgreSQL's row lock,
    SQLite's single writer) and so get different numbers; no read-then-write race."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = CaseReferenceCounter.__table__
    return (
        insert(table)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )


def next_reference(year: int) -> str:
    """The next unused reference of ``year``, taken in the current transaction (a rollback
    gives the number back)."""
    number = db.session.execute(_bump_counter(year)).scalar_one()
    return format_reference(year, number)


def open_case(*, chapter_id: int, year: int, actor: Any = None) -> Case:
    """A new case with status "new", its reference and an "opened" event."""
    case = Case(reference=next_reference(year), chapter_id=chapter_id, status=CaseStatus.NEW)
    db.session.add(case)
    db.session.flush()
    add_event(case, CaseEventKind.OPENED, actor=actor, visible_to_member=True)
    audit.record("case.open", case, actor=actor, reference=case.reference)
    return case


def add_event(
    case: Case,
    kind: CaseEventKind,
    *,
    actor: Any = None,
    body: str | None = None,
    visible_to_member: bool = False,
    notice_id: int | None = None,
    **details: Any,
) -> CaseEvent:
    """Put an event on the case's timeline; the case counts as active from now."""
    event = CaseEvent(
        case_id=case.id,
        notice_id=notice_id,
        kind=kind,
        actor_id=getattr(actor, "id", None),
        body=body,
        visible_to_member=visible_to_member,
        details=details,
        at=utcnow(),
    )
    db.session.add(event)
    case.updated_at = event.at
    db.session.flush()
    return event


def set_status(
    case: Case,
    status: CaseStatus,
    *,
    actor: Any = None,
    kind: CaseEventKind = CaseEventKind.STATUS_CHANGED,
    body: str | None = None,
    notice_id: int | None = None,
) -> CaseEvent | None:
    """Move the case to ``status``: one event on the timeline (members see it; ``kind``
    names why, e.g. "withdrawn") and an audit entry. None if it already had that status."""
    before = case.status
    if before == status:
        return None
    case.status = status
    event = add_event(
        case,
        kind,
        actor=actor,
        body=body,
        visible_to_member=True,
        notice_id=notice_id,
        before=before,
        after=status,
    )
    audit.record("case.status", case, actor=actor, before=before, after=str(status))
    return event
