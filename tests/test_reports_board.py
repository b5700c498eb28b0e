"""Who is out on assignment now (both databases): the board against the same reckoning
made here, day by day, over generated notices and the members' later updates; who sees a
confidential member's name; and the query count."""

import random
from collections import Counter
from datetime import date, timedelta

from tests.factories import login, make_chapter, make_notice, make_user
from union.cases.models import CaseEvent
from union.cases.queue import CaseFilter, Viewer
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices import services as notice_services
from union.notices.models import Notice, NoticeStatus
from union.reports.board import CONFIDENTIAL, build_board

ASSIGNMENTS = ["detail", "tdy", "task_force", "deputization", "collateral_duty",
               "permanent_reassignment"]  # fmt: skip
ASKS = ["availability_solicitation", "roster_nomination"]


def _today() -> date:
    return local_time(utcnow(), "America/New_York").date()


def _generate(rng: random.Random, chapter, members, count: int) -> list[Notice]:
    today = _today()
    notices = []
    for i in range(count):
        member = members[i % len(members)]
        start = today + timedelta(days=rng.randint(-200, 8))
        told = start - timedelta(days=rng.randint(0, 10))
        told = min(told, today)
        end = rng.choice([None, start + timedelta(days=rng.randint(0, 250))])
        given_start = rng.random() < 0.85
        notice = make_notice(
            member,
            kind=rng.choice(ASSIGNMENTS + ASKS[:1]),
            notified_on=told.isoformat(),
            starts_on=start.isoformat() if given_start else None,
            ends_on=end.isoformat() if end and given_start else None,
            reply_by=None,
            receiving_unit=rng.choice(["ERO Atlanta", "ero atlanta ", "HSI Dallas", None]),
            confidential=rng.random() < 0.25,
        )
        notices.append(notice)
        loaded = notice_services.load_notice(notice.id)
        for _ in range(rng.choice([0, 0, 1, 2])):
            kind = rng.choice(["returned", "detail_extended", "end_date_changed",
                               "start_date_changed", "training_received"])  # fmt: skip
            new_date = today + timedelta(days=rng.randint(-60, 60))
            if kind == "returned" and rng.random() < 0.5:
                new_date = None
            if kind == "detail_extended" and rng.random() < 0.3:
                new_date = None
            if kind == "training_received":
                new_date = None
            notice_services.add_update(loaded, kind=kind, new_date=new_date, body=None,
                                       actor=member)  # fmt: skip
        db.session.commit()
    for notice in notices[::13]:  # withdrawn: off the board
        row = db.session.get(Notice, notice.id)
        row.status = NoticeStatus.WITHDRAWN.value
    db.session.commit()
    return notices


def _expected(today: date) -> dict[int, dict]:
    """The board, reckoned here: each assignment's days, walked one by one."""
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    found = {}
    db.session.expire_all()
    for n in db.session.scalars(db.select(Notice).where(Notice.status == "submitted")):
        if n.kind in ASKS:
            continue
        start, end = n.starts_on or n.notified_on, n.ends_on
        events = db.session.scalars(
            db.select(CaseEvent)
            .where(CaseEvent.notice_id == n.id, CaseEvent.kind == "member_update")
            .order_by(CaseEvent.at, CaseEvent.id)
        )
        for e in events:
            what, raw = e.details.get("update"), e.details.get("new_date")
            new = date.fromisoformat(raw) if raw else None
            if what == "start_date_changed":
                start = new
            elif what == "end_date_changed" or what == "detail_extended":
                end = new
            elif what == "returned":
                end = (new or local_time(e.at, "America/New_York").date()) - timedelta(days=1)
        out = start <= today and (end is None or today <= end)
        served = sum(1 for d in range((today - start).days + 1)) if out else 0
        found[n.id] = {
            "out": out,
            "days": served,
            "past_limit": out and served > 120,
            "no_end": end is None,
            "started_this_week": out and start >= week_start,
            "starting": today < start <= week_end,
            "returning": out and end is not None and end <= week_end,
            "unit": (n.receiving_unit or "").strip().casefold() or "unit not given",
        }
    return found


def test_the_board_matches_a_reckoning_made_here(ctx):
    rng = random.Random(42)
    chapter = make_chapter()
    admin = make_user("admin")
    members = [make_user("member", chapter=chapter) for _ in range(4)]
    _generate(rng, chapter, members, 70)
    today = _today()
    viewer = Viewer.of(db.session.get(type(admin), admin.id))
    assert viewer.today == today
    board = build_board(admin, viewer, CaseFilter())
    want = _expected(today)

    out = {s.notice.id: s for s in board.out_now}
    assert set(out) == {i for i, w in want.items() if w["out"]}
    assert len(out) > 10
    for notice_id, stint in out.items():
        w = want[notice_id]
        assert stint.days_served == w["days"], notice_id
        assert stint.past_limit == w["past_limit"], notice_id
        assert stint.no_end == w["no_end"], notice_id
        assert stint.started_this_week == w["started_this_week"], notice_id
        assert stint.returning_this_week == w["returning"], notice_id
    assert {s.notice.id for s in board.starting} == {i for i, w in want.items() if w["starting"]}
    counted = Counter(w["unit"] for w in want.values() if w["out"])
    assert {g.unit.casefold(): len(g.stints) for g in board.groups} == counted
    assert board.count("past_limit") == sum(w["past_limit"] for w in want.values())
    assert board.count("past_limit") and board.count("no_end")


def test_updates_move_a_member_on_and_off_the_board(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter, name="Rita Returned")
    today = _today()
    long_ago = today - timedelta(days=150)
    notice = make_notice(member, kind="detail", notified_on=(long_ago - timedelta(1)).isoformat(),
                         starts_on=long_ago.isoformat(),
                         ends_on=(today + timedelta(days=3)).isoformat())  # fmt: skip
    viewer = Viewer.of(rep)
    (stint,) = build_board(rep, viewer, CaseFilter()).out_now
    assert stint.days_served == 151 and stint.past_limit and not stint.no_end
    assert stint.returning_this_week == (today + timedelta(days=3) <= viewer.today +
                                         timedelta(days=6 - viewer.today.weekday()))  # fmt: skip

    loaded = notice_services.load_notice(notice.id)
    notice_services.add_update(loaded, kind="detail_extended", new_date=None, body="Again",
                               actor=member)  # fmt: skip
    db.session.commit()
    (stint,) = build_board(rep, viewer, CaseFilter()).out_now
    assert stint.no_end and not stint.returning_this_week

    notice_services.add_update(loaded, kind="returned", new_date=None, body=None, actor=member)
    db.session.commit()
    assert build_board(rep, viewer, CaseFilter()).out_now == []


def test_a_confidential_member_is_named_only_to_reps_of_the_chapter(client, ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    admin = make_user("admin")
    covering_admin = make_user("admin", covers=[chapter])
    other_rep = make_user("rep", covers=[make_chapter()])
    member = make_user("member", chapter=chapter, name="Quinn Quiet")
    today = _today()
    make_notice(member, confidential=True, starts_on=(today - timedelta(days=5)).isoformat(),
                notified_on=(today - timedelta(days=9)).isoformat(), ends_on=None)  # fmt: skip
    for user, named in ((rep, True), (covering_admin, True), (admin, False)):
        client.post("/logout")
        login(client, user)
        html = client.get("/reports/out-on-assignment").get_data(as_text=True)
        assert ("Quinn Quiet" in html) is named, user.role
        assert (CONFIDENTIAL in html) is not named
    client.post("/logout")
    login(client, other_rep)
    html = client.get(f"/reports/out-on-assignment?chapter={chapter.id}").get_data(as_text=True)
    assert "Quinn Quiet" not in html and CONFIDENTIAL not in html
    client.post("/logout")
    login(client, member)
    assert client.get("/reports/out-on-assignment").status_code == 403


def test_the_board_query_count_does_not_grow(client, ctx, count_queries):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    members = [make_user("member", chapter=chapter) for _ in range(3)]
    rng = random.Random(5)
    _generate(rng, chapter, members, 4)
    login(client, rep)
    client.get("/reports/out-on-assignment")

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/reports/out-on-assignment").status_code == 200
        return counter.count

    few = queries()
    _generate(rng, chapter, members, 30)
    assert queries() == few
