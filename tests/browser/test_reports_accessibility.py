"""The reports' pages pass axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker with data in
them, and the charts draw without a console error under the CSP: the dashboard (filtered
and not), the assignment board with a confidential member, the statements to review, a
statement's review page (and its refusal when a name is left), the document of approved
statements, and the member's own consent page on a phone."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, install_axe, run_vnu, ui_login
from tests.factories import make_chapter, make_notice, make_user
from union.auth.models import Role
from union.core.time import local_time, utcnow
from union.demo import load_demo_data
from union.extensions import db
from union.reports import statements as services
from union.reports.models import ReviewStatus


def _seed() -> dict[str, Any]:
    load_demo_data()
    db.session.commit()
    chapter = make_chapter(name="Reports accessibility chapter")
    rep = make_user(Role.REP, covers=[chapter])
    member = make_user(Role.MEMBER, chapter=chapter, name="Pat Example")
    today = local_time(utcnow(), chapter.timezone).date()
    pending = make_notice(
        member,
        statement="Supervisor Dana Reed emailed me (pat@example.net, 555-201-3344) that I "
        "am on the roster. Badge 2231.",
        consent_anonymized_use=True,
        confidential=True,
        starts_on=(today - timedelta(days=130)).isoformat(),
        notified_on=(today - timedelta(days=131)).isoformat(),
        ends_on=None,
    )
    approved = make_notice(
        member,
        statement="Nobody trained us for arrests.\nWe were told on a Friday.",
        consent_anonymized_use=True,
    )
    notice = services.load_statement(approved.id)
    services.save_review(notice, notice.statement, ReviewStatus.APPROVED, actor=rep)
    db.session.commit()
    return {"rep": rep.email, "member": member.email, "pending": pending.id,
            "approved": approved.id}  # fmt: skip


@pytest.mark.timeout(600)
def test_report_pages_are_accessible_and_valid_html(
    app: Flask, live_server: str, new_page: Any, a11y_tools: dict[str, str], tmp_path: Path
) -> None:
    with app.app_context():
        seeded = _seed()
    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    ui_login(page, seeded["rep"])
    pages = [
        "/reports/",
        "/reports/?status=open&concern=training",
        "/reports/?kind=tdy",  # little to count: empty charts say so
        "/reports/out-on-assignment",
        "/reports/statements",
        f"/reports/statements/{seeded['pending']}",
        f"/reports/statements/{seeded['approved']}",
        "/reports/statements/approved",
    ]
    rep = Crawler(page, "rep", live_server, tmp_path / "html", max_pages=len(pages))
    rep.crawl(pages)
    assert len(rep.visited) == len(pages)
    rep.problems = [p for p in rep.problems if not p.startswith("[crawl]")]  # stopped on purpose

    # The charts are drawn (a canvas in each box that has numbers) with no CSP complaint.
    page.goto("/reports/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".chart-box canvas").count() >= 6
    rep._flush_js_errors("/reports/ (charts drawn)")

    # Approving a text that still names someone is refused, accessibly.
    page.goto(f"/reports/statements/{seeded['pending']}")
    page.fill("textarea", "Supervisor Dana Reed told me.")
    page.get_by_role("button", name="Approve for use").click()
    page.wait_for_load_state()
    assert "Still in the text" in page.content()
    rep._save("review refused", page.content())
    rep._axe("review refused")

    member_page = new_page(phone=True)
    install_axe(member_page.context, a11y_tools["axe"])
    ui_login(member_page, seeded["member"])
    member = Crawler(member_page, "member", live_server, tmp_path / "member-html",
                     check_reflow=True, max_pages=2)  # fmt: skip
    member.crawl([f"/reports/statements/{n}/consent" for n in (seeded["approved"],
                                                                 seeded["pending"])])  # fmt: skip
    member.problems = [p for p in member.problems if not p.startswith("[crawl]")]

    saved = rep.saved + member.saved
    problems = (
        rep.problems + member.problems + run_vnu(a11y_tools["java"], a11y_tools["vnu"], saved)
    )
    print(f"rep ({len(rep.visited)} pages):", *rep.visited, sep="\n  ")
    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
