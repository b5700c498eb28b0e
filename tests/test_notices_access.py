"""Nobody but the member, the reps of their chapter and admins can read a notice or its
attachment, whatever URL they try; a draft is the member's alone."""

import io

import pytest

from tests.factories import PDF_BYTES, login, make_chapter, make_notice, make_user, notice_answers
from union.auth.models import Role
from union.core.permissions import can
from union.extensions import db
from union.notices import services
from union.notices.models import Attachment


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter, name="Tanya Brooks")


def _filed_with_attachment(client, member, **overrides):
    """A notice filed through the form, with a PDF; returns (notice id, attachment id)."""
    login(client, member)
    data = {**notice_answers(member, **overrides), "submit": "Submit notice"}
    data["attachments"] = [(io.BytesIO(PDF_BYTES), "memo.pdf")]
    response = client.post("/notices/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/logout")
    attachment = db.session.scalars(db.select(Attachment).order_by(Attachment.id.desc())).first()
    return attachment.notice_id, attachment.id


def _urls(notice_id, attachment_id):
    return [
        f"/notices/{notice_id}",
        f"/notices/{notice_id}/edit",
        f"/notices/{notice_id}/withdraw",
        f"/notices/{notice_id}/discard",
        f"/notices/{notice_id}/attachments/{attachment_id}",
    ]


def test_another_member_of_the_same_chapter_gets_not_found_everywhere(client, ctx, member):
    notice_id, attachment_id = _filed_with_attachment(client, member)
    coworker = make_user(chapter=member.chapter)
    login(client, coworker)
    for url in _urls(notice_id, attachment_id):
        assert client.get(url).status_code == 404, url
    for url in _urls(notice_id, attachment_id)[1:4] + [f"/notices/{notice_id}/updates"]:
        assert client.post(url, data={"update_kind": "other", "body": "x"}).status_code == 404
    assert "memo.pdf" not in client.get("/notices/").get_data(as_text=True)


def test_guessed_ids_reach_nothing_but_ones_own(client, ctx, member):
    theirs, their_attachment = _filed_with_attachment(client, member)
    prowler = make_user(chapter=make_chapter())
    own = make_notice(prowler)
    login(client, prowler)
    # Guesses around every id in play (ids keep counting up across a PostgreSQL session,
    # so "every id from 1" would be thousands of requests there).
    guessed_notices = {1, *_around(theirs), *_around(own.id)}
    guessed_attachments = {1, *_around(their_attachment)}
    assert theirs in guessed_notices and own.id in guessed_notices
    for notice_id in sorted(guessed_notices):
        expected = 200 if notice_id == own.id else 404
        assert client.get(f"/notices/{notice_id}").status_code == expected
        for attachment_id in sorted(guessed_attachments):
            url = f"/notices/{notice_id}/attachments/{attachment_id}"
            assert client.get(url).status_code == 404, url


def _around(record_id, spread=4):
    return range(max(1, record_id - spread), record_id + spread + 1)


def test_an_attachment_is_reached_only_through_its_own_notice(client, ctx, member):
    first, attachment = _filed_with_attachment(client, member)
    second, _ = _filed_with_attachment(client, member, statement="second notice")
    login(client, member)
    assert client.get(f"/notices/{first}/attachments/{attachment}").status_code == 200
    assert client.get(f"/notices/{second}/attachments/{attachment}").status_code == 404


def test_reps_of_the_chapter_and_admins_can_read_the_notice_and_its_attachment(
    client, ctx, member, chapter
):
    notice_id, attachment_id = _filed_with_attachment(client, member)
    rep = make_user(Role.REP, covers=[chapter])
    admin = make_user(Role.ADMIN)
    for person in (rep, admin):
        login(client, person)
        page = client.get(f"/notices/{notice_id}").get_data(as_text=True)
        assert "Reported by Tanya Brooks" in page
        attachment = client.get(f"/notices/{notice_id}/attachments/{attachment_id}")
        assert attachment.status_code == 200 and attachment.data == PDF_BYTES
        # Reading is not acting on the member's behalf.
        assert client.get(f"/notices/{notice_id}/withdraw").status_code == 403
        assert "Tell the union what changed" not in page
        client.post("/logout")


def test_a_rep_of_another_chapter_gets_not_found(client, ctx, member):
    notice_id, attachment_id = _filed_with_attachment(client, member)
    other_rep = make_user(Role.REP, covers=[make_chapter()])
    login(client, other_rep)
    for url in _urls(notice_id, attachment_id):
        assert client.get(url).status_code == 404, url


def test_a_draft_is_the_members_alone(client, ctx, member, chapter):
    draft = make_notice(member, submit=False)
    rep = make_user(Role.REP, covers=[chapter])
    for person in (rep, make_user(Role.ADMIN)):
        login(client, person)
        assert client.get(f"/notices/{draft.id}").status_code == 404
        assert client.get(f"/notices/{draft.id}/edit").status_code == 404
        client.post("/logout")
    login(client, member)
    assert client.get(f"/notices/{draft.id}/edit").status_code == 200
    assert client.get(f"/notices/{draft.id}").status_code == 302


def test_a_confidential_notice_names_its_member_only_to_the_chapters_own_reps(
    client, ctx, member, chapter
):
    notice = make_notice(member, confidential=True)
    rep = make_user(Role.REP, covers=[chapter])
    admin = make_user(Role.ADMIN)
    login(client, rep)
    assert "Reported by Tanya Brooks" in client.get(f"/notices/{notice.id}").get_data(as_text=True)
    client.post("/logout")
    login(client, admin)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Tanya Brooks" not in page and "asked to stay confidential" in page


def test_logged_out_visitors_are_sent_to_log_in(client, ctx, member):
    notice = make_notice(member)
    for url in ("/notices/", "/notices/new", f"/notices/{notice.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_policy_itself(ctx, member, chapter):
    notice = services.load_notice(make_notice(member).id)
    draft = services.load_notice(make_notice(member, submit=False).id)
    coworker = make_user(chapter=chapter)
    rep = make_user(Role.REP, covers=[chapter])

    assert can(member, "view", notice) and can(member, "withdraw", notice)
    assert can(member, "update", notice) and not can(member, "edit", notice)
    assert can(member, "edit", draft) and can(member, "discard", draft)
    assert not can(coworker, "view", notice) and not can(coworker, "view", draft)
    assert can(rep, "view", notice) and not can(rep, "view", draft)
    assert not can(rep, "withdraw", notice) and not can(rep, "update", notice)
