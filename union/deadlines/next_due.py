"""Each case's next due date (``Case.next_due_on``), kept equal to the earliest due date
of its open deadlines, whatever changes a deadline: adding, moving, extending, closing,
reopening, deleting, or moving it to another case.

It is kept by the session, not by each service: after every flush that touched a
deadline, one UPDATE recomputes the stored date of the cases concerned, in the same
transaction, so no path that writes a deadline through the ORM can forget it. Code that
writes deadlines with bulk SQL (the national data generator) calls ``refresh``.
"""

from typing import Any

from sqlalchemy import Connection, event, func, select, update
from sqlalchemy.orm import Session, UOWTransaction, attributes
from sqlalchemy.orm.util import identity_key

from union.cases.models import Case
from union.deadlines.models import Deadline

_PENDING = "next_due_cases"  # session.info: ids of cases whose next due date may have moved


def _earliest_open() -> Any:
    """The earliest open due date of the case in the enclosing UPDATE of ``cases``."""
    return (
        select(func.min(Deadline.due_on))
        .where(Deadline.case_id == Case.id, Deadline.done_at.is_(None))
        .scalar_subquery()
    )


def refresh(connection: Connection, case_ids: set[int] | None = None) -> None:
    """Recompute the stored next due date of ``case_ids`` (of every case when None).
    ``updated_at`` is kept: a recomputed date is not activity on the case."""
    stmt = update(Case).values(next_due_on=_earliest_open(), updated_at=Case.updated_at)
    if case_ids is not None:
        stmt = stmt.where(Case.id.in_(sorted(case_ids)))
    connection.execute(stmt)


def _cases_touched(deadline: Deadline) -> set[int]:
    """The case of a new, changed or deleted deadline, and the case it left if it moved."""
    state = attributes.instance_state(deadline)
    touched = {deadline.case_id} if deadline.case_id is not None else set()
    if state.persistent or state.deleted:
        history = state.attrs.case_id.history
        touched.update(case_id for case_id in history.deleted or () if case_id is not None)
    return touched


def _moved(deadline: Deadline) -> bool:
    state = attributes.instance_state(deadline)
    return any(state.attrs[name].history.has_changes() for name in ("due_on", "done_at", "case_id"))


@event.listens_for(Session, "after_flush")
def _on_after_flush(session: Session, flush_context: UOWTransaction) -> None:
    # History is still there to read here; the UPDATE waits until the flush is done.
    touched: set[int] = set()
    for deadline in session.new:
        if isinstance(deadline, Deadline):
            touched |= _cases_touched(deadline)
    for deadline in session.dirty:
        if isinstance(deadline, Deadline) and _moved(deadline):
            touched |= _cases_touched(deadline)
    for deadline in session.deleted:
        if isinstance(deadline, Deadline):
            touched |= _cases_touched(deadline)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


@event.listens_for(Session, "after_flush_postexec")
def _on_after_flush_postexec(session: Session, flush_context: UOWTransaction) -> None:
    case_ids = session.info.pop(_PENDING, None)
    if not case_ids:
        return
    refresh(session.connection(), case_ids)
    # Cases already loaded read the new date from the database when next asked.
    for case_id in case_ids:
        case = session.identity_map.get(identity_key(Case, case_id))
        if case is not None:
            session.expire(case, ["next_due_on"])


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
