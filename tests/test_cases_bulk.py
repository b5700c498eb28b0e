"""Bulk changes from the queue: assign, change status or add a note to many cases at
once; each case checked and audited on its own; the ones refused are reported."""

import pytest

from tests.factories import login, make_case, make_chapter, make_user
from union.cases import services
from union.cases.models import Case, CaseEvent, CaseEventKind
from union.core.audit import AuditEntry
from union.extensions import db


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


@pytest.fixture
def cases(chapter):
    return [make_case(make_user(chapter=chapter)) for _ in range(3)]


def _bulk(client, cases, back="status=open&sort=oldest", **fields):
    data = {"case_ids": [str(c.id) for c in cases], "back": back, **fields}
    return client.post("/cases/bulk", data={f"bulk-{name}": v for name, v in data.items()})


def _reload(cases):
    db.session.expire_all()
    return [db.session.get(Case, c.id) for c in cases]


def _audits(action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_a_rep_assigns_many_cases_at_once(client, ctx, chapter, rep, cases):
    colleague = make_user("rep", covers=[chapter], name="Rosa Delgado")
    login(client, rep)
    response = _bulk(client, cases, action="assign", rep=str(colleague.id))
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/?sort=oldest"
    assert {c.assigned_rep_id for c in _reload(cases)} == {colleague.id}
    assert len(_audits("case.assign")) == 3
    page = client.get("/cases/").get_data(as_text=True)
    assert "Done for 3 cases" in page


def test_a_bulk_status_change_does_the_valid_ones_and_reports_the_others(client, ctx, rep, cases):
    services.change_status(cases[0], "triaged", actor=rep)
    services.change_status(cases[0], "in_progress", actor=rep)
    db.session.commit()
    login(client, rep)
    _bulk(client, cases, action="status", status="triaged")
    statuses = [c.status for c in _reload(cases)]
    assert statuses == ["in_progress", "triaged", "triaged"]
    page = client.get("/cases/").get_data(as_text=True)
    assert "Done for 2 cases" in page
    assert f"Not done for 1: {cases[0].reference}: A case that is in progress" in page
    assert len(_audits("case.status")) == 2 + 2


def test_a_note_on_many_cases_lands_on_each_timeline(client, ctx, rep, cases):
    login(client, rep)
    _bulk(client, cases, action="note", note="Roster request sent for all of ERO Atlanta.")
    notes = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.kind == CaseEventKind.NOTE)
    ).all()
    assert sorted(n.case_id for n in notes) == sorted(c.id for c in cases)
    assert not any(n.visible_to_member for n in notes)
    assert len(_audits("case.note")) == 3


def test_cases_the_rep_may_not_work_are_refused_as_unknown(client, ctx, rep, cases):
    elsewhere = make_case(make_user(chapter=make_chapter()))
    login(client, rep)
    _bulk(client, [*cases, elsewhere], action="assign", rep=str(rep.id))
    assert [c.assigned_rep_id for c in _reload(cases)] == [rep.id] * 3
    assert _reload([elsewhere])[0].assigned_rep_id is None
    page = client.get("/cases/").get_data(as_text=True)
    assert f"Case #{elsewhere.id}: No such case among yours." in page
    assert elsewhere.reference not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose what to do with the ticked cases."),
        ({"action": "status"}, "Choose the new status."),
        ({"action": "note"}, "Write the note."),
    ],
)
def test_a_bulk_change_missing_what_to_do_changes_nothing(client, ctx, rep, cases, fields, message):
    login(client, rep)
    _bulk(client, cases, **fields)
    assert message in client.get("/cases/").get_data(as_text=True)
    changed = ("case.assign", "case.status", "case.note")
    assert (
        db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.in_(changed))).all() == []
    )


def test_nothing_ticked_says_so(client, ctx, rep, cases):
    login(client, rep)
    client.post("/cases/bulk", data={"bulk-action": "note", "bulk-note": "x"})
    assert "Tick the cases to change first." in client.get("/cases/").get_data(as_text=True)


def test_ids_no_database_row_can_have_are_refused_not_a_500(client, ctx, rep, cases):
    login(client, rep)
    response = _bulk(client, [*cases[:1]], action="assign", rep=str(2**40))
    assert response.status_code == 302
    assert "Choose who to assign them to" in client.get("/cases/").get_data(as_text=True)
    response = client.post(
        "/cases/bulk",
        data={"bulk-case_ids": [str(cases[0].id), str(2**40)], "bulk-action": "note",
              "bulk-note": "Checked."},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get("/cases/").get_data(as_text=True)
    assert f"Case #{2**40}: No such case among yours." in page and "Done for 1 case" in page
