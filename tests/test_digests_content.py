"""What a digest says: what is new, what needs action, counts — and nothing a member
wrote, no member's name or address, confidential or not. Checked on the message as it
arrives over SMTP (multipart, headers, absolute links) and on the outbox row."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import make_chapter, make_digest_preference, make_notice, make_user
from union.cases import services as case_services
from union.cases.models import Case, CaseStatus
from union.core.outbox import OutboxMessage
from union.core.time import local_time, utcnow
from union.deadlines.services import add_deadline
from union.digests.models import DeliveryStatus, DigestDelivery
from union.digests.periods import latest_period
from union.digests.services import send_due_digests
from union.extensions import db

# Every free-text field a member fills in, each with a word that must never leave the app.
FREE_TEXT = {
    "home_office": "SECRET-HOME-OFFICE",
    "receiving_unit": "SECRET-RECEIVING-UNIT",
    "duties_other": "SECRET-DUTIES",
    "expected_length": "SECRET-LENGTH",
    "duty_location": "SECRET-LOCATION",
    "training_other": "SECRET-TRAINING",
    "contract_articles": "SECRET-ARTICLES",
    "safety_health": "SECRET-SAFETY",
    "personal_hardship": "SECRET-HARDSHIP",
    "statement": "SECRET-STATEMENT: my supervisor Jane Roe told me on Friday",
}
NAME, EMAIL = "Tanya Confidential-Brooks", "tanya.private@example.net"


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


def _now_and_period(rep):
    now = utcnow()
    preference = make_digest_preference(rep, "daily", hour=6)
    period = latest_period("daily", 6, 0, preference.timezone, now)
    return now, period


def _filed_at(notice, instant):
    """Pretend the notice was filed at ``instant`` (inside the digest's window)."""
    db.session.execute(
        update(type(notice)).where(type(notice).id == notice.id).values(submitted_at=instant)
    )
    db.session.commit()


def _idle_since(case, instant):
    db.session.execute(update(Case).where(Case.id == case.id).values(updated_at=instant))
    db.session.commit()


def _case(notice):
    db.session.expire_all()
    return db.session.get(Case, db.session.get(type(notice), notice.id).case_id)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _whole(message) -> str:
    """Everything a mail client could show: headers, the text part and the HTML part."""
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return "\n".join([headers, text, html])


def test_confidential_notice_in_a_digest_carries_no_name_address_or_anything_typed(
    ctx, smtp_server
):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter], name="Marcus Bell")
    member = make_user("member", chapter=chapter, name=NAME, email=EMAIL)
    now, period = _now_and_period(rep)
    confidential = make_notice(member, confidential=True, **FREE_TEXT)
    elsewhere = make_notice(
        member, receiving_agency="other", receiving_agency_other="SECRET-OTHER", **FREE_TEXT
    )
    for notice in (confidential, elsewhere):
        _filed_at(notice, period.start - timedelta(hours=1))
    # Reps' own words stay in the app too: a note, and a deadline's title.
    case = _case(confidential)
    case_services.add_comment(case, "SECRET-NOTE about Tanya", reply=False, actor=rep)
    soon = local_time(now, chapter.timezone).date() + timedelta(days=2)
    add_deadline(case, kind="custom", title="SECRET-TITLE call Tanya", due_on=soon, actor=rep)
    db.session.commit()

    run = send_due_digests(now)

    assert run.queued == 1 and run.sent == 1
    [message] = smtp_server.messages
    everything = _whole(message)
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).one()
    everything += row.subject + row.body_text + row.body_html
    for secret in [*FREE_TEXT.values(), "SECRET", NAME, "Tanya", "Brooks", EMAIL, "Jane Roe"]:
        assert secret not in everything, f"{secret!r} left the app in a digest"
    # What it does say: the references, kinds, components from the catalogue, the flag.
    text = _text(message)
    assert case.reference in text
    assert "Detail | to DHS/ICE-ERO | Chapter 247" in text and "confidential" in text
    assert "to Not in the catalogue" in text
    assert "Hello Marcus Bell" in text  # the rep's own name is theirs to read


def test_subject_says_what_is_inside(ctx, smtp_server):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    now, period = _now_and_period(rep)
    today = local_time(now, chapter.timezone).date()
    notices = [make_notice(member) for _ in range(5)]
    for notice in notices:
        _filed_at(notice, period.start - timedelta(minutes=30))
    # Each notice got a grievance window 30 days out; two deadlines fall this week.
    add_deadline(_case(notices[0]), kind="custom", due_on=today + timedelta(days=1))
    add_deadline(_case(notices[1]), kind="reply_by", due_on=today + timedelta(days=6))
    add_deadline(_case(notices[2]), kind="custom", due_on=today - timedelta(days=2))
    db.session.commit()

    send_due_digests(now)

    [message] = smtp_server.messages
    assert message["Subject"] == "Chapter 247: 5 new notices, 2 deadlines this week, 1 overdue"


def test_rep_of_several_chapters_gets_one_digest_for_all_of_them(ctx, smtp_server):
    chapters = [make_chapter(n) for n in ("247", "3012", "88")]
    rep = make_user("rep", covers=chapters)
    member = make_user("member", chapter=chapters[1])
    now, period = _now_and_period(rep)
    _filed_at(make_notice(member), period.start - timedelta(hours=2))

    send_due_digests(now)

    [message] = smtp_server.messages
    assert message["Subject"].startswith("3 chapters: 1 new notice")
    text = _text(message)
    assert "(Chapter 247, Chapter 3012, Chapter 88)" in text


def test_cases_needing_action_and_the_counts(ctx, smtp_server):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    now, _ = _now_and_period(rep)
    today = local_time(now, chapter.timezone).date()

    def assigned_case(**answers):
        case = _case(make_notice(member, **answers))
        case_services.assign_case(case, rep, actor=rep)
        db.session.commit()
        return case

    unassigned = _case(make_notice(member))
    overdue = assigned_case()
    add_deadline(overdue, kind="info_request", due_on=today - timedelta(days=3))
    due_soon = assigned_case()
    add_deadline(due_soon, kind="reply_by", due_on=today + timedelta(days=5))
    db.session.commit()
    idle = assigned_case()
    _idle_since(idle, now - timedelta(days=20))
    fine = assigned_case()  # assigned, active, its grievance window a month away
    closed = _case(make_notice(member))
    closed.status = CaseStatus.CLOSED.value
    db.session.commit()

    send_due_digests(now)

    [message] = smtp_server.messages
    text = _text(message)
    section = text.split("CASES NEEDING ACTION: ")[1].split("CASES BY STATUS")[0]
    assert section.startswith("4\n")
    assert "1 overdue deadline, 1 due within 7 days, 1 unassigned, 1 with no activity" in section
    listed = [line.split(" | ")[0][2:] for line in section.splitlines() if line.startswith("- C-")]
    # Most pressing first: overdue, then due soonest, then unassigned, then idle.
    assert listed == [overdue.reference, due_soon.reference, unassigned.reference,
                      idle.reference]  # fmt: skip
    assert fine.reference not in text and closed.reference not in text
    assert "Information request answer: Overdue by 3 days" in section
    assert "Reply to management: Due soon: 5 days left" in section
    assert "No rep assigned" in section
    assert "No activity for 20 days" in section
    assert "CASES BY STATUS\n  New: 5\n  Closed: 1\n" in text
    assert "OPEN CASES BY RECEIVING COMPONENT\n  DHS/ICE-ERO: 5" in text


def test_digest_is_multipart_with_absolute_links_and_one_click_unsubscribe(ctx, smtp_server):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    now, period = _now_and_period(rep)
    notice = make_notice(member)
    _filed_at(notice, period.start - timedelta(hours=1))
    preference = make_digest_preference(rep, "daily", hour=6)

    send_due_digests(now)

    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    assert message["Date"]
    assert message["Message-ID"] == f"<digest.{rep.id}.{period.key.replace(':', '.')}@steward.test>"
    unsubscribe = f"http://steward.test/digest/unsubscribe/{preference.unsubscribe_token}"
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = _text(message)
    html = message.get_body(("html",)).get_content()
    case_url = f"http://steward.test/cases/{_case(notice).id}"
    assert case_url in text and f'href="{case_url}"' in html
    assert "http://steward.test/digest" in text and unsubscribe in html
    assert 'style="' in html and "<script" not in html  # inline CSS, for mail clients


def test_empty_digest_is_skipped_unless_the_rep_wants_it(ctx, smtp_server):
    chapter = make_chapter()
    quiet = make_user("rep", covers=[chapter])
    keen = make_user("rep", covers=[chapter])
    now = utcnow()
    make_digest_preference(quiet, "daily", hour=6)
    make_digest_preference(keen, "daily", hour=6, send_when_empty=True)

    run = send_due_digests(now)

    assert (run.due, run.queued, run.skipped_empty) == (2, 1, 1)
    [message] = smtp_server.messages
    assert message["To"] == keen.email
    assert message["Subject"].endswith(": nothing new")
    statuses = dict(db.session.execute(select(DigestDelivery.user_id, DigestDelivery.status)).all())
    assert statuses == {quiet.id: DeliveryStatus.SKIPPED_EMPTY, keen.id: DeliveryStatus.QUEUED}
    # Skipped is done: the period is not looked at again.
    assert send_due_digests(now + timedelta(minutes=5)).due == 0


def test_notices_of_other_chapters_and_drafts_stay_out(ctx, smtp_server):
    mine, theirs = make_chapter("247"), make_chapter("3012")
    rep = make_user("rep", covers=[mine])
    member = make_user("member", chapter=mine)
    stranger = make_user("member", chapter=theirs)
    now, period = _now_and_period(rep)
    ours = make_notice(member)
    other = make_notice(stranger)
    make_notice(member, submit=False)
    for notice in (ours, other):
        _filed_at(notice, period.start - timedelta(hours=1))
    old = make_notice(member)
    _filed_at(old, period.start - timedelta(days=3))  # before the previous digest

    send_due_digests(now)

    text = _text(smtp_server.messages[0])
    assert "NEW NOTICES: 1" in text
    assert _case(ours).reference in text
    assert _case(other).reference not in text


def test_roster_requests_with_replies_due_this_week_are_counted_not_described(ctx, smtp_server):
    from union.chapters.models import Agency
    from union.rosters.models import RosterRecipient, RosterRequest

    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    members = [make_user("member", chapter=chapter, name=f"Named Member {n}") for n in range(2)]
    now, _ = _now_and_period(rep)
    today = local_time(now, chapter.timezone).date()
    ice = db.session.scalars(select(Agency.id).where(Agency.code == "ICE-ERO")).one()

    def roster(reply_by, status="sent"):
        request = RosterRequest(
            chapter_id=chapter.id, status=status, reply_by=reply_by,
            title="SECRET-TITLE names put forward", requested_by_name="SECRET-Dana Pruitt",
            receiving_agency_id=ice, receiving_unit="SECRET-UNIT", people_requested=40,
            notes="SECRET-NOTES",
        )  # fmt: skip
        db.session.add(request)
        db.session.flush()
        return request

    soon = roster(today + timedelta(days=2))
    for member, answer in zip(members, ("objects", None), strict=True):
        db.session.add(RosterRecipient(roster_request_id=soon.id, user_id=member.id,
                                       answer=answer))  # fmt: skip
    roster(today + timedelta(days=20))  # not this week
    roster(today + timedelta(days=1), status="closed")  # closed
    db.session.commit()

    send_due_digests(now)

    [message] = smtp_server.messages
    assert message["Subject"] == "Chapter 247: 1 roster reply due"
    text = _text(message)
    section = text.split("ROSTER REQUESTS WITH REPLIES DUE SOON: ")[1].split("CASES BY")[0]
    assert section.startswith("1\n")
    assert f"Roster request #{soon.id} for DHS/ICE-ERO, 40 people asked for" in section
    assert "Urgent: 2 days left; 1 of 2 members answered" in section
    assert f"http://steward.test/roster-requests/{soon.id}" in section
    assert "SECRET" not in _whole(message) and "Named Member" not in _whole(message)
