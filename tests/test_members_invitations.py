"""Reps invite imported members by email; the link works once, expires, and makes a
verified account tied to the member's entry on the list."""

import re

import pytest
from sqlalchemy import func, select

from tests.factories import login, make_chapter, make_member, make_user
from union.auth.models import User
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.extensions import db

NEW_PASSWORD = "a long enough passphrase"


@pytest.fixture
def chapter_and_rep(ctx):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter], email="steward@example.org")
    return chapter, rep


def _link(message) -> str:
    match = re.search(r"http://steward\.test(/join/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _join(client, link: str, **extra):
    data = {"name": "Ana Lima", "email": "ana@example.net", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, **extra}  # fmt: skip
    return client.post(link, data=data)


def test_invited_member_joins_through_the_emailed_link(
    client, app, ctx, chapter_and_rep, sent_mail
):
    chapter, rep = chapter_and_rep
    member = make_member(chapter, "1001", name="Ana Lima", email="ana@example.net")
    login(client, rep)
    response = client.post(f"/members/{member.id}/invite")
    assert response.status_code == 302
    [message] = sent_mail
    assert message.to == ["ana@example.net"]
    assert "personal email address" in message.body and "personal device" in message.body
    outbox = db.session.scalar(select(OutboxMessage))
    assert outbox.message_id == f"<member-invitation.member-{member.id}-1@steward.test>"
    db.session.refresh(member)
    assert member.invitation_count == 1 and member.invited_at is not None
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Invited 1 time" in page
    client.post("/logout")

    link = _link(message)
    form = client.get(link).get_data(as_text=True)
    assert 'value="Ana Lima"' in form and 'value="ana@example.net"' in form
    response = _join(client, link)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ana@example.net"))
    assert user.is_verified and user.chapter_id == chapter.id and user.role == "member"
    db.session.refresh(member)
    assert member.user_id == user.id and member.joined_at is not None
    assert "Hello, Ana Lima" in client.get("/").get_data(as_text=True)  # logged in
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"member.invite", "member.join", "user.register"} <= actions

    # The link worked once.
    client.post("/logout")
    assert client.get(link).status_code == 404
    assert "does not work" in _join(client, link, email="other@example.net").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_invitation_link_expires(client, app, ctx, chapter_and_rep, sent_mail):
    chapter, rep = chapter_and_rep
    member = make_member(chapter)
    login(client, rep)
    client.post(f"/members/{member.id}/invite")
    client.post("/logout")
    app.config["MEMBER_INVITATION_MAX_AGE"] = -1
    response = client.get(_link(sent_mail[0]))
    assert response.status_code == 404
    assert "expired" in response.get_data(as_text=True)


def test_a_new_invitation_replaces_the_old_link(client, ctx, chapter_and_rep, sent_mail):
    chapter, rep = chapter_and_rep
    member = make_member(chapter)
    login(client, rep)
    client.post(f"/members/{member.id}/invite")
    client.post(f"/members/{member.id}/invite")
    client.post("/logout")
    first, second = (_link(m) for m in sent_mail)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    keys = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert len(keys) == 2


def test_forged_links_are_refused(client, ctx):
    assert client.get("/join/not-a-real-token").status_code == 404


def test_joining_keeps_the_input_and_explains_errors(client, ctx, chapter_and_rep, sent_mail):
    chapter, rep = chapter_and_rep
    member = make_member(chapter, email="ana@example.net")
    make_user(chapter=chapter, email="taken@example.net")
    login(client, rep)
    client.post(f"/members/{member.id}/invite")
    client.post("/logout")
    link = _link(sent_mail[0])
    page = _join(client, link, email="taken@example.net").get_data(as_text=True)
    assert "already exists" in page and 'value="taken@example.net"' in page
    page = _join(client, link, email="ana@irs.gov").get_data(as_text=True)
    assert "This is a government address" in page
    page = _join(client, link, confirm="something else entirely").get_data(as_text=True)
    assert "The two passwords differ." in page
    db.session.refresh(member)
    assert member.user_id is None


def test_inviting_a_selection_and_everyone_skips_who_cannot_or_need_not_be_invited(
    client, ctx, chapter_and_rep, sent_mail
):
    chapter, rep = chapter_and_rep
    joined_user = make_user(chapter=chapter)
    fresh = [make_member(chapter) for _ in range(3)]
    joined = make_member(chapter, user_id=joined_user.id)
    no_email = make_member(chapter, email=None)
    work_only = make_member(chapter, email="someone@cbp.dhs.gov")
    gone = make_member(chapter, missing=True)
    other = make_member(make_chapter())
    login(client, rep)

    response = client.post(
        f"/members/chapters/{chapter.id}/invite",
        data={"member_ids": [fresh[0].id, other.id], "selected": "y"},
        follow_redirects=True,
    )
    assert "1 invitation queued." in response.get_data(as_text=True)
    assert [m.to[0] for m in sent_mail] == [fresh[0].email]  # not the other chapter's

    page = client.post(
        f"/members/chapters/{chapter.id}/invite", data={"everyone": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "2 invitations queued." in page
    assert "1 invited less than a day ago" in page
    assert "1 no personal email on file" in page
    assert "1 only a work (.gov/.mil) address on file" in page
    assert "1 missing from the last list" in page
    assert sorted(m.to[0] for m in sent_mail[1:]) == sorted(m.email for m in fresh[1:])
    for member in (joined, no_email, work_only, gone):
        db.session.refresh(member)
        assert member.invitation_count == 0

    # Pressing it again sends nothing new.
    page = client.post(
        f"/members/chapters/{chapter.id}/invite", data={"everyone": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "0 invitations queued." in page and len(sent_mail) == 3


def test_a_large_invitation_round_is_left_to_the_outbox_sweep(
    client, ctx, app, chapter_and_rep, sent_mail
):
    chapter, rep = chapter_and_rep
    for _ in range(30):
        make_member(chapter)
    login(client, rep)
    client.post(f"/members/chapters/{chapter.id}/invite", data={"everyone": "y"})
    # The page waited for no more than OUTBOX_SEND_NOW_LIMIT deliveries; the sweep sends the rest.
    assert len(sent_mail) == app.config["OUTBOX_SEND_NOW_LIMIT"] == 25
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 30
    from union.core.outbox import deliver_pending

    assert deliver_pending() == 5
    sent = select(func.count()).where(OutboxMessage.status == "sent")
    assert db.session.scalar(sent) == 30


def test_only_reps_of_the_chapter_invite(client, ctx, chapter_and_rep, sent_mail):
    chapter, _ = chapter_and_rep
    member = make_member(chapter)
    login(client, make_user("rep", covers=[make_chapter()]))
    assert client.post(f"/members/{member.id}/invite").status_code == 404
    assert (
        client.post(f"/members/chapters/{chapter.id}/invite", data={"everyone": "y"}).status_code
        == 404
    )
    client.post("/logout")
    login(client, make_user(chapter=chapter))
    assert client.post(f"/members/{member.id}/invite").status_code == 403
    assert sent_mail == []


def test_inviting_someone_who_cannot_be_invited_says_why(client, ctx, chapter_and_rep, sent_mail):
    chapter, rep = chapter_and_rep
    member = make_member(chapter, email=None)
    login(client, rep)
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Cannot be invited: no personal email on file." in page
    page = client.post(f"/members/{member.id}/invite", follow_redirects=True).get_data(as_text=True)
    assert "Not invited: 1 no personal email on file." in page
    assert sent_mail == []
