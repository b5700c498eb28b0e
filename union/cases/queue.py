"""The case queue as a query: what a rep may see, narrowed by a filter, sorted, with the
date each case is next due. A plain function of a filter, so the queue page, bulk
actions, the dashboard and exports all list the same cases the same way."""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, exists, false, func, null, or_, select

from union.auth.models import User
from union.cases.concerns import Concern, raises
from union.cases.models import (
    OPEN_STATUSES,
    PRIORITY_RANKS,
    Case,
    CasePriority,
    CaseStatus,
    SavedView,
)
from union.chapters.models import Agency, Chapter
from union.core import audit
from union.core.permissions import policy
from union.core.security import MAX_ID
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices.models import Notice, NoticeKind

# -- the filter ------------------------------------------------------------------------

OPEN = "open"
ALL = "all"
STATUS_FILTERS = {OPEN: "Open (not resolved, closed or withdrawn)", ALL: "Any status"} | {
    s.value: s.label for s in CaseStatus
}
MINE = "mine"
UNASSIGNED = "unassigned"
DUE_FILTERS = {
    "attention": "Overdue or due within 7 days",
    "overdue": "Overdue",
    "week": "Due within 7 days",
}
DUE_SOON_DAYS = 7
SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "due": "Due soonest",
    "priority": "Priority",
    "activity": "Latest activity",
}


@dataclass(frozen=True)
class CaseFilter:
    """What the rep asked the queue for; every field empty means everything open."""

    status: str = OPEN
    chapter_id: int | None = None
    home_agency_id: int | None = None
    receiving_agency_id: int | None = None
    kind: str | None = None
    concern: str | None = None
    # "mine", "unassigned", or a user id (as text, as it comes from the URL)
    assigned: str | None = None
    due: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    q: str | None = None
    sort: str = "newest"

    def args(self) -> dict[str, str]:
        """The filter as query-string arguments (defaults left out): the URL of the view."""
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "") or value == f.default:
                continue
            shown[URL_NAMES.get(f.name, f.name)] = (
                value.isoformat() if isinstance(value, date) else str(value)
            )
        return shown

    def query_string(self) -> str:
        return urlencode(self.args())

    @property
    def is_default(self) -> bool:
        return self == CaseFilter()


# Short names in the URL for the fields whose names are long.
URL_NAMES = {
    "chapter_id": "chapter",
    "home_agency_id": "home",
    "receiving_agency_id": "receiving",
}


DEFAULT_ZONE = "America/New_York"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and where: scope, "mine", and the dates the filter speaks of."""

    user_id: int
    is_admin: bool
    chapter_ids: tuple[int, ...]
    today: date
    zone: str = "America/New_York"

    @classmethod
    def of(cls, user: Any) -> "Viewer":
        """``user`` reads dates in their own chapter's time zone, as elsewhere in the app."""
        zone = user.chapter.timezone if user.chapter else DEFAULT_ZONE
        return cls(
            user_id=user.id,
            is_admin=bool(user.is_admin),
            chapter_ids=tuple(c.id for c in user.covered_chapters) if user.is_rep else (),
            today=local_time(utcnow(), zone).date(),
            zone=zone,
        )


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The cases the viewer may see at all: admins every case, reps their chapters'."""
    if viewer.is_admin:
        return Case.id.is_not(None)
    if not viewer.chapter_ids:
        return false()
    return Case.chapter_id.in_(viewer.chapter_ids)


def _next_due() -> Any:
    """Each case's earliest open deadline (None without the deadlines feature): the date
    the deadlines feature stores on the case (``Case.next_due_on``), indexed with the
    chapter."""
    return Case.next_due_on if deadlines_available() else None


def deadlines_available() -> bool:
    try:
        from union.deadlines import next_due  # noqa: F401
    except ImportError:
        return False
    return True


def _local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def _narrowed(
    stmt: Select[Any], viewer: Viewer, f: CaseFilter, *, per_case: bool = False
) -> Select[Any]:
    """Every condition of the filter except status (the status counts need them all but
    that one). The viewer's scope comes first. What is due is the case's stored next due
    date (indexed with the chapter). Conditions on notices are ``case id IN (subquery)``,
    not correlated: the database finds the matching notices once, by their own indexes,
    however many cases there are.

    ``per_case`` asks the notice conditions of each case instead (EXISTS, by the
    notices' case index), for a query that walks cases in a page's order and stops at
    the page's end: SQLite would otherwise first collect every matching notice of the
    viewer's chapters (8 ms for a rep's "training" page at 100,000 cases, 70 ms for an
    admin's; 2.8 and 0.2 ms this way). PostgreSQL plans both forms alike."""
    stmt = stmt.where(visible(viewer))
    if f.chapter_id is not None:
        stmt = stmt.where(Case.chapter_id == f.chapter_id)
    if f.assigned == MINE:
        stmt = stmt.where(Case.assigned_rep_id == viewer.user_id)
    elif f.assigned == UNASSIGNED:
        stmt = stmt.where(Case.assigned_rep_id.is_(None))
    elif f.assigned:
        # A user id; anything else (or an id no row can have) matches nobody.
        rep_id = int(f.assigned) if f.assigned.isascii() and f.assigned.isdecimal() else 0
        stmt = stmt.where(Case.assigned_rep_id == rep_id if 0 < rep_id <= MAX_ID else false())
    if f.opened_from is not None:
        stmt = stmt.where(Case.created_at >= _local_midnight(f.opened_from, viewer.zone))
    if f.opened_to is not None:
        end = _local_midnight(f.opened_to + timedelta(days=1), viewer.zone)
        stmt = stmt.where(Case.created_at < end)
    # The subquery looks only in the chapters the viewer may see (or the one asked
    # for): what a rep's queue costs depends on their chapters, not on the whole union.
    if f.chapter_id is not None:
        chapters: tuple[int, ...] | None = (f.chapter_id,)
    else:
        chapters = None if viewer.is_admin else viewer.chapter_ids
    next_due = _next_due() if f.due in DUE_FILTERS else None
    if next_due is not None:
        soon = viewer.today + timedelta(days=DUE_SOON_DAYS)
        stmt = stmt.where(
            {
                "overdue": next_due < viewer.today,
                "week": next_due.between(viewer.today, soon),
                "attention": next_due <= soon,
            }[f.due]  # type: ignore[index]
        )

    # A collective case matches when one of its notices matches all the notice filters.
    # (A case's notices are all of its own chapter.)
    in_chapters = [] if chapters is None else [Notice.chapter_id.in_(chapters)]
    about_notice = []
    if f.home_agency_id is not None:
        about_notice.append(Notice.home_agency_id == f.home_agency_id)
    if f.receiving_agency_id is not None:
        about_notice.append(Notice.receiving_agency_id == f.receiving_agency_id)
    if f.kind:
        about_notice.append(Notice.kind == f.kind)
    if f.concern:
        about_notice.append(raises(Concern(f.concern)))
    if about_notice and per_case:
        stmt = stmt.where(exists(select(Notice.id).where(Notice.case_id == Case.id, *about_notice)))
    elif about_notice:
        stmt = stmt.where(Case.id.in_(select(Notice.case_id).where(*in_chapters, *about_notice)))
    if f.q:
        words = f.q.strip()
        stmt = stmt.where(
            or_(
                Case.reference.icontains(words, autoescape=True),
                Case.id.in_(
                    select(Notice.case_id).where(
                        *in_chapters,
                        or_(
                            Notice.receiving_unit.icontains(words, autoescape=True),
                            Notice.home_office.icontains(words, autoescape=True),
                            Notice.receiving_agency_other.icontains(words, autoescape=True),
                            Notice.duty_location.icontains(words, autoescape=True),
                            Notice.statement.icontains(words, autoescape=True),
                        ),
                    )
                ),
            )
        )
    return stmt


def _with_status(stmt: Select[Any], status: str) -> Select[Any]:
    if status == OPEN:
        return stmt.where(Case.status.in_(OPEN_STATUSES))
    if status in {s.value for s in CaseStatus}:
        return stmt.where(Case.status == status)
    return stmt


def status_matches(wanted: str, status: str) -> bool:
    """Whether a case of ``status`` is one the filter's status ``wanted`` lists (as
    ``_with_status`` selects them): the queue's total from its counts per status."""
    if wanted == OPEN:
        return status in OPEN_STATUSES
    if wanted in {s.value for s in CaseStatus}:
        return status == wanted
    return True


def queue_query(viewer: Viewer, f: CaseFilter, *, paged: bool = False) -> Select[Any]:
    """Rows of ``(Case, next_due_on)`` the viewer may see that match ``f``, in its order.
    ``next_due_on`` is the earliest open deadline (None without one). ``paged``: only
    the first rows will be read (see ``_narrowed``'s ``per_case``)."""
    next_due = _next_due()
    stmt = select(Case, (next_due if next_due is not None else null()).label("next_due_on"))
    stmt = _with_status(_narrowed(stmt, viewer, f, per_case=paged), f.status)
    newest = (Case.created_at.desc(), Case.id.desc())
    match f.sort:
        case "oldest":
            order: tuple[Any, ...] = (Case.created_at, Case.id)
        case "due" if next_due is not None:
            order = (next_due.is_(None), next_due, *newest)
        case "priority":
            rank = case(
                {p.value: r for p, r in PRIORITY_RANKS.items()}, value=Case.priority, else_=9
            )
            due = (next_due.is_(None), next_due) if next_due is not None else ()
            order = (rank, *due, *newest)
        case "activity":
            order = (Case.updated_at.desc(), Case.id.desc())
        case _:
            order = newest
    return stmt.order_by(*order)


def status_counts(viewer: Viewer, f: CaseFilter) -> dict[str, int]:
    """How many cases of each status match the filter but for its status (one grouped
    query): the queue's counts at a glance. With a due filter, the cases due (found by
    the stored date's index) are few, so their notices are asked case by case."""
    stmt = select(Case.status, func.count(Case.id))
    stmt = _narrowed(stmt, viewer, f, per_case=f.due in DUE_FILTERS).group_by(Case.status)
    counts = {s.value: 0 for s in CaseStatus}
    counts.update({status: int(n) for status, n in db.session.execute(stmt)})
    return counts


def queue_page_query(viewer: Viewer, f: CaseFilter) -> Select[Any]:
    """``queue_query`` as a page of the queue shows it: of each case only the columns it
    shows, with the name of whoever is assigned (plain rows, no case or user objects to
    build for a list that only reads them)."""
    listed = queue_query(viewer, f, paged=True)
    return listed.with_only_columns(
        Case.id,
        Case.reference,
        Case.status,
        Case.priority,
        Case.chapter_id,
        Case.updated_at,
        listed.selected_columns.next_due_on,
        User.name.label("assigned_name"),
    ).outerjoin(User, User.id == Case.assigned_rep_id)


# -- a page of rows --------------------------------------------------------------------


@dataclass
class QueueRow:
    """One case as the queue shows it: the words for its notices' kinds, where they send
    people, how many members, the concerns raised, and how soon it is due."""

    id: int
    reference: str
    status: str
    priority: str
    chapter_id: int
    updated_at: datetime
    next_due_on: date | None
    assigned_name: str | None = None
    kinds: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    members: int = 0
    concerns: list[Concern] = field(default_factory=list)
    days_left: int | None = None
    due_text: str | None = None
    urgency: str | None = None  # "overdue", "red" (3 days or fewer), "amber" (7), or None

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def priority_label(self) -> str:
        return CasePriority(self.priority).label


@cache
def _concern_columns() -> tuple[ColumnElement[bool], ...]:
    """Whether a notice raises each concern, as columns (built once: the expressions
    never change, and building them costs more than running them)."""
    return tuple(case((raises(c), True), else_=False).label(c.value) for c in CONCERNS)


def _notice_facts(ids: list[int]) -> Select[Any]:
    """Of each notice of the cases ``ids``: only what the queue shows, and which concerns
    it raises, as plain columns (no notice objects: a page of 50 collective cases would
    otherwise load every column of hundreds of notices)."""
    return (
        select(
            Notice.case_id,
            Notice.member_id,
            Notice.kind,
            Agency.department,
            Agency.code,
            Notice.receiving_agency_other,
            Notice.receiving_unit,
            *_concern_columns(),  # last, in the order of CONCERNS
        )
        .outerjoin(Agency, Agency.id == Notice.receiving_agency_id)
        .where(Notice.case_id.in_(ids))
        .order_by(Notice.id)
    )


CONCERNS = tuple(Concern)  # in the order the queue lists them
KIND_LABELS = {kind.value: kind.label for kind in NoticeKind}


def queue_rows(rows: Iterable[Any], chapters: Iterable[Chapter]) -> list[QueueRow]:
    """Rows of ``queue_page_query`` made ready to show, with what their notices say (one
    query) and how soon each case is due (by the calendar of the case's chapter, one of
    ``chapters``)."""
    result = {row.id: QueueRow(**row._asdict()) for row in rows}
    members: dict[int, set[int]] = {i: set() for i in result}
    raised: dict[int, set[Concern]] = {i: set() for i in result}
    places: dict[int, dict[str, str]] = {i: {} for i in result}
    if result:
        for n in db.session.execute(_notice_facts(list(result))):
            row = result[n.case_id]
            members[n.case_id].add(n.member_id)
            label = KIND_LABELS.get(n.kind)
            if label and label not in row.kinds:
                row.kinds.append(label)
            agency = (
                Agency.label_of(n.department, n.code) if n.department else n.receiving_agency_other
            )
            where = ", ".join(p.strip() for p in (agency, n.receiving_unit) if p)
            if where:
                places[n.case_id].setdefault(where.casefold(), where)
            raised[n.case_id].update(
                c for c, yes in zip(CONCERNS, n[-len(CONCERNS) :], strict=True) if yes
            )
    urgency_of = _urgency()
    by_id = {c.id: c for c in chapters}
    today_in: dict[int, date] = {}
    for case_id, row in result.items():
        row.members = len(members[case_id])
        row.destinations = list(places[case_id].values())
        row.concerns = [c for c in CONCERNS if c in raised[case_id]]
        due = row.next_due_on
        if due is not None and urgency_of is not None:
            if row.chapter_id not in today_in:
                today_in[row.chapter_id] = urgency_of.chapter_today(by_id[row.chapter_id])
            today = today_in[row.chapter_id]
            row.days_left = urgency_of.days_left(due, today)
            row.due_text = urgency_of.days_left_text(due, today)
            row.urgency = urgency_of.urgency(due, today)
    return list(result.values())


def _urgency() -> Any:
    try:
        from union.deadlines import services
    except ImportError:
        return None
    return services


# -- saved views -----------------------------------------------------------------------

VIEW_NAME_LENGTH = 80


def saved_views(user_id: int) -> list[SavedView]:
    return list(
        db.session.scalars(
            select(SavedView).where(SavedView.rep_id == user_id).order_by(SavedView.name)
        )
    )


def save_view(user: Any, name: str, f: CaseFilter) -> tuple[SavedView, bool]:
    """Keep the filter under ``name`` for ``user`` (a name already used gets the new
    filter); returns the view and whether it was new."""
    view = db.session.scalar(
        select(SavedView).where(SavedView.rep_id == user.id, SavedView.name == name)
    )
    created = view is None
    if view is None:
        view = SavedView(rep_id=user.id, name=name)
        db.session.add(view)
    view.query = f.query_string()
    db.session.flush()
    audit.record("saved_view.save", view, actor=user, name=name, query=view.query, created=created)
    return view, created


def delete_view(view: SavedView, *, actor: Any) -> None:
    audit.record("saved_view.delete", view, actor=actor, name=view.name, query=view.query)
    db.session.delete(view)
    db.session.flush()


@policy(SavedView)
def _saved_view_policy(user: Any, action: str, view: SavedView) -> bool:
    """A saved view is its rep's own."""
    return bool(view.rep_id == user.id)


# -- a rep's start page ----------------------------------------------------------------


@dataclass(frozen=True)
class StartCounts:
    """What a rep sees first: open work in their chapters, and what needs them."""

    open: int
    new: int
    unassigned: int
    mine: int
    overdue: int | None  # None without the deadlines feature
    due_this_week: int | None


def start_counts(viewer: Viewer) -> StartCounts:
    """The start page's counts of open cases the viewer may see (one query)."""

    def how_many(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    columns = [
        func.count(Case.id),
        how_many(Case.status == CaseStatus.NEW.value),
        how_many(Case.assigned_rep_id.is_(None)),
        how_many(Case.assigned_rep_id == viewer.user_id),
    ]
    next_due = _next_due()
    if next_due is not None:
        soon = viewer.today + timedelta(days=DUE_SOON_DAYS)
        columns += [
            how_many(next_due < viewer.today),
            how_many(next_due.between(viewer.today, soon)),
        ]
    stmt = select(*columns).select_from(Case)
    row = db.session.execute(stmt.where(visible(viewer), Case.status.in_(OPEN_STATUSES))).one()
    values: list[Any] = [int(v or 0) for v in row]
    if next_due is None:
        values += [None, None]
    return StartCounts(*values)
