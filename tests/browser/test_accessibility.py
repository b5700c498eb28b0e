"""Every page anyone can reach passes axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker.

For each kind of person — anonymous, member, rep, admin — log in through the UI, then
crawl every same-origin page reachable by links from where they land. A new page is
covered as soon as some page links to it; to cover a page that only shows up with data
(a case, a notice…), add that data in ``_seed`` below.

Needs ``npm ci`` (axe-core, vnu-jar in node_modules) and ``java``.
"""

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, SavedPage, install_axe, run_vnu, ui_login
from tests.factories import make_chapter, make_user
from union.auth.models import Role
from union.chapters.models import Chapter
from union.demo import load_demo_data
from union.extensions import db

ANONYMOUS_START = ["/", "/login", "/register", "/password/forgot"]
ANONYMOUS_FORMS = ["/login", "/register", "/password/forgot"]
# Members report from their phones: their view is crawled at 390x844 and must reflow.
# Reps and admins work at a desk: 1280x900.
PHONE_ROLES = {"member"}


def _seed() -> dict[str, str]:
    """The people whose views are crawled (role -> email), and some data to show them.

    The demo data gives realistic chapters and people; as it grows (notices, cases…) the
    crawl sees populated pages without changes here.
    """
    load_demo_data()
    db.session.commit()
    chapter = make_chapter(name="Accessibility test chapter")
    every_chapter = db.session.query(Chapter).order_by(Chapter.id).all()
    member = make_user(Role.MEMBER, chapter=chapter)
    rep = make_user(Role.REP, chapter=chapter, covers=every_chapter)
    admin = make_user(Role.ADMIN)
    return {"member": member.email, "rep": rep.email, "admin": admin.email}


@pytest.mark.timeout(900)  # up to 4 x 200 pages; today it takes ~20 s
def test_every_reachable_page_is_accessible_and_valid_html(
    app: Flask,
    live_server: str,
    new_page: Any,
    a11y_tools: dict[str, str],
    tmp_path: Path,
) -> None:
    with app.app_context():
        people = _seed()
    html_dir = tmp_path / "html"
    crawlers: list[Crawler] = []

    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    anonymous = Crawler(page, "anonymous", live_server, html_dir)
    anonymous.crawl(ANONYMOUS_START)
    for path in ANONYMOUS_FORMS:
        anonymous.check_form_errors(path)
    anonymous.check_error_page("/no-such-page")
    crawlers.append(anonymous)

    for role, email in people.items():
        phone = role in PHONE_ROLES
        page = new_page(phone=phone)
        install_axe(page.context, a11y_tools["axe"])
        ui_login(page, email)
        crawler = Crawler(page, role, live_server, html_dir, check_reflow=phone)
        crawler.crawl([page.url])
        if role == "member":
            crawler.check_error_page("/admin/users")  # not theirs to see: 403 or 404
        crawlers.append(crawler)

    saved: list[SavedPage] = [s for c in crawlers for s in c.saved]
    problems = [p for c in crawlers for p in c.problems]

    # A crawl that saw nothing proves nothing: each view must reach its known pages.
    expected = {
        "anonymous": {"/login", "/register", "/password/forgot"},
        "member": {"/", "/account"},
        "rep": {"/", "/account"},
        "admin": {"/", "/account", "/admin/chapters", "/admin/users"},
    }
    for crawler in crawlers:
        reached = {url.removeprefix(live_server) for url in crawler.visited}
        if missing := expected[crawler.role] - reached:
            problems.append(
                f"[crawl] the {crawler.role} crawl never checked {sorted(missing)}; "
                f"it checked {sorted(reached)}"
            )

    problems += run_vnu(a11y_tools["java"], a11y_tools["vnu"], saved)

    summary = ", ".join(f"{c.role}: {len(c.visited)}" for c in crawlers)
    for crawler in crawlers:  # shown with -s or -rP: what the crawl covered
        print(f"{crawler.role} ({len(crawler.visited)} pages):", *crawler.visited, sep="\n  ")
    assert not problems, (
        f"{len(problems)} accessibility/markup problem(s) on pages crawled ({summary}):\n\n"
        + "\n\n".join(problems)
    )
