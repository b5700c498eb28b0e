"""What a digest says, gathered in a fixed number of queries per rep.

A digest leaves the app, so it carries no member free text and no identities at all:
not the statement, not the units or offices members typed, not names or addresses, not
even for notices that are not confidential. What it does carry is what a rep needs to
decide to open the app: case references, kinds of notice, components from the
catalogue, chapters, dates and counts, each with a link back.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import distinct, exists, func, or_, select
from werkzeug.routing import BuildError

from union.cases.models import OPEN_STATUSES, Case, CasePriority, CaseStatus
from union.chapters.models import Agency
from union.core.links import external_url
from union.core.time import local_time
from union.deadlines.models import Deadline, DeadlineKind
from union.deadlines.services import days_left_text
from union.extensions import db
from union.notices.models import Notice, NoticeKind, NoticeStatus

# Items listed per section; the rest are counted and linked to the queue.
SECTION_LIMIT = 20
DUE_SOON_DAYS = 7
NOT_IN_CATALOGUE = "Not in the catalogue"


@dataclass(frozen=True)
class NoticeLine:
    """A notice filed since the last digest: what kind, where to, which chapter."""

    reference: str
    kind: str
    component: str
    chapter: str
    submitted: str
    confidential: bool
    url: str


@dataclass(frozen=True)
class CaseLine:
    """An open case that needs a rep, and why (each reason in words)."""

    reference: str
    chapter: str
    status: str
    priority: str
    reasons: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class RosterLine:
    """A roster request whose reply-by date is coming up."""

    label: str
    chapter: str
    reply_by: str
    days_left: str
    url: str


@dataclass
class Digest:
    """One rep's digest, ready for the text and HTML templates."""

    recipient_name: str
    chapters: list[str]
    zone: str
    since: datetime
    until: datetime
    today: date
    new_notices: list[NoticeLine] = field(default_factory=list)
    new_notice_count: int = 0
    cases: list[CaseLine] = field(default_factory=list)
    case_count: int = 0
    unassigned: int = 0
    overdue: int = 0
    due_this_week: int = 0
    stale: int = 0
    stale_days: int = 14
    # None when roster requests are not part of the app (yet): the section is left out.
    rosters: list[RosterLine] | None = None
    roster_count: int = 0
    status_counts: list[tuple[str, int]] = field(default_factory=list)
    component_counts: list[tuple[str, int]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    schedule: str = ""

    @property
    def scope(self) -> str:
        """ "Chapter 247", or "3 chapters" for a rep who covers several."""
        if len(self.chapters) == 1:
            return self.chapters[0]
        if not self.chapters:
            return "No chapter yet"
        return f"{len(self.chapters)} chapters"

    @property
    def is_empty(self) -> bool:
        """Nothing new and nothing needing action (the counts alone do not make news)."""
        return not (self.new_notice_count or self.case_count or self.roster_count)

    @property
    def subject(self) -> str:
        """What's inside, e.g. "Chapter 247: 5 new notices, 2 deadlines this week"."""
        parts = []
        if self.new_notice_count:
            parts.append(_plural(self.new_notice_count, "new notice"))
        if self.due_this_week:
            parts.append(_plural(self.due_this_week, "deadline") + " this week")
        if self.overdue:
            parts.append(f"{self.overdue} overdue")
        if self.roster_count:
            parts.append(_plural(self.roster_count, "roster reply", "roster replies") + " due")
        if not parts and self.case_count:
            parts.append(_plural(self.case_count, "case needs", "cases need") + " action")
        return f"{self.scope}: {', '.join(parts) or 'nothing new'}"

    def local(self, instant: datetime) -> str:
        return local_time(instant, self.zone).strftime("%a %b %-d, %Y %H:%M %Z")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link; the home page when a feature's page is not installed."""
    try:
        return external_url(endpoint, **values)
    except BuildError:
        return external_url("home.index")


def _component(department: str | None, code: str | None) -> str:
    # The member's own words for a component outside the catalogue stay in the app.
    return f"{department}/{code}" if department and code else NOT_IN_CATALOGUE


def build_digest(
    *,
    recipient_name: str,
    chapters: dict[int, str],
    zone: str,
    since: datetime,
    until: datetime,
    now: datetime,
    schedule: str = "",
    unsubscribe_token: str | None = None,
) -> Digest:
    """The digest for ``chapters`` (id -> label): notices filed in [since, until), and
    the cases and counts as they stand at ``now``. Five queries (six with roster
    requests), whatever the chapters hold."""
    today = local_time(now, zone).date()
    digest = Digest(
        recipient_name=recipient_name,
        chapters=list(chapters.values()),
        zone=zone,
        since=since,
        until=until,
        today=today,
        stale_days=current_app.config["DIGEST_STALE_DAYS"],
        schedule=schedule,
    )
    labels = dict(chapters)
    chapter_ids = list(labels)
    _add_new_notices(digest, chapter_ids, labels)
    _add_cases(digest, chapter_ids, labels, now)
    _add_counts(digest, chapter_ids)
    _add_rosters(digest, chapter_ids, labels)
    digest.links = {
        "queue": _link("cases.queue"),
        "attention": _link("cases.queue", due="attention"),
        "unassigned": _link("cases.queue", assigned="unassigned"),
        "preferences": _link("digests.preferences"),
    }
    if unsubscribe_token:
        digest.links["unsubscribe"] = _link("digests.unsubscribe", digest_token=unsubscribe_token)
    return digest


def _add_new_notices(digest: Digest, chapter_ids: list[int], labels: dict[int, str]) -> None:
    # Only these columns are read: no statement, unit, office or member ever loads.
    rows = db.session.execute(
        select(
            Notice.kind,
            Notice.submitted_at,
            Notice.chapter_id,
            Notice.case_id,
            Notice.confidential,
            Case.reference,
            Agency.department,
            Agency.code,
        )
        .join(Case, Case.id == Notice.case_id)
        .outerjoin(Agency, Agency.id == Notice.receiving_agency_id)
        .where(
            Notice.chapter_id.in_(chapter_ids),
            Notice.status == NoticeStatus.SUBMITTED.value,
            Notice.submitted_at >= digest.since,
            Notice.submitted_at < digest.until,
        )
        .order_by(Notice.submitted_at, Notice.id)
    ).all()
    digest.new_notice_count = len(rows)
    digest.new_notices = [
        NoticeLine(
            reference=row.reference,
            kind=NoticeKind(row.kind).label if row.kind else "Notice",
            component=_component(row.department, row.code),
            chapter=labels[row.chapter_id],
            submitted=digest.local(row.submitted_at),
            confidential=row.confidential,
            url=_link("cases.show", case_id=row.case_id),
        )
        for row in rows[:SECTION_LIMIT]
    ]


def _add_cases(
    digest: Digest, chapter_ids: list[int], labels: dict[int, str], now: datetime
) -> None:
    soon = digest.today + timedelta(days=DUE_SOON_DAYS)
    stale_before = now - timedelta(days=digest.stale_days)
    in_scope = (Case.chapter_id.in_(chapter_ids), Case.status.in_(OPEN_STATUSES))
    deadlines = db.session.execute(
        select(Deadline.case_id, Deadline.kind, Deadline.due_on)
        .join(Case, Case.id == Deadline.case_id)
        .where(*in_scope, Deadline.done_at.is_(None), Deadline.due_on <= soon)
        .order_by(Deadline.due_on, Deadline.id)
    ).all()
    digest.overdue = sum(1 for d in deadlines if d.due_on < digest.today)
    digest.due_this_week = len(deadlines) - digest.overdue
    by_case: dict[int, list[Any]] = {}
    for d in deadlines:
        by_case.setdefault(d.case_id, []).append(d)

    near = exists().where(
        Deadline.case_id == Case.id, Deadline.done_at.is_(None), Deadline.due_on <= soon
    )
    cases = db.session.execute(
        select(
            Case.id,
            Case.reference,
            Case.chapter_id,
            Case.status,
            Case.priority,
            Case.assigned_rep_id,
            Case.updated_at,
        ).where(
            *in_scope, or_(Case.assigned_rep_id.is_(None), Case.updated_at < stale_before, near)
        )
    ).all()
    lines = []
    for case in cases:
        reasons = [
            f"{DeadlineKind(d.kind).label}: {days_left_text(d.due_on, digest.today)} "
            f"({d.due_on:%b %-d})"
            for d in by_case.get(case.id, [])
        ]
        if case.assigned_rep_id is None:
            digest.unassigned += 1
            reasons.append("No rep assigned")
        if case.updated_at < stale_before:
            digest.stale += 1
            idle = (now - case.updated_at).days
            reasons.append(f"No activity for {idle} days")
        first_due = by_case[case.id][0].due_on if case.id in by_case else date.max
        order = (first_due, case.assigned_rep_id is not None, case.updated_at, case.id)
        line = CaseLine(
            reference=case.reference,
            chapter=labels[case.chapter_id],
            status=CaseStatus(case.status).label,
            priority=CasePriority(case.priority).label,
            reasons=tuple(reasons),
            url=_link("cases.show", case_id=case.id),
        )
        lines.append((order, line))
    lines.sort(key=lambda pair: pair[0])
    digest.case_count = len(lines)
    digest.cases = [line for _, line in lines[:SECTION_LIMIT]]


def _add_counts(digest: Digest, chapter_ids: list[int]) -> None:
    by_status = dict(
        db.session.execute(
            select(Case.status, func.count(Case.id))
            .where(Case.chapter_id.in_(chapter_ids))
            .group_by(Case.status)
        ).all()
    )
    digest.status_counts = [(s.label, by_status[s.value]) for s in CaseStatus if by_status.get(s)]
    rows = db.session.execute(
        select(Agency.department, Agency.code, func.count(distinct(Notice.case_id)))
        .select_from(Notice)
        .join(Case, Case.id == Notice.case_id)
        .outerjoin(Agency, Agency.id == Notice.receiving_agency_id)
        .where(
            Case.chapter_id.in_(chapter_ids),
            Case.status.in_(OPEN_STATUSES),
            Notice.status == NoticeStatus.SUBMITTED.value,
        )
        .group_by(Agency.department, Agency.code)
    ).all()
    counts: dict[str, int] = {}
    for department, code, n in rows:
        label = _component(department, code)
        counts[label] = counts.get(label, 0) + n
    digest.component_counts = sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _roster_models() -> Any:
    """Roster requests are a feature of their own; without it the section is left out."""
    try:
        from union.rosters import models
    except ImportError:
        return None
    return models


def _add_rosters(digest: Digest, chapter_ids: list[int], labels: dict[int, str]) -> None:
    """Open roster requests whose reply-by date falls in the coming week, with how many of
    the members they reached have answered (never who, never what they said)."""
    models = _roster_models()
    if models is None:
        return
    request, recipient = models.RosterRequest, models.RosterRecipient
    soon = digest.today + timedelta(days=DUE_SOON_DAYS)
    rows = db.session.execute(
        select(
            request.id,
            request.chapter_id,
            request.reply_by,
            request.people_requested,
            Agency.department,
            Agency.code,
            func.count(recipient.id).label("reached"),
            func.count(recipient.answer).label("answered"),
        )
        .outerjoin(Agency, Agency.id == request.receiving_agency_id)
        .outerjoin(recipient, recipient.roster_request_id == request.id)
        .where(
            request.chapter_id.in_(chapter_ids),
            request.status != models.RosterStatus.CLOSED.value,
            request.reply_by.between(digest.today, soon),
        )
        .group_by(
            request.id,
            request.chapter_id,
            request.reply_by,
            request.people_requested,
            Agency.department,
            Agency.code,
        )  # fmt: skip
        .order_by(request.reply_by, request.id)
    ).all()
    digest.roster_count = len(rows)
    digest.rosters = []
    for row in rows[:SECTION_LIMIT]:
        label = f"Roster request #{row.id}"
        if row.department and row.code:
            label += f" for {row.department}/{row.code}"
        if row.people_requested:
            label += f", {_plural(row.people_requested, 'person', 'people')} asked for"
        answered = (
            f"{row.answered} of {row.reached} members answered" if row.reached else "not sent"
        )
        digest.rosters.append(
            RosterLine(
                label=label,
                chapter=labels[row.chapter_id],
                reply_by=f"{row.reply_by:%a %b %-d}",
                days_left=f"{days_left_text(row.reply_by, digest.today)}; {answered}",
                url=_link("rosters.show", request_id=row.id),
            )
        )
