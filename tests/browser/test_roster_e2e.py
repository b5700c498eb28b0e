"""In real Chromium, issue 5's check from end to end: a rep records a "names put forward"
request for 40 people, sends it to an office of three members (a fourth, in another office,
is not sent it), two of them answer through the link in their email while the rep watches
the tally, and the rep sends a reminder that reaches only the third — all mail over SMTP
on loopback. Then the rep opens the collective case, drafts the 7114(b)(4) letter, prints
it on A4 and on US Letter (Chromium's own PDF, pages of that size), records it as sent and
finds management's answer deadline on the case. The member who was not sent the request
can neither see it nor open its answer page."""

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import expect, ui_login, ui_logout
from tests.factories import make_chapter, make_member, make_user
from union.deadlines.calendar import count_days
from union.extensions import db
from union.rosters import services
from union.rosters.models import InfoRequest, RosterRecipient, RosterRequest

OFFICE = "Atlanta Field Office"
OTHER_OFFICE = "Savannah Post of Duty"
UNIT = "ERO Atlanta"
TITLE = "Names put forward for ERO Atlanta"
# PDF page sizes in points (1/72 inch), as Chromium writes them.
A4 = (595.0, 842.0)
US_LETTER = (612.0, 792.0)


@pytest.fixture
def browser_app_config(smtp_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **smtp_config, "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _wait_for(predicate: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def _link_in(message: Any) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/answer", text).group(0)


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, rounded (from the MediaBox entries)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    return [(float(round(float(w))), float(round(float(h)))) for w, h in boxes]


def _printed(page: Any) -> list[tuple[float, float]]:
    """The page as Chromium prints it, paper size taken from the page's own CSS."""
    return _page_sizes(page.pdf(prefer_css_page_size=True))


def test_rep_sends_to_three_two_answer_and_the_reminder_reaches_only_the_third(
    app: Flask, live_server: str, new_page: Any, smtp_server: Any
) -> None:
    with app.app_context():
        chapter = make_chapter(name="IRS Criminal Investigation, Atlanta")
        rep = make_user("rep", covers=[chapter], name="Marcus Bell")
        members = [
            make_user("member", chapter=chapter, name=name)
            for name in ("Tanya Brooks", "Luis Romero", "Grace Okafor")
        ]
        for user in members:
            make_member(chapter, name=user.name, email=user.email, office=OFFICE, user_id=user.id)
        outsider = make_user("member", chapter=chapter, name="Owen Park")
        make_member(chapter, name=outsider.name, email=outsider.email, office=OTHER_OFFICE,
                    user_id=outsider.id)  # fmt: skip
        today = services.chapter_today(chapter)
        reply_by = today + timedelta(days=5)
        answer_due = count_days(today, chapter.info_request_days, chapter.info_request_day_kind)
        rep_email, emails = rep.email, [m.email for m in members]
        outsider_email = outsider.email
        chapter_label, chapter_name = chapter.label, chapter.name

    # The rep records the request.
    desk = new_page()
    ui_login(desk, rep_email)
    desk.get_by_role("link", name="Roster requests").first.click()
    desk.get_by_role("link", name="Record a roster request").click()
    desk.get_by_label("Name of the request (required)").fill(TITLE)
    desk.get_by_label("Who in management asked").fill("Dana Pruitt")
    desk.get_by_label("Their title").fill("Special Agent in Charge")
    desk.get_by_label("Office", exact=True).fill(OFFICE)
    desk.get_by_label("Receiving unit").fill(UNIT)
    desk.get_by_label("Arrests").check()
    desk.get_by_label("How many people management wants").fill("40")
    desk.get_by_label("Reply-by date (required)").fill(reply_by.isoformat())
    desk.get_by_role("button", name="Save the request").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(desk.get_by_role("status").first).to_contain_text("is recorded")

    # …and sends it to the office: the office the request names is ticked already.
    desk.get_by_role("link", name="Send it to members").click()
    office = desk.get_by_label(f"{OFFICE}: 3 with an account")
    expect(office).to_be_checked()
    desk.get_by_role("button", name="Send the request").click()
    expect(desk.get_by_role("status").first).to_contain_text("Sent to 3 members")
    expect(desk.get_by_role("table", name=re.compile("Sent to 3 members"))).to_contain_text(
        "Not answered yet"
    )

    _wait_for(lambda: len(smtp_server.messages) == 3)
    by_address = {m["X-Envelope-To"]: m for m in smtp_server.messages}
    assert sorted(by_address) == sorted(emails)
    for message in smtp_server.messages:
        assert message["Subject"] == "Your union asks for your answer"
        assert UNIT not in message.get_body(("plain",)).get_content()

    # Two members answer through the link in their email; the rep sees each answer arrive.
    choices = ((emails[0], "I am available"), (emails[1], "I object to it"))
    for answered, (email, answer) in enumerate(choices, 1):
        phone = new_page(phone=True)
        ui_login(phone, email)
        phone.goto(_link_in(by_address[email]))
        expect(phone.get_by_role("heading", level=1)).to_have_text(TITLE)
        phone.get_by_label(answer).check()
        if answer == "I object to it":
            phone.get_by_label("Why you object (required if you object)").fill(
                "I was hired to investigate tax crimes, not to make immigration arrests."
            )
        phone.get_by_role("button", name="Save my answer").click()
        expect(phone.get_by_role("status").first).to_contain_text("Your answer is saved")
        ui_logout(phone)
        desk.reload()
        expect(
            desk.get_by_role("table", name=re.compile(f"Sent to 3 members: {answered} answered"))
        ).to_be_visible()

    # The rep sees the tally, and who has not answered.
    desk.reload()
    tally = desk.get_by_role("table", name=re.compile("Sent to 3 members: 2 answered"))
    for row in ("Available 1", "Objects 1", "Unavailable 0", "Not answered yet 1"):
        expect(tally.get_by_role("row", name=row, exact=True)).to_be_visible()
    expect(desk.get_by_role("list", name="Not answered yet")).to_have_text(
        re.compile("Grace Okafor")
    )

    # The reminder reaches only the third.
    desk.get_by_role("button", name="Remind the 1 who have not answered").click()
    expect(desk.get_by_role("status").first).to_contain_text("Reminded 1 member")
    _wait_for(lambda: len(smtp_server.messages) == 4)
    time.sleep(0.5)  # nothing more is on its way
    assert len(smtp_server.messages) == 4
    reminder = smtp_server.messages[3]
    assert reminder["X-Envelope-To"] == emails[2]
    assert reminder["Subject"] == "Reminder: your union is waiting for your answer"
    assert UNIT not in reminder.get_body(("plain",)).get_content()
    assert _link_in(reminder) == _link_in(by_address[emails[2]])

    with app.app_context():
        roster = db.session.scalars(db.select(RosterRequest)).one()
        reminded = db.session.scalars(
            db.select(RosterRecipient).where(RosterRecipient.reminder_count > 0)
        ).all()
        assert roster.people_requested == 40
        assert [r.user_id for r in reminded] == [members[2].id]
        roster_id = roster.id

    # The member of another office was sent nothing: no email, no request in their list,
    # and the answer page (its address guessed from a colleague's email) is not found.
    assert outsider_email not in {m["X-Envelope-To"] for m in smtp_server.messages}
    outsider_page = new_page(phone=True)
    ui_login(outsider_page, outsider_email)
    outsider_page.goto("/roster-requests/mine")
    expect(outsider_page.locator("main")).not_to_contain_text(TITLE)
    response = outsider_page.goto(_link_in(by_address[emails[0]]))
    assert response is not None and response.status == 404
    expect(outsider_page.locator("main")).not_to_contain_text(TITLE)
    expect(outsider_page.get_by_role("button", name="Save my answer")).to_have_count(0)

    # The rep opens one collective case for the request and drafts the letter.
    desk.get_by_role("button", name="Open one collective case for it").click()
    expect(desk.get_by_role("status").first).to_contain_text("is open for this request")
    reference = desk.locator("#case a").first.inner_text()
    desk.get_by_role("button", name="Draft the information request").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Information request for the roster")

    # It prints on A4 and on US Letter: every page of Chromium's PDF is that size, and only
    # the letter is on paper (no site header, no paper-size links).
    desk.get_by_role("link", name="Print it on A4").click()
    subject = f"Re: Request for information under 5 U.S.C. 7114(b)(4): {TITLE}"
    expect(desk.get_by_role("heading", level=1)).to_have_text(subject)
    letter = desk.locator("article.letter")
    for fact in ("Dana Pruitt", "Special Agent in Charge", OFFICE, UNIT, "40 employees",
                 "Particularized need", chapter_label, chapter_name):  # fmt: skip
        expect(letter).to_contain_text(fact)
    a4 = _printed(desk)
    assert a4 and set(a4) == {A4}, a4
    desk.emulate_media(media="print")
    expect(desk.locator("body > header")).to_be_hidden()
    expect(desk.get_by_role("navigation", name="Letter")).to_be_hidden()
    expect(letter).to_be_visible()
    desk.emulate_media(media="screen")
    desk.get_by_role("link", name="US Letter").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(subject)
    letter_size = _printed(desk)
    assert letter_size and set(letter_size) == {US_LETTER}, letter_size

    # Recorded as sent on the collective case: the answer's due date, by the chapter's
    # policy, is a deadline there.
    desk.get_by_role("link", name="Back to the information request").click()
    expect(desk.get_by_label("Case it belongs to")).to_have_value(re.compile(r"^\d+$"))
    desk.get_by_role("button", name="Record it as sent").click()
    due = f"{answer_due.due_on:%B} {answer_due.due_on.day}, {answer_due.due_on.year}"
    expect(desk.get_by_role("status").first).to_contain_text(
        f"Management's answer is due {due}: the deadline is on case {reference}"
    )
    desk.get_by_role("link", name=reference).first.click()
    deadline = desk.get_by_role("row").filter(
        has_text="Management's answer to the information request"
    )
    expect(deadline).to_have_count(1)
    expect(deadline).to_contain_text(f"{answer_due.due_on:%b} {answer_due.due_on.day}")
    expect(deadline).to_contain_text(str(answer_due.due_on.year))

    with app.app_context():
        info_request = db.session.scalars(db.select(InfoRequest)).one()
        assert info_request.roster_request_id == roster_id
        assert (info_request.status, info_request.due_on) == ("sent", answer_due.due_on)
        assert info_request.case_id == db.session.get(RosterRequest, roster_id).case_id
