"""Who sees which case: reps the cases of the chapters they cover, admins every case,
members none of these pages; another chapter's rep finds nothing, not even by id."""

import re

import pytest

from tests.factories import (
    case_form,
    fresh,
    login,
    logout,
    make_case,
    make_chapter,
    make_notice,
    make_user,
)
from union.cases.queue import CaseFilter, save_view
from union.extensions import db
from union.notices.models import Notice


@pytest.fixture
def world(ctx):
    mine, theirs = make_chapter("247"), make_chapter("3012")
    rep = make_user("rep", covers=[mine], name="Marcus Bell")
    other_rep = make_user("rep", covers=[theirs], name="Rosa Delgado")
    member = make_user(chapter=mine, name="Tanya Brooks")
    case = make_case(member)
    their_case = make_case(make_user(chapter=theirs, name="Grace Okafor"))
    return {"rep": rep, "other_rep": other_rep, "member": member, "case": case, "chapter": mine,
            "their_case": their_case, "admin": make_user("admin")}  # fmt: skip


def _case_urls(case):
    notice_id = db.session.scalars(db.select(Notice.id).where(Notice.case_id == case.id)).one()
    gets = [f"/cases/{case.id}"]
    posts = [f"/cases/{case.id}/{path}" for path in
             ("status", "assign", "priority", "comments", "actions", "link")]  # fmt: skip
    posts.append(f"/cases/{case.id}/notices/{notice_id}/split")
    return gets, posts


def test_a_rep_of_another_chapter_cannot_open_the_case_by_id(client, world):
    login(client, world["other_rep"])
    case = world["case"]
    gets, posts = _case_urls(case)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        form = "comment" if url.endswith("comments") else url.rsplit("/", 1)[-1]
        response = client.post(url, data=case_form(fresh(case), form, priority="urgent"))
        assert response.status_code == 404, url
    assert fresh(case).priority == "normal"


def _listed(client, query):
    page = client.get(f"/cases/?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/cases/\d+">(C-\d{4}-\d{5})</a>', page)


def test_the_queue_lists_only_the_rep_s_chapters(client, world):
    login(client, world["other_rep"])
    assert _listed(client, "status=all") == [world["their_case"].reference]
    assert _listed(client, f"status=all&q={world['case'].reference}") == []
    # Asking for a chapter the rep does not cover is an invalid choice, not a window.
    assert _listed(client, f"chapter={world['chapter'].id}") == [world["their_case"].reference]
    page = client.get(f"/cases/?chapter={world['chapter'].id}").get_data(as_text=True)
    assert "Not a valid choice" in page


def test_an_admin_sees_every_chapter_s_cases(client, world):
    login(client, world["admin"])
    page = client.get("/cases/").get_data(as_text=True)
    assert world["case"].reference in page and world["their_case"].reference in page
    assert client.get(f"/cases/{world['case'].id}").status_code == 200


def test_members_have_no_business_on_the_rep_pages(client, world):
    login(client, world["member"])
    assert client.get("/cases/").status_code == 403
    assert client.get(f"/cases/{world['case'].id}").status_code == 403
    assert client.post("/cases/bulk", data={"bulk-case_ids": [world["case"].id]}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(f"/cases/{world['case'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_confidential_member_is_named_only_to_the_chapter_s_own_reps(client, world):
    member = make_user(chapter=world["chapter"], name="Quiet Member")
    notice = make_notice(member, confidential=True)
    login(client, world["rep"])
    page = client.get(f"/cases/{notice.case_id}").get_data(as_text=True)
    assert "Quiet Member" in page and "Confidential: never name them outside this app" in page
    logout(client)
    login(client, world["admin"])
    page = client.get(f"/cases/{notice.case_id}").get_data(as_text=True)
    assert "Quiet Member" not in page and member.email not in page
    assert "a member who asked to stay confidential" in page
    assert "the member" in page  # the timeline names no one either


def test_a_saved_view_is_its_rep_s_alone(client, world):
    view, _ = save_view(world["rep"], "Mine", CaseFilter(assigned="mine"))
    db.session.commit()
    login(client, world["other_rep"])
    assert "Mine" not in client.get("/cases/").get_data(as_text=True)
    assert client.post(f"/cases/views/{view.id}/delete").status_code == 404
    logout(client)
    login(client, world["rep"])
    assert client.post(f"/cases/views/{view.id}/delete").status_code == 302
