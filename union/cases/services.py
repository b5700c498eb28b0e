"""Case rules: opening a case with its reference, the timeline, the workflow of statuses,
assignment, priority, notes and replies, actions, collective cases (linking notices in and
splitting one out), duplicate suggestions, bulk changes, and the version check that keeps
two reps from overwriting each other.

Services flush and audit; the caller (view, command, job) commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from union.auth.models import Role, User
from union.cases.concerns import Concern
from union.cases.models import (
    MAX_GRIEVANCE_STEP,
    OPEN_STATUSES,
    Case,
    CaseAction,
    CaseActionKind,
    CaseEvent,
    CaseEventKind,
    CasePriority,
    CaseReferenceCounter,
    CaseStatus,
)
from union.chapters.models import rep_coverage
from union.core import audit
from union.core.links import external_url
from union.core.outbox import queue_email
from union.core.permissions import can, policy
from union.core.security import MAX_ID
from union.core.time import utcnow
from union.extensions import db
from union.notices.models import Notice, NoticeStatus


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


# -- problems --------------------------------------------------------------------------


class CaseProblems(ValueError):
    """What stops the change, field by field; each message is for the rep."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class StaleCase(CaseProblems):
    """The case changed since the rep's page was drawn: saving would overwrite what they
    have not seen."""

    def __init__(self) -> None:
        super().__init__(
            {
                "version": "Someone else changed this case after you opened it, so your "
                "change was not saved. The page now shows the case as it is."
            }
        )


def ensure_current(case: Case, expected_version: int | None) -> None:
    """Refuse a change made from a page showing an older version of the case (``None``:
    no page involved, e.g. a bulk change or a command)."""
    if expected_version is not None and expected_version != case.version:
        raise StaleCase()


# -- the workflow ----------------------------------------------------------------------

# The one table of the workflow: from each status, where a case may go next. A resolved
# case can be reopened (back to in progress); closed and withdrawn are final.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.WITHDRAWN}),
    CaseStatus.TRIAGED: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.IN_PROGRESS: frozenset(
        {CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.WAITING: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}


def next_statuses(status: str) -> list[CaseStatus]:
    """Where a case of ``status`` may go, in the workflow's order."""
    allowed = TRANSITIONS[CaseStatus(status)]
    return [s for s in CaseStatus if s in allowed]


def _listed(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def transition_problem(case: Case, target: CaseStatus) -> str | None:
    """Why ``case`` cannot move to ``target`` (None: it can)."""
    current = CaseStatus(case.status)
    if target == current:
        return f"The case is already {current.label.lower()}."
    if target in TRANSITIONS[current]:
        return None
    if not TRANSITIONS[current]:
        return f"A {current.label.lower()} case is final: its status no longer changes."
    allowed = _listed([s.label.lower() for s in next_statuses(current)])
    return (
        f"A case that is {current.label.lower()} can move to {allowed}, "
        f"not straight to {target.label.lower()}."
    )


def change_status(
    case: Case, status: str, *, actor: Any, expected_version: int | None = None
) -> CaseEvent:
    """Move the case along the workflow; a move the workflow does not allow is refused
    with the reason."""
    ensure_current(case, expected_version)
    try:
        target = CaseStatus(status)
    except ValueError:
        raise CaseProblems({"status": "Choose a status."}) from None
    problem = transition_problem(case, target)
    if problem:
        raise CaseProblems({"status": problem})
    event = set_status(case, target, actor=actor)
    assert event is not None
    return event


# -- who works a case ------------------------------------------------------------------


def _assignable(chapter_ids: Iterable[int]) -> ColumnElement[bool]:
    """Active admins, and active reps named as covering one of ``chapter_ids``."""
    return and_(
        User.active.is_(True),
        or_(
            User.role == Role.ADMIN,
            and_(
                User.role == Role.REP,
                # By the coverage table's key, not a test of every account's coverage.
                User.id.in_(
                    select(rep_coverage.c.user_id).where(
                        rep_coverage.c.chapter_id.in_(list(chapter_ids))
                    )
                ),
            ),
        ),
    )


def assignable_people(chapter_ids: Iterable[int]) -> list[User]:
    """Who may be given cases of ``chapter_ids``: their reps, and admins (one query)."""
    return list(
        db.session.scalars(
            select(User).where(_assignable(chapter_ids)).order_by(User.name, User.id)
        )
    )


def may_be_assigned(user: User, chapter_id: int) -> bool:
    """Whether ``user`` may be given a case of ``chapter_id``."""
    found = db.session.scalar(select(User.id).where(User.id == user.id, _assignable([chapter_id])))
    return found is not None


def open_cases_held(user: User) -> dict[int, int]:
    """Open cases assigned to ``user``, counted per chapter: ``{chapter_id: count}``."""
    rows = db.session.execute(
        select(Case.chapter_id, func.count(Case.id))
        .where(Case.assigned_rep_id == user.id, Case.status.in_(OPEN_STATUSES))
        .group_by(Case.chapter_id)
    )
    return {chapter_id: int(count) for chapter_id, count in rows}


def assign_case(
    case: Case, rep: User | None, *, actor: Any, expected_version: int | None = None
) -> CaseEvent | None:
    """Give the case to ``rep`` (None: nobody). Only the chapter's reps and admins can be
    given a case. None when it was theirs already."""
    ensure_current(case, expected_version)
    if rep is not None and not may_be_assigned(rep, case.chapter_id):
        raise CaseProblems(
            {"rep": f"{rep.name} does not work this chapter's cases: choose one of its reps."}
        )
    before_id = case.assigned_rep_id
    after_id = rep.id if rep is not None else None
    if before_id == after_id:
        return None
    before = db.session.get(User, before_id) if before_id is not None else None
    case.assigned_rep_id = after_id
    case.assigned_rep = rep
    event = add_event(
        case,
        CaseEventKind.ASSIGNED,
        actor=actor,
        from_rep_id=before_id,
        from_name=before.name if before else None,
        to_rep_id=after_id,
        to_name=rep.name if rep else None,
    )
    audit.record("case.assign", case, actor=actor, before=before_id, after=after_id)
    return event


def set_priority(
    case: Case, priority: str, *, actor: Any, expected_version: int | None = None
) -> CaseEvent | None:
    """Set how pressing the case is; None when it already was."""
    ensure_current(case, expected_version)
    try:
        after = CasePriority(priority)
    except ValueError:
        raise CaseProblems({"priority": "Choose a priority."}) from None
    before = case.priority
    if before == after:
        return None
    case.priority = after
    event = add_event(
        case, CaseEventKind.PRIORITY_CHANGED, actor=actor, before=before, after=after.value
    )
    audit.record("case.priority", case, actor=actor, before=before, after=after.value)
    return event


# -- notes and replies -----------------------------------------------------------------


def add_comment(
    case: Case,
    body: str | None,
    *,
    reply: bool,
    actor: Any,
    notice: Notice | None = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """An internal note (reps only) or a reply the member reads on their notice page.

    A reply goes to every member on the case, or to the member of ``notice`` alone. Each
    gets an email saying a reply is waiting, with a link and never the reply's text."""
    ensure_current(case, expected_version)
    problems: dict[str, str] = {}
    if not body:
        problems["body"] = "Write the reply." if reply else "Write the note."
    if notice is not None and notice.case_id != case.id:
        problems["to"] = "That notice is not part of this case."
    recipients: list[Notice] = []
    if reply and "to" not in problems:
        recipients = _reply_recipients(case, notice)
        if not recipients:
            problems["to"] = (
                "No member can read a reply here: their notices are withdrawn. "
                "Add an internal note instead."
            )
    if problems:
        raise CaseProblems(problems)
    event = add_event(
        case,
        CaseEventKind.REPLY if reply else CaseEventKind.NOTE,
        actor=actor,
        body=body,
        visible_to_member=reply,
        notice_id=notice.id if notice is not None else None,
    )
    audit.record(
        "case.reply" if reply else "case.note",
        case,
        actor=actor,
        event_id=event.id,
        notice_id=notice.id if notice is not None else None,
        recipients=len(recipients),
    )
    for recipient in recipients:
        queue_email(
            "case-reply",
            recipient.member.email,
            f"A reply from your union is waiting: {case.reference}",
            "case_reply",
            user=recipient.member,
            key=f"{event.id}.{recipient.id}",
            reference=case.reference,
            notice_url=external_url("notices.show", notice_id=recipient.id) + "#timeline",
        )
    return event


def _reply_recipients(case: Case, notice: Notice | None) -> list[Notice]:
    """The standing notices a reply reaches, one per member (their first)."""
    query = (
        select(Notice)
        .where(Notice.case_id == case.id, Notice.status == NoticeStatus.SUBMITTED)
        .options(joinedload(Notice.member))
        .order_by(Notice.id)
    )
    if notice is not None:
        query = query.where(Notice.id == notice.id)
    first: dict[int, Notice] = {}
    for found in db.session.scalars(query):
        first.setdefault(found.member_id, found)
    return list(first.values())


# -- actions ---------------------------------------------------------------------------

# An action more than this long ago is a typo in the year.
ACTION_PAST_YEARS = 5


def record_action(
    case: Case,
    *,
    kind: str | None,
    taken_on: date | None,
    step: int | None,
    note: str | None,
    today: date,
    actor: Any,
    expected_version: int | None = None,
) -> CaseAction:
    """Record what the union did, on the day it did it. An information request sent also
    sets the date management must answer by, from the chapter's policy."""
    ensure_current(case, expected_version)
    problems: dict[str, str] = {}
    try:
        action_kind = CaseActionKind(kind or "")
    except ValueError:
        problems["kind"] = "Choose what was done."
        action_kind = None
    if action_kind == CaseActionKind.GRIEVANCE:
        if step is None:
            problems["step"] = "Enter the step of the grievance procedure."
        elif not 1 <= step <= MAX_GRIEVANCE_STEP:
            problems["step"] = f"A step is a number from 1 to {MAX_GRIEVANCE_STEP}."
    elif step is not None and action_kind is not None:
        problems["step"] = "A step goes with a grievance only: leave it empty."
    if taken_on is None:
        problems["taken_on"] = "Enter the date it was done."
    elif taken_on > today:
        problems["taken_on"] = "Record an action once it is done: the date cannot be in the future."
    elif taken_on.year < today.year - ACTION_PAST_YEARS:
        problems["taken_on"] = (
            f"The date is more than {ACTION_PAST_YEARS} years ago: check the year."
        )
    if problems:
        raise CaseProblems(problems)
    assert action_kind is not None and taken_on is not None
    action = CaseAction(
        case_id=case.id,
        kind=action_kind.value,
        step=step if action_kind == CaseActionKind.GRIEVANCE else None,
        taken_on=taken_on,
        note=note,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(action)
    db.session.flush()
    add_event(
        case,
        CaseEventKind.ACTION_RECORDED,
        actor=actor,
        body=note,
        action_id=action.id,
        action=action_kind.value,
        step=action.step,
        taken_on=taken_on.isoformat(),
    )
    audit.record(
        "case.action",
        case,
        actor=actor,
        action_id=action.id,
        kind=action_kind.value,
        step=action.step,
        taken_on=taken_on.isoformat(),
    )
    if action_kind == CaseActionKind.INFORMATION_REQUEST:
        deadlines = _deadline_services()
        if deadlines is not None and hasattr(deadlines, "propose_info_request_deadline"):
            deadlines.propose_info_request_deadline(case, taken_on, actor=actor)
    return action


def _deadline_services() -> Any:
    """The deadlines feature's services, when that feature is installed."""
    try:
        from union.deadlines import services
    except ImportError:
        return None
    return services


# -- collective cases ------------------------------------------------------------------


def _moved_body(reference: str, *, split: bool) -> str:
    if split:
        return f"Your notice is now followed in a case of its own: {reference}."
    return (
        f"Your notice is now handled together with other members' notices of the same kind, "
        f"in collective case {reference}."
    )


def link_notices(
    case: Case, notices: list[Notice], *, actor: Any, expected_version: int | None = None
) -> list[Notice]:
    """Move ``notices`` (of other open cases of the same chapter) into ``case``, making
    it a collective case. Both timelines record the move; a case left without notices is
    closed. All or nothing: any notice refused changes nothing, and each reason is said."""
    ensure_current(case, expected_version)
    if not case.is_open:
        raise CaseProblems({"link": "Notices can be linked into an open case only."})
    if not notices:
        raise CaseProblems({"link": "Choose the notices or cases to link into this one."})
    sources = {
        c.id: c
        for c in db.session.scalars(
            select(Case)
            .where(Case.id.in_({n.case_id for n in notices if n.case_id is not None}))
            .with_for_update(of=Case)
        )
    }
    refused = []
    for notice in notices:
        source = sources.get(notice.case_id) if notice.case_id is not None else None
        name = f"The notice of {source.reference}" if source else f"Notice #{notice.id}"
        if notice.chapter_id != case.chapter_id:
            refused.append(f"{name} belongs to another chapter.")
        elif notice.case_id == case.id:
            refused.append(f"{name} is already part of this case.")
        elif notice.status != NoticeStatus.SUBMITTED or source is None:
            refused.append(f"{name} is withdrawn.")
        elif not source.is_open:
            refused.append(f"{name} stays with it: that case is {source.status_label.lower()}.")
    if refused:
        raise CaseProblems({"link": " ".join(refused)})

    origin = {n.id: sources[n.case_id] for n in notices}  # type: ignore[index]
    deadlines = _deadline_services()
    for notice in notices:
        _move(notice, origin[notice.id], case, actor=actor, split=False)
        if deadlines is not None and hasattr(deadlines, "propose_deadlines"):
            deadlines.propose_deadlines(case, notice, actor=actor)
    audit.record(
        "case.link",
        case,
        actor=actor,
        notice_ids=[n.id for n in notices],
        from_cases=sorted({c.reference for c in origin.values()}),
    )
    for source in sources.values():
        _close_if_empty(source, case, actor=actor)
    return notices


def _move(notice: Notice, source: Case, target: Case, *, actor: Any, split: bool) -> None:
    notice.case_id = target.id
    if "case" in notice.__dict__:
        notice.case = target
    db.session.flush()
    add_event(
        source,
        CaseEventKind.NOTICE_UNLINKED,
        actor=actor,
        notice_id=notice.id,
        to_case=target.reference,
        to_case_id=target.id,
        split=split,
    )
    add_event(
        target,
        CaseEventKind.NOTICE_LINKED,
        actor=actor,
        notice_id=notice.id,
        visible_to_member=True,
        body=_moved_body(target.reference, split=split),
        from_case=source.reference,
        from_case_id=source.id,
        split=split,
    )
    if source.id != target.id:
        audit.record(
            "case.unlink", source, actor=actor, notice_id=notice.id, to_case=target.reference
        )


def _close_if_empty(source: Case, target: Case, *, actor: Any) -> None:
    """A case whose every notice moved elsewhere has nothing left to work: close it, and
    its open deadlines with it."""
    left = db.session.scalar(select(func.count(Notice.id)).where(Notice.case_id == source.id))
    if left:
        return
    set_status(
        source,
        CaseStatus.CLOSED,
        actor=actor,
        body=f"Every notice of this case is now part of {target.reference}.",
    )
    deadlines = _deadline_services()
    if deadlines is None or not hasattr(deadlines, "close_deadline"):
        return
    from union.deadlines.models import Deadline

    for deadline in db.session.scalars(
        select(Deadline).where(Deadline.case_id == source.id, Deadline.done_at.is_(None))
    ):
        deadlines.close_deadline(
            deadline, actor=actor, reason=f"The case's notices moved to {target.reference}."
        )


def split_notice(
    case: Case,
    notice: Notice,
    *,
    year: int,
    actor: Any,
    expected_version: int | None = None,
) -> Case:
    """Take ``notice`` out of a collective case into a new case of its own (a new
    reference, status "new"); both timelines record it."""
    ensure_current(case, expected_version)
    if notice.case_id != case.id:
        raise CaseProblems({"split": "That notice is not part of this case."})
    count = db.session.scalar(select(func.count(Notice.id)).where(Notice.case_id == case.id))
    if (count or 0) < 2:
        raise CaseProblems(
            {"split": "This is the case's only notice: there is nothing to split it from."}
        )
    new_case = open_case(chapter_id=case.chapter_id, year=year, actor=actor)
    _move(notice, case, new_case, actor=actor, split=True)
    audit.record("case.split", case, actor=actor, notice_id=notice.id, new_case=new_case.reference)
    deadlines = _deadline_services()
    if deadlines is not None and hasattr(deadlines, "propose_deadlines"):
        deadlines.propose_deadlines(new_case, notice, actor=actor)
    return new_case


# Two notices are likely the same roster or solicitation when they name the same unit
# and kind and were given within this many days of each other.
DUPLICATE_WINDOW_DAYS = 5
MAX_SUGGESTIONS = 20


def duplicate_suggestions(case: Case, notices: list[Notice]) -> list[Notice]:
    """Notices of other open cases of the chapter that look like the same notice as one of
    ``notices`` (the case's own): same receiving unit (any case), same kind, told within
    five days. One query; each with its case and what the list shows."""
    window = timedelta(days=DUPLICATE_WINDOW_DAYS)
    alike = [
        and_(
            func.lower(func.trim(Notice.receiving_unit)) == n.receiving_unit.strip().lower(),
            Notice.kind == n.kind,
            Notice.notified_on.between(n.notified_on - window, n.notified_on + window),
        )
        for n in notices
        if n.receiving_unit and n.receiving_unit.strip() and n.kind and n.notified_on
    ]
    if not alike:
        return []
    return list(
        db.session.scalars(
            select(Notice)
            .join(Case, Case.id == Notice.case_id)
            .where(
                Notice.chapter_id == case.chapter_id,
                Notice.case_id != case.id,
                Notice.status == NoticeStatus.SUBMITTED,
                Case.status.in_(OPEN_STATUSES),
                or_(*alike),
            )
            .options(
                joinedload(Notice.case),
                joinedload(Notice.member),
                joinedload(Notice.receiving_agency),
            )
            .order_by(Notice.notified_on, Notice.id)
            .limit(MAX_SUGGESTIONS)
        )
    )


def notices_of_references(chapter_id: int, references: list[str]) -> tuple[list[Notice], list[str]]:
    """The standing notices of the chapter's cases named by ``references``, and the
    references that name no case of the chapter (other chapters' cases are not told
    apart from cases that do not exist)."""
    wanted = {r.strip().upper() for r in references if r.strip()}
    if not wanted:
        return [], []
    found = db.session.execute(
        select(Case.reference, Notice)
        .join(Notice, Notice.case_id == Case.id)
        .where(Case.chapter_id == chapter_id, Case.reference.in_(wanted))
        .order_by(Notice.id)
    ).all()
    known = {reference for reference, _ in found}
    return [notice for _, notice in found], sorted(wanted - known)


# -- loading ---------------------------------------------------------------------------


def load_case(case_id: int, *, for_update: bool = False) -> Case | None:
    """A case with its chapter and assigned rep. ``for_update`` locks its row (PostgreSQL;
    SQLite has a single writer), so two saves of one case queue instead of racing."""
    query = select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update(of=Case)
    query = query.options(joinedload(Case.chapter), joinedload(Case.assigned_rep))
    return db.session.scalars(query).unique().one_or_none()


def case_notices(case: Case) -> list[Notice]:
    """The notices of the case with everything the case page shows (three queries)."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.case_id == case.id)
            .options(
                joinedload(Notice.member),
                joinedload(Notice.home_agency),
                joinedload(Notice.receiving_agency),
                selectinload(Notice.choices),
                selectinload(Notice.attachments),
            )
            .order_by(Notice.submitted_at, Notice.id)
        ).unique()
    )


def timeline(case: Case) -> list[CaseEvent]:
    """Every event of the case, oldest first, each with its actor (one query)."""
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def case_actions(case: Case) -> list[CaseAction]:
    """The actions taken on the case, latest first, with who recorded them."""
    return list(
        db.session.scalars(
            select(CaseAction)
            .where(CaseAction.case_id == case.id)
            .options(joinedload(CaseAction.actor))
            .order_by(CaseAction.taken_on.desc(), CaseAction.id.desc())
        )
    )


@dataclass(frozen=True)
class Collective:
    """What the notices of a case add up to: how many members, which offices and units,
    and how many notices raise each concern."""

    notices: int
    members: int
    offices: list[str]
    units: list[str]
    concerns: dict[Concern, int]


def collective_summary(notices: list[Notice], concerns: dict[Concern, int]) -> Collective:
    def distinct(values: Iterable[str | None]) -> list[str]:
        seen: dict[str, str] = {}
        for value in values:
            if value and value.strip():
                seen.setdefault(value.strip().casefold(), value.strip())
        return sorted(seen.values(), key=str.casefold)

    return Collective(
        notices=len(notices),
        members=len({n.member_id for n in notices}),
        offices=distinct(n.home_office for n in notices),
        units=distinct(n.receiving_unit for n in notices),
        concerns={c: concerns.get(c, 0) for c in Concern},
    )


# -- bulk ------------------------------------------------------------------------------


class BulkAction:
    ASSIGN = "assign"
    STATUS = "status"
    NOTE = "note"


@dataclass
class BulkOutcome:
    """Which cases a bulk change was made to, and why the others were left alone."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def bulk_update(
    case_ids: Iterable[int],
    *,
    action: str,
    actor: User,
    status: str | None = None,
    rep: User | None = None,
    note: str | None = None,
) -> BulkOutcome:
    """Assign, move or annotate many cases at once. Each case is checked on its own (may
    the actor work it; does the workflow allow it) and audited on its own; the ones that
    pass are changed, the others are reported with the reason."""
    ids = sorted(set(case_ids))
    outcome = BulkOutcome()
    # An id no database row can have is simply not among the rep's cases.
    for impossible in [i for i in ids if not 0 < i <= MAX_ID]:
        outcome.refused.append((f"Case #{impossible}", "No such case among yours."))
    ids = [i for i in ids if 0 < i <= MAX_ID]
    cases = {
        c.id: c
        for c in db.session.scalars(
            select(Case).where(Case.id.in_(ids)).with_for_update(of=Case).order_by(Case.id)
        )
    }
    for case_id in ids:
        case = cases.get(case_id)
        if case is None or not can(actor, "edit", case):
            outcome.refused.append((f"Case #{case_id}", "No such case among yours."))
            continue
        try:
            if action == BulkAction.ASSIGN:
                changed = assign_case(case, rep, actor=actor)
                if changed is None:
                    who = rep.name if rep else "nobody"
                    raise CaseProblems({"rep": f"It was assigned to {who} already."})
            elif action == BulkAction.STATUS:
                change_status(case, status or "", actor=actor)
            elif action == BulkAction.NOTE:
                add_comment(case, note, reply=False, actor=actor)
            else:
                raise CaseProblems({"action": "Choose what to do."})
        except CaseProblems as problem:
            outcome.refused.append((case.reference, " ".join(problem.problems.values())))
        else:
            outcome.done.append(case.reference)
    return outcome
