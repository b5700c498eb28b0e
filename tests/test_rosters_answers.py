"""Members answer the roster requests sent to them, and only those: answers can change
until the end of the reply-by day in the chapter's time zone, every change is kept, and
afterwards they are locked. Reps see the tally and who has not answered, and remind only
them; no email says what the request is."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    login,
    make_chapter,
    make_member,
    make_roster_request,
    make_user,
    send_roster_to,
)
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.extensions import db
from union.rosters import answers, services
from union.rosters.models import RosterAnswer, RosterAnswerKind, RosterRecipient, RosterRequest
from union.rosters.services import RosterProblems

SECRET_UNIT = "Joint Task Force Nightingale"


@pytest.fixture
def chapter(ctx):
    return make_chapter(name="USCIS FDNS Dallas", timezone="America/Chicago")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Rosa Delgado")


def _members(chapter, n):
    return [make_user("member", chapter=chapter, name=f"Member {i}") for i in range(n)]


def _recipient(roster, user):
    return answers.recipient_for(roster.id, user)


def _answer(roster, user, kind, **kwargs):
    recipient = answers.recipient_for(roster.id, user, for_update=True)
    row = answers.give_answer(
        recipient,
        answer=kind,
        reason=kwargs.pop("reason", None),
        comment=kwargs.pop("comment", None),
        actor=user,
        **kwargs,
    )
    db.session.commit()
    return row


# -- answering -------------------------------------------------------------------------


def test_member_answers_and_changes_the_answer_and_every_change_is_kept(chapter, rep, client):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep, receiving_unit=SECRET_UNIT)
    send_roster_to(roster, [member], rep)
    login(client, member)

    page = client.get(f"/roster-requests/{roster.id}/answer").get_data(as_text=True)
    assert SECRET_UNIT in page and "Your answer" in page
    response = client.post(
        f"/roster-requests/{roster.id}/answer",
        data={"answer": "available", "comment": "Only after my leave ends."},
    )
    assert response.status_code == 302
    response = client.post(
        f"/roster-requests/{roster.id}/answer",
        data={"answer": "objects", "reason": "I was never trained for arrests."},
    )
    assert response.status_code == 302

    recipient = _recipient(roster, member)
    assert recipient.answer == "objects"
    assert [a.answer for a in recipient.history] == ["available", "objects"]
    assert recipient.history[0].comment == "Only after my leave ends."
    assert recipient.history[1].reason == "I was never trained for arrests."
    page = client.get(f"/roster-requests/{roster.id}/answer").get_data(as_text=True)
    assert "Your answer now: <strong>Objects</strong>" in page
    assert "Your answers so far" in page and "Only after my leave ends." in page
    audited = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "roster.answer")
    ).all()
    assert [d["answer"] for d in audited] == ["available", "objects"]
    assert audited[1]["changed_from"] == "available"


def test_an_objection_needs_a_reason(chapter, rep, client):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    login(client, member)
    response = client.post(f"/roster-requests/{roster.id}/answer", data={"answer": "objects"})
    assert response.status_code == 200
    assert "Say why you object" in response.get_data(as_text=True)
    assert _recipient(roster, member).history == []


def test_no_answer_chosen_is_said_beside_the_question(chapter, rep, client):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    login(client, member)
    response = client.post(f"/roster-requests/{roster.id}/answer", data={"comment": "Hm"})
    assert response.status_code == 200
    assert "Choose your answer." in response.get_data(as_text=True)


def test_answers_stay_open_through_the_reply_by_day_in_the_chapters_time_zone(chapter, rep):
    [member] = _members(chapter, 1)
    today = services.chapter_today(chapter)
    roster = make_roster_request(chapter, rep, reply_by=today)
    send_roster_to(roster, [member], rep)
    # 23:59 in Dallas on the reply-by day is still that day: the answer counts.
    last_minute = datetime(today.year, today.month, today.day, 23, 59, tzinfo=UTC) + timedelta(
        hours=5 if _is_dst(today) else 6
    )
    _answer(roster, member, "unavailable", now=last_minute)
    # A minute after midnight in Dallas: locked, with the answer kept as it was.
    with pytest.raises(RosterProblems) as refused:
        _answer(roster, member, "available", now=last_minute + timedelta(minutes=2))
    message = refused.value.problems["answer"]
    assert "Answers closed at the end of the reply-by date" in message
    assert "Your answer stays as you gave it: Unavailable." in message
    recipient = _recipient(roster, member)
    assert recipient.answer == "unavailable" and len(recipient.history) == 1


def _reply_by_passes(roster):
    """The reply-by date is yesterday now (the request was sent while it was ahead)."""
    found = db.session.get(RosterRequest, roster.id)
    found.reply_by = services.chapter_today(services.load_request(roster.id).chapter) - timedelta(
        days=1
    )
    db.session.commit()


def _is_dst(day):
    from zoneinfo import ZoneInfo

    return bool(
        datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("America/Chicago")).dst()
    )


def test_after_the_reply_by_date_the_page_says_answers_are_locked(chapter, rep, client):
    [member, silent] = _members(chapter, 2)
    today = services.chapter_today(chapter)
    roster = make_roster_request(chapter, rep, communicated_on=today - timedelta(days=9))
    send_roster_to(roster, [member, silent], rep)
    _reply_by_passes(roster)
    login(client, member)
    page = client.get(f"/roster-requests/{roster.id}/answer").get_data(as_text=True)
    assert "Answers closed at the end of the reply-by date" in page
    assert "You did not answer before then." in page
    assert 'name="answer"' not in page
    response = client.post(f"/roster-requests/{roster.id}/answer", data={"answer": "available"})
    assert response.status_code == 200
    assert "Answers closed" in response.get_data(as_text=True)
    assert _recipient(roster, member).history == []


def test_a_closed_request_locks_answers_until_it_is_reopened(chapter, rep):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    services.close_request(services.load_request(roster.id), actor=rep)
    db.session.commit()
    with pytest.raises(RosterProblems) as refused:
        _answer(roster, member, "available")
    assert "Your stewards closed this request" in refused.value.problems["answer"]
    services.reopen_request(services.load_request(roster.id), actor=rep)
    db.session.commit()
    _answer(roster, member, "available")
    assert db.session.get(RosterRequest, roster.id).status == "sent"


def test_giving_the_same_answer_twice_changes_nothing(chapter, rep):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    _answer(roster, member, "volunteered")
    with pytest.raises(RosterProblems):
        _answer(roster, member, "volunteered")
    assert db.session.scalar(select(func.count()).select_from(RosterAnswer)) == 1


# -- who sees what ---------------------------------------------------------------------


def test_members_see_only_the_requests_sent_to_them(chapter, rep, client):
    sent_to, not_sent = _members(chapter, 2)
    mine = make_roster_request(chapter, rep, title="Sent to one")
    other = make_roster_request(chapter, rep, title="Sent to nobody here")
    send_roster_to(mine, [sent_to], rep)

    login(client, not_sent)
    assert client.get(f"/roster-requests/{mine.id}/answer").status_code == 404
    assert (
        client.post(f"/roster-requests/{mine.id}/answer", data={"answer": "available"}).status_code
        == 404
    )
    assert "Sent to one" not in client.get("/roster-requests/mine").get_data(as_text=True)
    assert client.get("/roster-requests/999999/answer").status_code == 404

    client.post("/logout")
    login(client, sent_to)
    listing = client.get("/roster-requests/mine").get_data(as_text=True)
    assert "Sent to one" in listing and "Sent to nobody here" not in listing
    assert client.get(f"/roster-requests/{other.id}/answer").status_code == 404
    assert "Requests for your answer" in client.get("/").get_data(as_text=True)


def test_a_rep_of_another_chapter_cannot_open_a_members_answer_page(chapter, rep, client):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    login(client, make_user("rep", covers=[make_chapter()]))
    assert client.get(f"/roster-requests/{roster.id}/answer").status_code == 404


# -- sending ---------------------------------------------------------------------------


def test_rep_sends_to_an_office_members_with_accounts_and_nobody_twice(
    chapter, rep, client, sent_mail
):
    atlanta = _members(chapter, 3)
    elsewhere = make_user("member", chapter=chapter, name="Dallas Member")
    for user in atlanta:
        make_member(chapter, name=user.name, email=user.email, office="Atlanta", user_id=user.id)
    make_member(chapter, office="Atlanta")  # on the list, no account: cannot be sent it
    make_member(chapter, name=elsewhere.name, office="Dallas", user_id=elsewhere.id)
    roster = make_roster_request(chapter, rep, receiving_unit=SECRET_UNIT)
    login(client, rep)

    form = client.get(f"/roster-requests/{roster.id}/send").get_data(as_text=True)
    assert "Atlanta: 3 with an account, 1 without one yet" in form
    response = client.post(
        f"/roster-requests/{roster.id}/send", data={"to": "office", "offices": ["Atlanta"]}
    )
    assert response.status_code == 302
    recipients = answers.recipients(services.load_request(roster.id))
    assert {r.user_id for r in recipients} == {u.id for u in atlanta}
    assert db.session.get(RosterRequest, roster.id).status == "sent"
    assert sorted(m.to[0] for m in sent_mail) == sorted(u.email for u in atlanta)
    for message in sent_mail:
        body = message.body + message.alternatives[0][0]
        assert f"/roster-requests/{roster.id}/answer" in body
        assert SECRET_UNIT not in body and "ERO" not in body and SECRET_UNIT not in message.subject

    # The whole chapter now: only the one who did not have it yet is sent it.
    sent_mail.clear()
    response = client.post(
        f"/roster-requests/{roster.id}/send", data={"to": "chapter"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "had it already" in page
    assert [m.to[0] for m in sent_mail] == [elsewhere.email]


def test_sending_to_no_office_says_to_tick_one(chapter, rep, client):
    roster = make_roster_request(chapter, rep)
    login(client, rep)
    response = client.post(f"/roster-requests/{roster.id}/send", data={"to": "office"})
    assert response.status_code == 200
    assert "Tick at least one office." in response.get_data(as_text=True)


def test_a_request_past_its_reply_by_date_is_not_sent(chapter, rep, client):
    [member] = _members(chapter, 1)
    today = services.chapter_today(chapter)
    roster = make_roster_request(chapter, rep, communicated_on=today - timedelta(days=9),
                                 reply_by=today - timedelta(days=1))  # fmt: skip
    login(client, rep)
    response = client.post(
        f"/roster-requests/{roster.id}/send", data={"to": "chosen", "user_ids": [str(member.id)]}
    )
    assert response.status_code == 200
    assert "The reply-by date has passed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RosterRecipient)) == 0


def test_people_of_another_chapter_cannot_be_chosen(chapter, rep, client):
    stranger = make_user("member", chapter=make_chapter())
    roster = make_roster_request(chapter, rep)
    login(client, rep)
    response = client.post(
        f"/roster-requests/{roster.id}/send", data={"to": "chosen", "user_ids": [str(stranger.id)]}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(RosterRecipient)) == 0


# -- the tally and reminders -----------------------------------------------------------


def test_the_tally_counts_each_answer_and_who_has_not_answered(chapter, rep, client):
    people = _members(chapter, 6)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, people, rep)
    _answer(roster, people[0], "available")
    _answer(roster, people[1], "unavailable")
    _answer(roster, people[2], "objects", reason="Outside my position description.")
    _answer(roster, people[3], "named_unasked")
    _answer(roster, people[3], "unavailable")  # changed: only the latest counts

    tally = answers.tally(services.load_request(roster.id))
    assert tally.counts == {
        RosterAnswerKind.AVAILABLE: 1,
        RosterAnswerKind.UNAVAILABLE: 2,
        RosterAnswerKind.OBJECTS: 1,
        RosterAnswerKind.VOLUNTEERED: 0,
        RosterAnswerKind.NAMED_UNASKED: 0,
    }
    assert (tally.not_answered, tally.answered, tally.sent) == (2, 4, 6)

    login(client, rep)
    page = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    assert "Sent to 6 members: 4 answered" in page
    waiting = page.split('id="waiting-heading"')[1].split("</ul>")[0]
    assert "Member 4" in waiting and "Member 5" in waiting and "Member 0" not in waiting
    assert "Outside my position description." in page
    listing = client.get("/roster-requests/").get_data(as_text=True)
    assert "4 of 6 answered" in listing


def test_reminders_go_only_to_those_who_have_not_answered(chapter, rep, client, sent_mail):
    people = _members(chapter, 3)
    roster = make_roster_request(chapter, rep, receiving_unit=SECRET_UNIT)
    send_roster_to(roster, people, rep)
    _answer(roster, people[0], "available")
    _answer(roster, people[1], "unavailable")
    sent_mail.clear()
    login(client, rep)

    response = client.post(f"/roster-requests/{roster.id}/remind", follow_redirects=True)
    assert "Reminded 1 member who had not answered." in response.get_data(as_text=True)
    assert [m.to[0] for m in sent_mail] == [people[2].email]
    [reminder] = sent_mail
    assert reminder.subject == "Reminder: your union is waiting for your answer"
    assert SECRET_UNIT not in reminder.body
    assert f"/roster-requests/{roster.id}/answer" in reminder.body
    recipient = _recipient(roster, people[2])
    assert recipient.reminder_count == 1 and recipient.reminded_at is not None
    assert _recipient(roster, people[0]).reminded_at is None

    # Pressed again at once: nobody is reminded twice within the hour.
    sent_mail.clear()
    again = client.post(f"/roster-requests/{roster.id}/remind", follow_redirects=True)
    assert "reminded less than an hour ago" in again.get_data(as_text=True)
    assert sent_mail == []
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "roster-reminder")
        )
        == 1
    )


def test_nothing_to_remind_once_everyone_answered_or_answers_closed(chapter, rep):
    [member] = _members(chapter, 1)
    roster = make_roster_request(chapter, rep)
    send_roster_to(roster, [member], rep)
    _answer(roster, member, "available")
    with pytest.raises(RosterProblems, match="Everyone it was sent to has answered"):
        answers.remind(services.load_request(roster.id), actor=rep)
    later = datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(RosterProblems, match="Answers are closed"):
        answers.remind(services.load_request(roster.id), actor=rep, now=later)


def test_the_request_page_loads_in_a_fixed_number_of_queries_however_many_answered(
    chapter, rep, client, count_queries
):
    roster = make_roster_request(chapter, rep)
    first = _members(chapter, 2)
    send_roster_to(roster, first, rep)
    _answer(roster, first[0], "available")
    login(client, rep)
    with count_queries() as few:
        client.get(f"/roster-requests/{roster.id}")
    more = _members(chapter, 8)
    send_roster_to(roster, more, rep)
    for user in more[:5]:
        _answer(roster, user, "unavailable")
        _answer(roster, user, "objects", reason="Changed my mind.")
    with count_queries() as many:
        page = client.get(f"/roster-requests/{roster.id}").get_data(as_text=True)
    assert "Sent to 10 members: 6 answered" in page
    assert many.count == few.count
