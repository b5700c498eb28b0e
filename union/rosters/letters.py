"""The union's information request for a roster (5 U.S.C. 7114(b)(4)): the letter, filled
from the roster request and the chapter and edited by the rep, one particularized need per
item; its course through the states of one table; the answer's due date from the chapter's
policy and its deadline on the case; and the six-month clock for an unfair labor practice
charge (5 U.S.C. 7118(a)(4)) when the answer is refused or never comes.

Services flush and audit; the caller (view, command, job) commits.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from union.auth.models import User
from union.cases import services as case_services
from union.cases.models import Case, CaseActionKind, CaseEventKind
from union.cases.services import CaseProblems
from union.chapters.models import Chapter, DayKind
from union.core import audit
from union.deadlines import services as deadline_services
from union.deadlines.calendar import count_days, holiday_name, next_business_day
from union.deadlines.models import Deadline, DeadlineKind
from union.extensions import db
from union.notices.models import Channel
from union.rosters.models import (
    InfoRequest,
    InfoRequestChange,
    InfoRequestItem,
    InfoRequestStatus,
    RosterRequest,
)
from union.rosters.services import RosterProblems

S = InfoRequestStatus
ULP_MONTHS = 6
ITEM_PARTS = ("description", "why", "use", "relation")

# The one table of an information request's course: from each state, where it may go.
# "Overdue" is also shown, without being stored, for a request sent or awaiting an answer
# whose due date has passed (see ``shown_status``); marking it overdue starts the clock.
TRANSITIONS: dict[InfoRequestStatus, frozenset[InfoRequestStatus]] = {
    S.DRAFT: frozenset({S.SENT}),
    S.SENT: frozenset({S.AWAITING, S.OVERDUE, S.CLARIFICATION, S.ANSWERED_PART,
                       S.ANSWERED_FULL, S.REFUSED, S.NO_DATA}),
    S.AWAITING: frozenset({S.OVERDUE, S.CLARIFICATION, S.ANSWERED_PART, S.ANSWERED_FULL,
                           S.REFUSED, S.NO_DATA}),
    S.CLARIFICATION: frozenset({S.AWAITING, S.OVERDUE, S.ANSWERED_PART, S.ANSWERED_FULL,
                                S.REFUSED, S.NO_DATA}),
    S.OVERDUE: frozenset({S.AWAITING, S.CLARIFICATION, S.ANSWERED_PART, S.ANSWERED_FULL,
                          S.REFUSED, S.NO_DATA}),
    S.ANSWERED_PART: frozenset({S.AWAITING, S.OVERDUE, S.CLARIFICATION, S.ANSWERED_FULL,
                                S.REFUSED, S.NO_DATA}),
    S.REFUSED: frozenset({S.ANSWERED_PART, S.ANSWERED_FULL}),
    S.NO_DATA: frozenset({S.ANSWERED_PART, S.ANSWERED_FULL}),
    S.ANSWERED_FULL: frozenset(),
}  # fmt: skip
# Management has spoken: the date it did is recorded, and what came back.
ANSWERS = frozenset({S.ANSWERED_PART, S.ANSWERED_FULL, S.REFUSED, S.NO_DATA})
# Still waiting on management: the due date can pass.
WAITING = frozenset({S.SENT, S.AWAITING})
# Management's answer is settled: the answer deadline on the case is done.
SETTLED = frozenset({S.ANSWERED_FULL, S.REFUSED, S.NO_DATA})


def next_states(status: str) -> list[InfoRequestStatus]:
    """Where a request in ``status`` may go, in the table's order."""
    allowed = TRANSITIONS[InfoRequestStatus(status)]
    return [s for s in InfoRequestStatus if s in allowed]


def shown_status(info_request: InfoRequest, today: date) -> InfoRequestStatus:
    """The state to show: overdue when still waiting past the due date."""
    status = InfoRequestStatus(info_request.status)
    if status in WAITING and info_request.due_on is not None and info_request.due_on < today:
        return S.OVERDUE
    return status


def is_overdue_unmarked(info_request: InfoRequest, today: date) -> bool:
    """Overdue by the calendar but not yet marked so (no ULP clock yet)."""
    return shown_status(info_request, today) == S.OVERDUE and info_request.status != S.OVERDUE


def pending_ulp_last_day(info_request: InfoRequest, today: date) -> date | None:
    """For an answer overdue but not yet marked so: the last day to file a charge if none
    comes (the clock runs from the due date whether or not anyone marked it)."""
    if info_request.due_on is None or not is_overdue_unmarked(info_request, today):
        return None
    return ulp_last_day(info_request.due_on)[0]


# -- the letter's words ----------------------------------------------------------------

_HOW = {
    Channel.EMAIL: "by email",
    Channel.MEMO: "by memo",
    Channel.MEETING: "in a meeting",
    Channel.PHONE: "by phone",
    Channel.TEXT: "by text message",
    Channel.OTHER: "",
}


def long_date(day: date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def _listed(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Facts:
    """The roster request in the words a letter uses."""

    who: str
    when: str
    how: str
    staff: str
    unit: str
    duties: str
    people: str
    duration: str
    starts: str
    reply_by: str


def facts(request: RosterRequest) -> Facts:
    """The request's facts in words (its agencies and duties must be loaded)."""
    who = ", ".join(p for p in (request.requested_by_name, request.requested_by_title) if p)
    agency = request.agency
    staff = " ".join(
        p
        for p in (
            agency.name if agency else None,
            f"({request.office})" if request.office else None,
        )
        if p
    )
    receiving = request.receiving_agency.label if request.receiving_agency else None
    unit = ", ".join(p for p in (request.receiving_unit, receiving) if p)
    duties = [d.label.lower() for d in request.duty_choices if d.value != "other"]
    if request.duties_other:
        duties.append(request.duties_other)
    return Facts(
        who=who or "management",
        when=long_date(request.communicated_on),
        how=_HOW.get(Channel(request.how_communicated), "") if request.how_communicated else "",
        staff=staff or "the bargaining unit",
        unit=unit or "another unit",
        duties=_listed(duties),
        people=str(request.people_requested) if request.people_requested else "",
        duration=request.duration or "",
        starts=long_date(request.starts_on),
        reply_by=long_date(request.reply_by),
    )


def _policy_words(chapter: Chapter) -> str:
    unit = "day" if chapter.info_request_days == 1 else "days"
    return f"{chapter.info_request_days} {DayKind(chapter.info_request_day_kind).value} {unit}"


def default_letter(request: RosterRequest, chapter: Chapter, rep: User) -> dict[str, Any]:
    """The letter's parts, filled from the request and the chapter (the rep edits them)."""
    f = facts(request)
    asked = f"On {f.when}, " if f.when else ""
    # "Dana Pruitt, Special Agent in Charge, asked…": a name with its title takes a comma.
    who = f"{f.who}," if "," in f.who else f.who
    opening = (
        f"{asked}{who} asked employees of {f.staff}{' ' + f.how if f.how else ''} to say "
        f"by {f.reply_by} whether they are available for an assignment with {f.unit}"
        f"{': ' + f.duties if f.duties else ''}."
    )
    terms = []
    if f.people:
        terms.append(f"Management is seeking {f.people} employees")
    if f.duration:
        terms.append(f"for {f.duration}")
    if f.starts:
        terms.append(f"starting {f.starts}")
    if terms:
        opening += " " + " ".join(terms) + "."
    opening += (
        f"\n\nUnder 5 U.S.C. 7114(b)(4), {chapter.label}, as the exclusive representative "
        "of these employees, requests the information listed below. For each item we state "
        "the Union's particularized need: why the Union needs it, how it will use it, and how "
        "that use relates to its representational responsibilities. The information is "
        "normally maintained by the Agency in the regular course of business, is reasonably "
        "available and necessary for full and proper discussion, understanding and "
        "negotiation of subjects within the scope of collective bargaining, and is not "
        "guidance, advice, counsel or training provided for management officials or "
        "supervisors relating to collective bargaining."
    )
    closing = (
        f"Please provide the information within {_policy_words(chapter)} of the date of "
        "this request. If the Agency believes any item does not exist, is not maintained, or "
        "need not be provided, please tell the Union in writing, within the same time, which "
        "item and why, including any countervailing interest the Agency asserts, so that we "
        "can discuss how to meet both parties' needs. Information that identifies employees "
        "may be provided with personal details the Union does not need removed.\n\n"
        "If the information is not provided, the Union will consider all its options, "
        "including an unfair labor practice charge under 5 U.S.C. 7116(a)(1), (5) and (8)."
    )
    return {
        "addressee_name": request.requested_by_name,
        "addressee_title": request.requested_by_title,
        "subject": f"Request for information under 5 U.S.C. 7114(b)(4): {request.title}",
        "opening": opening,
        "closing": closing,
        "signer_name": rep.name,
        "signer_title": f"Steward, {chapter.label}",
    }


def default_items(request: RosterRequest) -> list[dict[str, str]]:
    """The items a roster request calls for, each with its need filled from the facts."""
    f = facts(request)
    asked_when = f" on {f.when}" if f.when else ""
    seeking = f", and is seeking {f.people} of them" if f.people else ""
    doing = f" for {f.duties}" if f.duties else ""
    length = f", for {f.duration}" if f.duration else ""
    return [
        {
            "description": (
                f"The roster or list of the bargaining-unit employees of {f.staff} whom "
                f"management named, nominated or asked about their availability for the "
                f"assignment with {f.unit}, with each employee's position, series and grade, "
                "duty station, and whether each was named, volunteered or was asked."
            ),
            "why": (
                f"Management asked employees of {f.staff}{asked_when} whether they are "
                f"available{doing} with {f.unit}{seeking}. The Union does not know which "
                "bargaining-unit employees were named or asked, and cannot learn it from "
                "anyone but the Agency."
            ),
            "use": (
                "To identify and contact the employees affected; to compare who was chosen "
                "with the contract's provisions on details and temporary assignments and with "
                "the employees' position descriptions; and to decide whether to file "
                "grievances on their behalf."
            ),
            "relation": (
                "As exclusive representative (5 U.S.C. 7114(a)(1)) the Union represents these "
                "employees in grievances over assignments and details, and bargains over the "
                "impact and implementation of the change; it can do neither without knowing "
                "whom the change reaches."
            ),
        },
        {
            "description": (
                "The criteria and method used to choose the employees named or asked, and the "
                "instructions given to the supervisors who applied them."
            ),
            "why": (
                "Employees report that their names were put forward without asking them. "
                "The Union needs to know how the employees were chosen to judge whether the "
                "selection was fair, consistent and in line with the contract."
            ),
            "use": (
                "To check that selections follow the contract and are not arbitrary, and to "
                "prepare grievances or bargaining proposals on fair and equitable selection."
            ),
            "relation": (
                "Monitoring the Agency's compliance with the collective bargaining agreement, "
                "and representing employees in grievances over it, are core duties of the "
                "exclusive representative."
            ),
        },
        {
            "description": (
                f"The documents that set the duties, location, hours, expected length and "
                f"start date of the assignment with {f.unit}, the training to be given, and "
                "the pay (overtime, premium or availability pay, travel and per diem), "
                "including any agreement between the agencies about it."
            ),
            "why": (
                f"Management is asking employees to work with {f.unit}{doing}{length}: work "
                "outside many employees' position descriptions. The Union needs the terms to "
                "know what employees are asked to do, with what training, and for what pay."
            ),
            "use": (
                "To advise employees of their rights; to identify training, safety and pay "
                "issues; and to prepare proposals and a demand to bargain over the impact and "
                "implementation of the assignment."
            ),
            "relation": (
                "The Union must bargain over the impact and implementation of changes in "
                "conditions of employment, and represent employees whose duties, hours, pay "
                "or safety change."
            ),
        },
        {
            "description": (
                "A record of the answers employees have given to the request, and any "
                "statement of what happens to an employee who declines or does not answer."
            ),
            "why": (
                f"Employees were told to say by {f.reply_by} whether they are available. The "
                "Union needs to know whether declining has consequences, and whether the "
                "answers are used to select employees."
            ),
            "use": (
                "To advise employees before they answer, and to grieve or bargain over any "
                "adverse consequence of declining an assignment offered as voluntary."
            ),
            "relation": (
                "Protecting employees from coercion and representing them on their conditions "
                "of employment are duties of the exclusive representative under 5 U.S.C. "
                "7114(a)."
            ),
        },
    ]


# -- loading ---------------------------------------------------------------------------


def info_requests_of(request: RosterRequest) -> list[InfoRequest]:
    """The request's information requests, oldest first, with their case and deadlines."""
    return list(
        db.session.scalars(
            select(InfoRequest)
            .where(InfoRequest.roster_request_id == request.id)
            .options(
                joinedload(InfoRequest.case),
                joinedload(InfoRequest.deadline),
                joinedload(InfoRequest.ulp_deadline),
            )
            .order_by(InfoRequest.id)
        )
    )


def load_info_request(
    request: RosterRequest, info_request_id: int, *, for_update: bool = False
) -> InfoRequest | None:
    """The information request ``info_request_id`` if it belongs to ``request``, with
    everything its page shows."""
    query = select(InfoRequest).where(
        InfoRequest.id == info_request_id, InfoRequest.roster_request_id == request.id
    )
    if for_update:
        query = query.with_for_update(of=InfoRequest)
    query = query.options(
        joinedload(InfoRequest.case),
        joinedload(InfoRequest.deadline),
        joinedload(InfoRequest.ulp_deadline),
        selectinload(InfoRequest.items),
        selectinload(InfoRequest.documents),
        selectinload(InfoRequest.changes).joinedload(InfoRequestChange.actor),
    )
    found = db.session.scalars(query).unique().one_or_none()
    if found is not None:
        # Its request is the one given: no query, and no lazy load later.
        set_committed_value(found, "roster_request", request)
    return found


# -- the draft -------------------------------------------------------------------------


def start_info_request(request: RosterRequest, *, actor: User) -> InfoRequest:
    """A draft letter for ``request``, filled from its facts and the chapter's details."""
    chapter = request.chapter
    info_request = InfoRequest(
        roster_request=request,
        chapter_id=request.chapter_id,
        case_id=request.case_id if request.case and request.case.is_open else None,
        status=S.DRAFT,
        created_by_id=actor.id,
        changes=[],
        **default_letter(request, chapter, actor),
    )
    info_request.items = [
        InfoRequestItem(position=n, **item) for n, item in enumerate(default_items(request), 1)
    ]
    db.session.add(info_request)
    db.session.flush()
    _change(info_request, None, S.DRAFT, actor=actor, happened_on=None, note=None)
    audit.record("info_request.create", info_request, actor=actor, roster_request_id=request.id)
    return info_request


LETTER_FIELDS = ("addressee_name", "addressee_title", "subject", "opening", "closing",
                 "signer_name", "signer_title")  # fmt: skip


def save_letter(
    info_request: InfoRequest,
    *,
    fields: dict[str, Any],
    items: list[dict[str, str | None]],
    actor: User,
) -> list[str]:
    """Keep the rep's edits of a draft letter. Items left wholly blank are dropped; an item
    needs its description and all three parts of its need. Returns what changed."""
    if not info_request.is_draft:
        raise RosterProblems({"letter": "The letter was sent: it stays as it was sent."})
    problems: dict[str, str] = {}
    for name in ("subject", "opening", "closing"):
        if not fields.get(name):
            problems[name] = "This part of the letter cannot be empty."
    kept = [item for item in items if any(item.get(part) for part in ITEM_PARTS)]
    for n, item in enumerate(items):
        if item in kept:
            for part in ITEM_PARTS:
                if not item.get(part):
                    problems[f"items-{n}-{part}"] = ITEM_MISSING[part]
    if not kept:
        problems["items"] = "Ask for at least one item, with its particularized need."
    if problems:
        raise RosterProblems(problems)
    changed = [n for n in LETTER_FIELDS if n in fields and getattr(info_request, n) != fields[n]]
    for name in changed:
        setattr(info_request, name, fields[name])
    before = [tuple(getattr(i, p) for p in ITEM_PARTS) for i in info_request.items]
    after = [tuple(item[p] for p in ITEM_PARTS) for item in kept]
    if before != after:
        # Rewrite the list in place: positions stay 1..n and unique.
        for item_row in list(info_request.items):
            info_request.items.remove(item_row)
        db.session.flush()
        info_request.items = [
            InfoRequestItem(position=n, **dict(zip(ITEM_PARTS, values, strict=True)))
            for n, values in enumerate(after, 1)
        ]
        changed.append("items")
    db.session.flush()
    if changed:
        audit.record("info_request.edit", info_request, actor=actor, changed=changed)
    return changed


ITEM_MISSING = {
    "description": "Say what information this item asks for.",
    "why": "Say why the Union needs it.",
    "use": "Say how the Union will use it.",
    "relation": "Say how that relates to the Union's representational duties.",
}


# -- sending ---------------------------------------------------------------------------


def answer_due(chapter: Chapter, sent_on: date) -> tuple[date, str]:
    """When management must answer a request sent on ``sent_on``, by the chapter's policy
    (business days skip weekends and federal holidays), and the rule in words."""
    days, kind = chapter.info_request_days, chapter.info_request_day_kind
    count = count_days(sent_on, days, kind)
    rule = count.describe(days, kind, f"request of {sent_on.isoformat()}", source="chapter policy")
    return count.due_on, rule


def send_info_request(
    info_request: InfoRequest,
    *,
    sent_on: date | None,
    case: Case | None,
    today: date,
    actor: User,
) -> InfoRequest:
    """The letter went to management on ``sent_on``: the answer's due date is counted from
    the chapter's policy, the request is recorded as an action on ``case`` (a new case of
    the chapter when None), and the answer's due date becomes a deadline there."""
    request: RosterRequest = info_request.roster_request
    problems: dict[str, str] = {}
    if not info_request.is_draft:
        problems["sent_on"] = "This request was sent already."
    if sent_on is None:
        problems["sent_on"] = "Enter the date the letter went to management."
    elif sent_on > today:
        problems["sent_on"] = "Record it once it is sent: the date cannot be in the future."
    elif sent_on < today - timedelta(days=365):
        problems["sent_on"] = "The date is more than a year ago: check the year."
    if case is not None and (case.chapter_id != request.chapter_id or not case.is_open):
        problems["case"] = "Choose an open case of the request's chapter."
    if problems:
        raise RosterProblems(problems)
    assert sent_on is not None
    if case is None:
        case = case_services.open_case(chapter_id=request.chapter_id, year=today.year, actor=actor)
        case_services.add_event(
            case,
            CaseEventKind.NOTE,
            actor=actor,
            body=f"Opened for the information request on the roster request “{request.title}”.",
        )
    chapter = request.chapter
    due_on, rule = answer_due(chapter, sent_on)
    info_request.case_id = case.id
    info_request.case = case
    info_request.sent_on = sent_on
    info_request.due_on = due_on
    info_request.due_rule = rule
    try:
        case_services.record_action(
            case,
            kind=CaseActionKind.INFORMATION_REQUEST.value,
            taken_on=sent_on,
            step=None,
            note=f"Information request under 5 U.S.C. 7114(b)(4) for the roster: {request.title}",
            today=today,
            actor=actor,
        )
    except CaseProblems as problem:
        raise RosterProblems({"sent_on": " ".join(problem.problems.values())}) from None
    # Recording the action sets the answer's deadline by the same policy; find it (or set
    # it, where the cases feature does not).
    deadline = db.session.scalar(
        select(Deadline)
        .where(
            Deadline.case_id == case.id,
            Deadline.kind == DeadlineKind.INFO_REQUEST.value,
            Deadline.counted_from == sent_on,
            Deadline.done_at.is_(None),
        )
        .order_by(Deadline.id.desc())
        .limit(1)
    )
    if deadline is None:
        deadline = deadline_services.propose_info_request_deadline(case, sent_on, actor=actor)
    info_request.deadline_id = deadline.id
    info_request.deadline = deadline
    _move(info_request, S.SENT, actor=actor, happened_on=sent_on, note=None)
    return info_request


# -- its course ------------------------------------------------------------------------


def transition_problem(info_request: InfoRequest, target: InfoRequestStatus) -> str | None:
    """Why the request cannot move to ``target`` (None: it can)."""
    current = InfoRequestStatus(info_request.status)
    if target == current:
        return f"It is {current.label.lower()} already."
    if target == S.SENT:
        return "Use “Record it as sent” to send a draft."
    if target in TRANSITIONS[current]:
        return None
    if not TRANSITIONS[current]:
        return f"A request {current.label.lower()} is settled: its state no longer changes."
    allowed = _or_listed([s.label.lower() for s in next_states(current)])
    return f"From “{current.label.lower()}” it can become {allowed}, not {target.label.lower()}."


def _or_listed(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def change_status(
    info_request: InfoRequest,
    status: str | None,
    *,
    happened_on: date | None,
    note: str | None,
    today: date,
    actor: User,
) -> InfoRequestChange:
    """Move the request along its course. An answer (in part, in full, refused, no such
    data) records the day it came and what came back; a refusal, or marking it overdue,
    starts the six-month clock for an unfair labor practice charge."""
    try:
        target = InfoRequestStatus(status or "")
    except ValueError:
        raise RosterProblems({"status": "Choose what happened."}) from None
    problem = transition_problem(info_request, target)
    if problem:
        raise RosterProblems({"status": problem})
    happened_on = happened_on or today
    if happened_on > today:
        raise RosterProblems({"happened_on": "The date cannot be in the future."})
    if info_request.sent_on and happened_on < info_request.sent_on:
        raise RosterProblems({"happened_on": "The date is before the request was sent."})
    if target == S.OVERDUE and info_request.due_on and info_request.due_on >= today:
        raise RosterProblems(
            {"status": f"It is not overdue: the answer is due {long_date(info_request.due_on)}."}
        )
    if target in ANSWERS:
        info_request.answered_on = happened_on
        if note:
            info_request.answer_text = note
    change = _move(info_request, target, actor=actor, happened_on=happened_on, note=note)
    case = info_request.case
    if case is not None:
        if target in SETTLED and info_request.deadline and info_request.deadline.is_open:
            deadline_services.close_deadline(
                info_request.deadline, actor=actor, reason=f"Information request: {target.label}."
            )
        if target == S.REFUSED:
            start_ulp_clock(info_request, counted_from=happened_on, refused=True, actor=actor)
        elif target == S.OVERDUE:
            start_ulp_clock(
                info_request, counted_from=info_request.due_on or happened_on, refused=False,
                actor=actor,
            )  # fmt: skip
    return change


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ulp_last_day(counted_from: date) -> tuple[date, str | None]:
    """The last day to file a charge six months after ``counted_from``; a last day on a
    weekend or federal holiday moves to the next business day (5 C.F.R. 2429.21)."""
    landed = add_months(counted_from, ULP_MONTHS)
    due = next_business_day(landed)
    if due == landed:
        return due, None
    why = holiday_name(landed) or "a weekend"
    return due, f"{landed:%a} {landed.isoformat()} is {why}: moved to the next business day"


def start_ulp_clock(
    info_request: InfoRequest, *, counted_from: date, refused: bool, actor: User
) -> Deadline | None:
    """The last day to file an unfair labor practice charge, as a deadline on the case
    (once per request: the first refusal or overdue answer starts it)."""
    if info_request.ulp_deadline_id is not None or info_request.case is None:
        return None
    due_on, moved = ulp_last_day(counted_from)
    event = (
        f"the refusal of {counted_from.isoformat()}"
        if refused
        else f"the answer was due on {counted_from.isoformat()} and did not come"
    )
    rule = f"6 months after {event} (5 U.S.C. 7118(a)(4))" + (f"; {moved}" if moved else "")
    deadline = deadline_services.add_deadline(
        info_request.case,
        kind=DeadlineKind.ULP_CHARGE,
        title="File an unfair labor practice charge (information request)",
        due_on=due_on,
        rule=rule,
        actor=actor,
    )
    info_request.ulp_deadline_id = deadline.id
    info_request.ulp_deadline = deadline
    db.session.flush()
    audit.record(
        "info_request.ulp_clock", info_request, actor=actor, deadline_id=deadline.id,
        due_on=due_on.isoformat(), counted_from=counted_from.isoformat(),
    )  # fmt: skip
    return deadline


def _move(
    info_request: InfoRequest,
    target: InfoRequestStatus,
    *,
    actor: User,
    happened_on: date | None,
    note: str | None,
) -> InfoRequestChange:
    before = info_request.status
    info_request.status = target.value
    change = _change(info_request, before, target, actor=actor, happened_on=happened_on, note=note)
    audit.record(
        "info_request.status",
        info_request,
        actor=actor,
        before=before,
        after=target.value,
        happened_on=happened_on.isoformat() if happened_on else None,
    )
    if info_request.case is not None and target != S.DRAFT:
        on = f" on {long_date(happened_on)}" if happened_on else ""
        case_services.add_event(
            info_request.case,
            CaseEventKind.NOTE,
            actor=actor,
            body=f"Information request for the roster: {target.label.lower()}{on}.",
        )
    return change


def _change(
    info_request: InfoRequest,
    before: str | None,
    target: InfoRequestStatus,
    *,
    actor: User,
    happened_on: date | None,
    note: str | None,
) -> InfoRequestChange:
    change = InfoRequestChange(
        status_from=before,
        status_to=target.value,
        happened_on=happened_on,
        note=note,
        actor_id=actor.id,
    )
    info_request.changes.append(change)
    db.session.flush()
    return change
