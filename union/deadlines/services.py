"""Deadline rules: proposing a case's deadlines from the chapter's policy, adding, moving,
extending, closing and reopening them, days left and urgency, and the detail clock.

Services flush and audit; the caller (view, command, job) commits. Each change is kept
three ways: a row of the deadline's own history, an event on the case timeline, and an
audit entry.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from union.cases import services as case_services
from union.cases.models import Case, CaseEvent, CaseEventKind
from union.chapters.models import Chapter, DayKind
from union.core import audit
from union.core.time import local_time, utcnow
from union.deadlines.calendar import count_days
from union.deadlines.models import ChangeKind, Deadline, DeadlineChange, DeadlineKind
from union.extensions import db
from union.notices.models import Notice, NoticeKind, NoticeStatus
from union.notices.services import FAR_OFF_YEARS, far_off

# A deadline turns amber this many days ahead, and red this many.
AMBER_DAYS = 7
RED_DAYS = 3

# Notices that ask the member for an answer by a date.
REPLY_BY_KINDS = {NoticeKind.AVAILABILITY_SOLICITATION, NoticeKind.ROSTER_NOMINATION}

POLICY = "chapter policy"


class DeadlineProblems(ValueError):
    """What stops the change, field by field; each message is for the rep."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# -- today, days left, urgency ---------------------------------------------------------


def chapter_today(chapter: Chapter) -> date:
    """Today where the chapter is: a deadline falls due on the chapter's own calendar."""
    return local_time(utcnow(), chapter.timezone).date()


def case_today(case: Case) -> date:
    chapter = db.session.get(Chapter, case.chapter_id)
    assert chapter is not None
    return chapter_today(chapter)


def days_left(due_on: date, today: date) -> int:
    """Days from ``today`` to ``due_on``: 0 when due today, negative when overdue."""
    return (due_on - today).days


def urgency(due_on: date | None, today: date) -> str | None:
    """``"overdue"`` past the date, ``"red"`` at 3 days or fewer, ``"amber"`` at 7 or fewer,
    else None (also None with no date)."""
    if due_on is None:
        return None
    left = days_left(due_on, today)
    if left < 0:
        return "overdue"
    if left <= RED_DAYS:
        return "red"
    if left <= AMBER_DAYS:
        return "amber"
    return None


def days_left_text(due_on: date, today: date) -> str:
    """Days left in words, with the urgency said too (never by colour alone): "Overdue by
    3 days", "Urgent: due today", "Due soon: 5 days left", "12 days left"."""
    left = days_left(due_on, today)
    level = urgency(due_on, today)
    if level == "overdue":
        return f"Overdue by {-left} day{'s' if left != -1 else ''}"
    text = "due today" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
    if level == "red":
        return f"Urgent: {text}"
    if level == "amber":
        return f"Due soon: {text}"
    return text[0].upper() + text[1:]


# -- loading ---------------------------------------------------------------------------


def case_deadlines(case: Case) -> list[Deadline]:
    """The case's deadlines with their history: open ones first by due date, then the
    closed ones (one query for the deadlines, one for their history)."""
    return list(
        db.session.scalars(
            select(Deadline)
            .where(Deadline.case_id == case.id)
            .options(
                joinedload(Deadline.done_by),
                selectinload(Deadline.changes).joinedload(DeadlineChange.actor),
            )
            .order_by(Deadline.done_at.is_not(None), Deadline.due_on, Deadline.id)
        ).unique()
    )


def load_deadline(case: Case, deadline_id: int) -> Deadline | None:
    """The deadline ``deadline_id`` if it belongs to ``case``."""
    return db.session.scalars(
        select(Deadline)
        .where(Deadline.id == deadline_id, Deadline.case_id == case.id)
        .options(selectinload(Deadline.changes).joinedload(DeadlineChange.actor))
    ).one_or_none()


def last_extension(deadline: Deadline) -> DeadlineChange | None:
    """The latest agreed extension of the deadline, if any (its history must be loaded)."""
    return next((c for c in reversed(deadline.changes) if c.kind == ChangeKind.EXTENDED), None)


def policy_note(deadline: Deadline, chapter: Chapter) -> str | None:
    """When the chapter's policy no longer matches the count a deadline was set with, say
    so: the deadline keeps its date (nothing moves silently), and the rep decides."""
    policy = _policy_of(chapter, DeadlineKind(deadline.kind))
    if policy is None or deadline.days is None or deadline.day_kind is None:
        return None
    days, day_kind = policy
    if (deadline.days, deadline.day_kind) == (days, day_kind):
        return None
    return (
        f"The chapter's policy is now {days} {day_kind} days; this deadline was counted "
        f"with {deadline.days} {deadline.day_kind} days and keeps its date."
    )


def _policy_of(chapter: Chapter, kind: DeadlineKind) -> tuple[int, str] | None:
    if kind == DeadlineKind.GRIEVANCE:
        return chapter.grievance_days, chapter.grievance_day_kind
    if kind == DeadlineKind.INFO_REQUEST:
        return chapter.info_request_days, chapter.info_request_day_kind
    return None


# -- adding ----------------------------------------------------------------------------


def add_deadline(
    case: Case,
    *,
    kind: DeadlineKind | str,
    title: str | None = None,
    due_on: date | None = None,
    days: int | None = None,
    day_kind: DayKind | str | None = None,
    counted_from: date | None = None,
    after: str | None = None,
    source: str | None = None,
    rule: str | None = None,
    actor: Any = None,
) -> Deadline:
    """A new deadline on ``case``: either on ``due_on``, or ``days`` calendar or business
    days after ``counted_from`` (``after`` names that day in the rule, e.g. "notice of
    2026-03-02"; ``source`` says whose count it is, e.g. "chapter policy")."""
    kind = DeadlineKind(kind)
    title = (title or "").strip() or kind.label
    today = case_today(case)
    if due_on is None:
        if days is None or day_kind is None or counted_from is None:
            raise DeadlineProblems({"due_on": "Enter a due date, or the days to count."})
        _check_year(today, counted_from=counted_from)
        count = count_days(counted_from, days, day_kind)
        _check_year(today, days=count.due_on)
        due_on = count.due_on
        rule = rule or count.describe(
            days, day_kind, after or counted_from.isoformat(), source=source
        )
        day_kind = DayKind(day_kind).value
    else:
        _check_year(today, due_on=due_on)
        days = day_kind = counted_from = None
    deadline = Deadline(
        case_id=case.id,
        kind=kind.value,
        title=title,
        due_on=due_on,
        original_due_on=due_on,
        rule=rule,
        days=days,
        day_kind=day_kind,
        counted_from=counted_from,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(deadline)
    db.session.flush()
    _record(case, deadline, ChangeKind.CREATED, actor=actor, new_due_on=due_on, rule=rule)
    return deadline


def _check_year(today: date, **days: date) -> None:
    """A date years away is a typo (a wrong year), not a deadline: say which field."""
    for field, day in days.items():
        if far_off(day, today):
            verb = "falls" if field == "days" else "is"
            message = (
                f"That date {verb} more than {FAR_OFF_YEARS} years from today: check the year."
            )
            raise DeadlineProblems({field: message})


def propose_deadlines(case: Case, notice: Notice, *, actor: Any = None) -> list[Deadline]:
    """The deadlines a newly filed notice sets, from its chapter's policy as it stands
    today: the grievance window from the date the member was told, and the member's
    reply to management on a solicitation or nomination with a reply-by date. A deadline
    the case already has (same kind and date: another notice of a collective case) is not
    proposed twice."""
    chapter = db.session.get(Chapter, notice.chapter_id)
    assert chapter is not None
    query = select(Deadline.kind, Deadline.due_on).where(Deadline.case_id == case.id)
    existing = {(kind, due_on) for kind, due_on in db.session.execute(query)}
    proposed: list[Deadline] = []

    def propose(**fields: Any) -> None:
        if fields.get("due_on") is None:
            count = count_days(fields["counted_from"], fields["days"], fields["day_kind"])
            due = count.due_on
        else:
            due = fields["due_on"]
        if (fields["kind"].value, due) in existing:
            return
        existing.add((fields["kind"].value, due))
        proposed.append(add_deadline(case, actor=actor, **fields))

    if notice.notified_on is not None:
        propose(
            kind=DeadlineKind.GRIEVANCE,
            title="File a grievance",
            days=chapter.grievance_days,
            day_kind=chapter.grievance_day_kind,
            counted_from=notice.notified_on,
            after=f"notice of {notice.notified_on.isoformat()}",
            source=POLICY,
        )
    if notice.reply_by is not None and notice.kind in REPLY_BY_KINDS:
        propose(
            kind=DeadlineKind.REPLY_BY,
            title="Member's reply to management is due",
            due_on=notice.reply_by,
            rule="The reply-by date management gave the member",
        )
    return proposed


def propose_info_request_deadline(case: Case, sent_on: date, *, actor: Any = None) -> Deadline:
    """The date management must answer an information request sent on ``sent_on``, by the
    chapter's policy (for the action "information request sent")."""
    chapter = db.session.get(Chapter, case.chapter_id)
    assert chapter is not None
    return add_deadline(
        case,
        kind=DeadlineKind.INFO_REQUEST,
        title="Management's answer to the information request",
        days=chapter.info_request_days,
        day_kind=chapter.info_request_day_kind,
        counted_from=sent_on,
        after=f"request of {sent_on.isoformat()}",
        source=POLICY,
        actor=actor,
    )


def policy_count(case: Case, kind: DeadlineKind) -> tuple[int, str] | None:
    """The chapter's count for ``kind`` (days, day kind), if its policy has one."""
    chapter = db.session.get(Chapter, case.chapter_id)
    assert chapter is not None
    return _policy_of(chapter, kind)


# -- changing --------------------------------------------------------------------------


def edit_deadline(
    deadline: Deadline,
    *,
    kind: DeadlineKind | str,
    title: str,
    due_on: date,
    extension: bool = False,
    reason: str | None = None,
    actor: Any = None,
) -> bool:
    """Change a deadline. A new date is either an agreed extension (``extension``: a later
    date and a reason are required; the original date is kept) or a correction of a
    wrong date. Returns whether anything changed."""
    reason = (reason or "").strip() or None
    kind = DeadlineKind(kind)
    title = (title or "").strip() or kind.label
    moved = due_on != deadline.due_on
    if moved:
        _check_year(case_today(_case_of(deadline)), due_on=due_on)
    if moved and extension:
        problems = {}
        if due_on < deadline.due_on:
            problems["due_on"] = (
                f"An extension moves the date later than {deadline.due_on:%b %-d, %Y}. "
                "To fix a wrong date, choose “a correction”."
            )
        if reason is None:
            problems["reason"] = "Say why the deadline is extended (who agreed, and when)."
        if problems:
            raise DeadlineProblems(problems)
    changed = []
    if deadline.kind != kind.value:
        deadline.kind = kind.value
        changed.append("kind")
    if deadline.title != title:
        deadline.title = title
        changed.append("title")
    if not moved and not changed:
        return False
    case = _case_of(deadline)
    old = deadline.due_on
    if moved:
        if not extension and deadline.original_due_on == old:
            # A correction of a date never extended: the wrong date was never the original.
            deadline.original_due_on = due_on
        deadline.due_on = due_on
    change = ChangeKind.EXTENDED if moved and extension else ChangeKind.EDITED
    _record(
        case,
        deadline,
        change,
        actor=actor,
        old_due_on=old if moved else None,
        new_due_on=due_on if moved else None,
        reason=reason,
        changed=changed + (["due_on"] if moved else []),
    )
    return True


def close_deadline(deadline: Deadline, *, actor: Any = None, reason: str | None = None) -> bool:
    """Mark the deadline done (met, or no longer needed). False if it already was."""
    if not deadline.is_open:
        return False
    deadline.done_at = utcnow()
    deadline.done_by_id = getattr(actor, "id", None)
    _record(_case_of(deadline), deadline, ChangeKind.CLOSED, actor=actor, reason=reason)
    return True


def reopen_deadline(deadline: Deadline, *, actor: Any = None, reason: str | None = None) -> bool:
    """Open a closed deadline again. False if it was open."""
    if deadline.is_open:
        return False
    deadline.done_at = None
    deadline.done_by_id = None
    _record(_case_of(deadline), deadline, ChangeKind.REOPENED, actor=actor, reason=reason)
    return True


def _case_of(deadline: Deadline) -> Case:
    case = db.session.get(Case, deadline.case_id)
    assert case is not None
    return case


def _record(
    case: Case,
    deadline: Deadline,
    change: ChangeKind,
    *,
    actor: Any,
    old_due_on: date | None = None,
    new_due_on: date | None = None,
    reason: str | None = None,
    **extra: Any,
) -> None:
    """The change in the deadline's history, on the case timeline, and in the audit log."""
    db.session.add(
        DeadlineChange(
            deadline_id=deadline.id,
            actor_id=getattr(actor, "id", None),
            kind=change.value,
            old_due_on=old_due_on,
            new_due_on=new_due_on,
            reason=reason,
            at=utcnow(),
        )
    )
    dates = {
        "old_due_on": old_due_on.isoformat() if old_due_on else None,
        "new_due_on": new_due_on.isoformat() if new_due_on else None,
    }
    case_services.add_event(
        case,
        CaseEventKind.DEADLINE,
        actor=actor,
        body=reason,
        visible_to_member=False,
        action=change.value,
        deadline_id=deadline.id,
        title=deadline.title,
        due_on=deadline.due_on.isoformat(),
        **dates,
    )
    audit.record(
        f"deadline.{change.value}",
        deadline,
        actor=actor,
        chapter_id=case.chapter_id,
        case_id=case.id,
        kind=deadline.kind,
        due_on=deadline.due_on.isoformat(),
        reason=reason,
        **dates,
        **extra,
    )
    # The history list, if loaded, should show this change at once.
    if "changes" in deadline.__dict__:
        db.session.expire(deadline, ["changes"])


def describe_deadline_event(event: CaseEvent) -> str:
    """A "deadline" timeline entry in words, e.g. "Deadline extended: File a grievance,
    Mar 3, 2026 → Mar 17, 2026"."""
    details = event.details or {}
    title = details.get("title") or "Deadline"
    action = details.get("action")
    new, old = _shown(details.get("new_due_on")), _shown(details.get("old_due_on"))
    match action:
        case ChangeKind.CREATED:
            return f"Deadline set: {title}, due {new}"
        case ChangeKind.EXTENDED:
            return f"Deadline extended: {title}, {old} → {new}"
        case ChangeKind.EDITED if old and new:
            return f"Deadline changed: {title}, {old} → {new}"
        case ChangeKind.EDITED:
            return f"Deadline changed: {title}"
        case ChangeKind.CLOSED:
            return f"Deadline closed: {title}"
        case ChangeKind.REOPENED:
            return f"Deadline reopened: {title}, due {_shown(details.get('due_on'))}"
        case _:
            return f"Deadline: {title}"


def _shown(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%b %-d, %Y}" if iso else ""


# -- the detail clock ------------------------------------------------------------------

# 5 U.S.C. 3341: a detail lasts up to 120 days and is renewed only by written order.
DETAIL_LIMIT_DAYS = 120
DETAIL_WARN_FROM_DAY = 100


@dataclass(frozen=True)
class DetailClock:
    """Days served on a detail since the written order (the start date the member gave,
    or the date they were told). Day 1 is the start date itself."""

    started_on: date
    today: date
    ended_on: date | None = None
    notices: int = 1

    @property
    def started(self) -> bool:
        return self.started_on <= self.today

    @property
    def ended(self) -> bool:
        return self.ended_on is not None and self.ended_on < self.today

    @property
    def days_served(self) -> int:
        """Days served so far (up to the end date once the detail is over)."""
        last = min(self.today, self.ended_on) if self.ended_on else self.today
        return max(0, (last - self.started_on).days + 1)

    @property
    def mark_on(self) -> date:
        """The 120th day of the detail: after it, a renewal in writing is needed."""
        return self.started_on + timedelta(days=DETAIL_LIMIT_DAYS - 1)

    @property
    def days_to_mark(self) -> int:
        return (self.mark_on - self.today).days

    @property
    def state(self) -> str:
        """``"not_started"``, ``"running"``, ``"approaching"`` (day 100 to 120), ``"past"``
        (over 120 days served) or ``"ended"`` (over before 120 days)."""
        if not self.started:
            return "not_started"
        if self.days_served > DETAIL_LIMIT_DAYS:
            return "past"
        if self.ended:
            return "ended"
        if self.days_served >= DETAIL_WARN_FROM_DAY:
            return "approaching"
        return "running"


def detail_clock(case: Case) -> DetailClock | None:
    """The clock of the case's detail notices (submitted), counted from the earliest
    start; None when the case has no detail notice with a date."""
    rows = db.session.execute(
        select(Notice.starts_on, Notice.notified_on, Notice.ends_on).where(
            Notice.case_id == case.id,
            Notice.kind == NoticeKind.DETAIL.value,
            Notice.status == NoticeStatus.SUBMITTED.value,
        )
    ).all()
    starts = [
        (starts_on or notified_on, ends_on)
        for starts_on, notified_on, ends_on in rows
        if (starts_on or notified_on) is not None
    ]
    if not starts:
        return None
    started_on, ended_on = min(starts, key=lambda s: s[0])
    return DetailClock(
        started_on=started_on, today=case_today(case), ended_on=ended_on, notices=len(starts)
    )
