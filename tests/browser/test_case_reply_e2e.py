"""A rep filters the queue, opens a case, replies to the member; the member, in another
browser, sees the reply on their notice page, and the email told them only that it was
waiting."""

import re
from typing import Any

from flask import Flask

from tests.browser.helpers import expect, ui_login
from tests.factories import case_of, make_chapter, make_notice, make_user

REPLY = "We asked management for the task force roster. Do not sign anything before Friday."


def test_a_rep_replies_and_the_member_sees_the_reply(
    app: Flask, live_server: str, new_page: Any, sent_mail: list[Any]
) -> None:
    with app.app_context():
        chapter = make_chapter("247", name="IRS-CI Atlanta")
        rep = make_user("rep", covers=[chapter], name="Marcus Bell")
        member = make_user(chapter=chapter, name="Tanya Brooks")
        notice = make_notice(member, kind="task_force", receiving_unit="ERO Atlanta Task Force")
        make_notice(make_user(chapter=chapter), kind="detail", receiving_unit="Docket Unit")
        reference = case_of(notice).reference
        rep_email, member_email, notice_id = rep.email, member.email, notice.id

    page = new_page()
    ui_login(page, rep_email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    page.get_by_label("Kind of notice").select_option(label="Task force")
    page.get_by_role("button", name="Show cases").click()
    expect(page).to_have_url(re.compile(r"/cases/\?.*kind=task_force"))
    rows = page.locator("table.queue-table tbody tr")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name=reference).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    expect(page.get_by_text("Reported by Tanya Brooks")).to_be_visible()
    page.get_by_label("Reply to the member: they read it on their notice page").check()
    page.get_by_label("Text", exact=True).fill(REPLY)
    page.get_by_role("button", name="Add to the case").click()
    expect(page.get_by_role("status").first).to_contain_text("Your reply is on the case")
    expect(page.locator("#timeline")).to_contain_text(REPLY)
    expect(page.locator("#timeline")).to_contain_text("Reply to the members")

    # The email says a reply is waiting, with a link, and never the reply itself.
    [email] = [m for m in sent_mail if m.to == [member_email] and "reply" in m.subject]
    link = f"{live_server}/notices/{notice_id}#timeline"
    assert link in email.body and REPLY not in email.body
    assert REPLY not in email.alternatives[0][0]

    member_page = new_page(phone=True)
    ui_login(member_page, member_email)
    member_page.goto(link)
    expect(member_page.get_by_role("heading", level=1)).to_have_text(f"Notice {reference}")
    timeline = member_page.locator("#timeline")
    expect(timeline).to_contain_text("Reply from the union")
    expect(timeline).to_contain_text(REPLY)
    expect(timeline).to_contain_text("Marcus Bell")
