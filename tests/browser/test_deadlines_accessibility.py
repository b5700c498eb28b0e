"""The deadline pages pass axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker with data in
them: a case page with overdue, urgent, soon-due, extended and closed deadlines and a
detail clock past its 120-day mark; a deadline's own page; the add form come back with
its errors; the account page's calendar section; and the page that shows a new calendar
address once."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, install_axe, run_vnu, ui_login
from tests.factories import make_chapter, make_notice, make_user
from union.auth.models import Role
from union.cases.models import Case
from union.core.time import local_time, utcnow
from union.deadlines import services
from union.deadlines.models import Deadline
from union.extensions import db


def _seed() -> dict[str, Any]:
    chapter = make_chapter(name="Deadline accessibility chapter")
    rep = make_user(Role.REP, covers=[chapter])
    member = make_user(Role.MEMBER, chapter=chapter)
    today = local_time(utcnow(), chapter.timezone).date()
    started = today - timedelta(days=130)
    detail = make_notice(
        member,
        kind="detail",
        notified_on=(started - timedelta(days=3)).isoformat(),
        starts_on=started.isoformat(),
        ends_on=None,
    )
    approaching = make_notice(
        member, kind="detail", starts_on=(today - timedelta(days=105)).isoformat(), ends_on=None,
        notified_on=(today - timedelta(days=110)).isoformat(),
    )  # fmt: skip
    case = db.session.get(Case, detail.case_id)
    case.assigned_rep_id = rep.id
    for offset, title in ((-2, "Overdue, for the record"), (2, "Urgent one"), (6, "Soon")):
        services.add_deadline(case, kind="custom", title=title, due_on=today + timedelta(offset))
    extended = services.add_deadline(
        case, kind="info_request", title="Answer to our request", due_on=today + timedelta(9)
    )
    services.edit_deadline(
        extended, kind="info_request", title=extended.title, due_on=today + timedelta(23),
        extension=True, reason="Agreed by phone with labor relations", actor=rep,
    )  # fmt: skip
    done = services.add_deadline(case, kind="ulp_charge", due_on=today + timedelta(40))
    services.close_deadline(done, actor=rep)
    db.session.commit()
    deadlines = db.session.scalars(db.select(Deadline.id).where(Deadline.case_id == case.id))
    return {
        "rep": rep.email,
        "cases": [detail.case_id, approaching.case_id],
        "deadlines": list(deadlines),
    }


@pytest.mark.timeout(600)
def test_deadline_pages_are_accessible_and_valid_html(
    app: Flask, live_server: str, new_page: Any, a11y_tools: dict[str, str], tmp_path: Path
) -> None:
    with app.app_context():
        seeded = _seed()
    case_id = seeded["cases"][0]
    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    ui_login(page, seeded["rep"])
    # These pages only, not the whole app they link to (the main crawl covers that).
    pages = [f"/cases/{cid}" for cid in seeded["cases"]]
    pages += [f"/cases/{case_id}/deadlines/{d}" for d in seeded["deadlines"]] + ["/account"]
    rep = Crawler(page, "rep", live_server, tmp_path / "html", max_pages=len(pages))
    rep.crawl(pages)
    assert len(rep.visited) == len(pages)
    rep.problems = [p for p in rep.problems if not p.startswith("[crawl]")]  # stopped on purpose

    # The add form, sent with nothing in it, comes back with its errors.
    page.goto(f"/cases/{case_id}")
    page.get_by_text("Add a deadline").click()
    page.get_by_role("button", name="Add deadline").click()
    page.wait_for_load_state()
    assert "Add a deadline to" in page.content()
    rep._save("add form with errors", page.content())
    rep._axe("add form with errors")

    # A new calendar address, shown once; then the account page that has one.
    page.goto("/account")
    page.get_by_role("button", name="Make my calendar address").click()
    page.wait_for_load_state()
    assert "/calendar/" in page.locator("#feed-url").input_value()
    rep._save("new calendar address", page.content())
    rep._axe("new calendar address")
    page.goto("/account")
    assert page.get_by_role("button", name="Revoke and make a new address").count() == 1
    rep._save("account with a calendar", page.content())
    rep._axe("account with a calendar")

    problems = rep.problems + run_vnu(a11y_tools["java"], a11y_tools["vnu"], rep.saved)
    print(f"rep ({len(rep.visited)} pages):", *rep.visited, sep="\n  ")
    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
