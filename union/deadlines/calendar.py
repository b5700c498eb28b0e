"""Counting days to a deadline: calendar days and business days.

A business day is a weekday that is not a US federal holiday. The holidays are the
observed days, from the ``holidays`` package (e.g. Independence Day 2026 falls on a
Saturday and is observed on Friday 3 July; New Year's Day 2028 falls on a Saturday and is
observed on Friday 31 December 2027).

The rules, as filing deadlines are usually counted (e.g. 5 C.F.R. 2429.21 for the FLRA):

* The day of the event is not counted: N days after 2 March start on 3 March.
* **Calendar days**: add N days; a deadline that lands on a Saturday, Sunday or federal
  holiday rolls forward to the next business day.
* **Business days**: count N business days after the event; the deadline is the Nth, so
  it never lands on a weekend or holiday.
* Zero days: the event's own day, rolled forward if it is not a business day.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from union.chapters.models import DayKind

SATURDAY = 5


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> dict[date, str]:
    # A plain dict per year: the package's own object grows as it is asked about other
    # years, which is not something to share between threads.
    return dict(holidays.country_holidays("US", years=year, observed=True))


def holiday_name(day: date) -> str | None:
    """The federal holiday observed on ``day``, if any (e.g. "Independence Day (observed)")."""
    return _federal_holidays(day.year).get(day)


def is_business_day(day: date) -> bool:
    """A weekday that is not a federal holiday (as observed)."""
    return day.weekday() < SATURDAY and day not in _federal_holidays(day.year)


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("count forward only: days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return next_business_day(day)


@dataclass(frozen=True)
class Count:
    """A computed due date and how it was reached."""

    due_on: date
    # The date the count landed on before rolling past a weekend or holiday, if it did.
    rolled_from: date | None = None

    def describe(
        self, days: int, day_kind: DayKind | str, after: str, source: str | None = None
    ) -> str:
        """The rule in words, e.g. "30 calendar days after notice of 2026-03-02 (chapter
        policy); day 30 is Sat 2026-04-01, a weekend: moved to the next business day"."""
        unit = "day" if days == 1 else "days"
        text = f"{days} {DayKind(day_kind).value} {unit} after {after}"
        if source:
            text += f" ({source})"
        if self.rolled_from is not None:
            day = self.rolled_from
            why = holiday_name(day) or "a weekend"
            text += (
                f"; day {days} is {day:%a} {day.isoformat()}, {why}: moved to the next business day"
            )
        return text


def count_days(start: date, days: int, day_kind: DayKind | str) -> Count:
    """The due date ``days`` calendar or business days after ``start`` (see module)."""
    if days < 0:
        raise ValueError("count forward only: days must not be negative")
    if DayKind(day_kind) == DayKind.BUSINESS:
        return Count(add_business_days(start, days))
    landed = start + timedelta(days=days)
    due = next_business_day(landed)
    return Count(due, rolled_from=landed if due != landed else None)


def add_days(start: date, days: int, day_kind: DayKind | str) -> date:
    """Shorthand for ``count_days(...).due_on``."""
    return count_days(start, days, day_kind).due_on
