"""The roster request pages pass axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker with data
in them, including the ones the site-wide crawl cannot reach: a member's answer page on a
phone (answered, and locked after the reply-by date), and each form sent back with its
errors."""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, install_axe, run_vnu, ui_login
from tests.factories import make_chapter, make_member, make_user, send_roster_to
from union.extensions import db
from union.rosters import answers, letters, services


class RosterCrawler(Crawler):
    """Only the roster request pages (the site-wide crawl covers the rest)."""

    def _normalize(self, href: str) -> str | None:
        url = super()._normalize(href)
        return url if url and urlsplit(url).path.startswith("/roster-requests") else None


def _seed() -> dict[str, Any]:
    from tests.factories import make_roster_request

    chapter = make_chapter(name="Accessibility roster chapter")
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter, name="Zoë Núñez")
    make_member(chapter, name=member.name, email=member.email, office="Atlanta",
                user_id=member.id)  # fmt: skip
    today = services.chapter_today(chapter)
    open_one = make_roster_request(chapter, rep, title="Open: ERO Atlanta support")
    past = make_roster_request(chapter, rep, title="Past: removal flights",
                               communicated_on=today - timedelta(days=20))  # fmt: skip
    send_roster_to(open_one, [member], rep)
    send_roster_to(past, [member], rep)
    past.reply_by = today - timedelta(days=3)  # sent in time; the reply-by date is past now
    recipient = answers.recipient_for(open_one.id, member)
    answers.give_answer(recipient, answer="objects", reason="Never trained for arrests.",
                        comment="Ask me again after training.", actor=member)  # fmt: skip
    info_request = letters.start_info_request(services.load_request(open_one.id), actor=rep)
    db.session.commit()
    sent = letters.start_info_request(services.load_request(past.id), actor=rep)
    db.session.commit()
    found = letters.load_info_request(services.load_request(past.id), sent.id)
    letters.send_info_request(found, sent_on=today - timedelta(days=30), case=None, today=today,
                              actor=rep)  # fmt: skip
    db.session.commit()
    return {
        "rep": rep.email,
        "member": member.email,
        "open": open_one.id,
        "past": past.id,
        "draft": info_request.id,
        "sent": sent.id,
    }


@pytest.mark.timeout(600)
def test_roster_pages_are_accessible_and_valid_html(
    app: Flask, live_server: str, new_page: Any, a11y_tools: dict[str, str], tmp_path: Path
) -> None:
    with app.app_context():
        seeded = _seed()
    html_dir = tmp_path / "html"
    crawlers = []

    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    ui_login(page, seeded["rep"])
    rep = RosterCrawler(page, "rep", live_server, html_dir)
    rep.crawl(["/roster-requests/"])
    rep.check_form_errors("/roster-requests/new")
    rep.check_form_errors(f"/roster-requests/{seeded['open']}/send")
    rep.check_form_errors(f"/roster-requests/{seeded['open']}/info-requests/{seeded['draft']}")
    reached = {url.removeprefix(live_server) for url in rep.visited}
    for path in (
        f"/roster-requests/{seeded['open']}",
        f"/roster-requests/{seeded['past']}",
        f"/roster-requests/{seeded['past']}/info-requests/{seeded['sent']}",
    ):
        assert path in reached, sorted(reached)
    crawlers.append(rep)

    phone = new_page(phone=True)
    install_axe(phone.context, a11y_tools["axe"])
    ui_login(phone, seeded["member"])
    member = RosterCrawler(phone, "member", live_server, html_dir, check_reflow=True)
    member.crawl(["/roster-requests/mine"])
    member.check_form_errors(f"/roster-requests/{seeded['open']}/answer")
    reached = {url.removeprefix(live_server) for url in member.visited}
    assert f"/roster-requests/{seeded['past']}/answer" in reached, sorted(reached)
    crawlers.append(member)

    problems = [p for c in crawlers for p in c.problems]
    saved = [s for c in crawlers for s in c.saved]
    problems += run_vnu(a11y_tools["java"], a11y_tools["vnu"], saved)
    assert not problems, "\n\n".join(problems)
