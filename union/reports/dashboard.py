"""The dashboard's counts: plain functions of the case queue's filter and of who is
looking, each one grouped query (or a few), so the page costs the same whatever the
number of cases.

What is counted:

* **cases**: those the case queue lists for the same filter (``queue_query``);
* **notices**: the submitted notices of those cases that also match the filter's notice
  conditions (component, kind, concern). A withdrawn notice is out of the numbers: the
  member took it back. Drafts have no case and never count.
* **deadlines**: every deadline of those cases.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import aliased

from union.cases.concerns import Concern, raises
from union.cases.models import OPEN_STATUSES, Case, CaseStatus
from union.cases.queue import CaseFilter, Viewer, queue_query
from union.chapters.models import Agency, Chapter
from union.deadlines.models import Deadline
from union.extensions import db
from union.notices.models import Answer, Duty, Notice, NoticeChoice, NoticeKind, NoticeStatus
from union.reports.sql import local_date

# -- what a chart is -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One bar of a chart and one row of its table."""

    label: str
    count: int
    # Out of how many (for shares); None when the count is all there is to say.
    of: int | None = None

    @property
    def percent(self) -> int | None:
        if self.of is None:
            return None
        return round(100 * self.count / self.of) if self.of else 0


@dataclass
class Chart:
    """A chart and the table that carries its numbers."""

    key: str
    title: str
    unit: str  # what is counted: "notices", "cases", "deadlines"
    rows: list[Row]
    kind: str = "bar"  # "bar", "line" (over time) or "share" (percent of a total)
    note: str | None = None

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def is_empty(self) -> bool:
        return not any(r.count for r in self.rows)


@dataclass
class Dashboard:
    cases: int
    notices: int
    charts: list[Chart] = field(default_factory=list)

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


# -- what the filter selects -----------------------------------------------------------


def matching_case_ids(viewer: Viewer, f: CaseFilter) -> Select[Any]:
    """The ids of the cases the queue lists for ``f`` (any order), as a subquery. A CTE:
    the queue's own subqueries about notices must not correlate with the notices an
    enclosing query counts."""
    listed = queue_query(viewer, f).order_by(None).with_only_columns(Case.id).cte("listed")
    return select(listed.c.id)


def notice_conditions(f: CaseFilter) -> list[ColumnElement[bool]]:
    """What the filter asks of a notice itself (the queue asks it of one of a case's
    notices): component, kind and concern."""
    conditions: list[ColumnElement[bool]] = []
    if f.home_agency_id is not None:
        conditions.append(Notice.home_agency_id == f.home_agency_id)
    if f.receiving_agency_id is not None:
        conditions.append(Notice.receiving_agency_id == f.receiving_agency_id)
    if f.kind:
        conditions.append(Notice.kind == f.kind)
    if f.concern:
        conditions.append(raises(Concern(f.concern)))
    return conditions


def counted_notices(viewer: Viewer, f: CaseFilter) -> ColumnElement[bool]:
    """The notices the dashboard counts for ``f`` (see the module's docstring)."""
    return and_(
        Notice.status == NoticeStatus.SUBMITTED.value,
        Notice.case_id.in_(matching_case_ids(viewer, f)),
        *notice_conditions(f),
    )


# -- the charts ------------------------------------------------------------------------

# Open cases by how long ago they were opened, in days: (up to and including, label).
AGE_BUCKETS: list[tuple[int | None, str]] = [
    (7, "A week or less"),
    (30, "8 to 30 days"),
    (90, "31 to 90 days"),
    (180, "91 to 180 days"),
    (None, "More than 180 days"),
]

# The concerns the dashboard gives as a share of notices, with their words.
SHARES: list[tuple[str, str]] = [
    ("training", "Training not provided"),
    ("pay", "No extra pay"),
    ("contract", "Outside the contract"),
    ("union_not_told", "Union not notified beforehand"),
    ("safety", "Safety and health"),
    ("hardship", "Personal hardship"),
]

DEADLINE_OUTCOMES: list[tuple[str, str]] = [
    ("met", "Met: closed on or before the due day"),
    ("late", "Missed: closed after the due day"),
    ("overdue", "Missed: still open past the due day"),
    ("open", "Open, not yet due"),
]

OTHER_COMPONENT = "Other (not in the catalogue)"
NO_COMPONENT = "Not given"


def build_dashboard(viewer: Viewer, f: CaseFilter) -> Dashboard:
    """Every count of the dashboard for what ``viewer`` may see, narrowed by ``f``:
    eight queries whatever the number of cases."""
    opened = open_cases(viewer, f)
    totals = notice_totals(viewer, f)
    board = Dashboard(cases=opened.pop("__all__", 0), notices=totals["notices"])
    board.charts = [
        notices_per_week(viewer, f),
        Chart(
            "concerns",
            "Share of notices raising each concern",
            "notices",
            [Row(label, totals[key], totals["notices"]) for key, label in SHARES],
            kind="share",
            note=(
                "Training not provided: not fully trained, or training named as missing. "
                "No extra pay: nothing extra offered. Outside the contract: articles named, "
                "the union not told before, telework affected, or duties outside the "
                "position description (as the case queue's concern filter). A notice can "
                "raise several, so the shares add up to more than 100%."
            ),
        ),
        notices_by_component(viewer, f, "home"),
        notices_by_component(viewer, f, "receiving"),
        notices_by_kind(viewer, f),
        notices_by_duty(viewer, f),
        Chart(
            "status",
            "Open cases by status",
            "cases",
            [Row(CaseStatus(s).label, opened[s]) for s in OPEN_STATUSES],
        ),
        Chart(
            "age",
            "Open cases by age (days since opened)",
            "cases",
            [Row(label, opened[f"age{i}"]) for i, (_, label) in enumerate(AGE_BUCKETS)],
        ),
        deadline_outcomes(viewer, f),
    ]
    return board


def open_cases(viewer: Viewer, f: CaseFilter) -> Counter[str]:
    """Matching cases: all of them (``__all__``), the open ones by status, and the open
    ones by age bucket (``age0``…): one grouped query."""
    zone = ZoneInfo(viewer.zone)
    # Opened on or after the viewer's local midnight ``days`` ago: at most ``days`` old.
    cutoffs = [
        None if days is None else datetime.combine(viewer.today - timedelta(days), time.min, zone)
        for days, _ in AGE_BUCKETS
    ]
    is_open = Case.status.in_(OPEN_STATUSES)
    columns = [func.count(Case.id)]
    newer_than = None
    for cutoff in cutoffs:
        # A case is in the first bucket whose cutoff it was opened after.
        condition = is_open if cutoff is None else and_(is_open, Case.created_at >= cutoff)
        if newer_than is not None:
            condition = and_(condition, Case.created_at < newer_than)
        columns.append(func.sum(case((condition, 1), else_=0)))
        newer_than = cutoff
    stmt = (
        select(Case.status, *columns)
        .where(Case.id.in_(matching_case_ids(viewer, f)))
        .group_by(Case.status)
    )
    counts: Counter[str] = Counter()
    for status, total, *ages in db.session.execute(stmt):
        counts["__all__"] += int(total)
        if status in OPEN_STATUSES:
            counts[status] += int(total)
        for i, n in enumerate(ages):
            counts[f"age{i}"] += int(n or 0)
    return counts


def notice_totals(viewer: Viewer, f: CaseFilter) -> dict[str, int]:
    """How many notices count, and how many of them raise each concern (one query)."""
    how_many = {
        "training": raises(Concern.TRAINING),
        "pay": raises(Concern.PAY),
        "contract": raises(Concern.CONTRACT),
        "union_not_told": Notice.union_notified_before == Answer.NO.value,
        "safety": raises(Concern.SAFETY),
        "hardship": raises(Concern.HARDSHIP),
    }
    columns = [func.count(Notice.id).label("notices")] + [
        func.sum(case((condition, 1), else_=0)).label(key) for key, condition in how_many.items()
    ]
    row = db.session.execute(select(*columns).where(counted_notices(viewer, f))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def notices_per_week(viewer: Viewer, f: CaseFilter) -> Chart:
    """Notices by the week the member was told (weeks start on Monday), every week from
    the first to the last shown, empty ones included. Grouped by day in SQL (the same on
    both databases), by week here."""
    stmt = (
        select(Notice.notified_on, func.count(Notice.id))
        .where(counted_notices(viewer, f), Notice.notified_on.is_not(None))
        .group_by(Notice.notified_on)
    )
    weeks: Counter[date] = Counter()
    for day, n in db.session.execute(stmt):
        weeks[week_of(day)] += int(n)
    rows = []
    if weeks:
        monday, last = min(weeks), max(weeks)
        while monday <= last:
            rows.append(Row(f"Week of {monday:%b %-d, %Y}", weeks[monday]))
            monday += timedelta(days=7)
    return Chart(
        "weeks",
        "Notices per week (by the date the member was told)",
        "notices",
        rows,
        kind="line",
    )


def notices_by_component(viewer: Viewer, f: CaseFilter, which: str) -> Chart:
    """Notices by home component (``which="home"``) or by the component they are sent to
    (``"receiving"``), most first."""
    column = Notice.home_agency_id if which == "home" else Notice.receiving_agency_id
    agency = aliased(Agency)
    stmt = (
        select(column, agency.department, agency.code, func.count(Notice.id))
        .outerjoin(agency, agency.id == column)
        .where(counted_notices(viewer, f))
        .group_by(column, agency.department, agency.code)
    )
    empty = NO_COMPONENT if which == "home" else OTHER_COMPONENT
    rows = [
        Row(f"{department}/{code}" if agency_id is not None else empty, int(n))
        for agency_id, department, code, n in db.session.execute(stmt)
    ]
    rows.sort(key=lambda r: (-r.count, r.label))
    title = "Notices by home component" if which == "home" else "Notices by component sent to"
    return Chart(which, title, "notices", rows)


def notices_by_kind(viewer: Viewer, f: CaseFilter) -> Chart:
    stmt = (
        select(Notice.kind, func.count(Notice.id))
        .where(counted_notices(viewer, f))
        .group_by(Notice.kind)
    )
    counts = {kind: int(n) for kind, n in db.session.execute(stmt)}
    rows = [Row(k.label, counts.get(k.value, 0)) for k in NoticeKind]
    return Chart("kind", "Notices by kind", "notices", rows)


def notices_by_duty(viewer: Viewer, f: CaseFilter) -> Chart:
    # An alias: the concern filter asks about ticked boxes too, in a subquery of its own.
    duty = aliased(NoticeChoice)
    stmt = (
        select(duty.answer, func.count(duty.notice_id))
        .join(Notice, Notice.id == duty.notice_id)
        .where(duty.question == "duty", counted_notices(viewer, f))
        .group_by(duty.answer)
    )
    counts = {answer: int(n) for answer, n in db.session.execute(stmt)}
    rows = [Row(d.label, counts.get(d.value, 0)) for d in Duty]
    return Chart(
        "duty",
        "Notices by duty",
        "notices",
        rows,
        note="A notice can name several duties: each one it names is counted.",
    )


def deadline_outcome() -> ColumnElement[str]:
    """Whether a deadline was met, missed (closed late, or open past its day) or is still
    open: a closed deadline is met when it was closed on or before its due day, on the
    chapter's calendar."""
    return case(
        (Deadline.done_at.is_(None), "open"),
        (local_date(Deadline.done_at, Chapter.timezone) <= Deadline.due_on, "met"),
        else_="late",
    )


def deadline_outcomes(viewer: Viewer, f: CaseFilter) -> Chart:
    """The deadlines of the matching cases, met and missed (one grouped query). Open ones
    are "overdue" when their day is before the viewer's today (as the queue says)."""
    outcome = deadline_outcome()
    overdue = and_(Deadline.done_at.is_(None), Deadline.due_on < viewer.today)
    stmt = (
        select(outcome, func.count(Deadline.id), func.sum(case((overdue, 1), else_=0)))
        .join(Case, Case.id == Deadline.case_id)
        .join(Chapter, Chapter.id == Case.chapter_id)
        .where(Deadline.case_id.in_(matching_case_ids(viewer, f)))
        .group_by(outcome)
    )
    counts: Counter[str] = Counter()
    for name, n, late in db.session.execute(stmt):
        if name == "open":
            counts["overdue"] += int(late or 0)
            counts["open"] += int(n) - int(late or 0)
        else:
            counts[name] += int(n)
    rows = [Row(label, counts[key]) for key, label in DEADLINE_OUTCOMES]
    return Chart("deadlines", "Deadlines met and missed", "deadlines", rows)
