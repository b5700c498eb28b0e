"""Internal notes stay with the reps; a reply reaches the member, on their notice page, and
an email tells them a reply is waiting without saying what it is."""

import pytest

from tests.factories import case_form, fresh, login, logout, make_case, make_chapter, make_user
from union.cases import services
from union.cases.models import CaseEvent, CaseEventKind
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.extensions import db
from union.notices.models import Notice

NOTE = "Management's memo cites Article 9; check the 2019 MOU before we answer."
REPLY = "We filed an information request for the roster. Keep a copy of the email <please>."


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter, name="Tanya Brooks")


@pytest.fixture
def case(member):
    return make_case(member)


def _notice_of(member):
    return db.session.scalars(db.select(Notice).where(Notice.member_id == member.id)).first()


def _comment(client, case, visibility, body, to=""):
    return client.post(
        f"/cases/{case.id}/comments",
        data=case_form(fresh(case), "comment", visibility=visibility, body=body, to=to),
    )


def _reply_mail():
    return list(
        db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "case-reply"))
    )


def test_a_note_is_for_reps_only(client, ctx, rep, member, case):
    login(client, rep)
    response = _comment(client, case, "note", NOTE)
    assert response.status_code == 302 and response.headers["Location"].endswith("#timeline")
    event = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.kind == CaseEventKind.NOTE)
    ).one()
    assert event.body == NOTE and not event.visible_to_member and event.actor_id == rep.id
    assert _reply_mail() == []
    rep_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Internal note" in rep_page and "Article 9" in rep_page

    logout(client)
    login(client, member)
    member_page = client.get(f"/notices/{_notice_of(member).id}").get_data(as_text=True)
    assert "Article 9" not in member_page


def test_a_reply_reaches_the_member_and_the_email_says_only_that_it_is_waiting(
    client, ctx, rep, member, case, sent_mail
):
    login(client, rep)
    assert _comment(client, case, "reply", REPLY).status_code == 302
    event = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.kind == CaseEventKind.REPLY)
    ).one()
    assert event.visible_to_member and event.notice_id is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "case.reply")).one()
    assert entry.details["recipients"] == 1 and REPLY not in str(entry.details)

    [message] = sent_mail
    notice = _notice_of(member)
    assert message.to == [member.email]
    assert message.subject == f"A reply from your union is waiting: {case.reference}"
    text = message.body
    html = message.alternatives[0][0]
    link = f"http://steward.test/notices/{notice.id}#timeline"
    assert link in text and link in html
    for body in (text, html, message.subject):
        assert "information request" not in body and "roster" not in body

    logout(client)
    login(client, member)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Reply from the union" in page
    assert "Keep a copy of the email &lt;please&gt;." in page


def test_in_a_collective_case_a_reply_to_one_member_is_seen_by_that_member_only(
    client, ctx, chapter, rep, member, case, sent_mail
):
    other = make_user(chapter=chapter, name="Luis Romero")
    other_case = make_case(other)
    services.link_notices(fresh(case), [_notice_of(other)], actor=rep)
    db.session.commit()
    assert fresh(other_case).status == "closed"
    login(client, rep)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Every member on this case" in page and "Luis Romero (notice #" in page
    _comment(client, case, "reply", "Only for Luis: send us the memo.", to=_notice_of(other).id)
    _comment(client, case, "reply", "For everyone: we are on it.")
    assert sorted(m.to[0] for m in sent_mail) == sorted([other.email, other.email, member.email])

    logout(client)
    login(client, member)
    mine = client.get(f"/notices/{_notice_of(member).id}").get_data(as_text=True)
    assert "For everyone: we are on it." in mine and "Only for Luis" not in mine
    logout(client)
    login(client, other)
    theirs = client.get(f"/notices/{_notice_of(other).id}").get_data(as_text=True)
    assert "For everyone: we are on it." in theirs and "Only for Luis" in theirs


def test_an_empty_comment_is_refused_and_nothing_is_sent(client, ctx, rep, case, sent_mail):
    login(client, rep)
    response = _comment(client, case, "reply", "   ")
    assert response.status_code == 200
    assert "Write the reply." in response.get_data(as_text=True)
    assert _reply_mail() == [] and sent_mail == []


def test_a_reply_to_a_notice_of_another_case_is_refused(client, ctx, chapter, rep, case):
    stray = make_case(make_user(chapter=chapter))
    stray_notice = db.session.scalars(db.select(Notice).where(Notice.case_id == stray.id)).one()
    login(client, rep)
    response = _comment(client, case, "reply", "Hello", to=stray_notice.id)
    assert response.status_code == 200
    assert "That notice is not part of this case." in response.get_data(as_text=True)
    assert _reply_mail() == []


def test_no_reply_when_every_member_withdrew(client, ctx, rep, member, case):
    login(client, member)
    client.post(f"/notices/{_notice_of(member).id}/withdraw", data={"reason": ""})
    logout(client)
    login(client, rep)
    response = _comment(client, case, "reply", "Are you sure?")
    assert "their notices are withdrawn" in response.get_data(as_text=True)
    assert _comment(client, case, "note", "Member withdrew.").status_code == 302


def test_a_very_long_or_marked_up_note_is_kept_safe(client, ctx, rep, case):
    login(client, rep)
    response = _comment(client, case, "note", "x" * 10_001)
    assert "at most 10,000 characters" in response.get_data(as_text=True)
    _comment(client, case, "note", "<script>alert(1)</script> ✊ résumé")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ✊ résumé" in page


@pytest.mark.parametrize("to", ["²", str(2**40), "-1", "x"])
def test_a_reply_to_nonsense_is_refused_beside_the_field(client, ctx, rep, case, to):
    login(client, rep)
    response = _comment(client, case, "reply", "Hello", to=to)
    assert response.status_code == 200
    assert "That notice is not part of this case." in response.get_data(as_text=True)
