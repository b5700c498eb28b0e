"""On a phone, a member reports a notice with its memo attached, sees its reference, and
the receipt arrives at a real SMTP server on loopback."""

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import expect, ui_login
from tests.factories import PDF_BYTES, make_chapter, make_user
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices.models import Notice

STATEMENT = "Told on Friday that on Monday I report to ERO for arrests. No training."


@pytest.fixture
def browser_app_config(smtp_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **smtp_config, "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _wait_for(predicate: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def test_member_reports_a_notice_on_a_phone_and_gets_the_receipt(
    app: Flask, live_server: str, phone_page: Any, smtp_server: Any, tmp_path: Path
) -> None:
    with app.app_context():
        member = make_user(chapter=make_chapter(name="IRS-CI Atlanta"), name="Tanya Brooks")
        email = member.email
        told = local_time(utcnow(), member.chapter.timezone).date() - timedelta(days=2)
    memo = tmp_path / "Detail memo.pdf"
    memo.write_bytes(PDF_BYTES)
    page = phone_page

    ui_login(page, email)
    page.get_by_role("link", name="Report a notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a notice")

    page.get_by_label("Detail", exact=True).check()
    page.get_by_label("Directed: I was told to go").check()
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Component you are sent to (required)").select_option(
        label="DHS/ICE-ERO — ICE Enforcement and Removal Operations"
    )
    page.get_by_label("Arrests").check()
    page.get_by_label("Transport or removal flights").check()
    page.get_by_label("Date you were told (required)").fill(told.isoformat())
    page.get_by_label("None", exact=True).check()
    page.get_by_label("Use of force").check()
    page.get_by_label("Nothing extra offered").check()
    page.get_by_label("What happened, in your own words").fill(STATEMENT)
    page.get_by_label("Attach the memo, email or screenshot").set_input_files(str(memo))
    # Nothing on the form makes a phone scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Submit notice").click()

    expect(page).to_have_url(re.compile(rf"{live_server}/notices/\d+$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Notice C-\d{4}-\d{5}$"))
    reference = heading.inner_text().removeprefix("Notice ")
    expect(page.get_by_role("status")).to_contain_text(f"Its reference is {reference}")
    expect(page.get_by_role("link", name="Detail memo.pdf")).to_be_visible()
    with app.app_context():
        notice = db.session.scalars(db.select(Notice)).one()
        assert notice.status == "submitted" and notice.statement == STATEMENT

    _wait_for(lambda: len(smtp_server.messages) == 1)
    [receipt] = smtp_server.messages
    assert receipt["X-Envelope-To"] == email
    assert receipt["Subject"] == f"Your notice is received: {reference}"
    text = receipt.get_body(("plain",)).get_content()
    link = f"{live_server}/notices/{notice.id}"
    assert reference in text and link in text and STATEMENT not in text

    # The link in the email leads back to the notice.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Notice {reference}")
    page.get_by_role("link", name="My notices").first.click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
