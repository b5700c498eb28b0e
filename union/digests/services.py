"""Digest rules: each rep's preference, which (rep, period) digests are due, and claiming
and queueing them exactly once (the preview and test digest are in ``preview``, admins'
resends in ``admin``).

Services flush and audit; the caller commits — except ``send_due_digests``, the job's
work, which commits once per rep so each claim and its email land together.
"""

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from union.auth.models import Role, User
from union.chapters.models import Chapter
from union.core import audit
from union.core.links import external_url
from union.core.outbox import (
    OutboxMessage,
    deliver_pending,
    queue_email,
)
from union.core.time import is_valid_timezone, local_time, utcnow
from union.digests.content import Digest, build_digest
from union.digests.models import (
    DeliveryStatus,
    DigestDelivery,
    DigestFrequency,
    DigestPreference,
)
from union.digests.periods import Period, latest_period, next_period, previous_period
from union.extensions import db

log = logging.getLogger(__name__)

DEFAULT_ZONE = "America/New_York"
DEFAULT_HOUR = 7
# "Since the previous digest" looks back no further than this (a rep who turns digests
# back on after months gets the last period's news, not a season's).
MAX_LOOKBACK = timedelta(days=31)
SCHEDULE_FIELDS = ("frequency", "hour", "weekday", "timezone")


class DigestProblems(ValueError):
    """What stops the change, field by field; each message is for the rep."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# -- preferences -----------------------------------------------------------------------


def default_timezone(user: User) -> str:
    """The rep's chapter's zone, else the first chapter they cover, else Eastern."""
    if user.chapter is not None:
        return user.chapter.timezone
    if user.covered_chapters:
        return user.covered_chapters[0].timezone
    return DEFAULT_ZONE


def preference_of(user: User) -> DigestPreference | None:
    return db.session.scalar(select(DigestPreference).where(DigestPreference.user_id == user.id))


def preference_or_default(user: User) -> DigestPreference:
    """The rep's saved preference, or (unsaved) what a new one starts as: off."""
    return preference_of(user) or DigestPreference(
        user_id=user.id,
        frequency=DigestFrequency.OFF.value,
        hour=DEFAULT_HOUR,
        weekday=0,
        timezone=default_timezone(user),
        send_when_empty=False,
    )


def save_preference(
    user: User,
    *,
    frequency: str,
    hour: int,
    weekday: int,
    timezone: str,
    send_when_empty: bool,
    actor: Any = None,
    now: datetime | None = None,
) -> list[str]:
    """Save the rep's digest settings; returns the names of what changed (audited).

    A changed schedule takes effect from ``now``: a period already due under the new
    schedule is not sent late, the next one is."""
    problems = {}
    if frequency not in {f.value for f in DigestFrequency}:
        problems["frequency"] = "Choose off, daily or weekly."
    if not 0 <= hour <= 23:
        problems["hour"] = "Choose an hour from 00:00 to 23:00."
    if not 0 <= weekday <= 6:
        problems["weekday"] = "Choose a day of the week."
    if not is_valid_timezone(timezone):
        problems["timezone"] = "Choose a time zone from the list, e.g. America/Chicago."
    if problems:
        raise DigestProblems(problems)
    now = now or utcnow()
    preference = preference_of(user)
    created = preference is None
    if preference is None:
        preference = DigestPreference(user_id=user.id, schedule_changed_at=now)
        db.session.add(preference)
        before: dict[str, Any] = {}
    else:
        before = _settings(preference)
    preference.frequency = frequency
    preference.hour = hour
    preference.weekday = weekday
    preference.timezone = timezone
    preference.send_when_empty = bool(send_when_empty)
    after = _settings(preference)
    changed = [name for name in after if before.get(name) != after[name]]
    if not changed:
        return []
    if created or any(name in SCHEDULE_FIELDS for name in changed):
        preference.schedule_changed_at = now
    db.session.flush()
    audit.record(
        "digest.preferences",
        preference,
        actor=actor,
        user_id=user.id,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )
    return changed


def _settings(preference: DigestPreference) -> dict[str, Any]:
    return {
        "frequency": preference.frequency,
        "hour": preference.hour,
        "weekday": preference.weekday,
        "timezone": preference.timezone,
        "send_when_empty": bool(preference.send_when_empty),
    }


def preference_by_token(token: str) -> DigestPreference | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(DigestPreference).where(DigestPreference.unsubscribe_token == token)
    )


def unsubscribe(preference: DigestPreference) -> bool:
    """Turn the digest off (the one-click link in every digest). False if it was off."""
    if not preference.is_on:
        return False
    user = db.session.get(User, preference.user_id)
    before = preference.frequency
    preference.frequency = DigestFrequency.OFF.value
    preference.schedule_changed_at = utcnow()
    audit.record(
        "digest.unsubscribe",
        preference,
        actor=user,
        user_id=preference.user_id,
        before={"frequency": before},
        after={"frequency": DigestFrequency.OFF.value},
        via="unsubscribe link",
    )
    return True


def upcoming_period(preference: DigestPreference, now: datetime | None = None) -> Period | None:
    """When the rep's next digest is due (None when digests are off)."""
    if not preference.is_on:
        return None
    return next_period(
        preference.frequency, preference.hour, preference.weekday, preference.timezone,
        now or utcnow(),
    )  # fmt: skip


def when(instant: datetime, zone: str) -> str:
    """An instant on the rep's clock, in words: "Friday Dec 4, 2026 at 08:00 CST"."""
    return local_time(instant, zone).strftime("%A %b %-d, %Y at %H:%M %Z")


# -- what is due -----------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    """A (rep, period) whose digest is due and not yet claimed, with what building it
    needs read up front (so a commit between reps never reloads anything)."""

    user_id: int
    email: str
    name: str
    chapters: dict[int, str]
    preference_id: int
    zone: str
    hour: int
    send_when_empty: bool
    schedule: str
    unsubscribe_token: str
    period: Period
    since: datetime


def due_digests(now: datetime) -> list[DueDigest]:
    """The (rep, period) digests due at ``now`` with no delivery row yet.

    Only each rep's latest due period counts — after downtime a rep gets one catch-up
    digest, not one per missed period — and never a period that was due before the rep
    set (or changed) their schedule. Four queries, however many reps."""
    rows = db.session.execute(
        select(DigestPreference, User)
        .join(User, User.id == DigestPreference.user_id)
        .where(
            DigestPreference.frequency != DigestFrequency.OFF.value,
            User.active.is_(True),
            User.role.in_([Role.REP.value, Role.ADMIN.value]),
        )
        .options(selectinload(User.covered_chapters))
    ).all()
    candidates = []
    for preference, user in rows:
        try:
            period = latest_period(
                preference.frequency, preference.hour, preference.weekday, preference.timezone,
                now,
            )  # fmt: skip
        except (ValueError, KeyError) as exc:  # a zone this machine's tz database lacks
            log.error("digest of user %s skipped: %s", user.id, exc)
            continue
        if period.start >= preference.schedule_changed_at:
            candidates.append((preference, user, period))
    if not candidates:
        return []
    keys = {period.key for _, _, period in candidates}
    claimed = set(
        db.session.execute(
            select(DigestDelivery.user_id, DigestDelivery.period_key).where(
                DigestDelivery.period_key.in_(keys)
            )
        ).all()
    )
    last_sent = dict(
        db.session.execute(
            select(DigestDelivery.user_id, func.max(DigestDelivery.period_start))
            .where(DigestDelivery.period_start >= now - MAX_LOOKBACK)
            .group_by(DigestDelivery.user_id)
        ).all()
    )
    every_chapter: dict[int, str] | None = None
    due = []
    for preference, user, period in candidates:
        if (user.id, period.key) in claimed:
            continue
        if user.role == Role.ADMIN:
            if every_chapter is None:
                every_chapter = _every_chapter()
            chapters = every_chapter
        else:
            chapters = {c.id: c.label for c in user.covered_chapters}
        due.append(
            DueDigest(
                user_id=user.id,
                email=user.email,
                name=user.name,
                chapters=chapters,
                preference_id=preference.id,
                zone=preference.timezone,
                hour=preference.hour,
                send_when_empty=preference.send_when_empty,
                schedule=preference.schedule_text,
                unsubscribe_token=preference.unsubscribe_token,
                period=period,
                since=_since(last_sent.get(user.id), period, preference),
            )
        )
    return due


def _every_chapter() -> dict[int, str]:
    return {c.id: c.label for c in db.session.scalars(select(Chapter).order_by(Chapter.number))}


def _since(last_start: datetime | None, period: Period, preference: DigestPreference) -> datetime:
    """Where "new since the previous digest" begins: the previous digest's period start,
    or, with none recent, one period back."""
    if last_start is not None and last_start < period.start:
        return last_start
    return previous_period(period, preference.hour, ZoneInfo(preference.timezone)).start


def scope_of(user: User) -> dict[int, str]:
    """The chapters a rep's digest speaks of (id -> label): an admin's is every chapter."""
    if user.role == Role.ADMIN:
        return _every_chapter()
    return {c.id: c.label for c in user.covered_chapters}


# -- claiming and queueing -------------------------------------------------------------


@dataclass
class DigestRun:
    """What one run of the job did."""

    due: int = 0
    queued: int = 0
    skipped_empty: int = 0
    failed: int = 0
    taken_elsewhere: int = 0
    errors: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    sent: int = 0
    # Wall-clock seconds spent claiming and building, and then sending.
    building_seconds: float = 0.0
    sending_seconds: float = 0.0


def claim_delivery(user_id: int, period: Period) -> int | None:
    """INSERT the (rep, period) delivery row; its id, or None when the row exists (another
    run or process has it). ON CONFLICT DO NOTHING waits for a concurrent claimer's
    transaction and then yields to it, so the loser never raises."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(DigestDelivery)
        .values(
            user_id=user_id,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status=DeliveryStatus.CLAIMED.value,
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "period_key"])
        .returning(DigestDelivery.id)
    )
    return db.session.execute(stmt).scalar()


def message_key(user_id: int, period_key: str) -> str:
    """The outbox key of a period's digest: ``7.daily.2026-11-29``. The Message-ID is made
    of it, and a colon may not stand in one (RFC 5322 dot-atom)."""
    return f"{user_id}.{period_key.replace(':', '.')}"


def digest_headers(unsubscribe_token: str | None) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) with one-click (RFC 8058) when the rep has a token."""
    if not unsubscribe_token:
        return {}
    url = external_url("digests.unsubscribe", digest_token=unsubscribe_token)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _build(item: DueDigest, now: datetime) -> Digest:
    return build_digest(
        recipient_name=item.name,
        chapters=item.chapters,
        zone=item.zone,
        since=item.since,
        until=item.period.start,
        now=now,
        schedule=item.schedule,
        unsubscribe_token=item.unsubscribe_token,
    )


def queue_digest(digest: Digest, *, kind: str, email: str, user_id: int, key: str | None,
           token: str | None, subject_prefix: str = "") -> OutboxMessage:  # fmt: skip
    message = queue_email(
        kind,
        email,
        subject_prefix + digest.subject,
        "digest",
        user=_Recipient(user_id),
        key=key,
        headers=digest_headers(token),
        digest=digest,
    )
    db.session.flush()
    return message


@dataclass(frozen=True)
class _Recipient:
    """Enough of a user for ``queue_email`` (its id), without loading the row."""

    id: int


def _deliver_one(item: DueDigest, now: datetime, run: DigestRun) -> None:
    """Claim, build and queue one rep's digest in the current transaction."""
    delivery_id = claim_delivery(item.user_id, item.period)
    if delivery_id is None:
        run.taken_elsewhere += 1
        return
    values: dict[str, Any]
    try:
        with db.session.begin_nested():
            digest = _build(item, now)
            if digest.is_empty and not item.send_when_empty:
                values = {"status": DeliveryStatus.SKIPPED_EMPTY.value, "attempts": 1}
            else:
                message = queue_digest(
                    digest,
                    kind="digest",
                    email=item.email,
                    user_id=item.user_id,
                    key=message_key(item.user_id, item.period.key),
                    token=item.unsubscribe_token,
                )
                values = {
                    "status": DeliveryStatus.QUEUED.value,
                    "outbox_message_id": message.id,
                    "attempts": 1,
                }
    except Exception as exc:  # noqa: BLE001 - kept on the row for an admin, not lost
        log.exception("digest %s for user %s could not be built", item.period.key, item.user_id)
        values = {
            "status": DeliveryStatus.FAILED.value,
            "attempts": 1,
            "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        }
    db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if values["status"] == DeliveryStatus.QUEUED:
        run.queued += 1
        run.message_ids.append(values["outbox_message_id"])
    elif values["status"] == DeliveryStatus.SKIPPED_EMPTY:
        run.skipped_empty += 1
    else:
        run.failed += 1
        run.errors.append(f"{item.period.key} for user {item.user_id}: {values['last_error']}")


def send_due_digests(now: datetime | None = None, *, deliver: bool = True) -> DigestRun:
    """The job's work: claim every due (rep, period), build its digest and queue it in the
    outbox in the same transaction as the claim (one commit per rep), then send what was
    queued. Safe to run in several processes at once: each digest is queued by whichever
    claims it first, and the outbox's own claims send each message once."""
    now = now or utcnow()
    run = DigestRun()
    started = time.monotonic()
    due = due_digests(now)
    db.session.commit()
    run.due = len(due)
    # Two schedulers walking the same list in the same order would queue up behind each
    # other's claims; in random orders they mostly take different reps.
    random.shuffle(due)
    for item in due:
        try:
            _deliver_one(item, now, run)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - one rep's trouble is not everyone's
            db.session.rollback()
            log.exception("digest %s for user %s failed", item.period.key, item.user_id)
            run.errors.append(f"{item.period.key} for user {item.user_id}: {exc}")
    run.building_seconds = time.monotonic() - started
    if deliver and run.message_ids and current_app.config["OUTBOX_SEND_AFTER_COMMIT"]:
        started = time.monotonic()
        run.sent = deliver_pending(ids=run.message_ids)
        run.sending_seconds = time.monotonic() - started
    return run
