"""Reps record roster requests (from scratch or from a member's notice), keep what
management sent, link members' notices and open one collective case for them; nobody
outside the chapter's reps sees any of it."""

import io
from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import (
    EML_BYTES,
    PDF_BYTES,
    case_of,
    login,
    make_chapter,
    make_notice,
    make_roster_request,
    make_user,
)
from union.cases.models import Case, CaseStatus
from union.chapters.models import Agency
from union.core.audit import AuditEntry
from union.deadlines.models import Deadline, DeadlineKind
from union.extensions import db
from union.notices.models import Notice
from union.rosters import services
from union.rosters.models import RosterDocument, RosterRequest


def _chapter_with_rep():
    chapter = make_chapter(name="IRS-CI Atlanta")
    rep = make_user("rep", covers=[chapter], name="Marcus Bell")
    return chapter, rep


def _form(chapter, **overrides):
    today = services.chapter_today(chapter)
    ice = db.session.scalar(select(Agency).where(Agency.code == "ICE-ERO"))
    data = {
        "chapter": str(chapter.id),
        "title": "Names put forward: ERO Atlanta",
        "requested_by_name": "Dana Pruitt",
        "requested_by_title": "Special Agent in Charge",
        "agency_id": str(chapter.agency_id),
        "office": "Atlanta Field Office",
        "receiving_agency_id": str(ice.id),
        "receiving_unit": "ERO Atlanta",
        "duties": ["arrests", "transport"],
        "people_requested": "40",
        "duration": "90 days",
        "communicated_on": (today - timedelta(days=2)).isoformat(),
        "how_communicated": "email",
        "reply_by": (today + timedelta(days=5)).isoformat(),
        "notes": "Memo went to all GS-1811s in the office.",
    }
    data.update(overrides)
    return data


def test_rep_records_a_names_put_forward_request_for_40_people(ctx, client):
    chapter, rep = _chapter_with_rep()
    login(client, rep)
    data = _form(chapter)
    data["documents"] = [(io.BytesIO(PDF_BYTES), "memo.pdf"), (io.BytesIO(EML_BYTES), "ask.eml")]
    response = client.post("/roster-requests/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    roster = db.session.scalars(select(RosterRequest)).one()
    assert response.headers["Location"].endswith(f"/roster-requests/{roster.id}")
    assert roster.people_requested == 40 and roster.status == "recorded"
    roster = services.load_request(roster.id)
    assert [d.value for d in roster.duty_choices] == ["arrests", "transport"]
    assert sorted(d.filename for d in roster.documents) == ["ask.eml", "memo.pdf"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "roster.create")
        )
        == 1
    )

    page = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    for text in (
        "Names put forward: ERO Atlanta",
        "Dana Pruitt",
        "ERO Atlanta",
        "90 days",
        "Arrests, Transport or removal flights",
        "memo.pdf",
        "Not sent to any member",
    ):
        assert text in page
    document = services.load_request(roster.id).documents[0]
    download = client.get(f"/roster-requests/{roster.id}/documents/{document.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_request_without_name_or_reply_by_comes_back_with_what_is_missing(ctx, client):
    chapter, rep = _chapter_with_rep()
    login(client, rep)
    response = client.post("/roster-requests/new", data=_form(chapter, title="", reply_by=""))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give the request a short name" in page
    assert "Enter the date management wants answers by" in page
    assert "Dana Pruitt" in page  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(RosterRequest)) == 0


def test_a_reply_by_before_management_asked_is_refused(ctx, client):
    chapter, rep = _chapter_with_rep()
    login(client, rep)
    today = services.chapter_today(chapter)
    response = client.post(
        "/roster-requests/new",
        data=_form(chapter, reply_by=(today - timedelta(days=5)).isoformat()),
    )
    assert "The reply-by date is before the date management asked." in response.get_data(
        as_text=True
    )


def test_a_disguised_source_document_is_refused_and_the_rest_kept(ctx, client):
    chapter, rep = _chapter_with_rep()
    login(client, rep)
    data = _form(chapter)
    data["documents"] = [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "memo.pdf")]
    response = client.post(
        "/roster-requests/new", data=data, content_type="multipart/form-data",
        follow_redirects=True,
    )  # fmt: skip
    assert "memo.pdf is named like a PDF" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RosterRequest)) == 1
    assert db.session.scalar(select(func.count()).select_from(RosterDocument)) == 0


def test_a_members_nomination_notice_proposes_a_request_and_is_linked_to_it(ctx, client):
    chapter, rep = _chapter_with_rep()
    member = make_user("member", chapter=chapter, name="Tanya Brooks")
    notice = make_notice(member, kind="roster_nomination", receiving_unit="ERO Atlanta")
    login(client, rep)
    index = client.get("/roster-requests/").get_data(as_text=True)
    assert "Proposed by members' notices" in index
    assert f"/roster-requests/new?notice_id={notice.id}" in index

    form = client.get(f"/roster-requests/new?notice_id={notice.id}").get_data(as_text=True)
    assert 'value="Names put forward: ERO Atlanta"' in form
    today = services.chapter_today(chapter)
    response = client.post(
        f"/roster-requests/new?notice_id={notice.id}",
        data=_form(chapter, reply_by=(today + timedelta(days=3)).isoformat()),
    )
    assert response.status_code == 302
    roster = db.session.scalars(select(RosterRequest)).one()
    assert [n.id for n in services.linked_notices(roster)] == [notice.id]
    # Linked now: no longer proposed.
    assert f"notice_id={notice.id}" not in client.get("/roster-requests/").get_data(as_text=True)


def test_rep_links_notices_by_reference_and_opens_one_collective_case(ctx, client):
    chapter, rep = _chapter_with_rep()
    members = [make_user("member", chapter=chapter) for _ in range(3)]
    notices = [make_notice(m, kind="availability_solicitation") for m in members]
    roster = make_roster_request(chapter, rep)
    login(client, rep)

    page = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    assert all(f'value="{n.id}"' in page for n in notices)  # offered to link
    reference = case_of(notices[2]).reference
    response = client.post(
        f"/roster-requests/{roster.id}/notices",
        data={"notice_ids": [str(notices[0].id), str(notices[1].id)], "references": reference},
    )
    assert response.status_code == 302
    assert {n.id for n in services.linked_notices(roster)} == {n.id for n in notices}

    old_cases = {case_of(n).id for n in notices}
    response = client.post(f"/roster-requests/{roster.id}/case", data={})
    assert response.status_code == 302
    db.session.expire_all()
    roster = db.session.get(RosterRequest, roster.id)
    case = db.session.get(Case, roster.case_id)
    assert case.chapter_id == chapter.id and case.id not in old_cases
    assert {db.session.get(Notice, n.id).case_id for n in notices} == {case.id}
    # Each member's own case had nothing left: closed, pointing at the collective case.
    assert {db.session.get(Case, i).status for i in old_cases} == {CaseStatus.CLOSED.value}
    reply_by = db.session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == DeadlineKind.REPLY_BY)
    ).all()
    assert roster.reply_by in {d.due_on for d in reply_by}

    again = client.post(f"/roster-requests/{roster.id}/case", data={}, follow_redirects=True)
    assert f"already has its case, {case.reference}" in again.get_data(as_text=True)


def test_notices_of_another_chapter_cannot_be_linked(ctx, client):
    chapter, rep = _chapter_with_rep()
    other = make_chapter()
    stranger = make_user("member", chapter=other)
    foreign = make_notice(stranger, kind="roster_nomination")
    roster = make_roster_request(chapter, rep)
    login(client, rep)
    response = client.post(
        f"/roster-requests/{roster.id}/notices", data={"references": case_of(foreign).reference}
    )
    assert response.status_code == 200
    assert "No case of this chapter has the reference" in response.get_data(as_text=True)
    assert services.linked_notices(roster) == []


def test_rep_of_another_chapter_finds_nothing(ctx, client):
    chapter, rep = _chapter_with_rep()
    roster = make_roster_request(chapter, rep)
    other_rep = make_user("rep", covers=[make_chapter()])
    login(client, other_rep)
    for url in (
        f"/roster-requests/{roster.id}",
        f"/roster-requests/{roster.id}/edit",
        f"/roster-requests/{roster.id}/send",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/roster-requests/{roster.id}/case", data={}).status_code == 404
    assert client.post(f"/roster-requests/{roster.id}/remind", data={}).status_code == 404
    listing = client.get("/roster-requests/").get_data(as_text=True)
    assert roster.title not in listing


def test_members_cannot_open_the_reps_pages(ctx, client):
    chapter, rep = _chapter_with_rep()
    roster = make_roster_request(chapter, rep)
    member = make_user("member", chapter=chapter)
    login(client, member)
    assert client.get("/roster-requests/").status_code == 403
    assert client.get(f"/roster-requests/{roster.id}").status_code == 403
    # Not sent to them: the member's own page knows nothing of it.
    assert client.get(f"/roster-requests/{roster.id}/answer").status_code == 404


def test_rep_edits_the_request_and_the_change_is_audited(ctx, client):
    chapter, rep = _chapter_with_rep()
    roster = make_roster_request(chapter, rep)
    login(client, rep)
    data = _form(chapter, title="ERO support roster (corrected)", people_requested="25")
    data.pop("chapter")
    response = client.post(f"/roster-requests/{roster.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    roster = db.session.get(RosterRequest, roster.id)
    assert roster.title == "ERO support roster (corrected)" and roster.people_requested == 25
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.edit")).one()
    assert "people_requested" in entry.details["changed"]


def test_the_list_shows_each_request_with_its_answers_in_a_fixed_number_of_queries(
    ctx, client, count_queries
):
    chapter, rep = _chapter_with_rep()
    for n in range(3):
        make_roster_request(chapter, rep, title=f"Roster {n}")
    login(client, rep)
    with count_queries() as one:
        client.get("/roster-requests/")
    for n in range(3, 9):
        make_roster_request(chapter, rep, title=f"Roster {n}")
    with count_queries() as many:
        page = client.get("/roster-requests/").get_data(as_text=True)
    assert "Roster 8" in page
    assert many.count == one.count


def test_odd_numbers_in_the_url_and_form_are_answered_not_crashed_on(ctx, client):
    chapter, rep = _chapter_with_rep()
    login(client, rep)
    for odd in ("²", "99999999999", "-1", "1e3"):
        assert client.get(f"/roster-requests/new?notice_id={odd}").status_code == 200, odd
    response = client.post(
        "/roster-requests/new", data=_form(chapter, people_requested="99999999999")
    )
    assert response.status_code == 200
    assert "Enter a whole number from 1 to 100,000." in response.get_data(as_text=True)
    roster = make_roster_request(chapter, rep)
    data = _form(chapter)
    data.pop("chapter")
    data["remove_document"] = ["²", "99999999999"]
    assert client.post(f"/roster-requests/{roster.id}/edit", data=data).status_code == 302
