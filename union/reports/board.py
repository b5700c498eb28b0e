"""Who is out on assignment now: built from the notices' dates and the members' later
updates, grouped by the component and unit they are sent to.

The rules, in one place:

* a notice counts when it is submitted (not withdrawn) and is an assignment: every kind
  but "asked if I am available" and "my name was put forward" (those are asks);
* it starts on its start date, or the date the member was told when no start was given
  (as the detail clock counts); it ends on its end date, or has no known end;
* the member's updates, oldest first, change that: "start date changed" and "end date
  changed" set the new date; "detail extended" sets the new end, or leaves no known end
  when no date was given; "I am back on my regular duties" ends it the day before the
  date given (or before the day the update was sent);
* out now: started on or before today, and not ended before today;
* days served: from the start to today, the start being day 1;
* flagged: more than 120 days served (5 U.S.C. 3341's limit for a detail), or no end;
* this week (Monday to Sunday, the viewer's): out now and started this week; starting
  later this week; out now and due back this week (the end falls today to Sunday).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import joinedload

from union.cases.models import CaseEvent, CaseEventKind
from union.cases.queue import CaseFilter, Viewer
from union.core.permissions import can
from union.core.time import local_time
from union.deadlines.services import DETAIL_LIMIT_DAYS
from union.extensions import db
from union.notices.models import Notice, NoticeKind, NoticeStatus, UpdateKind

# Asks, not assignments: nobody is out on one of these.
NOT_ASSIGNMENTS = {NoticeKind.AVAILABILITY_SOLICITATION, NoticeKind.ROSTER_NOMINATION}
ASSIGNMENT_KINDS = [k.value for k in NoticeKind if k not in NOT_ASSIGNMENTS]
CONFIDENTIAL = "Confidential member"


@dataclass
class Stint:
    """One member's assignment, as the board shows it."""

    notice: Notice
    member: str  # their name, or "Confidential member"
    identified: bool
    starts_on: date
    ends_on: date | None
    today: date
    week_start: date
    week_end: date

    @property
    def days_served(self) -> int:
        last = min(self.today, self.ends_on) if self.ends_on else self.today
        return max(0, (last - self.starts_on).days + 1)

    @property
    def is_out(self) -> bool:
        return self.starts_on <= self.today and (self.ends_on is None or self.ends_on >= self.today)

    @property
    def past_limit(self) -> bool:
        return self.is_out and self.days_served > DETAIL_LIMIT_DAYS

    @property
    def no_end(self) -> bool:
        return self.ends_on is None

    @property
    def started_this_week(self) -> bool:
        return self.is_out and self.week_start <= self.starts_on

    @property
    def starting_this_week(self) -> bool:
        """Not out yet: starts later this week."""
        return self.today < self.starts_on <= self.week_end

    @property
    def returning_this_week(self) -> bool:
        return self.is_out and self.ends_on is not None and self.ends_on <= self.week_end

    @property
    def receiving(self) -> str:
        return self.notice.receiving_label or "Component not given"

    @property
    def unit(self) -> str:
        return (self.notice.receiving_unit or "").strip() or "Unit not given"


@dataclass
class Group:
    receiving: str
    unit: str
    stints: list[Stint] = field(default_factory=list)


@dataclass
class Board:
    today: date
    week_start: date
    week_end: date
    groups: list[Group]
    starting: list[Stint]  # starting later this week (not out yet)

    @property
    def out_now(self) -> list[Stint]:
        return [s for g in self.groups for s in g.stints]

    def count(self, flag: str) -> int:
        return sum(1 for s in self.out_now if getattr(s, flag))


def _scope(viewer: Viewer, f: CaseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Notice.status == NoticeStatus.SUBMITTED.value,
        Notice.kind.in_(ASSIGNMENT_KINDS),
    ]
    if not viewer.is_admin:
        where.append(Notice.chapter_id.in_(viewer.chapter_ids or (-1,)))
    if f.chapter_id is not None:
        where.append(Notice.chapter_id == f.chapter_id)
    if f.home_agency_id is not None:
        where.append(Notice.home_agency_id == f.home_agency_id)
    if f.receiving_agency_id is not None:
        where.append(Notice.receiving_agency_id == f.receiving_agency_id)
    if f.kind:
        where.append(Notice.kind == f.kind)
    return where


def _updates_of(notice_ids: Any) -> dict[int, list[CaseEvent]]:
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    stmt = (
        select(CaseEvent)
        .where(
            CaseEvent.kind == CaseEventKind.MEMBER_UPDATE.value, CaseEvent.notice_id.in_(notice_ids)
        )
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    for event in db.session.scalars(stmt):
        events[event.notice_id].append(event)  # type: ignore[index]
    return events


def dates_after_updates(
    starts_on: date, ends_on: date | None, updates: list[CaseEvent], zone: str
) -> tuple[date, date | None]:
    """The start and end of an assignment once the member's updates (oldest first) are
    applied."""
    for event in updates:
        details = event.details or {}
        kind, raw = details.get("update"), details.get("new_date")
        new_date = date.fromisoformat(raw) if raw else None
        if kind == UpdateKind.START_DATE_CHANGED and new_date:
            starts_on = new_date
        elif (kind == UpdateKind.END_DATE_CHANGED and new_date) or (
            kind == UpdateKind.DETAIL_EXTENDED  # with no new date, the end is not known
        ):
            ends_on = new_date
        elif kind == UpdateKind.RETURNED:
            back_on = new_date or local_time(event.at, zone).date()
            ends_on = back_on - timedelta(days=1)
    return starts_on, ends_on


def build_board(user: Any, viewer: Viewer, f: CaseFilter) -> Board:
    """The board for what ``viewer`` may see, narrowed by the filter's chapter, components
    and kind: two queries (the notices with what they show, then their updates)."""
    today = viewer.today
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    has_updates = exists(
        select(CaseEvent.id).where(
            CaseEvent.notice_id == Notice.id, CaseEvent.kind == CaseEventKind.MEMBER_UPDATE.value
        )
    )
    start = func.coalesce(Notice.starts_on, Notice.notified_on)
    # Only what can be on the board this week; a member's update can move any date.
    maybe = or_(
        has_updates,
        (start <= week_end) & (or_(Notice.ends_on.is_(None), Notice.ends_on >= week_start)),
    )
    where = [*_scope(viewer, f), start.is_not(None), maybe]
    notices = list(
        db.session.scalars(
            select(Notice)
            .where(*where)
            .options(
                joinedload(Notice.member),
                joinedload(Notice.receiving_agency),
                joinedload(Notice.chapter),
                joinedload(Notice.case),
            )
            .order_by(Notice.id)
        )
    )
    updates = _updates_of(select(Notice.id).where(*where).scalar_subquery()) if notices else {}

    groups: dict[tuple[str, str], Group] = {}
    starting: list[Stint] = []
    for notice in notices:
        starts_on, ends_on = dates_after_updates(
            notice.starts_on or notice.notified_on,  # type: ignore[arg-type]
            notice.ends_on,
            updates.get(notice.id, []),
            viewer.zone,
        )
        identified = can(user, "identify", notice)
        stint = Stint(
            notice=notice,
            member=notice.member.name if identified else CONFIDENTIAL,
            identified=identified,
            starts_on=starts_on,
            ends_on=ends_on,
            today=today,
            week_start=week_start,
            week_end=week_end,
        )
        if stint.starting_this_week:
            starting.append(stint)
        if not stint.is_out:
            continue
        key = (stint.receiving.casefold(), stint.unit.casefold())
        group = groups.setdefault(key, Group(stint.receiving, stint.unit))
        group.stints.append(stint)
    for group in groups.values():
        group.stints.sort(key=lambda s: (-s.days_served, s.member, s.notice.id))
    ordered = sorted(groups.values(), key=lambda g: (g.receiving.casefold(), g.unit.casefold()))
    starting.sort(key=lambda s: (s.starts_on, s.member, s.notice.id))
    return Board(today, week_start, week_end, ordered, starting)
