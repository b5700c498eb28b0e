"""Digest periods on each rep's own clock.

A period is named by its local start date in the rep's time zone: the daily period D runs
from D at the chosen hour (local) to D+1 at that hour; a weekly one from the chosen
weekday at that hour to the same a week later. A period's digest is due at its start.

Wall-clock times become instants with ``zoneinfo``: an hour that does not exist (the
spring-forward gap) is moved to the first instant after the gap, and an hour that
happens twice (fall back) is its first occurrence. Since each period is named by its
date, a daylight-saving weekend neither skips nor doubles a day.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from union.digests.models import DigestFrequency

STEP_DAYS = {DigestFrequency.DAILY: 1, DigestFrequency.WEEKLY: 7}


@dataclass(frozen=True)
class Period:
    """One digest period: ``start`` (when it is due) and ``end`` are UTC instants."""

    frequency: DigestFrequency
    local_start: date
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """``daily:2026-11-29``: unique per rep, the claim's key."""
        return f"{self.frequency.value}:{self.local_start.isoformat()}"

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def wall_clock_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``day`` at ``hour``:00 on the wall clocks of ``zone``."""
    wall = datetime.combine(day, time(hour))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # it exists; when it happens twice, fold=0 is the first time
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """For a wall time in a spring-forward gap: the instant the clocks jumped, which is
    the first valid instant after it. (fold=0 reads the wall time with the offset from
    before the jump, fold=1 with the one after; the jump lies between the two.)"""
    early = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    late = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early >= late:
        return late
    after = late.astimezone(zone).utcoffset()
    lo, hi = int(early.timestamp()), int(late.timestamp())
    while lo < hi:  # the first second whose offset is the one after the jump
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


def period_starting(
    frequency: DigestFrequency | str, local_start: date, hour: int, zone: ZoneInfo | str
) -> Period:
    """The period that starts on ``local_start`` at ``hour`` in ``zone``."""
    frequency = DigestFrequency(frequency)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    step = timedelta(days=STEP_DAYS[frequency])
    return Period(
        frequency=frequency,
        local_start=local_start,
        start=wall_clock_instant(local_start, hour, zone),
        end=wall_clock_instant(local_start + step, hour, zone),
    )


def latest_period(
    frequency: DigestFrequency | str,
    hour: int,
    weekday: int,
    zone: ZoneInfo | str,
    now: datetime,
) -> Period:
    """The last period that started at or before ``now``: the one due now (or overdue)."""
    frequency = DigestFrequency(frequency)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    step = STEP_DAYS[frequency]
    # Start a day ahead of the local date and walk back: a zone whose clocks go back
    # across midnight can make "today" start later than "now".
    day = now.astimezone(zone).date() + timedelta(days=1)
    if frequency == DigestFrequency.WEEKLY:
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    while wall_clock_instant(day, hour, zone) > now:
        day -= timedelta(days=step)
    return period_starting(frequency, day, hour, zone)


def next_period(
    frequency: DigestFrequency | str,
    hour: int,
    weekday: int,
    zone: ZoneInfo | str,
    now: datetime,
) -> Period:
    """The first period that starts after ``now``: when the next digest is due."""
    latest = latest_period(frequency, hour, weekday, zone, now)
    step = timedelta(days=STEP_DAYS[latest.frequency])
    return period_starting(latest.frequency, latest.local_start + step, hour, zone)


def previous_period(period: Period, hour: int, zone: ZoneInfo | str) -> Period:
    step = timedelta(days=STEP_DAYS[period.frequency])
    return period_starting(period.frequency, period.local_start - step, hour, zone)
