"""The detail clock: days served on a detail since the written order, and the 120-day mark
of 5 U.S.C. 3341 flagged before it arrives (from day 100) and after it passes."""

from datetime import date, timedelta

import pytest
from flask import render_template

from tests.factories import make_chapter, make_notice, make_user
from union.cases.models import Case
from union.core.time import local_time, utcnow
from union.deadlines.services import DetailClock, detail_clock
from union.deadlines.views import deadline_panel_context
from union.extensions import db
from union.notices.models import Notice

START = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("served", "state", "to_mark"),
    [
        (1, "running", 119),
        (99, "running", 21),
        (100, "approaching", 20),
        (119, "approaching", 1),
        (120, "approaching", 0),
        (121, "past", -1),
        (400, "past", -280),
    ],
)
def test_the_clock_warns_from_day_100_and_flags_past_120(served, state, to_mark):
    clock = DetailClock(started_on=START, today=START + timedelta(days=served - 1))
    assert clock.days_served == served
    assert clock.state == state
    assert clock.mark_on == date(2026, 6, 29)  # the 120th day, counting 2 March as day 1
    assert clock.days_to_mark == to_mark


def test_a_detail_not_started_yet():
    clock = DetailClock(started_on=START, today=START - timedelta(days=5))
    assert clock.state == "not_started" and clock.days_served == 0


def test_a_detail_that_ended_stops_the_clock():
    short = DetailClock(started_on=START, today=date(2026, 12, 1), ended_on=date(2026, 4, 30))
    assert short.state == "ended" and short.days_served == 60
    long = DetailClock(started_on=START, today=date(2026, 12, 1), ended_on=date(2026, 7, 31))
    assert long.state == "past" and long.days_served == 152  # it ran past 120 days


# -- from the case's notices -----------------------------------------------------------


@pytest.fixture
def chapter(ctx):
    return make_chapter("733", timezone="America/Chicago")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter)


def _today(chapter):
    return local_time(utcnow(), chapter.timezone).date()


def _detail(member, chapter, served, **fields):
    """A detail notice whose member has served ``served`` days today."""
    start = _today(chapter) - timedelta(days=served - 1)
    defaults = {
        "kind": "detail",
        "notified_on": (start - timedelta(days=10)).isoformat(),
        "starts_on": start.isoformat(),
        "ends_on": None,
        "reply_by": None,
    }
    return make_notice(member, **(defaults | fields))


@pytest.mark.parametrize(("served", "state"), [(99, "running"), (100, "approaching"),
                                                (120, "approaching"), (121, "past")])  # fmt: skip
def test_a_detail_case_counts_days_from_the_start_date(ctx, chapter, member, served, state):
    notice = _detail(member, chapter, served)
    clock = detail_clock(db.session.get(Case, notice.case_id))
    assert clock is not None
    assert (clock.days_served, clock.state) == (served, state)
    assert clock.today == _today(chapter)  # the chapter's own day


def test_without_a_start_date_the_clock_counts_from_the_date_told(ctx, chapter, member):
    notified = _today(chapter) - timedelta(days=104)
    notice = _detail(member, chapter, 1, starts_on=None, notified_on=notified.isoformat())
    clock = detail_clock(db.session.get(Case, notice.case_id))
    assert clock.started_on == notified and clock.days_served == 105


def test_other_kinds_of_notice_have_no_detail_clock(ctx, chapter, member):
    notice = make_notice(member, kind="task_force")
    assert detail_clock(db.session.get(Case, notice.case_id)) is None


def test_a_collective_case_counts_from_its_earliest_detail(ctx, chapter, member):
    first = _detail(member, chapter, 30)
    earliest = _detail(make_user(chapter=chapter), chapter, 110)
    withdrawn = _detail(make_user(chapter=chapter), chapter, 200)
    for notice in (earliest, withdrawn):
        db.session.get(Notice, notice.id).case_id = first.case_id
    db.session.get(Notice, withdrawn.id).status = "withdrawn"
    db.session.commit()
    clock = detail_clock(db.session.get(Case, first.case_id))
    assert clock.days_served == 110 and clock.notices == 2


@pytest.mark.parametrize(
    ("served", "shown", "hidden"),
    [
        (99, "99 days served", "Warning"),
        (100, "Warning: the 120-day mark is on", "Past 120 days"),
        (120, "Warning: the 120-day mark is today", "Past 120 days"),
        (121, "Past 120 days", "Warning"),
    ],
)
def test_the_case_page_shows_the_clock(app, ctx, chapter, member, served, shown, hidden):
    from flask_login import login_user

    notice = _detail(member, chapter, served)
    rep = make_user("rep", covers=[chapter])
    with app.app_context(), app.test_request_context():
        case = db.session.get(Case, notice.case_id)
        login_user(db.session.get(type(rep), rep.id))
        html = render_template(
            "deadlines/_case_panel.html", case=case, **deadline_panel_context(case)
        )
    assert "Detail clock" in html and f"{served} days served" in html
    assert shown in html and hidden not in html
    if served >= 100:
        assert "5 U.S.C. 3341" in html
