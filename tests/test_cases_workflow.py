"""The workflow of a case (new → triaged → in progress → waiting → resolved → closed, or
withdrawn), assignment and priority: every change on the timeline and in the audit log."""

import pytest

from tests.factories import case_form, fresh, login, make_case, make_chapter, make_user
from union.cases import services
from union.cases.models import CaseEvent, CaseEventKind, CaseStatus
from union.cases.services import TRANSITIONS, CaseProblems
from union.core.audit import AuditEntry
from union.extensions import db


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


@pytest.fixture
def case(chapter):
    return make_case(make_user(chapter=chapter, name="Tanya Brooks"))


def _events(case, kind=None):
    db.session.expire_all()
    query = db.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    if kind:
        query = query.where(CaseEvent.kind == kind)
    return list(db.session.scalars(query))


def _audits(action):
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)))


# -- the one table of the workflow -----------------------------------------------------


def test_the_workflow_goes_forward_and_a_resolved_case_can_reopen():
    assert CaseStatus.TRIAGED in TRANSITIONS[CaseStatus.NEW]
    assert CaseStatus.IN_PROGRESS in TRANSITIONS[CaseStatus.TRIAGED]
    assert CaseStatus.WAITING in TRANSITIONS[CaseStatus.IN_PROGRESS]
    assert CaseStatus.RESOLVED in TRANSITIONS[CaseStatus.WAITING]
    assert CaseStatus.CLOSED in TRANSITIONS[CaseStatus.RESOLVED]
    assert CaseStatus.IN_PROGRESS in TRANSITIONS[CaseStatus.RESOLVED]  # reopened
    assert all(CaseStatus.WITHDRAWN in TRANSITIONS[s] for s in CaseStatus if s.is_open)
    assert TRANSITIONS[CaseStatus.CLOSED] == TRANSITIONS[CaseStatus.WITHDRAWN] == frozenset()
    assert set(TRANSITIONS) == set(CaseStatus)


@pytest.mark.parametrize(
    ("path", "refused", "reason"),
    [
        ([], "resolved", "A case that is new can move to triaged, in progress or withdrawn, "
         "not straight to resolved."),
        ([], "new", "The case is already new."),
        (["triaged", "in_progress", "resolved", "closed"], "in_progress",
         "A closed case is final: its status no longer changes."),
        (["withdrawn"], "triaged", "A withdrawn case is final"),
        (["triaged"], "closed", "not straight to closed"),
    ],
)  # fmt: skip
def test_a_move_the_workflow_does_not_allow_is_refused_with_the_reason(
    ctx, rep, case, path, refused, reason
):
    for status in path:
        services.change_status(case, status, actor=rep)
    db.session.commit()
    before = fresh(case).status
    with pytest.raises(CaseProblems) as error:
        services.change_status(fresh(case), refused, actor=rep)
    assert reason in error.value.problems["status"]
    db.session.rollback()
    assert fresh(case).status == before


def test_a_rep_walks_a_case_through_the_workflow_on_the_case_page(client, ctx, rep, case):
    login(client, rep)
    for status in ["triaged", "in_progress", "waiting", "in_progress", "resolved",
                   "in_progress", "resolved", "closed"]:  # fmt: skip
        response = client.post(
            f"/cases/{case.id}/status", data=case_form(fresh(case), "status", status=status)
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == f"/cases/{case.id}#actions"
        assert fresh(case).status == status

    changes = _events(case, CaseEventKind.STATUS_CHANGED)
    assert [(e.details["before"], e.details["after"]) for e in changes][:2] == [
        ("new", "triaged"), ("triaged", "in_progress")
    ]  # fmt: skip
    assert all(e.actor_id == rep.id and e.visible_to_member for e in changes)
    assert len(_audits("case.status")) == 8
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Status: Resolved → Closed" in page and "Marcus Bell" in page
    assert "its status no longer changes" in page


def test_an_invalid_move_posted_anyway_shows_the_reason_and_changes_nothing(client, ctx, rep, case):
    login(client, rep)
    response = client.post(
        f"/cases/{case.id}/status", data=case_form(fresh(case), "status", status="closed")
    )
    assert response.status_code == 200
    assert "A case that is new can move to triaged, in progress or withdrawn" in (
        response.get_data(as_text=True)
    )
    assert fresh(case).status == "new" and _audits("case.status") == []


def test_every_change_moves_the_case_s_last_activity(ctx, rep, case):
    before = fresh(case).updated_at
    services.set_priority(fresh(case), "high", actor=rep)
    db.session.commit()
    assert fresh(case).updated_at > before


# -- assignment ------------------------------------------------------------------------


def test_a_rep_assigns_a_case_to_another_rep_of_the_chapter(client, ctx, chapter, rep, case):
    colleague = make_user("rep", covers=[chapter], name="Rosa Delgado")
    login(client, rep)
    response = client.post(
        f"/cases/{case.id}/assign", data=case_form(fresh(case), "assign", rep=colleague.id)
    )
    assert response.status_code == 302
    assert fresh(case).assigned_rep_id == colleague.id
    [event] = _events(case, CaseEventKind.ASSIGNED)
    assert event.details["to_name"] == "Rosa Delgado" and not event.visible_to_member
    [entry] = _audits("case.assign")
    assert entry.details == {"before": None, "after": colleague.id} and entry.actor_id == rep.id
    assert "Assigned to Rosa Delgado" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_rep_takes_a_case(client, ctx, rep, case):
    login(client, rep)
    response = client.post(f"/cases/{case.id}/assign", data=case_form(case, "assign", take="1"))
    assert response.status_code == 302
    assert fresh(case).assigned_rep_id == rep.id


def test_only_the_chapter_s_reps_and_admins_can_be_assigned(client, ctx, chapter, rep, case):
    stranger = make_user("rep", covers=[make_chapter()], name="Other Chapter Rep")
    member = make_user(chapter=chapter, name="A Member")
    inactive = make_user("rep", covers=[chapter], name="Gone Rep")
    inactive.active = False
    admin = make_user("admin", name="National Staff")
    db.session.commit()
    login(client, rep)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "National Staff" in page and "Marcus Bell" in page
    assert "Other Chapter Rep" not in page and "Gone Rep" not in page

    for person in (stranger, member, inactive):
        response = client.post(
            f"/cases/{case.id}/assign", data=case_form(fresh(case), "assign", rep=person.id)
        )
        assert response.status_code == 200
        assert "does not work this chapter" in response.get_data(as_text=True)
        assert fresh(case).assigned_rep_id is None
    client.post(f"/cases/{case.id}/assign", data=case_form(fresh(case), "assign", rep=admin.id))
    assert fresh(case).assigned_rep_id == admin.id


def test_unassigning_is_recorded_too(ctx, rep, case):
    services.assign_case(fresh(case), rep, actor=rep)
    db.session.commit()
    services.assign_case(fresh(case), None, actor=rep)
    db.session.commit()
    assert fresh(case).assigned_rep_id is None
    last = _events(case, CaseEventKind.ASSIGNED)[-1]
    assert last.details["from_name"] == "Marcus Bell" and last.details["to_name"] is None


def test_priority_is_one_of_four_and_recorded(client, ctx, rep, case):
    login(client, rep)
    client.post(f"/cases/{case.id}/priority", data=case_form(case, "priority", priority="urgent"))
    assert fresh(case).priority == "urgent"
    [event] = _events(case, CaseEventKind.PRIORITY_CHANGED)
    assert event.details == {"before": "normal", "after": "urgent"}
    assert _audits("case.priority")[0].details == {"before": "normal", "after": "urgent"}
    response = client.post(
        f"/cases/{case.id}/priority", data=case_form(fresh(case), "priority", priority="extreme")
    )
    assert response.status_code == 200 and fresh(case).priority == "urgent"


# -- actions ---------------------------------------------------------------------------


def test_a_rep_records_a_grievance_at_step_two_with_its_date(client, ctx, rep, case):
    login(client, rep)
    response = client.post(
        f"/cases/{case.id}/actions",
        data=case_form(case, "action", kind="grievance", step="2", taken_on="2026-03-02",
                       note="Filed with the Field Office Director."),
    )  # fmt: skip
    assert response.status_code == 302
    [event] = _events(case, CaseEventKind.ACTION_RECORDED)
    assert event.details["action"] == "grievance" and event.details["step"] == 2
    assert event.details["taken_on"] == "2026-03-02" and not event.visible_to_member
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Grievance filed at step 2" in page and "Mar 2, 2026" in page
    assert "Filed with the Field Office Director." in page
    assert _audits("case.action")[0].details["kind"] == "grievance"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"taken_on": "2026-03-02"}, "Choose what was done."),
        ({"kind": "grievance", "taken_on": "2026-03-02"}, "Enter the step"),
        (
            {"kind": "meeting", "step": "2", "taken_on": "2026-03-02"},
            "A step goes with a grievance",
        ),
        ({"kind": "meeting"}, "Enter the date it was done."),
        ({"kind": "meeting", "taken_on": "2099-01-01"}, "cannot be in the future"),
        ({"kind": "meeting", "taken_on": "1999-01-01"}, "check the year"),
        ({"kind": "meeting", "taken_on": "03/02/2026"}, "Enter a date like 2026-03-15"),
    ],
)
def test_an_action_without_what_or_when_is_refused_beside_the_field(
    client, ctx, rep, case, fields, message
):
    login(client, rep)
    response = client.post(f"/cases/{case.id}/actions", data=case_form(case, "action", **fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _events(case, CaseEventKind.ACTION_RECORDED) == []


def test_an_information_request_sets_management_s_answer_deadline(ctx, rep, case):
    from union.deadlines.models import Deadline, DeadlineKind

    services.record_action(
        fresh(case), kind="information_request", taken_on=fresh(case).created_at.date(),
        step=None, note=None, today=fresh(case).created_at.date(), actor=rep,
    )  # fmt: skip
    db.session.commit()
    kinds = set(db.session.scalars(db.select(Deadline.kind).where(Deadline.case_id == case.id)))
    assert DeadlineKind.INFO_REQUEST.value in kinds


@pytest.mark.parametrize("rep_id", ["²", str(2**40), "0"])
def test_assigning_to_an_id_nobody_can_have_is_refused(client, ctx, rep, case, rep_id):
    login(client, rep)
    response = client.post(f"/cases/{case.id}/assign", data=case_form(case, "assign", rep=rep_id))
    assert response.status_code == 200
    assert "Choose someone from the list." in response.get_data(as_text=True)
