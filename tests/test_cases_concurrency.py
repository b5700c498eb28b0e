"""Two reps on one case: the second save, made from a page drawn before the first, is
refused with a clear message and the case as it is now; nothing is overwritten."""

import pytest
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import case_form, fresh, login, make_case, make_chapter, make_user
from union.cases import services
from union.cases.models import Case
from union.extensions import db
from union.notices.models import Notice


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def reps(chapter):
    return (
        make_user("rep", covers=[chapter], name="Marcus Bell"),
        make_user("rep", covers=[chapter], name="Rosa Delgado"),
    )


@pytest.fixture
def case(chapter):
    return make_case(make_user(chapter=chapter))


def test_a_stale_edit_is_refused_and_the_current_state_shown(app, ctx, reps, case):
    marcus, rosa = reps
    first, second = app.test_client(), app.test_client()
    login(first, marcus)
    login(second, rosa)
    seen = fresh(case).version  # both opened the page at this version
    first.get(f"/cases/{case.id}")
    second.get(f"/cases/{case.id}")

    response = first.post(f"/cases/{case.id}/priority",
                          data=case_form(seen, "priority", priority="urgent"))  # fmt: skip
    assert response.status_code == 302
    response = second.post(f"/cases/{case.id}/priority",
                           data=case_form(seen, "priority", priority="low"))  # fmt: skip
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Not saved: this case changed after you opened it" in page
    assert "Priority: Normal → Urgent" in page and "Marcus Bell" in page
    assert "Urgent priority" in page
    assert fresh(case).priority == "urgent"
    # The page shown is the current version: saving from it now goes through.
    current = f'name="priority-version" type="hidden" value="{fresh(case).version}"'
    assert current in page


def test_a_refused_reply_keeps_what_the_rep_typed(app, client, ctx, reps, case, sent_mail):
    marcus, rosa = reps
    seen = fresh(case).version
    services.assign_case(fresh(case), marcus, actor=marcus)
    db.session.commit()
    login(client, rosa)
    response = client.post(
        f"/cases/{case.id}/comments",
        data=case_form(seen, "comment", visibility="reply", body="A long reply I wrote."),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "A long reply I wrote.</textarea>" in page and "Assigned to Marcus Bell" in page
    assert sent_mail == []


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ("status", {"status": "triaged"}),
        ("assign", {"take": "1"}),
        ("comment", {"visibility": "note", "body": "x"}),
        ("action", {"kind": "meeting", "taken_on": "2026-01-05"}),
        ("link", {"references": "C-2026-00001"}),
    ],
)
def test_every_case_form_checks_the_version(client, ctx, reps, case, form, fields):
    seen = fresh(case).version
    services.set_priority(fresh(case), "high", actor=reps[0])
    db.session.commit()
    before = fresh(case).version
    login(client, reps[1])
    url = {"status": "status", "assign": "assign", "comment": "comments",
           "action": "actions", "link": "link"}[form]  # fmt: skip
    response = client.post(f"/cases/{case.id}/{url}", data=case_form(seen, form, **fields))
    assert response.status_code == 409
    assert fresh(case).version == before


def test_a_split_from_a_stale_page_is_refused(client, ctx, chapter, reps, case):
    other = make_case(make_user(chapter=chapter))
    moved = db.session.scalars(db.select(Notice).where(Notice.case_id == other.id)).one()
    services.link_notices(fresh(case), [moved], actor=reps[0])
    db.session.commit()
    seen = fresh(case).version
    services.set_priority(fresh(case), "high", actor=reps[0])
    db.session.commit()
    login(client, reps[1])
    response = client.post(
        f"/cases/{case.id}/notices/{moved.id}/split",
        data={f"split{moved.id}-version": seen},
    )
    assert response.status_code == 409
    assert db.session.get(Notice, moved.id).case_id == case.id


def test_the_database_refuses_a_write_from_an_older_read(app, ctx, reps, case):
    """Even past the form check: two transactions that read the same version cannot both
    write (SQLAlchemy's version counter makes the UPDATE conditional)."""
    mine = fresh(case)
    db.session.expunge(mine)  # read, then the page is shown: the transaction ends
    db.session.rollback()
    with app.app_context():  # another request, another session, same row
        theirs = db.session.get(Case, case.id)
        services.set_priority(theirs, "urgent", actor=reps[1])
        db.session.commit()
    mine = db.session.merge(mine, load=False)
    mine.priority = "low"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert fresh(case).priority == "urgent"
