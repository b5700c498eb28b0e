"""The union's information request for the roster (5 U.S.C. 7114(b)(4)): a letter drafted
from the request and the chapter, one particularized need per item, edited by the rep and
printable; recorded as sent with its answer due by the chapter's policy, as a deadline on
the case; then followed through its states, a refusal or an overdue answer starting the
six-month clock for an unfair labor practice charge."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import login, make_chapter, make_roster_request, make_user
from union.cases import services as case_services
from union.cases.models import Case, CaseAction
from union.chapters.models import DayKind
from union.chapters.services import update_chapter
from union.core.audit import AuditEntry
from union.deadlines.calendar import add_business_days
from union.deadlines.models import Deadline, DeadlineKind
from union.extensions import db
from union.rosters import letters, services
from union.rosters.letters import TRANSITIONS, InfoRequestStatus
from union.rosters.models import InfoRequest
from union.rosters.services import RosterProblems

S = InfoRequestStatus


@pytest.fixture
def chapter(ctx):
    return make_chapter(
        "247", name="IRS Criminal Investigation, Atlanta Field Office",
        info_request_days=10, info_request_day_kind=DayKind.BUSINESS,
    )  # fmt: skip


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


@pytest.fixture
def roster(chapter, rep):
    return make_roster_request(
        chapter, rep, title="Names put forward for ERO Atlanta", people_requested=40,
        duration="90 days", requested_by_name="Dana Pruitt",
        requested_by_title="Special Agent in Charge", office="Atlanta Field Office",
        receiving_unit="ERO Atlanta",
    )  # fmt: skip


def _start(roster, rep):
    info_request = letters.start_info_request(services.load_request(roster.id), actor=rep)
    db.session.commit()
    return info_request.id


def _load(roster, info_request_id):
    db.session.expire_all()
    return letters.load_info_request(services.load_request(roster.id), info_request_id)


def _send(roster, rep, info_request_id, sent_on=None, case=None):
    request = services.load_request(roster.id)
    found = letters.load_info_request(request, info_request_id, for_update=True)
    today = services.chapter_today(request.chapter)
    letters.send_info_request(found, sent_on=sent_on or today, case=case, today=today, actor=rep)
    db.session.commit()
    return _load(roster, info_request_id)


def _move(roster, rep, info_request_id, status, **kwargs):
    request = services.load_request(roster.id)
    found = letters.load_info_request(request, info_request_id, for_update=True)
    today = kwargs.pop("today", services.chapter_today(request.chapter))
    change = letters.change_status(
        found, status, happened_on=kwargs.pop("happened_on", None),
        note=kwargs.pop("note", None), today=today, actor=rep,
    )  # fmt: skip
    db.session.commit()
    return change


# -- the letter ------------------------------------------------------------------------


def test_the_letter_has_the_requests_facts_the_chapters_details_and_each_need(roster, rep, client):
    login(client, rep)
    response = client.post(f"/roster-requests/{roster.id}/info-requests", data={})
    assert response.status_code == 302
    info_request = db.session.scalars(select(InfoRequest)).one()
    assert response.headers["Location"].endswith(f"/info-requests/{info_request.id}")

    page = client.get(
        f"/roster-requests/{roster.id}/info-requests/{info_request.id}/letter?paper=a4"
    ).get_data(as_text=True)
    for fact in (
        "Dana Pruitt",
        "Special Agent in Charge",
        "Atlanta Field Office",
        "ERO Atlanta",
        "arrests and transport or removal flights",
        "40 employees",
        "for 90 days",
        "5 U.S.C. 7114(b)(4)",
        "Re: Request for information under 5 U.S.C. 7114(b)(4): Names put forward for ERO Atlanta",
    ):
        assert fact in page, fact
    for detail in (
        "Chapter 247",
        "IRS Criminal Investigation, Atlanta Field Office",
        "within 10 business days",
        "Marcus Bell",
        "Steward, Chapter 247",
    ):
        assert detail in page, detail
    info_request = _load(roster, info_request.id)
    assert len(info_request.items) == 4
    for item in info_request.items:
        for part in (item.description, item.why, item.use, item.relation):
            assert part and _html(part) in page
    assert page.count("Particularized need") == 4
    assert 'class="letter paper-a4"' in page
    assert "css/print-letter.css" in page
    letter = client.get(f"/roster-requests/{roster.id}/info-requests/{info_request.id}/letter")
    assert 'class="letter paper-letter"' in letter.get_data(as_text=True)


def _html(text):
    from markupsafe import escape

    return str(escape(text))


def test_rep_edits_each_need_drops_an_item_and_adds_one(roster, rep, client):
    info_request_id = _start(roster, rep)
    found = _load(roster, info_request_id)
    login(client, rep)
    data = {
        "addressee_name": "Dana Pruitt",
        "addressee_title": "SAC, Atlanta",
        "subject": found.subject,
        "opening": found.opening,
        "closing": found.closing,
        "signer_name": "Marcus Bell",
        "signer_title": "Chief Steward",
    }
    kept = found.items[0]
    data.update({f"items-0-{p}": getattr(kept, p) for p in letters.ITEM_PARTS})
    data["items-0-why"] = "Forty agents were named and the Union was told nothing."
    for p in letters.ITEM_PARTS:  # item 2 emptied: dropped
        data[f"items-1-{p}"] = ""
    data.update({
        "items-2-description": "The overtime budget for the detail.",
        "items-2-why": "Members were told no overtime will be paid.",
        "items-2-use": "To grieve unpaid overtime.",
        "items-2-relation": "Pay is a condition of employment the Union represents on.",
    })  # fmt: skip
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}", data=data
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    found = _load(roster, info_request_id)
    assert [i.position for i in found.items] == [1, 2]
    assert found.items[0].why == "Forty agents were named and the Union was told nothing."
    assert found.items[1].description == "The overtime budget for the detail."
    assert found.signer_title == "Chief Steward"


def test_an_item_without_all_of_its_need_is_refused_beside_the_missing_part(roster, rep, client):
    info_request_id = _start(roster, rep)
    found = _load(roster, info_request_id)
    login(client, rep)
    data = {n: getattr(found, n) or "" for n in letters.LETTER_FIELDS}
    data.update({"items-0-description": "The roster.", "items-0-why": "We need it."})
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}", data=data
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Say how the Union will use it." in page
    assert "Say how that relates to the Union&#39;s representational duties." in page
    assert len(_load(roster, info_request_id).items) == 4  # nothing saved


# -- sending: the due date and the case ------------------------------------------------


def test_the_answer_is_due_by_the_chapters_policy_in_business_days(chapter):
    # Friday 26 June 2026, 10 business days: the weekends and Friday 3 July (Independence
    # Day observed) do not count.
    due, rule = letters.answer_due(chapter, date(2026, 6, 26))
    assert due == date(2026, 7, 13)
    assert rule == "10 business days after request of 2026-06-26 (chapter policy)"
    update_chapter(chapter, info_request_days=14, info_request_day_kind=DayKind.CALENDAR)
    db.session.commit()
    # 14 calendar days from 2026-06-26 is Friday 10 July.
    assert letters.answer_due(chapter, date(2026, 6, 26))[0] == date(2026, 7, 10)


def test_recorded_as_sent_its_deadline_is_on_the_collective_case(roster, chapter, rep, client):
    outcome = services.open_collective_case(
        services.load_request(roster.id), today=services.chapter_today(chapter), actor=rep
    )
    db.session.commit()
    case_id = outcome.case.id
    info_request_id = _start(roster, rep)
    login(client, rep)
    page = client.get(f"/roster-requests/{roster.id}/info-requests/{info_request_id}")
    assert f'<option selected value="{case_id}">' in page.get_data(as_text=True)
    today = services.chapter_today(chapter)
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}/send",
        data={"sent_on": today.isoformat(), "case": str(case_id)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    found = _load(roster, info_request_id)
    expected = add_business_days(today, 10)
    assert (found.status, found.sent_on, found.due_on, found.case_id) == (
        "sent",
        today,
        expected,
        case_id,
    )
    deadline = db.session.get(Deadline, found.deadline_id)
    assert (deadline.case_id, deadline.kind, deadline.due_on) == (
        case_id,
        DeadlineKind.INFO_REQUEST.value,
        expected,
    )
    action = db.session.scalars(select(CaseAction).where(CaseAction.case_id == case_id)).one()
    assert action.kind == "information_request" and action.taken_on == today
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Management&#39;s answer to the information request" in case_page
    # The letter is now as sent.
    edit = client.post(f"/roster-requests/{roster.id}/info-requests/{info_request_id}", data={})
    assert edit.status_code == 302
    assert _load(roster, info_request_id).items[0].description


def test_without_a_collective_case_sending_can_open_a_case(roster, chapter, rep):
    info_request_id = _start(roster, rep)
    found = _send(roster, rep, info_request_id)
    case = db.session.get(Case, found.case_id)
    assert case.chapter_id == chapter.id
    assert db.session.get(Deadline, found.deadline_id).case_id == case.id


def test_a_send_date_in_the_future_or_another_chapters_case_is_refused(roster, chapter, rep):
    info_request_id = _start(roster, rep)
    today = services.chapter_today(chapter)
    with pytest.raises(RosterProblems, match="cannot be in the future"):
        _send(roster, rep, info_request_id, sent_on=today + timedelta(days=1))
    db.session.rollback()
    stranger = make_user("member", chapter=make_chapter())
    from tests.factories import make_case

    foreign = make_case(stranger)
    with pytest.raises(RosterProblems, match="open case of the request's chapter"):
        _send(roster, rep, info_request_id, case=foreign)


# -- its course ------------------------------------------------------------------------


def test_the_transition_table_allows_and_refuses_with_reasons(roster, rep):
    info_request_id = _start(roster, rep)
    with pytest.raises(RosterProblems, match="Record it as sent"):
        _move(roster, rep, info_request_id, "sent")
    with pytest.raises(RosterProblems, match="can become sent, not refused"):
        _move(roster, rep, info_request_id, "refused")
    db.session.rollback()
    _send(roster, rep, info_request_id)
    _move(roster, rep, info_request_id, "awaiting")
    _move(roster, rep, info_request_id, "clarification", note="They asked which office.")
    _move(roster, rep, info_request_id, "awaiting")
    _move(roster, rep, info_request_id, "answered_part", note="Roster of 12 names; no criteria.")
    _move(roster, rep, info_request_id, "answered_full", note="Criteria memo received.")
    with pytest.raises(RosterProblems, match="settled"):
        _move(roster, rep, info_request_id, "refused")
    db.session.rollback()
    found = _load(roster, info_request_id)
    assert [c.status_to for c in found.changes] == [
        "draft", "sent", "awaiting", "clarification", "awaiting", "answered_part",
        "answered_full",
    ]  # fmt: skip
    assert found.answer_text == "Criteria memo received."
    # Answered in full: the answer's deadline is done.
    assert db.session.get(Deadline, found.deadline_id).done_at is not None
    # Every state is in the table, and only "answered in full" is final.
    assert set(TRANSITIONS) == set(S)
    assert [s for s, nexts in TRANSITIONS.items() if not nexts] == [S.ANSWERED_FULL]


def test_a_refusal_starts_the_six_month_clock_for_a_ulp_charge(roster, chapter, rep, client):
    info_request_id = _start(roster, rep)
    today = services.chapter_today(chapter)
    found = _send(roster, rep, info_request_id, sent_on=today - timedelta(days=3))
    login(client, rep)
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}/status",
        data={"status": "refused", "happened_on": today.isoformat(),
              "note": "Management says the roster is confidential."},
    )  # fmt: skip
    assert response.status_code == 302
    found = _load(roster, info_request_id)
    ulp = db.session.get(Deadline, found.ulp_deadline_id)
    assert ulp.case_id == found.case_id and ulp.kind == DeadlineKind.ULP_CHARGE.value
    landed = letters.add_months(today, 6)
    assert landed <= ulp.due_on <= landed + timedelta(days=4)
    assert "6 months after the refusal of" in ulp.rule and "7118(a)(4)" in ulp.rule
    assert found.status == "refused" and found.answered_on == today
    page = client.get(f"/roster-requests/{roster.id}/info-requests/{info_request_id}")
    assert "File by" in page.get_data(as_text=True)


def test_a_refusal_after_the_case_was_closed_says_to_reopen_it(roster, chapter, rep, client):
    info_request_id = _start(roster, rep)
    today = services.chapter_today(chapter)
    found = _send(roster, rep, info_request_id, sent_on=today - timedelta(days=3))
    case_services.set_status(db.session.get(Case, found.case_id), "closed", actor=rep)
    db.session.commit()
    login(client, rep)
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}/status",
        data={"status": "refused", "note": "Management will not provide it."},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "it is a deadline on" in page
    assert "is closed: reopen it so this deadline is in the queue" in page
    assert _load(roster, info_request_id).ulp_deadline_id is not None


def test_an_overdue_answer_is_shown_and_marking_it_starts_the_clock(roster, chapter, rep, client):
    info_request_id = _start(roster, rep)
    today = services.chapter_today(chapter)
    found = _send(roster, rep, info_request_id, sent_on=today - timedelta(days=40))
    assert found.due_on < today
    assert letters.shown_status(found, today) == S.OVERDUE and found.status == "sent"
    login(client, rep)
    page = client.get(f"/roster-requests/{roster.id}/info-requests/{info_request_id}")
    assert "Management's answer is overdue" in page.get_data(as_text=True)
    listing = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    assert "status-info-overdue" in listing
    response = client.post(
        f"/roster-requests/{roster.id}/info-requests/{info_request_id}/status",
        data={"status": "overdue"},
    )
    assert response.status_code == 302
    found = _load(roster, info_request_id)
    ulp = db.session.get(Deadline, found.ulp_deadline_id)
    landed = letters.add_months(found.due_on, 6)
    assert landed <= ulp.due_on <= landed + timedelta(days=4)
    assert f"the answer was due on {found.due_on.isoformat()}" in ulp.rule
    # A later refusal does not start a second clock.
    _move(roster, rep, info_request_id, "refused")
    assert db.session.scalars(
        select(Deadline).where(Deadline.kind == DeadlineKind.ULP_CHARGE.value)
    ).all() == [ulp]


def test_every_state_of_the_course_can_be_recorded_and_each_step_is_kept(roster, chapter, rep):
    # Two requests between them pass through all nine states.
    today = services.chapter_today(chapter)
    first = _start(roster, rep)
    _send(roster, rep, first, sent_on=today - timedelta(days=40))
    _move(roster, rep, first, "awaiting", happened_on=today - timedelta(days=35))
    _move(roster, rep, first, "clarification", happened_on=today - timedelta(days=30),
          note="They asked which office we mean.")  # fmt: skip
    _move(roster, rep, first, "overdue")
    _move(roster, rep, first, "answered_part", note="Twelve names; no criteria.")
    _move(roster, rep, first, "refused", note="The criteria are management's to keep.")
    _move(roster, rep, first, "answered_full", note="Criteria memo received after all.")
    second = _start(roster, rep)
    _send(roster, rep, second, sent_on=today - timedelta(days=2))
    _move(roster, rep, second, "no_data", note="Management says no roster was ever kept.")

    done = _load(roster, first)
    steps = [c.status_to for c in done.changes]
    assert steps == ["draft", "sent", "awaiting", "clarification", "overdue", "answered_part",
                     "refused", "answered_full"]  # fmt: skip
    assert [c.status_from for c in done.changes] == [None, *steps[:-1]]
    assert done.changes[3].note == "They asked which office we mean."
    assert done.changes[3].happened_on == today - timedelta(days=30)
    assert all(c.actor_id == rep.id for c in done.changes)
    # The overdue answer started the clock; the later refusal did not start a second one.
    assert db.session.get(Deadline, done.ulp_deadline_id).rule.startswith(
        "6 months after the answer was due"
    )
    no_data = _load(roster, second)
    assert no_data.status == "no_data" and no_data.answered_on == today
    assert no_data.answer_text == "Management says no roster was ever kept."
    # "No such data" settles the answer deadline, and is not itself a refusal: no clock.
    assert db.session.get(Deadline, no_data.deadline_id).done_at is not None
    assert no_data.ulp_deadline_id is None
    assert {*steps, *(c.status_to for c in no_data.changes)} == {s.value for s in S}
    audited = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "info_request.status")
    ).all()
    assert [d["after"] for d in audited] == [*steps[1:], "sent", "no_data"]


def test_an_overdue_answer_shows_the_last_day_for_a_charge_before_it_is_marked(
    roster, chapter, rep, client
):
    info_request_id = _start(roster, rep)
    today = services.chapter_today(chapter)
    found = _send(roster, rep, info_request_id, sent_on=today - timedelta(days=40))
    last_day, _ = letters.ulp_last_day(found.due_on)
    login(client, rep)
    page = client.get(f"/roster-requests/{roster.id}/info-requests/{info_request_id}")
    assert f"{last_day:%A %b %-d, %Y}" in page.get_data(as_text=True)
    listing = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    assert f"ULP charge by {last_day:%b %-d, %Y}" in listing
    assert _load(roster, info_request_id).ulp_deadline_id is None  # shown, not yet on the case


def test_it_cannot_be_marked_overdue_before_the_due_date(roster, rep):
    info_request_id = _start(roster, rep)
    _send(roster, rep, info_request_id)
    with pytest.raises(RosterProblems, match="It is not overdue"):
        _move(roster, rep, info_request_id, "overdue")


def test_ulp_last_day_moves_off_a_weekend_or_holiday():
    # 6 months after 2026-01-04 is Saturday 2026-07-04 (Independence Day): Monday 6 July.
    due, moved = letters.ulp_last_day(date(2026, 1, 4))
    assert due == date(2026, 7, 6) and "Independence Day" in moved
    assert letters.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_another_chapters_rep_finds_no_information_request(roster, rep, client):
    info_request_id = _start(roster, rep)
    login(client, make_user("rep", covers=[make_chapter()]))
    base = f"/roster-requests/{roster.id}/info-requests/{info_request_id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/letter").status_code == 404
    assert client.post(f"{base}/status", data={"status": "refused"}).status_code == 404
