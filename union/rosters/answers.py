"""Members and roster requests: sending a request to the members it concerns (by office,
the whole chapter, or by name), their answers until the end of the reply-by day in the
chapter's time zone (every change kept), the tally, and reminders to those who have not
answered. Emails carry a link, never the request's details.

Services flush and audit; the caller (view, command, job) commits.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from union.auth.models import User, Verification
from union.core import audit
from union.core.links import external_url
from union.core.outbox import queue_email
from union.core.time import utcnow
from union.extensions import db
from union.members.models import Member
from union.rosters.models import (
    RosterAnswer,
    RosterAnswerKind,
    RosterRecipient,
    RosterRequest,
    RosterStatus,
)
from union.rosters.services import RosterProblems, answers_open, load_request

# A member reminded this recently is not reminded again (a double click sends one).
REMIND_AGAIN_AFTER = timedelta(hours=1)


# -- the tally -------------------------------------------------------------------------


def tallies(request_ids: list[int]) -> dict[int, dict[str | None, int]]:
    """``{request_id: {answer or None: count}}`` for many requests (one query)."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        select(RosterRecipient.roster_request_id, RosterRecipient.answer, func.count())
        .where(RosterRecipient.roster_request_id.in_(request_ids))
        .group_by(RosterRecipient.roster_request_id, RosterRecipient.answer)
    )
    found: dict[int, dict[str | None, int]] = {}
    for request_id, answer, count in rows:
        found.setdefault(request_id, {})[answer] = int(count)
    return found


@dataclass(frozen=True)
class Tally:
    """How many recipients gave each answer, and how many have not answered."""

    counts: dict[RosterAnswerKind, int]
    not_answered: int

    @property
    def sent(self) -> int:
        return sum(self.counts.values()) + self.not_answered

    @property
    def answered(self) -> int:
        return sum(self.counts.values())


def tally_of(counts: dict[str | None, int]) -> Tally:
    return Tally(
        counts={kind: counts.get(kind.value, 0) for kind in RosterAnswerKind},
        not_answered=counts.get(None, 0),
    )


def tally(request: RosterRequest) -> Tally:
    """The request's tally (one query)."""
    return tally_of(tallies([request.id]).get(request.id, {}))


def recipients(request: RosterRequest) -> list[RosterRecipient]:
    """Who the request was sent to, by name, with their answers' history (two queries)."""
    return list(
        db.session.scalars(
            select(RosterRecipient)
            .join(User, User.id == RosterRecipient.user_id)
            .where(RosterRecipient.roster_request_id == request.id)
            .options(joinedload(RosterRecipient.user), selectinload(RosterRecipient.history))
            .order_by(User.name, User.id)
        ).unique()
    )


# -- sending to members ----------------------------------------------------------------


def _reachable_users(chapter_id: int) -> Select[tuple[User, str | None, int | None]]:
    """Accounts of the chapter that can log in and answer, each with the office and id of
    its roster record (if it has one)."""
    return (
        select(User, Member.office, Member.id)
        .outerjoin(Member, and_(Member.user_id == User.id, Member.chapter_id == chapter_id))
        .where(
            or_(User.chapter_id == chapter_id, Member.id.is_not(None)),
            User.active.is_(True),
            User.verification != Verification.REJECTED,
        )
        .order_by(User.name, User.id)
    )


@dataclass(frozen=True)
class Person:
    user: User
    office: str | None
    member_id: int | None


def chapter_people(chapter_id: int) -> list[Person]:
    """Everyone of the chapter a request can reach (an account that can log in)."""
    return [
        Person(user, office, member_id)
        for user, office, member_id in db.session.execute(_reachable_users(chapter_id))
    ]


@dataclass(frozen=True)
class Office:
    name: str
    with_account: int
    without_account: int


def offices(chapter_id: int) -> list[Office]:
    """The offices on the chapter's member list, with how many members of each have an
    account (and so can be sent a request) and how many do not yet."""
    rows = db.session.execute(
        select(
            Member.office,
            func.count(Member.user_id),
            func.count(Member.id) - func.count(Member.user_id),
        )
        .where(
            Member.chapter_id == chapter_id,
            Member.office.is_not(None),
            Member.missing.is_(False),
        )
        .group_by(Member.office)
        .order_by(Member.office)
    )
    return [Office(name, int(w), int(wo)) for name, w, wo in rows]


def people_of_offices(chapter_id: int, names: list[str]) -> list[Person]:
    """The chapter's members in the offices ``names`` who have an account."""
    if not names:
        return []
    query = _reachable_users(chapter_id).where(Member.office.in_(names), Member.missing.is_(False))
    return [Person(u, o, m) for u, o, m in db.session.execute(query)]


def people_by_ids(chapter_id: int, user_ids: list[int]) -> list[Person]:
    """Those of ``user_ids`` the chapter's request can reach (others are dropped)."""
    if not user_ids:
        return []
    query = _reachable_users(chapter_id).where(User.id.in_(user_ids))
    return [Person(u, o, m) for u, o, m in db.session.execute(query)]


@dataclass
class SendOutcome:
    sent: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


def send_request(request: RosterRequest, people: list[Person], *, actor: User) -> SendOutcome:
    """Send the request to ``people``: a recipient record each, and an email with a link
    (never the request's details: a member's mail may be read by others). Someone who had
    it already is not sent it twice."""
    if request.status == RosterStatus.CLOSED:
        raise RosterProblems({"people": "This request is closed: reopen it to send it."})
    if not answers_open(request, request.chapter):
        raise RosterProblems(
            {
                "people": "The reply-by date has passed, so members could no longer answer. "
                "If management gave more time, change the reply-by date first."
            }
        )
    if not people:
        raise RosterProblems({"people": "Nobody to send it to: choose members with an account."})
    have = set(
        db.session.scalars(
            select(RosterRecipient.user_id).where(RosterRecipient.roster_request_id == request.id)
        )
    )
    outcome = SendOutcome()
    now = utcnow()
    for person in {p.user.id: p for p in people}.values():
        if person.user.id in have:
            outcome.already.append(person.user)
            continue
        recipient = RosterRecipient(
            roster_request_id=request.id,
            user_id=person.user.id,
            member_id=person.member_id,
            sent_at=now,
            sent_by_id=actor.id,
        )
        db.session.add(recipient)
        db.session.flush()
        queue_email(
            "roster-request",
            person.user.email,
            "Your union asks for your answer",
            "roster_request",
            user=person.user,
            key=f"{recipient.id}",
            answer_url=external_url("rosters.answer", request_id=request.id),
            reply_by=request.reply_by,
        )
        outcome.sent.append(person.user)
    if outcome.sent:
        if request.status == RosterStatus.RECORDED:
            request.status = RosterStatus.SENT
        audit.record("roster.send", request, actor=actor, user_ids=[u.id for u in outcome.sent])
    return outcome


@dataclass
class RemindOutcome:
    reminded: list[User] = field(default_factory=list)
    recently: list[User] = field(default_factory=list)


def remind(request: RosterRequest, *, actor: User, now: datetime | None = None) -> RemindOutcome:
    """Email those who have not answered yet (and only them) a reminder with a link, no
    details; each reminder is recorded on their recipient record."""
    chapter = request.chapter
    now = now or utcnow()
    if not answers_open(request, chapter, now):
        raise RosterProblems(
            {"remind": "Answers are closed for this request: there is nothing to remind."}
        )
    waiting = list(
        db.session.scalars(
            select(RosterRecipient)
            .where(
                RosterRecipient.roster_request_id == request.id, RosterRecipient.answer.is_(None)
            )
            .options(joinedload(RosterRecipient.user))
            .order_by(RosterRecipient.id)
            .with_for_update(of=RosterRecipient)
        )
    )
    if not waiting:
        raise RosterProblems({"remind": "Everyone it was sent to has answered."})
    outcome = RemindOutcome()
    for recipient in waiting:
        if recipient.reminded_at is not None and now - recipient.reminded_at < REMIND_AGAIN_AFTER:
            outcome.recently.append(recipient.user)
            continue
        recipient.reminded_at = now
        recipient.reminder_count += 1
        queue_email(
            "roster-reminder",
            recipient.user.email,
            "Reminder: your union is waiting for your answer",
            "roster_reminder",
            user=recipient.user,
            key=f"{recipient.id}.{recipient.reminder_count}",
            answer_url=external_url("rosters.answer", request_id=request.id),
            reply_by=request.reply_by,
        )
        outcome.reminded.append(recipient.user)
    db.session.flush()
    if outcome.reminded:
        audit.record(
            "roster.remind", request, actor=actor, user_ids=[u.id for u in outcome.reminded]
        )
    return outcome


# -- members' answers ------------------------------------------------------------------


def recipient_for(
    request_id: int, user: User, *, for_update: bool = False
) -> RosterRecipient | None:
    """``user``'s recipient record of the request, with the request and its facts (None
    when it was not sent to them, or does not exist: the same to the member)."""
    request = load_request(request_id)
    if request is None:
        return None
    query = (
        select(RosterRecipient)
        .where(RosterRecipient.roster_request_id == request_id, RosterRecipient.user_id == user.id)
        .options(selectinload(RosterRecipient.history))
    )
    if for_update:
        query = query.with_for_update(of=RosterRecipient)
    recipient = db.session.scalars(query).one_or_none()
    if recipient is not None:
        set_committed_value(recipient, "roster_request", request)
    return recipient


def member_requests(user: User) -> list[RosterRecipient]:
    """What was sent to ``user``, the latest reply-by first, each with its request."""
    return list(
        db.session.scalars(
            select(RosterRecipient)
            .join(RosterRequest, RosterRequest.id == RosterRecipient.roster_request_id)
            .where(RosterRecipient.user_id == user.id)
            .options(
                joinedload(RosterRecipient.roster_request).joinedload(RosterRequest.chapter),
                joinedload(RosterRecipient.roster_request).joinedload(
                    RosterRequest.receiving_agency
                ),
            )
            .order_by(RosterRequest.reply_by.desc(), RosterRequest.id.desc())
        )
    )


def give_answer(
    recipient: RosterRecipient,
    *,
    answer: str | None,
    reason: str | None,
    comment: str | None,
    actor: User,
    now: datetime | None = None,
) -> RosterAnswer:
    """A member answers (or changes their answer) until the end of the reply-by day in the
    chapter's time zone; every answer is kept, the latest is the one that counts."""
    request = recipient.roster_request
    problems: dict[str, str] = {}
    if not answers_open(request, request.chapter, now):
        problems["answer"] = locked_message(request, recipient)
        raise RosterProblems(problems)
    try:
        kind = RosterAnswerKind(answer) if answer else None
    except ValueError:
        kind = None
    if kind is None:
        problems["answer"] = "Choose your answer."
    if kind == RosterAnswerKind.OBJECTS and not reason:
        problems["reason"] = "Say why you object: your stewards need it to act on it."
    if problems:
        raise RosterProblems(problems)
    assert kind is not None
    latest = recipient.history[-1] if recipient.history else None
    given = (kind.value, reason if kind == RosterAnswerKind.OBJECTS else None, comment)
    if latest is not None and (latest.answer, latest.reason, latest.comment) == given:
        raise RosterProblems({"answer": "That is your answer already: nothing changed."})
    row = RosterAnswer(
        recipient_id=recipient.id,
        answer=kind.value,
        reason=given[1],
        comment=comment,
        at=now or utcnow(),
    )
    recipient.history.append(row)
    recipient.answer = kind.value
    recipient.answered_at = row.at
    db.session.flush()
    audit.record(
        "roster.answer",
        recipient,
        actor=actor,
        chapter_id=request.chapter_id,
        roster_request_id=request.id,
        answer=kind.value,
        changed_from=latest.answer if latest else None,
    )
    return row


def locked_message(request: RosterRequest, recipient: RosterRecipient | None = None) -> str:
    """Why an answer can no longer be given or changed, in words for the member."""
    if request.status == RosterStatus.CLOSED:
        why = "Your stewards closed this request, so answers can no longer change."
    else:
        why = (
            f"Answers closed at the end of the reply-by date, {request.reply_by:%A %B %-d, %Y} "
            f"({request.chapter.timezone.replace('_', ' ')} time)."
        )
    if recipient is not None and recipient.answer:
        why += f" Your answer stays as you gave it: {recipient.answer_label}."
    elif recipient is not None:
        why += " You did not answer before then."
    return why + " If something changed since, tell your steward."
