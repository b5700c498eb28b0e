"""The dashboard: every chart's table against the same count made here in plain Python over
generated notices and cases (both databases), the case queue's filters narrowing it, each
rep seeing their own chapters, and a page that costs the same number of queries whatever
the number of cases."""

import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import login, make_chapter, make_notice, make_user
from union.cases.models import OPEN_STATUSES, Case, CaseStatus
from union.cases.queue import CaseFilter, Viewer
from union.chapters.models import Agency, Chapter
from union.core.time import as_utc, local_time, utcnow
from union.deadlines.models import Deadline
from union.extensions import db
from union.notices.models import Duty, Notice, NoticeChoice, NoticeKind, NoticeStatus
from union.reports.dashboard import (
    AGE_BUCKETS,
    DEADLINE_OUTCOMES,
    NO_COMPONENT,
    OTHER_COMPONENT,
    SHARES,
    build_dashboard,
)

KINDS = [k.value for k in NoticeKind]
DUTIES = [d.value for d in Duty]
TRAINING = ["none", "promised", "partial", "complete"]
ANSWERS = [None, "yes", "no", "unsure"]


def _random_answers(rng: random.Random, today: date, agencies: list[Agency]) -> dict:
    receiving = rng.choice([*agencies[:6], None])
    pay = rng.choice([["none_offered"], ["overtime"], ["overtime", "travel"], []])
    return {
        "kind": rng.choice(KINDS),
        "home_agency_id": str(rng.choice(agencies[:4]).id),
        "receiving_agency": str(receiving.id) if receiving else "other",
        "receiving_agency_other": None if receiving else "Some task force",
        "duties": rng.sample(DUTIES, rng.randint(1, 3)),
        "duties_other": "Guard duty",
        "notified_on": (today - timedelta(days=rng.randint(0, 150))).isoformat(),
        "starts_on": None,
        "ends_on": None,
        "reply_by": None,
        "training_status": rng.choice(TRAINING),
        "training_gaps": rng.choice([[], ["firearms"]]),
        "training_other": rng.choice([None, None, "Vehicle extraction"]),
        "pay_items": pay,
        "union_notified_before": rng.choice(ANSWERS),
        "telework_affected": rng.choice(ANSWERS),
        "outside_position_description": rng.choice(ANSWERS),
        "contract_articles": rng.choice([None, None, "Article 9"]),
        "safety_health": rng.choice([None, None, "No vests"]),
        "personal_hardship": rng.choice([None, "Child care"]),
    }


def _world(count: int, seed: int = 7) -> dict:
    """``count`` notices in two chapters by several members, with cases in every status
    and age, some collective, some withdrawn, and deadlines met, missed and open."""
    rng = random.Random(seed)
    chapter, other = make_chapter(), make_chapter(timezone="America/Los_Angeles")
    rep = make_user("rep", covers=[chapter])
    admin = make_user("admin")
    members = [make_user("member", chapter=chapter) for _ in range(3)]
    members += [make_user("member", chapter=other) for _ in range(2)]
    agencies = list(db.session.scalars(db.select(Agency).order_by(Agency.id)))
    today = local_time(utcnow(), "America/New_York").date()
    notices = []
    for i in range(count):
        member = members[i % len(members)]
        notices.append(make_notice(member, **_random_answers(rng, today, agencies)))
    cases = {n.id: db.session.get(Case, n.case_id) for n in notices}
    # Collective cases: a few notices move into another case of their chapter.
    for notice in notices[5:count:9]:
        target = next(n for n in notices if n.chapter_id == notice.chapter_id and n is not notice)
        db.session.get(Notice, notice.id).case_id = target.case_id
    # Every status and age; a few withdrawn notices.
    for notice in notices:
        case = cases[notice.id]
        case.status = rng.choice(list(CaseStatus)).value
        case.created_at = utcnow() - timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23))
    for notice in notices[::11]:
        row = db.session.get(Notice, notice.id)
        row.status = NoticeStatus.WITHDRAWN.value
        row.withdrawn_at = utcnow()
    # Deadlines: met, closed late, open past due, open.
    for case in {c.id: c for c in cases.values()}.values():
        for _ in range(rng.randint(0, 2)):
            due = today + timedelta(days=rng.randint(-30, 30))
            done = None
            if rng.random() < 0.5:
                # Noon UTC, a day either side: the chapter's calendar decides met or late.
                done = datetime.combine(
                    due + timedelta(days=rng.choice([-3, 0, 2])), datetime.min.time(), UTC
                ) + timedelta(hours=16)
            db.session.add(Deadline(case_id=case.id, kind="custom", title="x", due_on=due,
                                    original_due_on=due, done_at=done))  # fmt: skip
    db.session.commit()
    return {"chapter": chapter, "other": other, "rep": rep, "admin": admin, "today": today}


# -- the count made here ---------------------------------------------------------------


def _raises(n: Notice, ticked: set[tuple[str, str]]) -> dict[str, bool]:
    return {
        "training": n.training_status in {"none", "promised", "partial"}
        or n.training_other is not None
        or any(q == "training_gap" for q, _ in ticked),
        "pay": ("pay", "none_offered") in ticked,
        "contract": n.contract_articles is not None
        or n.union_notified_before == "no"
        or n.telework_affected == "yes"
        or n.outside_position_description == "yes",
        "union_not_told": n.union_notified_before == "no",
        "safety": n.safety_health is not None,
        "hardship": n.personal_hardship is not None,
    }


class Rows:
    """Every row the dashboard counts from, read once as plain objects."""

    def __init__(self) -> None:
        db.session.expire_all()
        self.notices = list(
            db.session.scalars(db.select(Notice).where(Notice.case_id.is_not(None)))
        )
        self.ticked: dict[int, set[tuple[str, str]]] = {n.id: set() for n in self.notices}
        for notice_id, question, answer in db.session.execute(
            db.select(NoticeChoice.notice_id, NoticeChoice.question, NoticeChoice.answer)
        ):
            self.ticked.setdefault(notice_id, set()).add((question, answer))
        self.labels = {a.id: a.label for a in db.session.scalars(db.select(Agency))}
        self.cases = list(db.session.scalars(db.select(Case)))
        self.by_case: dict[int, list[Notice]] = {}
        for n in self.notices:
            self.by_case.setdefault(n.case_id, []).append(n)
        self.zones = {ch.id: ch.timezone for ch in db.session.scalars(db.select(Chapter))}
        self.deadlines = list(db.session.scalars(db.select(Deadline)))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def expected(viewer: Viewer, f: CaseFilter, rows: "Rows | None" = None) -> dict:
    """Every chart's rows, counted over the rows themselves (status, chapter and the
    notice filters; the queue's other filters are checked against the queue itself)."""
    rows = rows or Rows()
    ticked, labels = rows.ticked, rows.labels

    def notice_matches(n: Notice) -> bool:
        return (
            (f.home_agency_id is None or n.home_agency_id == f.home_agency_id)
            and (f.receiving_agency_id is None or n.receiving_agency_id == f.receiving_agency_id)
            and (not f.kind or n.kind == f.kind)
            and (not f.concern or _raises(n, ticked[n.id])[f.concern])
        )

    asks_of_notices = (f.home_agency_id, f.receiving_agency_id, f.kind, f.concern)
    cases = []
    for case in rows.cases:
        if not viewer.is_admin and case.chapter_id not in viewer.chapter_ids:
            continue
        if f.chapter_id is not None and case.chapter_id != f.chapter_id:
            continue
        if f.status == "open" and case.status not in OPEN_STATUSES:
            continue
        if f.status not in {"open", "all"} and case.status != f.status:
            continue
        mine = rows.by_case.get(case.id, [])
        if any(x is not None for x in asks_of_notices) and not any(map(notice_matches, mine)):
            continue
        cases.append(case)
    case_ids = {c.id for c in cases}
    counted = [n for n in rows.notices if n.case_id in case_ids and n.status == "submitted"
               and notice_matches(n)]  # fmt: skip

    weeks = Counter(_monday(n.notified_on) for n in counted if n.notified_on)
    rows_weeks = {}
    if weeks:
        monday = min(weeks)
        while monday <= max(weeks):
            rows_weeks[f"Week of {monday:%b %-d, %Y}"] = weeks[monday]
            monday += timedelta(days=7)
    shares = Counter()
    for n in counted:
        for key, yes in _raises(n, ticked[n.id]).items():
            shares[key] += yes
    open_cases = [c for c in cases if c.status in OPEN_STATUSES]
    ages = Counter()
    for c in open_cases:
        age = (viewer.today - local_time(as_utc(c.created_at), viewer.zone).date()).days
        for i, (limit, _) in enumerate(AGE_BUCKETS):
            if limit is None or age <= limit:
                ages[i] += 1
                break
    zones = {c.id: rows.zones[c.chapter_id] for c in cases}
    outcomes = Counter()
    for d in (d for d in rows.deadlines if d.case_id in case_ids):
        if d.done_at is None:
            outcomes["overdue" if d.due_on < viewer.today else "open"] += 1
        else:
            done_day = local_time(as_utc(d.done_at), zones[d.case_id]).date()
            outcomes["met" if done_day <= d.due_on else "late"] += 1
    return {
        "cases": len(cases),
        "notices": len(counted),
        "weeks": rows_weeks,
        "concerns": {label: shares[key] for key, label in SHARES},
        "home": Counter(labels.get(n.home_agency_id, NO_COMPONENT) for n in counted),
        "receiving": Counter(labels.get(n.receiving_agency_id, OTHER_COMPONENT) for n in counted),
        "kind": {k.label: sum(1 for n in counted if n.kind == k.value) for k in NoticeKind},
        "duty": {
            d.label: sum(1 for n in counted if ("duty", d.value) in ticked[n.id]) for d in Duty
        },  # fmt: skip
        "status": {
            CaseStatus(s).label: sum(1 for c in open_cases if c.status == s) for s in OPEN_STATUSES
        },  # fmt: skip
        "age": {label: ages[i] for i, (_, label) in enumerate(AGE_BUCKETS)},
        "deadlines": {label: outcomes[key] for key, label in DEADLINE_OUTCOMES},
    }


def shown(viewer: Viewer, f: CaseFilter) -> dict:
    board = build_dashboard(viewer, f)
    result: dict = {"cases": board.cases, "notices": board.notices}
    for chart in board.charts:
        result[chart.key] = {row.label: row.count for row in chart.rows}
    result["home"] = Counter(result["home"])
    result["receiving"] = Counter(result["receiving"])
    return result


def _viewer(user) -> Viewer:
    db.session.expire_all()
    return Viewer.of(db.session.get(type(user), user.id))


def _check(viewer: Viewer, f: CaseFilter) -> dict:
    want, got = expected(viewer, f), shown(viewer, f)
    for key in want:
        assert got[key] == want[key], f"{key} for {f}"
    return want


# -- the tests -------------------------------------------------------------------------


def test_every_chart_matches_an_independent_count(ctx):
    world = _world(90)
    admin = _viewer(world["admin"])
    everything = _check(admin, CaseFilter(status="all"))
    assert everything["notices"] > 60 and everything["cases"] > 50
    assert all(everything["deadlines"].values()), "met, late, overdue and open all occur"
    assert sum(everything["age"].values()) == sum(everything["status"].values())

    rep = _viewer(world["rep"])
    mine = _check(rep, CaseFilter(status="all"))
    assert 0 < mine["notices"] < everything["notices"]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "open"},
        {"status": "closed"},
        {"status": "all", "kind": "detail"},
        {"status": "all", "concern": "pay"},
        {"status": "open", "concern": "training", "kind": "task_force"},
        {"status": "all", "home": 0},
        {"status": "all", "receiving": 0},
        {"status": "all", "chapter": "other"},
    ],
)
def test_the_queue_filters_narrow_every_chart_the_same_way(ctx, fields):
    world = _world(40, seed=11)
    agencies = list(db.session.scalars(db.select(Agency.id).order_by(Agency.id)))
    f = CaseFilter(
        status=fields["status"],
        kind=fields.get("kind"),
        concern=fields.get("concern"),
        home_agency_id=agencies[fields["home"]] if "home" in fields else None,
        receiving_agency_id=agencies[fields["receiving"]] if "receiving" in fields else None,
        chapter_id=world["other"].id if fields.get("chapter") else None,
    )
    want = _check(_viewer(world["admin"]), f)
    assert want["cases"] > 0


TABLE_RE = re.compile(r'<table class="chart-table" id="chart-([\w-]+)-table".*?</table>', re.S)
ROW_RE = re.compile(r'<th scope="row">([^<]*)</th>\s*<td class="num" data-value="(\d+)">')
TITLE_RE = re.compile(r'<h2 id="chart-([\w-]+)-title">')


def tables_on(html: str) -> dict[str, dict[str, int]]:
    """Each chart's table as the page shows it: {chart key: {row label: count}}."""
    return {
        match.group(1): {unescape(label): int(n) for label, n in ROW_RE.findall(match.group(0))}
        for match in TABLE_RE.finditer(html)
    }


def check_page(html: str, want: dict) -> None:
    """Every chart on the page has its table, and the table says what was counted here."""
    headline = re.search(r"<strong>(\d+)</strong> notices? in\s*<strong>(\d+)</strong> case", html)
    assert headline and (int(headline.group(1)), int(headline.group(2))) == (
        want["notices"], want["cases"])  # fmt: skip
    tables = tables_on(html)
    charts = TITLE_RE.findall(html)
    assert set(charts) == set(want) - {"cases", "notices"}, charts
    for key in charts:
        if key not in tables:  # an empty chart says so instead of drawing nothing
            assert not any(want[key].values()), f"{key}: no table, but {want[key]}"
            continue
        got = tables[key]
        expected_rows = {label: n for label, n in want[key].items() if n or label in got}
        assert got == expected_rows, key


def test_the_page_shows_each_charts_numbers_as_a_table(client, ctx):
    world = _world(25, seed=3)
    login(client, world["rep"])
    page = client.get("/reports/?kind=detail&status=open")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    want = expected(_viewer(world["rep"]), CaseFilter(status="open", kind="detail"))
    check_page(html, want)
    assert len(tables_on(html)) >= 6
    # The filter stays in the URL of the export and of the queue.
    export = re.search(r'href="(/reports/export/cases\.csv\?[^"]*)"', html).group(1)
    assert parse_qs(urlsplit(unescape(export)).query) == {"status": ["open"], "kind": ["detail"]}
    queue = re.search(r'href="(/cases/\?[^"]*)"', html).group(1)
    assert parse_qs(urlsplit(unescape(queue)).query) == {"kind": ["detail"]}  # open: its default
    # Charts are drawn by a script file, never inline.
    assert "<script>" not in html and "vendor/chartjs/chart.umd.min.js" in html


def test_a_rep_sees_only_their_chapters_and_members_none(client, ctx):
    world = _world(12, seed=5)
    other_rep = make_user("rep", covers=[world["other"]])
    login(client, other_rep)
    html = client.get("/reports/").get_data(as_text=True)
    want = expected(_viewer(other_rep), CaseFilter(status="all"))
    assert f"<strong>{want['notices']}</strong> notice" in html
    # Asking for the first chapter by its id gives nothing of it.
    assert (
        shown(_viewer(other_rep), CaseFilter(status="all", chapter_id=world["chapter"].id))[
            "notices"
        ]
        == 0
    )
    member = make_user("member", chapter=world["chapter"])
    client.post("/logout")
    login(client, member)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/out-on-assignment").status_code == 403


def test_the_dashboard_query_count_does_not_grow_with_the_cases(client, ctx, count_queries):
    world = _world(5, seed=1)
    login(client, world["rep"])
    client.get("/reports/")  # warm up: the first request loads what every later one reuses
    urls = ["/reports/?status=all", "/reports/?concern=training&due=attention&kind=detail"]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    few = queries()
    members = [make_user("member", chapter=world["chapter"]) for _ in range(3)]
    rng = random.Random(2)
    agencies = list(db.session.scalars(db.select(Agency).order_by(Agency.id)))
    for i in range(55):
        make_notice(members[i % 3], **_random_answers(rng, world["today"], agencies))
    # Deadlines of every outcome on the new cases, and a collective case or two.
    for n, case in enumerate(db.session.scalars(db.select(Case).order_by(Case.id.desc())).all()):
        due = world["today"] + timedelta(days=n % 9 - 4)
        done = utcnow() if n % 2 else None
        db.session.add(Deadline(case_id=case.id, kind="custom", title="x", due_on=due,
                                original_due_on=due, done_at=done))  # fmt: skip
    db.session.commit()
    many = queries()
    assert few == many, f"{few} queries for 5 cases, {many} for 60"
    assert max(many) <= 25


def test_nonsense_in_the_url_filters_nothing_and_never_errs(client, ctx):
    world = _world(3, seed=9)
    login(client, world["rep"])
    for url in (
        "/reports/?chapter=%C2%B2&assigned=%C2%B2&home=-1&opened_from=2026-99-01&q=%00x",
        "/reports/?status=nonsense&concern=nonsense&kind=nonsense&due=nonsense",
        "/reports/out-on-assignment?chapter=%C2%B2&receiving=99999999999999999999",
        "/reports/export/cases.csv?chapter=%C2%B2&sort=nonsense",
        "/reports/statements?chapter=%C2%B2",
        "/reports/statements/approved.txt?chapter=99999999999999999999",
    ):
        assert client.get(url).status_code == 200, url


# -- the queue's filter, and several thousand cases ---------------------------------------

QUEUE_COUNT_RE = re.compile(r'class="status status-case-([a-z_]+)">[^<]*: <strong>(\d+)</strong>')


def _queue_counts(client, args: dict[str, str]) -> dict[str, int]:
    """The queue's own count of each status for a filter (it counts every status)."""
    page = client.get("/cases/", query_string=args)
    assert page.status_code == 200
    return {status: int(n) for status, n in QUEUE_COUNT_RE.findall(page.get_data(as_text=True))}


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"assigned": "mine"},
        {"assigned": "unassigned", "kind": "task_force"},
        {"due": "overdue"},
        {"due": "week", "concern": "contract"},
        {"due": "attention"},
        {"opened_from": "{30 days ago}", "opened_to": "{today}"},
        {"q": "Some task force"},
        {"q": "C-20", "concern": "training"},
        {"chapter": "{chapter}", "home": "{agency}"},
    ],
)
def test_the_dashboard_counts_the_cases_the_queue_lists_for_the_same_url(client, ctx, args):
    """The dashboard reads the queue's filter from the URL and counts exactly the cases
    the queue lists for it: the open ones by status, and all of them."""
    world = _world(45, seed=13)
    rep = world["rep"]
    rng = random.Random(4)
    for case in db.session.scalars(db.select(Case).where(Case.chapter_id == world["chapter"].id)):
        case.assigned_rep_id = rep.id if rng.random() < 0.5 else None
    db.session.commit()
    today = world["today"]
    agency = db.session.scalars(db.select(Agency.id).order_by(Agency.id)).first()
    fill = {"{30 days ago}": (today - timedelta(days=30)).isoformat(),
            "{today}": today.isoformat(), "{chapter}": str(world["chapter"].id),
            "{agency}": str(agency)}  # fmt: skip
    args = {name: fill.get(value, value) for name, value in args.items()}
    login(client, rep)
    queue = _queue_counts(client, args)
    assert set(queue) == {s.value for s in CaseStatus}

    html = client.get("/reports/", query_string=args).get_data(as_text=True)
    status_table = tables_on(html).get("status", {})
    assert status_table == {CaseStatus(s).label: queue[s] for s in OPEN_STATUSES
                            if queue[s] or status_table}  # fmt: skip
    cases = re.search(r"<strong>\d+</strong> notices? in\s*<strong>(\d+)</strong> case", html)
    assert int(cases.group(1)) == sum(queue.values())
    for status in ("open", "closed"):
        html = client.get("/reports/", query_string={**args, "status": status}).get_data(
            as_text=True
        )
        cases = re.search(r"<strong>\d+</strong> notices? in\s*<strong>(\d+)</strong> case", html)
        want = sum(queue[s] for s in OPEN_STATUSES) if status == "open" else queue["closed"]
        assert int(cases.group(1)) == want, status
    if not args:
        assert sum(queue.values()) > 20


SCALE = 3000


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_with_several_thousand_generated_cases_every_table_matches_a_count_made_here(client, ctx):
    """The national generator's union (``union demo-data --scale 3000``): every chart's
    table on the page, for an admin and for a rep, unfiltered and filtered, against the
    count made here over the rows."""
    from sqlalchemy import func, select

    from union.auth.models import User
    from union.chapters.models import rep_coverage
    from union.demo import DEMO_PASSWORD
    from union.scale import ADMIN_EMAIL, generate

    generate(SCALE, analyze=False)
    rows = Rows()
    assert len(rows.cases) == SCALE
    admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    busiest = db.session.scalars(
        select(Case.chapter_id).group_by(Case.chapter_id).order_by(func.count().desc())
    ).first()
    rep = db.session.scalars(
        select(User).join(rep_coverage, rep_coverage.c.user_id == User.id)
        .where(rep_coverage.c.chapter_id == busiest).order_by(User.id)
    ).first()  # fmt: skip
    ice_ero = db.session.scalar(select(Agency.id).where(Agency.code == "ICE-ERO"))
    home = db.session.scalar(select(Chapter.agency_id).where(Chapter.id == busiest))
    filters = [
        {},
        {"status": "open"},
        {"status": "waiting", "concern": "contract"},
        {"kind": "detail", "concern": "pay"},
        {"receiving": str(ice_ero), "concern": "training"},
        {"chapter": str(busiest), "home": str(home)},
    ]
    checked = 0
    for user in (admin, rep):
        client.post("/logout")
        assert login(client, user.email, DEMO_PASSWORD).status_code == 302
        viewer = _viewer(user)
        for args in filters if user is admin else filters[:3]:
            html = client.get("/reports/", query_string=args).get_data(as_text=True)
            f = CaseFilter(
                status=args.get("status", "all"),
                kind=args.get("kind"),
                concern=args.get("concern"),
                chapter_id=int(args["chapter"]) if "chapter" in args else None,
                home_agency_id=int(args["home"]) if "home" in args else None,
                receiving_agency_id=int(args["receiving"]) if "receiving" in args else None,
            )
            want = expected(viewer, f, rows)
            check_page(html, want)
            checked += 1
            if not args and user is admin:
                assert want["cases"] == SCALE
                assert want["notices"] > SCALE * 0.9
                for key in ("weeks", "home", "receiving", "kind", "duty", "status", "age",
                            "deadlines", "concerns"):  # fmt: skip
                    assert sum(1 for n in want[key].values() if n) >= 2, key
            else:
                assert want["cases"] > 0, args
    assert checked == len(filters) + 3
