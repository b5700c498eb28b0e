"""A rep's open cases are never orphaned: an admin cannot deactivate them, make them a
member, or take away a chapter whose open cases they hold, until the cases are
reassigned. And the case page costs the same queries however much is on it."""

import pytest

from tests.factories import login, logout, make_case, make_chapter, make_notice, make_user
from union.admin.services import AccessError, update_user_access
from union.cases import services
from union.extensions import db


@pytest.fixture
def chapters(ctx):
    return make_chapter("247"), make_chapter("88")


@pytest.fixture
def rep(chapters):
    return make_user("rep", covers=list(chapters), name="Kevin Tran")


@pytest.fixture
def admin(ctx):
    return make_user("admin", name="Dana Whitfield")


def _form(rep, **values):
    form = {"role": rep.role, "chapter_id": "", "active": "y",
            "covered": [str(c.id) for c in rep.covered_chapters]}  # fmt: skip
    form.update(values)
    if not form["active"]:
        del form["active"]
    return form


def test_a_rep_with_open_cases_cannot_be_deactivated_until_they_are_reassigned(
    client, ctx, chapters, rep, admin
):
    held = [make_case(make_user(chapter=chapters[0])) for _ in range(2)]
    for case in held:
        services.assign_case(case, rep, actor=admin)
    db.session.commit()
    login(client, admin)
    response = client.post(f"/admin/users/{rep.id}", data=_form(rep, active=""))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Kevin Tran has 2 open cases assigned (Chapter 247: 2). Reassign them first" in page
    db.session.expire_all()
    assert db.session.get(type(rep), rep.id).active

    colleague = make_user("rep", covers=[chapters[0]])
    services.bulk_update([c.id for c in held], action="assign", actor=admin, rep=colleague)
    db.session.commit()
    response = client.post(f"/admin/users/{rep.id}", data=_form(rep, active=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(type(rep), rep.id).active


def test_closed_cases_do_not_hold_a_rep(ctx, chapters, rep, admin):
    case = make_case(make_user(chapter=chapters[0]))
    services.assign_case(case, rep, actor=admin)
    services.change_status(case, "withdrawn", actor=admin)
    db.session.commit()
    update_user_access(rep, actor=admin, role="rep", chapter=None, covered=list(chapters),
                       active=False)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "member", "chapter": "first", "covered": []}, "role"),
        ({"role": "rep", "chapter": None, "covered": "second only"}, "covered"),
    ],
)
def test_a_rep_holding_cases_is_not_demoted_nor_loses_that_chapter(
    ctx, chapters, rep, admin, change, field
):
    case = make_case(make_user(chapter=chapters[0]))
    services.assign_case(case, rep, actor=admin)
    db.session.commit()
    covered = [chapters[1]] if change["covered"] == "second only" else []
    with pytest.raises(AccessError) as refused:
        update_user_access(
            rep, actor=admin, role=change["role"],
            chapter=chapters[0] if change["chapter"] else None, covered=covered, active=True,
        )  # fmt: skip
    assert "1 open case assigned (Chapter 247: 1)" in refused.value.errors[field]
    db.session.rollback()
    # Becoming an admin keeps every case workable: allowed.
    update_user_access(rep, actor=admin, role="admin", chapter=None, covered=[], active=True)


def test_the_case_page_costs_the_same_queries_however_much_is_on_it(
    client, ctx, chapters, rep, count_queries
):
    case = make_case(make_user(chapter=chapters[0]))
    login(client, rep)
    with count_queries() as little:
        assert client.get(f"/cases/{case.id}").status_code == 200
    for n in range(4):
        notice = make_notice(make_user(chapter=chapters[0]), receiving_unit=f"Unit {n}")
        services.link_notices(services.load_case(case.id), [notice], actor=rep)
        services.add_comment(services.load_case(case.id), f"Note {n}", reply=False, actor=rep)
        services.record_action(
            services.load_case(case.id), kind="meeting", taken_on=case.created_at.date(),
            step=None, note=None, today=case.created_at.date(), actor=rep,
        )  # fmt: skip
        db.session.commit()
    with count_queries() as much:
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Collective case: 5 notices from 5 members" in page
    assert much.count == little.count, much.statements
    logout(client)
