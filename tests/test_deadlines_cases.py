"""A case's deadlines: proposed from the chapter's policy when a notice is filed, then
added, corrected, extended, closed and reopened by the chapter's reps, each change kept
in the deadline's history, on the case timeline and in the audit log."""

import re
from datetime import date, timedelta

import pytest
from flask import render_template

from tests.factories import login, make_chapter, make_notice, make_user
from union.cases.models import Case, CaseEvent, CaseEventKind
from union.chapters.services import update_chapter
from union.core.audit import AuditEntry
from union.core.time import local_time, utcnow
from union.deadlines import services
from union.deadlines.calendar import add_days, is_business_day
from union.deadlines.models import ChangeKind, Deadline, DeadlineChange, DeadlineKind
from union.deadlines.views import deadline_panel_context
from union.extensions import db


@pytest.fixture
def chapter(ctx):
    return make_chapter("318", grievance_days=30, grievance_day_kind="calendar")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter, name="Dana Whitfield")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Steward Ortiz")


def _today(chapter):
    return local_time(utcnow(), chapter.timezone).date()


def _deadlines(case_id):
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)
        )
    )


def _history(deadline_id):
    return list(
        db.session.scalars(
            db.select(DeadlineChange)
            .where(DeadlineChange.deadline_id == deadline_id)
            .order_by(DeadlineChange.id)
        )
    )


def _deadline_events(case_id):
    return list(
        db.session.scalars(
            db.select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == CaseEventKind.DEADLINE)
            .order_by(CaseEvent.id)
        )
    )


def _audits(action):
    return list(
        db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _url(deadline, action=""):
    return f"/cases/{deadline.case_id}/deadlines/{deadline.id}" + (f"/{action}" if action else "")


# -- proposed when a notice is filed ---------------------------------------------------


def test_filing_a_notice_proposes_the_grievance_window_from_the_chapters_policy(
    ctx, chapter, member
):
    notified = _today(chapter) - timedelta(days=3)
    notice = make_notice(member, notified_on=notified.isoformat())

    [grievance] = _deadlines(notice.case_id)
    assert grievance.kind == DeadlineKind.GRIEVANCE
    assert grievance.due_on == grievance.original_due_on == add_days(notified, 30, "calendar")
    assert (grievance.days, grievance.day_kind, grievance.counted_from) == (
        30,
        "calendar",
        notified,
    )
    assert grievance.rule.startswith(
        f"30 calendar days after notice of {notified.isoformat()} (chapter policy)"
    )
    assert is_business_day(grievance.due_on)
    assert grievance.is_open and grievance.created_by_id == member.id

    [created] = _history(grievance.id)
    assert (created.kind, created.new_due_on) == (ChangeKind.CREATED, grievance.due_on)
    [event] = _deadline_events(notice.case_id)
    assert event.details["action"] == "created" and not event.visible_to_member
    assert services.describe_deadline_event(event) == (
        f"Deadline set: File a grievance, due {grievance.due_on:%b %-d, %Y}"
    )
    [entry] = _audits("deadline.created")
    assert entry.chapter_id == chapter.id and entry.details["case_id"] == notice.case_id


def test_business_day_policy_counts_business_days(ctx, member, chapter):
    update_chapter(chapter, grievance_days=10, grievance_day_kind="business")
    db.session.commit()
    notified = _today(chapter) - timedelta(days=2)
    notice = make_notice(member, notified_on=notified.isoformat())
    [grievance] = _deadlines(notice.case_id)
    assert grievance.due_on == add_days(notified, 10, "business")
    assert grievance.rule == (
        f"10 business days after notice of {notified.isoformat()} (chapter policy)"
    )


@pytest.mark.parametrize("kind", ["availability_solicitation", "roster_nomination"])
def test_a_solicitation_with_a_reply_by_date_gets_a_reply_deadline(ctx, member, chapter, kind):
    reply_by = _today(chapter) + timedelta(days=4)
    notice = make_notice(member, kind=kind, reply_by=reply_by.isoformat())
    reply = next(d for d in _deadlines(notice.case_id) if d.kind == DeadlineKind.REPLY_BY)
    assert reply.due_on == reply_by  # the date management gave, as it is
    assert reply.days is None and reply.day_kind is None
    assert "reply-by date" in reply.rule


def test_a_detail_notice_has_no_reply_deadline(ctx, member):
    notice = make_notice(member, kind="detail")
    assert [d.kind for d in _deadlines(notice.case_id)] == ["grievance"]


def test_proposing_again_for_the_same_notice_adds_nothing(ctx, member):
    notice = make_notice(member, kind="roster_nomination")
    case = db.session.get(Case, notice.case_id)
    assert services.propose_deadlines(case, notice) == []
    assert len(_deadlines(case.id)) == 2


def test_changing_the_policy_does_not_move_deadlines_already_set(ctx, chapter, member, rep):
    notified = _today(chapter) - timedelta(days=1)
    first = make_notice(member, notified_on=notified.isoformat())
    [before] = _deadlines(first.case_id)
    due, rule = before.due_on, before.rule

    update_chapter(chapter, grievance_days=45, grievance_day_kind="business")
    db.session.commit()

    [after] = _deadlines(first.case_id)
    assert (after.due_on, after.original_due_on, after.rule) == (due, due, rule)
    assert (after.days, after.day_kind) == (30, "calendar")  # the snapshot it was set with
    assert _history(after.id)[-1].kind == ChangeKind.CREATED  # nothing touched it

    # The case says so, rather than moving it silently…
    note = services.policy_note(after, chapter)
    assert note == (
        "The chapter's policy is now 45 business days; this deadline was counted with 30 "
        "calendar days and keeps its date."
    )
    # …and a notice filed now is counted by the new policy.
    second = make_notice(member, notified_on=notified.isoformat())
    [new] = _deadlines(second.case_id)
    assert new.due_on == add_days(notified, 45, "business")


def test_an_information_request_gets_the_chapters_answer_deadline(ctx, chapter, member, rep):
    update_chapter(chapter, info_request_days=15, info_request_day_kind="business")
    db.session.commit()
    case = db.session.get(Case, make_notice(member).case_id)
    # Sent the day before Thanksgiving 2026: 15 business days skip it.
    deadline = services.propose_info_request_deadline(case, date(2026, 11, 25), actor=rep)
    assert deadline.due_on == date(2026, 12, 17)
    assert deadline.rule == "15 business days after request of 2026-11-25 (chapter policy)"


# -- reps add, change, close and reopen ------------------------------------------------


def test_a_rep_adds_a_deadline_on_a_date(client, ctx, member, rep):
    notice = make_notice(member)
    login(client, rep)
    due = _today(rep.covered_chapters[0]) + timedelta(days=20)
    response = client.post(
        f"/cases/{notice.case_id}/deadlines",
        data={
            "deadline-kind": "bargaining_demand",
            "deadline-title": "Demand to bargain over the detail",
            "deadline-due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{notice.case_id}#deadlines"
    added = _deadlines(notice.case_id)[-1]
    assert (added.kind, added.title, added.due_on) == (
        "bargaining_demand",
        "Demand to bargain over the detail",
        due,
    )
    assert added.rule is None and added.days is None and added.created_by_id == rep.id
    assert _deadline_events(notice.case_id)[-1].actor_id == rep.id
    assert [e.actor_id for e in _audits("deadline.created")][-1] == rep.id


def test_a_rep_counts_business_days_around_a_federal_holiday(client, ctx, member, rep):
    notice = make_notice(member)
    login(client, rep)
    response = client.post(
        f"/cases/{notice.case_id}/deadlines",
        data={
            "deadline-kind": "custom",
            "deadline-days": "3",
            "deadline-day_kind": "business",
            "deadline-counted_from": "2026-11-25",
        },
    )
    assert response.status_code == 302
    added = _deadlines(notice.case_id)[-1]
    assert added.title == "Other"  # no title given: the kind's name
    assert added.due_on == date(2026, 12, 1)  # Fri 27, Mon 30, Tue 1 (Thursday is a holiday)
    assert added.rule == "3 business days after 2026-11-25"


def test_a_policy_kind_with_only_a_start_date_uses_the_chapters_policy(
    client, ctx, member, rep, chapter
):
    notice = make_notice(member)
    login(client, rep)
    client.post(
        f"/cases/{notice.case_id}/deadlines",
        data={"deadline-kind": "info_request", "deadline-counted_from": "2026-07-02"},
    )
    added = _deadlines(notice.case_id)[-1]
    assert (added.days, added.day_kind) == (15, "business")
    assert added.due_on == add_days(date(2026, 7, 2), 15, "business")
    assert added.rule.endswith("(chapter policy)")


LONG_TITLE = {"deadline-title": "x" * 201}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"deadline-kind": "custom"}, "counted_from", "Enter a due date, or the day to count"),
        (
            {"deadline-kind": "custom", "deadline-counted_from": "2026-03-02"},
            "days",
            "how many days",
        ),
        (
            {"deadline-due_on": "2026-03-02", "deadline-days": "3", "deadline-kind": "custom"},
            "due_on",
            "not both",
        ),
        ({"deadline-kind": "custom", "deadline-due_on": "3/2/26"}, "due_on", "like 2026-03-15"),
        ({"deadline-kind": "custom", "deadline-due_on": "2099-03-02"}, "due_on", "check the year"),
        (
            {
                "deadline-kind": "custom",
                "deadline-days": "3000",
                "deadline-counted_from": "2026-03-02",
            },
            "days",
            "more than 5 years",
        ),
        ({"deadline-kind": "nonsense", "deadline-due_on": "2026-03-02"}, "kind", "Not a valid"),
        (
            {"deadline-kind": "custom", "deadline-due_on": "2026-03-02"} | LONG_TITLE,
            "title",
            "at most 200",
        ),
    ],
)
def test_a_deadline_that_makes_no_sense_is_explained_and_what_was_typed_kept(
    client, ctx, member, rep, data, field, message
):
    notice = make_notice(member)
    login(client, rep)
    count = len(_deadlines(notice.case_id))
    response = client.post(f"/cases/{notice.case_id}/deadlines", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(
        rf'<small id="deadline-{field}-error" class="field-error">(.*?)</small>', page
    )
    assert error is not None and message in error.group(1), page
    for name, value in data.items():
        if name != "deadline-kind" and len(value) < 100:
            assert f'value="{value}"' in page
    assert len(_deadlines(notice.case_id)) == count


def test_an_extension_keeps_the_original_date_and_needs_a_reason(client, ctx, member, rep):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    original = deadline.due_on
    later = original + timedelta(days=14)
    login(client, rep)
    form = {"kind": "grievance", "title": "File a grievance", "due_on": later.isoformat()}

    # Moving the date needs a why; an extension needs a reason.
    response = client.post(_url(deadline), data=form)
    assert response.status_code == 200
    assert "extension or a correction" in response.get_data(as_text=True)
    response = client.post(_url(deadline), data={**form, "change": "extension"})
    assert response.status_code == 200
    assert "Say why the deadline is extended" in response.get_data(as_text=True)
    assert _deadlines(notice.case_id)[0].due_on == original

    # A wrong year is caught.
    response = client.post(
        _url(deadline), data={**form, "due_on": "2099-01-01", "change": "extension", "reason": "x"}
    )
    assert "check the year" in response.get_data(as_text=True)

    # An extension to an earlier date is a mistake.
    earlier = {**form, "due_on": (original - timedelta(days=1)).isoformat()}
    response = client.post(_url(deadline), data={**earlier, "change": "extension", "reason": "x"})
    assert "later than" in response.get_data(as_text=True)

    reason = "Agreed with the labor relations officer, email of Mar 2"
    response = client.post(_url(deadline), data={**form, "change": "extension", "reason": reason})
    assert response.status_code == 302
    [extended] = _deadlines(notice.case_id)
    assert (extended.due_on, extended.original_due_on) == (later, original)
    assert extended.is_extended
    change = _history(extended.id)[-1]
    assert (change.kind, change.old_due_on, change.new_due_on, change.reason) == (
        "extended",
        original,
        later,
        reason,
    )
    assert change.actor_id == rep.id
    event = _deadline_events(notice.case_id)[-1]
    assert event.body == reason and event.details["action"] == "extended"
    assert services.describe_deadline_event(event) == (
        f"Deadline extended: File a grievance, {original:%b %-d, %Y} → {later:%b %-d, %Y}"
    )
    [entry] = _audits("deadline.extended")
    assert entry.details["old_due_on"] == original.isoformat() and entry.details["reason"] == reason

    # The edit page tells it: "was …, extended to … — reason".
    page = client.get(_url(extended)).get_data(as_text=True)
    assert f"First set for</dt><dd>{original:%b %-d, %Y}" in page
    assert reason in page


def test_a_correction_moves_the_date_and_the_original_with_it(client, ctx, member, rep):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    fixed = deadline.due_on - timedelta(days=2)
    login(client, rep)
    response = client.post(
        _url(deadline),
        data={
            "kind": "grievance",
            "title": "File a step 1 grievance",
            "due_on": fixed.isoformat(),
            "change": "correction",
        },
    )
    assert response.status_code == 302
    [corrected] = _deadlines(notice.case_id)
    assert corrected.due_on == corrected.original_due_on == fixed
    assert corrected.title == "File a step 1 grievance"
    change = _history(corrected.id)[-1]
    assert change.kind == "edited" and change.new_due_on == fixed
    assert _audits("deadline.edited")[0].details["changed"] == ["title", "due_on"]


def test_saving_without_a_change_records_nothing(client, ctx, member, rep):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    login(client, rep)
    data = {"kind": deadline.kind, "title": deadline.title, "due_on": deadline.due_on.isoformat()}
    assert client.post(_url(deadline), data=data).status_code == 302
    assert len(_history(deadline.id)) == 1 and _audits("deadline.edited") == []


def test_close_and_reopen(client, ctx, member, rep):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    login(client, rep)

    response = client.post(_url(deadline, "close"))
    assert response.headers["Location"] == f"/cases/{notice.case_id}#deadlines"
    [closed] = _deadlines(notice.case_id)
    assert closed.done_at is not None and closed.done_by_id == rep.id
    client.post(_url(deadline, "close"))  # closing twice changes nothing
    assert [c.kind for c in _history(deadline.id)] == ["created", "closed"]

    assert client.post(_url(deadline, "reopen")).status_code == 302
    [reopened] = _deadlines(notice.case_id)
    assert reopened.done_at is None and reopened.done_by_id is None
    assert [c.kind for c in _history(deadline.id)] == ["created", "closed", "reopened"]
    assert [e.details["action"] for e in _deadline_events(notice.case_id)] == [
        "created",
        "closed",
        "reopened",
    ]
    assert len(_audits("deadline.closed")) == len(_audits("deadline.reopened")) == 1


# -- who may ---------------------------------------------------------------------------


def test_a_rep_of_another_chapter_finds_nothing_by_id(client, ctx, member):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    outsider = make_user("rep", covers=[make_chapter()])
    login(client, outsider)
    assert client.get(_url(deadline)).status_code == 404
    for action in ("close", "reopen"):
        assert client.post(_url(deadline, action)).status_code == 404
    data = {"deadline-kind": "custom", "deadline-due_on": "2026-03-02"}
    assert client.post(f"/cases/{notice.case_id}/deadlines", data=data).status_code == 404
    edit = {"kind": "custom", "title": "x", "due_on": "2030-01-01", "change": "correction"}
    assert client.post(_url(deadline), data=edit).status_code == 404
    assert len(_deadlines(notice.case_id)) == 1 and _deadlines(notice.case_id)[0].is_open


def test_a_member_cannot_touch_deadlines_even_of_their_own_case(client, ctx, member):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    login(client, member)
    assert client.get(_url(deadline)).status_code == 403
    assert client.post(_url(deadline, "close")).status_code == 403
    data = {"deadline-kind": "custom", "deadline-due_on": "2026-03-02"}
    assert client.post(f"/cases/{notice.case_id}/deadlines", data=data).status_code == 403
    assert _deadlines(notice.case_id)[0].is_open


def test_a_deadline_is_reached_only_through_its_own_case(client, ctx, member, rep):
    first, second = make_notice(member), make_notice(member)
    [deadline] = _deadlines(first.case_id)
    login(client, rep)
    assert client.get(f"/cases/{second.case_id}/deadlines/{deadline.id}").status_code == 404
    assert client.get(f"/cases/{first.case_id}/deadlines/999999").status_code == 404


def test_an_admin_works_any_chapters_deadlines(client, ctx, member):
    notice = make_notice(member)
    [deadline] = _deadlines(notice.case_id)
    login(client, make_user("admin"))
    assert client.get(_url(deadline)).status_code == 200
    assert client.post(_url(deadline, "close")).status_code == 302


# -- days left, urgency, and the summary the queue joins -------------------------------


@pytest.mark.parametrize(
    ("offset", "level", "text"),
    [
        (-3, "overdue", "Overdue by 3 days"),
        (-1, "overdue", "Overdue by 1 day"),
        (0, "red", "Urgent: due today"),
        (1, "red", "Urgent: 1 day left"),
        (3, "red", "Urgent: 3 days left"),
        (4, "amber", "Due soon: 4 days left"),
        (7, "amber", "Due soon: 7 days left"),
        (8, None, "8 days left"),
    ],
)
def test_urgency_turns_amber_at_seven_days_and_red_at_three(offset, level, text):
    today = date(2026, 3, 2)
    due = today + timedelta(days=offset)
    assert services.urgency(due, today) == level
    assert services.days_left(due, today) == offset
    assert services.days_left_text(due, today) == text


def test_urgency_of_no_date_is_none():
    assert services.urgency(None, date(2026, 3, 2)) is None


def _stored_next_due(case_id):
    """The case's next due date as the queue reads it (stored on the case)."""
    db.session.expire_all()
    return db.session.get(Case, case_id).next_due_on


def _earliest_open(case_id):
    open_dates = [d.due_on for d in _deadlines(case_id) if d.done_at is None]
    return min(open_dates, default=None)


def _every_case_agrees():
    """No case's stored next due date differs from its open deadlines'."""
    db.session.expire_all()
    for case in db.session.scalars(db.select(Case)):
        assert case.next_due_on == _earliest_open(case.id), case.reference


def test_each_case_stores_its_next_due_date_through_every_change(ctx, member, rep):
    busy, quiet, done = make_notice(member), make_notice(member), make_notice(member)
    [grievance] = _deadlines(busy.case_id)
    assert _stored_next_due(busy.case_id) == grievance.due_on  # proposed on filing

    busy_case = db.session.get(Case, busy.case_id)
    soon = grievance.due_on - timedelta(days=5)
    earlier = services.add_deadline(busy_case, kind="custom", due_on=soon, actor=rep)
    db.session.commit()
    assert _stored_next_due(busy.case_id) == soon  # an earlier one comes first

    earlier = db.session.get(Deadline, earlier.id)
    services.edit_deadline(
        earlier, kind="custom", title="Moved", due_on=soon + timedelta(days=2),
        extension=True, reason="Agreed with management", actor=rep,
    )  # fmt: skip
    db.session.commit()
    assert _stored_next_due(busy.case_id) == soon + timedelta(days=2)  # extended

    services.close_deadline(db.session.get(Deadline, earlier.id), actor=rep)
    db.session.commit()
    assert _stored_next_due(busy.case_id) == grievance.due_on  # closed: the next one

    services.reopen_deadline(db.session.get(Deadline, earlier.id), actor=rep)
    db.session.commit()
    assert _stored_next_due(busy.case_id) == soon + timedelta(days=2)  # reopened

    for deadline in _deadlines(done.case_id):
        services.close_deadline(deadline, actor=rep)
    db.session.commit()
    assert _stored_next_due(done.case_id) is None  # nothing open: nothing due
    assert _stored_next_due(quiet.case_id) == _earliest_open(quiet.case_id)
    _every_case_agrees()


def test_the_stored_date_follows_notices_moved_between_cases(ctx, member, rep):
    from union.cases import services as case_services
    from union.notices.models import Notice

    first, second = make_notice(member), make_notice(member)
    source_id = second.case_id
    target = db.session.get(Case, first.case_id)
    case_services.link_notices(target, [db.session.get(Notice, second.id)], actor=rep)
    db.session.commit()
    assert _stored_next_due(source_id) is None  # its case closed, with its deadlines
    _every_case_agrees()

    notice = db.session.get(Notice, second.id)
    new_case = case_services.split_notice(
        db.session.get(Case, first.case_id), notice, year=_today(member.chapter).year, actor=rep
    )
    db.session.commit()
    assert _stored_next_due(new_case.id) is not None  # proposed again for the new case
    _every_case_agrees()


def test_case_deadlines_lists_open_ones_first_by_due_date(ctx, member, rep):
    notice = make_notice(member)
    case = db.session.get(Case, notice.case_id)
    [grievance] = _deadlines(case.id)
    services.add_deadline(
        case, kind="custom", title="early", due_on=grievance.due_on - timedelta(10)
    )
    finished = services.add_deadline(
        case, kind="custom", title="finished", due_on=grievance.due_on - timedelta(20)
    )
    services.close_deadline(finished, actor=rep)
    db.session.commit()
    listed = services.case_deadlines(case)
    assert [d.title for d in listed] == ["early", "File a grievance", "finished"]


# -- the panel on the case page --------------------------------------------------------


def _panel(app, case_id, user):
    """The case page's deadlines section, as the case page renders it."""
    from flask_login import login_user

    with app.test_request_context(f"/cases/{case_id}"):
        case = db.session.get(Case, case_id)
        login_user(db.session.get(type(user), user.id))
        return render_template(
            "deadlines/_case_panel.html", case=case, **deadline_panel_context(case)
        )


def test_the_panel_shows_days_left_extensions_and_policy_changes(app, ctx, chapter, member, rep):
    today = _today(chapter)
    notice = make_notice(member, notified_on=(today - timedelta(days=28)).isoformat())
    case = db.session.get(Case, notice.case_id)
    [grievance] = _deadlines(case.id)
    services.add_deadline(case, kind="custom", title="Overdue thing", due_on=today - timedelta(2))
    extend_me = services.add_deadline(
        case, kind="ulp_charge", title="ULP charge", due_on=today + timedelta(days=20)
    )
    services.edit_deadline(
        extend_me,
        kind="ulp_charge",
        title="ULP charge",
        due_on=today + timedelta(days=34),
        extension=True,
        reason="Agreed at the <b>meeting</b>",
        actor=rep,
    )
    update_chapter(chapter, grievance_days=60)
    db.session.commit()

    with app.app_context():
        html = _panel(app, case.id, rep)
    assert 'id="deadlines"' in html
    assert "Overdue by 2 days" in html and "deadline-overdue" in html
    expected = services.days_left_text(grievance.due_on, today)
    assert expected in html
    was = f"was {today + timedelta(days=20):%b %-d, %Y}, extended to"
    assert was in html and "Agreed at the &lt;b&gt;meeting&lt;/b&gt;" in html
    assert "The chapter&#39;s policy is now 60 calendar days" in html
    assert "Add a deadline" in html and 'name="deadline-due_on"' in html


def test_the_case_page_carries_the_deadlines_panel(client, ctx, member, rep):
    notice = make_notice(member)
    [grievance] = _deadlines(notice.case_id)
    login(client, rep)
    page = client.get(f"/cases/{notice.case_id}").get_data(as_text=True)
    assert 'id="deadlines"' in page and "File a grievance" in page
    assert _url(grievance) in page and f'action="{_url(grievance, "close")}"' in page
    assert f'action="/cases/{notice.case_id}/deadlines"' in page
