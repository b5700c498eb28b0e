"""The case pages pass axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker with data in
them: a queue with overdue, urgent and soon-due rows and a saved view; a collective case
with a confidential member, replies, notes and actions; the case page come back with a
form's errors; and the page that refuses a stale edit."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, expect, install_axe, run_vnu, ui_login
from tests.factories import case_of, make_chapter, make_notice, make_user
from union.auth.models import Role
from union.cases import services
from union.cases.queue import CaseFilter, save_view
from union.core.time import local_time, utcnow
from union.deadlines import services as deadline_services
from union.extensions import db


def _seed() -> dict[str, Any]:
    chapter = make_chapter(name="Case accessibility chapter")
    rep = make_user(Role.REP, covers=[chapter, make_chapter()], name="Marcus Bell")
    today = local_time(utcnow(), chapter.timezone).date()
    notices = [
        make_notice(make_user(chapter=chapter, name=name), receiving_unit="ERO Atlanta",
                    confidential=name == "Luis Romero", kind="roster_nomination",
                    safety_health="No vests." if name == "Grace Okafor" else None)
        for name in ("Tanya Brooks", "Luis Romero", "Grace Okafor", "DeShawn Price")
    ]  # fmt: skip
    collective = case_of(notices[0])
    services.link_notices(collective, [case_of(n) and n for n in notices[1:3]], actor=rep)
    services.assign_case(collective, rep, actor=rep)
    services.change_status(collective, "triaged", actor=rep)
    services.set_priority(collective, "urgent", actor=rep)
    services.record_action(collective, kind="grievance", step=1, taken_on=today, note="Filed.",
                           today=today, actor=rep)  # fmt: skip
    services.add_comment(collective, "Internal: check the MOU.", reply=False, actor=rep)
    services.add_comment(collective, "We are on it.", reply=True, actor=rep)
    for offset in (-3, 2, 6, 30):
        case = case_of(make_notice(make_user(chapter=chapter), kind="detail"))
        deadline_services.add_deadline(case, kind="custom", title=f"Due {offset}",
                                       due_on=today + timedelta(days=offset))  # fmt: skip
    save_view(rep, "Urgent roster cases", CaseFilter(kind="roster_nomination", sort="priority"))
    db.session.commit()
    return {"rep": rep.email, "collective": collective.id, "single": case_of(notices[3]).id}


@pytest.mark.timeout(600)
def test_case_pages_are_accessible_and_valid_html(
    app: Flask, live_server: str, new_page: Any, a11y_tools: dict[str, str], tmp_path: Path
) -> None:
    with app.app_context():
        seeded = _seed()
    collective = seeded["collective"]
    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    ui_login(page, seeded["rep"])
    pages = ["/cases/", "/cases/?sort=due&status=all", "/cases/?opened_from=soon&due=whenever",
             f"/cases/{collective}", f"/cases/{seeded['single']}"]  # fmt: skip
    rep = Crawler(page, "rep", live_server, tmp_path / "html", max_pages=len(pages))
    rep.crawl(pages)
    assert len(rep.visited) == len(pages)
    rep.problems = [p for p in rep.problems if not p.startswith("[crawl]")]  # stopped on purpose

    def check(label: str) -> None:
        page.wait_for_load_state()
        rep._save(label, page.content())
        rep._axe(label)

    # The comment and action forms, sent empty, come back with their errors.
    page.goto(f"/cases/{collective}")
    page.get_by_role("button", name="Add to the case").click()
    expect(page.locator("#comment-body-error")).to_have_text("Write the note.")
    check("comment form with errors")
    page.get_by_role("button", name="Record action").click()
    expect(page.locator("#action-kind-error")).to_have_text("Choose what was done.")
    check("action form with errors")

    # Someone else changes the case while this page is open: the save is refused.
    page.goto(f"/cases/{collective}")
    with app.app_context():
        case = services.load_case(collective)
        services.set_priority(case, "low", actor=None)
        db.session.commit()
    page.get_by_label("Priority", exact=True).select_option("high")
    page.get_by_role("button", name="Set priority").click()
    expect(page.locator("#stale-heading")).to_be_visible()
    check("stale edit refused")

    # A bulk change with nothing ticked says so on the queue.
    page.goto("/cases/")
    page.get_by_role("button", name="Apply to the ticked cases").click()
    expect(page.locator(".flash-error")).to_contain_text("Tick the cases to change first.")
    check("queue after a refused bulk change")

    problems = rep.problems + run_vnu(a11y_tools["java"], a11y_tools["vnu"], rep.saved)
    print(f"rep ({len(rep.visited)} pages):", *rep.visited, sep="\n  ")
    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
