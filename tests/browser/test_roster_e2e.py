"""In real Chromium: a rep records a "names put forward" request for 40 people, sends it to
an office of three members, two of them answer through the link in their email, the rep
sees the tally and sends a reminder that reaches only the third — all mail over SMTP on
loopback."""

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import expect, ui_login, ui_logout
from tests.factories import make_chapter, make_member, make_user
from union.extensions import db
from union.rosters import services
from union.rosters.models import RosterRecipient, RosterRequest

OFFICE = "Atlanta Field Office"
UNIT = "ERO Atlanta"


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
        reply_by = services.chapter_today(chapter) + timedelta(days=5)
        rep_email, emails = rep.email, [m.email for m in members]

    # The rep records the request.
    desk = new_page()
    ui_login(desk, rep_email)
    desk.get_by_role("link", name="Roster requests").first.click()
    desk.get_by_role("link", name="Record a roster request").click()
    desk.get_by_label("Name of the request (required)").fill("Names put forward for ERO Atlanta")
    desk.get_by_label("Who in management asked").fill("Dana Pruitt")
    desk.get_by_label("Their title").fill("Special Agent in Charge")
    desk.get_by_label("Office", exact=True).fill(OFFICE)
    desk.get_by_label("Receiving unit").fill(UNIT)
    desk.get_by_label("Arrests").check()
    desk.get_by_label("How many people management wants").fill("40")
    desk.get_by_label("Reply-by date (required)").fill(reply_by.isoformat())
    desk.get_by_role("button", name="Save the request").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Names put forward for ERO Atlanta")
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

    # Two members answer through the link in their email.
    for email, answer in ((emails[0], "I am available"), (emails[1], "I object to it")):
        phone = new_page(phone=True)
        ui_login(phone, email)
        phone.goto(_link_in(by_address[email]))
        expect(phone.get_by_role("heading", level=1)).to_have_text(
            "Names put forward for ERO Atlanta"
        )
        phone.get_by_label(answer).check()
        if answer == "I object to it":
            phone.get_by_label("Why you object (required if you object)").fill(
                "I was hired to investigate tax crimes, not to make immigration arrests."
            )
        phone.get_by_role("button", name="Save my answer").click()
        expect(phone.get_by_role("status").first).to_contain_text("Your answer is saved")
        ui_logout(phone)

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
