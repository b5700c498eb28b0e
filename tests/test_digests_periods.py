"""Digest periods on each rep's own clock: a daylight-saving weekend neither skips nor
doubles a day, odd offsets (India, the Chatham Islands) land where the wall clock says.
Pure arithmetic: time is passed in, never slept through."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from union.digests.periods import (
    latest_period,
    next_period,
    period_starting,
    wall_clock_instant,
)

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _keys_seen_by_a_job(frequency, hour, zone, start, end, every=timedelta(minutes=5),
                        weekday=0):  # fmt: skip
    """The period keys a job running every ``every`` from ``start`` to ``end`` finds due,
    each once (as the delivery table's unique key would make it), in order."""
    seen: list[str] = []
    now = start
    while now <= end:
        key = latest_period(frequency, hour, weekday, zone, now).key
        if not seen or seen[-1] != key:
            assert key not in seen, f"{key} came due twice"
            seen.append(key)
        now += every
    return seen


def _consecutive_days(keys: list[str], first: str, last: str) -> None:
    """``keys`` are one period per day, first to last, none missing, none twice."""
    days = [date.fromisoformat(k.split(":")[1]) for k in keys]
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    assert days == [start + timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    ("local_day", "hour", "expected_utc", "expected_local"),
    [
        # Spring forward, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        (date(2026, 3, 8), 1, utc(2026, 3, 8, 6), "01:00 EST"),
        (date(2026, 3, 8), 2, utc(2026, 3, 8, 7), "03:00 EDT"),  # no 02:00: the jump
        (date(2026, 3, 8), 3, utc(2026, 3, 8, 7), "03:00 EDT"),
        # Fall back, 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:00 happens twice.
        (date(2026, 11, 1), 1, utc(2026, 11, 1, 5), "01:00 EDT"),  # the first 01:00
        (date(2026, 11, 1), 2, utc(2026, 11, 1, 7), "02:00 EST"),
        (date(2026, 11, 1), 3, utc(2026, 11, 1, 8), "03:00 EST"),
    ],
)
def test_new_york_digest_hours_on_the_dst_sundays(local_day, hour, expected_utc, expected_local):
    instant = wall_clock_instant(local_day, hour, NEW_YORK)
    assert instant == expected_utc
    assert instant.astimezone(NEW_YORK).strftime("%H:%M %Z") == expected_local


@pytest.mark.parametrize("hour", [1, 2, 3])
@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (utc(2026, 3, 6), utc(2026, 3, 11), ["03-06", "03-07", "03-08", "03-09", "03-10"]),
        (utc(2026, 10, 30), utc(2026, 11, 4), ["10-30", "10-31", "11-01", "11-02", "11-03"]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_dst_weekend_neither_skips_nor_doubles_a_daily_digest(hour, start, end, days):
    seen = _keys_seen_by_a_job("daily", hour, NEW_YORK, start, end)
    # The job's first look finds the day before's period still the latest one.
    assert [k.removeprefix("daily:2026-") for k in seen[1:]] == days


def test_the_period_over_the_jump_is_an_hour_shorter_and_the_one_over_fall_back_longer():
    spring = period_starting("daily", date(2026, 3, 7), 7, NEW_YORK)
    fall = period_starting("daily", date(2026, 10, 31), 7, NEW_YORK)
    assert spring.length == timedelta(hours=23)
    assert fall.length == timedelta(hours=25)
    assert spring.key == "daily:2026-03-07"


def test_london_one_in_the_morning_on_its_dst_sundays():
    london = ZoneInfo("Europe/London")
    # 2026-03-29: 01:00 GMT jumps to 02:00 BST, so 01:00 is the jump itself.
    assert wall_clock_instant(date(2026, 3, 29), 1, london) == utc(2026, 3, 29, 1)
    # 2026-10-25: 01:00 happens twice (BST, then GMT): the first.
    assert wall_clock_instant(date(2026, 10, 25), 1, london) == utc(2026, 10, 25, 0)
    seen = _keys_seen_by_a_job("daily", 1, london, utc(2026, 3, 27, 2), utc(2026, 3, 31, 2))
    _consecutive_days(seen, "2026-03-27", "2026-03-31")
    seen = _keys_seen_by_a_job("daily", 1, london, utc(2026, 10, 23, 2), utc(2026, 10, 27, 2))
    _consecutive_days(seen, "2026-10-23", "2026-10-27")


def test_kolkata_half_hour_offset():
    kolkata = ZoneInfo("Asia/Kolkata")
    # Midnight in India is 18:30 UTC the day before.
    assert wall_clock_instant(date(2026, 11, 30), 0, kolkata) == utc(2026, 11, 29, 18, 30)
    period = latest_period("daily", 0, 0, kolkata, utc(2026, 11, 29, 18, 30))
    assert period.key == "daily:2026-11-30"
    assert latest_period("daily", 0, 0, kolkata, utc(2026, 11, 29, 18, 29)).key == (
        "daily:2026-11-29"
    )


def test_chatham_islands_quarter_hour_offset_and_its_jump():
    chatham = ZoneInfo("Pacific/Chatham")
    # 2026-09-27 02:45 (+12:45) jumps to 03:45 (+13:45): 03:00 does not exist; the digest
    # goes at the first instant after the gap, the jump itself.
    assert wall_clock_instant(date(2026, 9, 27), 3, chatham) == utc(2026, 9, 26, 14)
    assert wall_clock_instant(date(2026, 9, 27), 2, chatham) == utc(2026, 9, 26, 13, 15)
    assert wall_clock_instant(date(2026, 9, 28), 3, chatham) == utc(2026, 9, 27, 13, 15)
    seen = _keys_seen_by_a_job("daily", 3, chatham, utc(2026, 9, 24), utc(2026, 9, 29))
    _consecutive_days(seen, "2026-09-24", "2026-09-29")
    seen = _keys_seen_by_a_job("daily", 3, chatham, utc(2027, 4, 1), utc(2027, 4, 6))
    _consecutive_days(seen, "2027-04-01", "2027-04-06")
    # 2027-04-04 03:45 (+13:45) goes back to 02:45 (+12:45): 03:00 happens twice.
    assert wall_clock_instant(date(2027, 4, 4), 3, chatham) == utc(2027, 4, 3, 13, 15)


def test_weekly_period_starts_on_the_chosen_weekday_and_spans_the_dst_change():
    # Monday 08:00 in New York; the week of 2026-03-02 contains the spring-forward Sunday.
    before = latest_period("weekly", 8, 0, NEW_YORK, utc(2026, 3, 9, 11, 59))
    assert before.key == "weekly:2026-03-02"
    assert before.start == utc(2026, 3, 2, 13)
    assert before.end == utc(2026, 3, 9, 12)  # 08:00 EDT
    assert before.length == timedelta(days=7) - timedelta(hours=1)
    assert latest_period("weekly", 8, 0, NEW_YORK, utc(2026, 3, 9, 12)).key == ("weekly:2026-03-09")
    assert next_period("weekly", 8, 0, NEW_YORK, utc(2026, 3, 9, 12)).key == "weekly:2026-03-16"
    seen = _keys_seen_by_a_job("weekly", 8, NEW_YORK, utc(2026, 2, 20), utc(2026, 3, 20),
                               every=timedelta(minutes=30))  # fmt: skip
    assert seen == [f"weekly:2026-{d}" for d in ("02-16", "02-23", "03-02", "03-09", "03-16")]


def test_weekly_on_friday_evening_in_los_angeles():
    la = ZoneInfo("America/Los_Angeles")
    # Friday 2026-11-27 18:00 PST is Saturday 02:00 UTC: the UTC weekday is not the rep's.
    period = latest_period("weekly", 18, 4, la, utc(2026, 11, 28, 2))
    assert period.key == "weekly:2026-11-27"
    assert latest_period("weekly", 18, 4, la, utc(2026, 11, 28, 1, 59)).key == ("weekly:2026-11-20")


def test_the_instant_a_period_is_due_belongs_to_it():
    at = wall_clock_instant(date(2026, 11, 30), 7, NEW_YORK)
    assert latest_period("daily", 7, 0, NEW_YORK, at).key == "daily:2026-11-30"
    assert latest_period("daily", 7, 0, NEW_YORK, at - timedelta(seconds=1)).key == (
        "daily:2026-11-29"
    )
    assert next_period("daily", 7, 0, NEW_YORK, at).key == "daily:2026-12-01"
