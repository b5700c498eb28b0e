"""Which digests are due, on each rep's own clock, with time passed in (never slept):
one per period across daylight-saving weekends, one catch-up after downtime, none for a
period due before the rep chose it, none twice when the job overlaps itself or a
scheduler dies between its claim and its commit."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests.factories import make_chapter, make_digest_preference, make_notice, make_user
from union.auth.models import Role
from union.core.outbox import OutboxMessage
from union.digests import services
from union.digests.models import DigestDelivery
from union.digests.periods import wall_clock_instant
from union.digests.services import (
    DigestRun,
    due_digests,
    save_preference,
    send_due_digests,
)
from union.extensions import db
from union.notices.models import Notice

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return wall_clock_instant(day, hour, NEW_YORK) + timedelta(minutes=minute)


def _deliveries(rep) -> list[DigestDelivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(DigestDelivery)
            .where(DigestDelivery.user_id == rep.id)
            .order_by(DigestDelivery.period_start)
        )
    )


def _run_every(minutes: int, start: datetime, end: datetime) -> None:
    now = start
    while now <= end:
        send_due_digests(now, deliver=False)
        now += timedelta(minutes=minutes)


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [f"daily:{start + timedelta(days=n)}" for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (utc(2026, 3, 6, 12), utc(2026, 3, 10, 12), ("2026-03-06", "2026-03-10")),
        (utc(2026, 10, 30, 12), utc(2026, 11, 3, 12), ("2026-10-30", "2026-11-03")),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_dst_weekend_neither_skips_nor_doubles_a_daily_digest(ctx, start, end, expected):
    chapter = make_chapter(timezone="America/New_York")
    reps = {}
    for hour in (1, 2, 3):
        reps[hour] = make_user("rep", covers=[chapter])
        make_digest_preference(reps[hour], "daily", hour=hour, send_when_empty=True)

    _run_every(15, start, end)

    for hour, rep in reps.items():
        deliveries = _deliveries(rep)
        assert [d.period_key for d in deliveries] == _days(*expected), f"hour {hour}"
        for d in deliveries:
            wall = d.period_start.astimezone(NEW_YORK)
            # On time: at the hour, or (02:00 on the spring-forward Sunday) at 03:00.
            assert wall.hour in {hour, 3} and wall.minute == 0
    queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued == 3 * len(_days(*expected))


def test_fall_back_sunday_sends_the_one_oclock_digest_at_the_first_one_oclock(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "daily", hour=1, send_when_empty=True)
    first_one_oclock = utc(2026, 11, 1, 5)  # 01:00 EDT
    assert send_due_digests(first_one_oclock - timedelta(minutes=1), deliver=False).queued == 1
    assert send_due_digests(first_one_oclock, deliver=False).queued == 1
    # The second 01:00 (EST) an hour later is the same day: nothing more.
    assert send_due_digests(first_one_oclock + timedelta(hours=1), deliver=False).due == 0
    assert [d.period_key for d in _deliveries(rep)] == ["daily:2026-10-31", "daily:2026-11-01"]


def test_after_three_days_down_a_rep_gets_one_catch_up_digest_covering_the_gap(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    make_digest_preference(rep, "daily", hour=7)
    monday = date(2026, 11, 16)
    notice = make_notice(member)
    _filed(notice, local(monday, 6))
    assert send_due_digests(local(monday, 7, 5), deliver=False).queued == 1

    # The scheduler is down Monday 08:00 to Thursday 09:00; notices keep coming.
    filed = []
    for n in range(3):
        notice = make_notice(member)
        _filed(notice, local(monday + timedelta(days=n), 12))
        filed.append(notice)
    run = send_due_digests(local(monday + timedelta(days=3), 9), deliver=False)

    assert (run.due, run.queued) == (1, 1)
    assert [d.period_key for d in _deliveries(rep)] == ["daily:2026-11-16", "daily:2026-11-19"]
    latest = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert latest.subject.startswith(f"{chapter.label}: 3 new notices")
    # Nothing more that day; the next digest comes at its hour the next day.
    assert send_due_digests(local(monday + timedelta(days=3), 9, 5), deliver=False).due == 0
    assert send_due_digests(local(monday + timedelta(days=4), 7), deliver=False).queued == 1


def _filed(notice, instant):
    db.session.execute(update(Notice).where(Notice.id == notice.id).values(submitted_at=instant))
    db.session.commit()


def test_no_digest_for_a_period_due_before_the_rep_chose_it(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    day = date(2026, 11, 16)
    make_digest_preference(rep, "daily", hour=7, send_when_empty=True, since=local(day, 8, 30))
    assert due_digests(local(day, 8, 35)) == []
    assert due_digests(local(day + timedelta(days=1), 6, 59)) == []
    [due] = due_digests(local(day + timedelta(days=1), 7))
    assert due.period.key == "daily:2026-11-17"


def test_moving_the_hour_later_the_same_day_does_not_send_that_day_twice(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "daily", hour=7, send_when_empty=True)
    day = date(2026, 11, 16)
    assert send_due_digests(local(day, 7, 5), deliver=False).queued == 1
    save_preference(rep, frequency="daily", hour=9, weekday=0, timezone="America/New_York",
                    send_when_empty=True, now=local(day, 8))  # fmt: skip
    db.session.commit()
    assert send_due_digests(local(day, 9, 5), deliver=False).due == 0
    assert send_due_digests(local(day + timedelta(days=1), 9), deliver=False).queued == 1


def test_weekly_digest_comes_once_a_week_on_the_reps_day(ctx):
    chapter = make_chapter(timezone="America/Los_Angeles")
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "weekly", hour=18, weekday=4, send_when_empty=True,
                           timezone="America/Los_Angeles")  # fmt: skip
    _run_every(60, utc(2026, 11, 1), utc(2026, 11, 29))
    assert [d.period_key for d in _deliveries(rep)] == [
        "weekly:2026-10-30", "weekly:2026-11-06", "weekly:2026-11-13", "weekly:2026-11-20",
        "weekly:2026-11-27",
    ]  # fmt: skip


def test_only_active_reps_and_admins_with_a_digest_on_get_one(ctx):
    chapter = make_chapter()
    rep, off, gone, demoted = (make_user("rep", covers=[chapter]) for _ in range(4))
    admin = make_user("admin")
    for person in (rep, gone, demoted, admin):
        make_digest_preference(person, "daily", hour=7, timezone="America/New_York")
    make_digest_preference(off, "off")
    gone.active = False
    demoted.role = Role.MEMBER.value
    db.session.commit()
    due = due_digests(local(date(2026, 11, 16), 7))
    assert sorted(d.user_id for d in due) == sorted([rep.id, admin.id])
    by_user = {d.user_id: d for d in due}
    assert by_user[admin.id].chapters == {chapter.id: chapter.label}  # admins: every chapter


def test_a_job_that_overlaps_itself_sends_each_digest_once(ctx):
    chapter = make_chapter()
    reps = [make_user("rep", covers=[chapter]) for _ in range(3)]
    for rep in reps:
        make_digest_preference(rep, "daily", hour=7, send_when_empty=True)
    now = local(date(2026, 11, 16), 7, 1)
    # A slow run read the due list, then a second run did all the work meanwhile.
    stale = due_digests(now)
    db.session.commit()
    assert send_due_digests(now, deliver=False).queued == 3
    late = DigestRun()
    for item in stale:
        services._deliver_one(item, now, late)
        db.session.commit()
    assert (late.taken_elsewhere, late.queued) == (3, 0)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_a_scheduler_killed_between_claim_and_commit_leaves_nothing_half_done(ctx, monkeypatch):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "daily", hour=7, send_when_empty=True)
    now = local(date(2026, 11, 16), 7, 1)

    def killed(*args, **kwargs):
        raise SystemExit("killed")  # not an error the job catches: the process is gone

    with monkeypatch.context() as patch:
        patch.setattr(services, "queue_digest", killed)
        with pytest.raises(SystemExit):
            send_due_digests(now, deliver=False)
    db.session.rollback()  # what the database does when the connection dies
    assert _deliveries(rep) == []

    assert send_due_digests(now + timedelta(minutes=5), deliver=False).queued == 1
    assert [d.period_key for d in _deliveries(rep)] == ["daily:2026-11-16"]


def test_a_zone_the_machine_does_not_know_skips_that_rep_only(ctx):
    from union.digests.models import DigestPreference

    chapter = make_chapter()
    lost, fine = (make_user("rep", covers=[chapter]) for _ in range(2))
    for rep in (lost, fine):
        make_digest_preference(rep, "daily", hour=7, send_when_empty=True)
    # Saved when the zone existed; this machine's time zone database lacks it.
    db.session.execute(
        update(DigestPreference)
        .where(DigestPreference.user_id == lost.id)
        .values(timezone="Mars/Olympus_Mons")
    )
    db.session.commit()
    assert [d.user_id for d in due_digests(local(date(2026, 11, 16), 7))] == [fine.id]


def test_a_rep_who_covers_no_chapter_yet_gets_an_empty_digest_only_if_asked(ctx):
    rep = make_user("rep", covers=[make_chapter()])
    rep.covered_chapters = []
    db.session.commit()
    make_digest_preference(rep, "daily", hour=7, send_when_empty=True, timezone="America/New_York")
    assert send_due_digests(local(date(2026, 11, 16), 7), deliver=False).queued == 1
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.subject == "No chapter yet: nothing new"
