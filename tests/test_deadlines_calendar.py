"""Counting days to a deadline: weekends, federal holidays (as observed), month and year
ends, leap days. Plain functions: no database."""

from datetime import date, timedelta

import pytest

from union.chapters.models import DayKind
from union.deadlines.calendar import (
    add_business_days,
    add_days,
    count_days,
    holiday_name,
    is_business_day,
    next_business_day,
)

CAL, BUS = DayKind.CALENDAR, DayKind.BUSINESS


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), False),  # Thanksgiving (Thursday)
        (date(2026, 11, 27), True),  # the Friday after is a working day for the government
        (date(2026, 12, 25), False),  # Christmas, a Friday
        (date(2027, 1, 1), False),  # New Year's Day, a Friday
        (date(2026, 7, 3), False),  # Independence Day 2026 is a Saturday: observed Friday
        (date(2026, 7, 4), False),  # and the Saturday itself is a weekend
        (date(2026, 6, 19), False),  # Juneteenth
        (date(2027, 6, 18), False),  # Juneteenth 2027 is a Saturday: observed Friday
        (date(2027, 12, 31), False),  # New Year 2028 is a Saturday: observed the Friday before
        (date(2028, 11, 10), False),  # Veterans Day 2028 is a Saturday: observed Friday
        (date(2026, 10, 12), False),  # Columbus Day
        (date(2026, 1, 19), False),  # Martin Luther King Jr. Day
        (date(2026, 3, 2), True),  # an ordinary Monday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2028, 2, 29), True),  # leap day 2028, a Tuesday
    ],
)
def test_business_days_are_weekdays_that_are_not_federal_holidays(day, expected):
    assert is_business_day(day) is expected


def test_holidays_have_names_for_the_rule_text():
    assert holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert holiday_name(date(2026, 3, 2)) is None


# -- calendar days: land, then roll past a weekend or holiday ---------------------------


@pytest.mark.parametrize(
    ("start", "days", "due", "rolled_from"),
    [
        (date(2026, 3, 2), 30, date(2026, 4, 1), None),  # a Wednesday: no roll
        (date(2026, 3, 6), 1, date(2026, 3, 9), date(2026, 3, 7)),  # Saturday -> Monday
        (date(2026, 3, 6), 2, date(2026, 3, 9), date(2026, 3, 8)),  # Sunday -> Monday
        (date(2026, 11, 16), 10, date(2026, 11, 27), date(2026, 11, 26)),  # Thanksgiving
        (date(2026, 12, 15), 10, date(2026, 12, 28), date(2026, 12, 25)),  # Christmas (Fri)
        (date(2026, 12, 2), 30, date(2027, 1, 4), date(2027, 1, 1)),  # New Year (Fri), year end
        (date(2026, 6, 5), 28, date(2026, 7, 6), date(2026, 7, 3)),  # July 4 observed Fri
        (date(2026, 6, 5), 29, date(2026, 7, 6), date(2026, 7, 4)),  # July 4 itself (Sat)
        (date(2026, 1, 30), 1, date(2026, 2, 2), date(2026, 1, 31)),  # month end on Saturday
        (date(2026, 1, 31), 28, date(2026, 2, 28) + timedelta(days=2), date(2026, 2, 28)),
        (date(2028, 2, 28), 1, date(2028, 2, 29), None),  # leap day is a Tuesday
        (date(2028, 1, 30), 30, date(2028, 2, 29), None),  # through February of a leap year
        (date(2028, 2, 29), 365, date(2029, 2, 28), None),  # a year on from leap day
        (date(2027, 12, 1), 30, date(2028, 1, 3), date(2027, 12, 31)),  # NY 2028 observed
        (date(2026, 12, 31), 1, date(2027, 1, 4), date(2027, 1, 1)),  # across the year end
    ],
)
def test_calendar_days_roll_to_the_next_business_day(start, days, due, rolled_from):
    count = count_days(start, days, CAL)
    assert count.due_on == due
    assert count.rolled_from == rolled_from
    assert add_days(start, days, "calendar") == due


# -- business days: count only business days after the start ---------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 3, 2), 5, date(2026, 3, 9)),  # Monday + 5 = next Monday
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 = Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # from a Saturday: Monday is the first
        (date(2026, 11, 25), 1, date(2026, 11, 27)),  # over Thanksgiving
        (date(2026, 11, 25), 2, date(2026, 11, 30)),
        (date(2026, 11, 20), 15, date(2026, 12, 14)),  # 15 days around Thanksgiving
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Friday, then the weekend
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year Friday, the year end
        (date(2026, 7, 2), 1, date(2026, 7, 6)),  # July 3 observed, July 4 Saturday
        (date(2026, 4, 30), 2, date(2026, 5, 4)),  # month end
        (date(2028, 2, 28), 1, date(2028, 2, 29)),  # leap day counts
        (date(2028, 2, 25), 3, date(2028, 3, 1)),  # Fri + 3: Mon 28, Tue 29, Wed 1 March
        (date(2027, 12, 30), 1, date(2028, 1, 3)),  # NY 2028 observed on Fri 31 Dec 2027
        (date(2026, 12, 18), 10, date(2027, 1, 5)),  # Christmas and New Year in one count
    ],
)
def test_business_days_skip_weekends_and_federal_holidays(start, days, due):
    assert add_business_days(start, days) == due
    assert add_days(start, days, BUS) == due
    assert count_days(start, days, BUS).rolled_from is None


def test_zero_days_is_the_day_itself_or_the_next_business_day():
    assert add_days(date(2026, 3, 4), 0, CAL) == date(2026, 3, 4)
    assert add_days(date(2026, 3, 7), 0, CAL) == date(2026, 3, 9)
    assert add_days(date(2026, 3, 7), 0, BUS) == date(2026, 3, 9)
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_days(date(2026, 3, 2), -1, CAL)
    with pytest.raises(ValueError):
        add_business_days(date(2026, 3, 2), -1)


def test_a_business_day_count_always_ends_on_the_nth_business_day():
    """Every start day of 2026-2028, for a few counts, checked against a plain tally."""
    start = date(2026, 1, 1)
    while start < date(2029, 1, 1):
        for days in (1, 3, 10, 15):
            due = add_business_days(start, days)
            assert is_business_day(due)
            between = (start + timedelta(days=i) for i in range(1, (due - start).days + 1))
            assert sum(is_business_day(d) for d in between) == days
        start += timedelta(days=1)


def test_a_calendar_count_is_never_due_on_a_weekend_or_holiday():
    start = date(2026, 1, 1)
    while start < date(2029, 1, 1):
        count = count_days(start, 30, CAL)
        assert is_business_day(count.due_on)
        landed = start + timedelta(days=30)
        assert count.due_on == landed or count.rolled_from == landed
        start += timedelta(days=1)


def test_the_rule_text_says_what_was_counted_and_why_it_moved():
    count = count_days(date(2026, 6, 5), 28, CAL)
    assert count.describe(28, CAL, "notice of 2026-06-05", "chapter policy") == (
        "28 calendar days after notice of 2026-06-05 (chapter policy); day 28 is "
        "Fri 2026-07-03, Independence Day (observed): moved to the next business day"
    )
    weekend = count_days(date(2026, 3, 6), 1, CAL)
    assert weekend.describe(1, CAL, "2026-03-06").endswith(
        "1 calendar day after 2026-03-06; day 1 is Sat 2026-03-07, a weekend: "
        "moved to the next business day"
    )
    assert count_days(date(2026, 3, 2), 15, BUS).describe(15, BUS, "request of 2026-03-02") == (
        "15 business days after request of 2026-03-02"
    )
