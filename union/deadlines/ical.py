"""Each rep's private calendar feed: a secret address (only its hash is stored) serving the
open deadlines of the cases assigned to them as an iCalendar file (RFC 5545).

The feed leaves the app for a phone or a calendar service, so it carries as little as a
rep needs: the case reference, the deadline's title and date, and a link back. No member
names, no statements.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from union.auth.models import Role, User
from union.cases.models import OPEN_STATUSES, Case
from union.chapters.models import rep_coverage
from union.core import audit
from union.core.links import external_url, mail_domain
from union.core.time import as_utc, utcnow
from union.deadlines.models import CalendarFeed, Deadline
from union.extensions import db

LINE_OCTETS = 75
CRLF = "\r\n"


# -- the secret address ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user: User) -> CalendarFeed | None:
    """The user's feed in use, if any."""
    return db.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    ).first()


def calendar_feed_context(user: User) -> dict[str, CalendarFeed | None]:
    """For the account page: the rep's feed in use, if any."""
    return {"calendar_feed": active_feed(user) if user.is_rep else None}


def new_feed(user: User, *, actor: User | None = None) -> str:
    """Revoke the user's feed (if any) and make a new one. Returns the new token: it is
    shown once and never stored."""
    revoke_feeds(user, actor=actor, audited=False)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=utcnow())
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed.create", feed, actor=actor or user, user_id=user.id)
    return token


def revoke_feeds(user: User, *, actor: User | None = None, audited: bool = True) -> int:
    """Turn off every feed of the user: their old addresses answer 404 from now on."""
    revoked = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if revoked and audited:
        audit.record("calendar_feed.revoke", user, actor=actor or user, feeds=revoked)
    return revoked


def feed_owner(token: str) -> User | None:
    """The rep whose active feed ``token`` opens; None for a wrong or revoked token, or
    someone who no longer works cases."""
    user = db.session.scalars(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None))
    ).first()
    if user is None or not user.active or user.role not in {Role.REP, Role.ADMIN}:
        return None
    return user


def feed_url(token: str) -> str:
    return external_url("deadlines.calendar_feed", feed_token=token)


# -- what the feed holds ---------------------------------------------------------------


def feed_deadlines(user: User) -> list[Deadline]:
    """Open deadlines of the open cases assigned to ``user``, in chapters they may still
    work (a rep who stopped covering a chapter stops seeing its deadlines)."""
    query = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.done_at.is_(None),
            Case.assigned_rep_id == user.id,
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .options(contains_eager(Deadline.case))
        .order_by(Deadline.due_on, Deadline.id)
    )
    if user.role != Role.ADMIN:
        covered = select(rep_coverage.c.chapter_id).where(rep_coverage.c.user_id == user.id)
        query = query.where(Case.chapter_id.in_(covered))
    return list(db.session.scalars(query))


# -- RFC 5545 --------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and new lines escaped (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets, each continuation starting
    with a space, never splitting a UTF-8 character (RFC 5545 3.1)."""
    parts: list[str] = []
    current, size = "", 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
            limit = LINE_OCTETS
        current += char
        size += width
    parts.append(current)
    return CRLF.join(parts)


def _stamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


@dataclass(frozen=True)
class Event:
    uid: str
    day: date
    summary: str
    url: str
    description: str
    stamp: datetime


def deadline_events(deadlines: Iterable[Deadline]) -> list[Event]:
    domain = mail_domain()
    events = []
    for deadline in deadlines:
        url = case_url(deadline.case_id)
        events.append(
            Event(
                uid=f"deadline-{deadline.id}@{domain}",
                day=deadline.due_on,
                summary=f"{deadline.case.reference}: {deadline.title}",
                url=url,
                description=f"{deadline.kind_label}. {deadline.rule or ''}".strip() + f"\n{url}",
                stamp=deadline.updated_at,
            )
        )
    return events


def case_url(case_id: int) -> str:
    return external_url("cases.show", case_id=case_id)


def render_calendar(events: Iterable[Event], *, name: str = "Steward deadlines") -> str:
    """A VCALENDAR of all-day events, CRLF line ends, lines folded at 75 octets."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Steward//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_stamp(event.stamp)}",
            f"LAST-MODIFIED:{_stamp(event.stamp)}",
            f"DTSTART;VALUE=DATE:{_day(event.day)}",
            f"DTEND;VALUE=DATE:{_day(event.day + timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"DESCRIPTION:{escape_text(event.description)}",
            f"URL:{event.url}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
