"""Each rep's private calendar feed: a secret address (only its hash kept) that a calendar
app subscribes to, listing the open deadlines of the cases assigned to that rep, and
nothing a member wrote. Revoking it makes the old address 404."""

import hashlib
import re
from datetime import date, timedelta

import pytest

from tests.factories import login, logout, make_chapter, make_notice, make_user
from union.cases.models import Case
from union.deadlines import ical, services
from union.deadlines.models import CalendarFeed
from union.extensions import db


@pytest.fixture
def chapter(ctx):
    return make_chapter("512")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter, name="Marisol Quintero-Vance")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Steward Ibarra")


STATEMENT = "My supervisor said, quietly; that I had no choice \\ none at all."


def _assigned_case(member, rep, **notice_fields):
    notice = make_notice(member, statement=STATEMENT, **notice_fields)
    case = db.session.get(Case, notice.case_id)
    case.assigned_rep_id = rep.id
    db.session.commit()
    return case


def _make_feed(client, user):
    """Make the feed through the account page; returns its path (shown once)."""
    login(client, user)
    response = client.post("/account/calendar-feed")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    url = re.search(r'value="(http://steward\.test/calendar/[^"]+\.ics)"', response.text)
    assert url is not None
    return url.group(1).removeprefix("http://steward.test")


def _unfold(body: str) -> list[str]:
    """Content lines of an iCalendar body, checked for CRLF ends and 75-octet lines."""
    assert body.endswith("\r\n")
    physical = body.split("\r\n")[:-1]
    for line in physical:
        assert "\n" not in line and "\r" not in line
        assert len(line.encode()) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def _events(lines: list[str]) -> list[dict[str, str]]:
    """BEGIN/END balanced; each VEVENT as {name (with parameters): value}."""
    stack: list[str] = []
    events: list[dict[str, str]] = []
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack and stack[-1] == "VEVENT":
            events[-1][name] = value
    assert stack == []
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    return events


def test_a_rep_subscribes_to_the_deadlines_of_their_assigned_cases(client, ctx, member, rep):
    case = _assigned_case(member, rep)
    [grievance] = services.case_deadlines(case)
    path = _make_feed(client, rep)

    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    lines = _unfold(response.get_data(as_text=True))
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    [event] = _events(lines)
    assert event["UID"] == f"deadline-{grievance.id}@steward.test"
    assert event["DTSTART;VALUE=DATE"] == f"{grievance.due_on:%Y%m%d}"
    assert event["DTEND;VALUE=DATE"] == f"{grievance.due_on + timedelta(days=1):%Y%m%d}"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert event["SUMMARY"] == f"{case.reference}: File a grievance"
    assert event["URL"] == f"http://steward.test/cases/{case.id}"

    # The same deadline keeps its UID, so calendar apps update it rather than duplicate it.
    again = _events(_unfold(client.get(path).get_data(as_text=True)))
    assert again[0]["UID"] == event["UID"]


def test_the_feed_carries_no_member_names_or_statements(client, ctx, member, rep):
    _assigned_case(member, rep, home_office="Quintero field office", receiving_unit="Unit Q")
    body = client.get(_make_feed(client, rep)).get_data(as_text=True)
    unfolded = "".join(_unfold(body))
    for private in ("Marisol", "Quintero", "supervisor", "Unit Q", member.email):
        assert private not in unfolded


def test_only_open_deadlines_of_that_reps_open_assigned_cases(client, ctx, chapter, member, rep):
    mine = _assigned_case(member, rep)
    other_rep = make_user("rep", covers=[chapter])
    theirs = _assigned_case(member, other_rep)
    unassigned = db.session.get(Case, make_notice(member).case_id)
    closed_case = _assigned_case(member, rep)
    closed_case.status = "closed"
    extra = services.add_deadline(
        mine, kind="custom", title="Done already", due_on=date(2026, 5, 1), actor=rep
    )
    services.close_deadline(extra, actor=rep)
    db.session.commit()

    events = _events(_unfold(client.get(_make_feed(client, rep)).get_data(as_text=True)))
    summaries = [e["SUMMARY"] for e in events]
    assert summaries == [f"{mine.reference}: File a grievance"]
    for case in (theirs, unassigned, closed_case):
        assert all(case.reference not in s for s in summaries)


def test_a_rep_who_stops_covering_the_chapter_stops_seeing_its_deadlines(
    client, ctx, chapter, member, rep
):
    _assigned_case(member, rep)
    path = _make_feed(client, rep)
    assert len(_events(_unfold(client.get(path).get_data(as_text=True)))) == 1
    rep.covered_chapters = [make_chapter()]
    db.session.commit()
    assert _events(_unfold(client.get(path).get_data(as_text=True))) == []


def test_text_is_escaped_and_long_lines_folded(client, ctx, member, rep):
    case = _assigned_case(member, rep)
    title = "Reply, per Art. 9; step 1 \\ bargaining — über-long " + "détail " * 12
    services.add_deadline(case, kind="custom", title=title.strip(), due_on=date(2026, 6, 1))
    db.session.commit()
    body = client.get(_make_feed(client, rep)).get_data(as_text=True)
    assert any(line.startswith(" ") for line in body.split("\r\n"))  # something was folded
    summaries = [e["SUMMARY"] for e in _events(_unfold(body))]
    escaped = title.strip().replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert f"{case.reference}: {escaped}" in summaries


def test_revoking_makes_the_old_address_not_found(client, ctx, member, rep):
    _assigned_case(member, rep)
    old = _make_feed(client, rep)
    new = _make_feed(client, rep)  # "revoke and make a new one"
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    response = client.post("/account/calendar-feed/revoke")
    assert response.status_code == 302
    assert client.get(new).status_code == 404
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert (
        db.session.scalar(db.select(db.func.count()).where(CalendarFeed.revoked_at.is_(None))) == 0
    )


def test_only_a_hash_of_the_token_is_stored(client, ctx, rep):
    path = _make_feed(client, rep)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    [feed] = db.session.scalars(db.select(CalendarFeed))
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash and len(token) >= 40


def test_a_deactivated_rep_or_a_member_has_no_feed(client, ctx, member, rep):
    path = _make_feed(client, rep)
    rep.active = False
    db.session.commit()
    assert client.get(path).status_code == 404

    logout(client)
    login(client, member)
    assert client.post("/account/calendar-feed").status_code == 403


def test_the_account_page_offers_the_feed_to_reps_only(client, ctx, member, rep):
    login(client, member)
    assert "Your deadline calendar" not in client.get("/account").text
    logout(client)
    login(client, rep)
    page = client.get("/account").text
    assert "Make my calendar address" in page
    _make_feed(client, rep)
    page = client.get("/account").text
    assert "Revoke and make a new address" in page and "/calendar/" not in page


def test_feed_changes_are_audited(client, ctx, rep):
    from union.core.audit import AuditEntry

    _make_feed(client, rep)
    client.post("/account/calendar-feed/revoke")
    actions = list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["calendar_feed.create", "calendar_feed.revoke"]


# -- RFC 5545 by hand ------------------------------------------------------------------


def test_fold_never_splits_a_character_and_keeps_lines_to_75_octets():
    line = "SUMMARY:" + "é" * 100  # two octets each
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert ical.fold("SHORT:x") == "SHORT:x"
    exactly = "X:" + "a" * 73
    assert ical.fold(exactly) == exactly


def test_escape_text():
    assert ical.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_an_empty_calendar_is_still_a_calendar(ctx):
    lines = _unfold(ical.render_calendar([]))
    assert _events(lines) == []


def test_the_feed_costs_the_same_queries_however_many_deadlines(
    client, ctx, count_queries, member, rep
):
    _assigned_case(member, rep)
    path = _make_feed(client, rep)
    with count_queries() as one:
        client.get(path)
    for _ in range(4):
        _assigned_case(member, rep)
    with count_queries() as five:
        body = client.get(path).get_data(as_text=True)
    assert len(_events(_unfold(body))) == 5
    assert five.count == one.count
