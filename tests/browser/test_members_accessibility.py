"""The member pages pass axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker with data in
them: a rep's directory, member pages, every step of an import, the verification queue,
and the join page an invited member opens."""

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.helpers import Crawler, SavedPage, install_axe, run_vnu, ui_login
from tests.factories import make_chapter, make_member, make_user
from union.auth.models import Role, Verification
from union.core.time import utcnow
from union.extensions import db
from union.members import imports, jobs, services

LIST = (
    "Member No;Full Name;Personal E-mail;Office\n"
    "1001;Ana Lima;ana@example.net;Atlanta\n"
    "1002;Ben Cole;ben@;Atlanta\n"
    "1004;Zoë Núñez;zoe@example.net;Dallas\n"
    "1005;Nguyễn Văn An;an@example.net;Dallas\n"
).encode()


@pytest.fixture
def browser_app_config(tmp_path: Path) -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, "MEMBER_IMPORT_FOLDER": str(tmp_path / "imports")}


def _seed() -> dict[str, Any]:
    chapter = make_chapter(name="Accessibility test chapter")
    rep = make_user(Role.REP, covers=[chapter])
    joined = make_user(Role.MEMBER, chapter=chapter, name="Ana Lima")
    pending = make_user(Role.MEMBER, chapter=chapter, name="Sam Stranger")
    pending.verification = Verification.PENDING
    pending.claimed_member_number = "4242"
    make_member(chapter, "1001", name="Ana Lima", office="Atlanta", user_id=joined.id,
                joined_at=utcnow())  # fmt: skip
    make_member(chapter, "1002", name="Sam Stranger", invited_at=utcnow(), invitation_count=2)
    make_member(chapter, "1003", name="Gone Away", missing=True, missing_since=utcnow())
    invited = make_member(chapter, "1004", name="Zoë Núñez", email="zoe@example.net")

    done = imports.start_upload(chapter, "members.csv", LIST, actor=rep)
    imports.confirm_run(done, actor=rep)
    db.session.commit()
    jobs.run_import(done.id)
    draft = imports.start_upload(chapter, "members-may.csv", LIST, actor=rep)
    invitation = services.invite(chapter, [invited], actor=rep)
    token = services.invitation_token(invitation.sent[0])
    db.session.commit()
    return {"rep": rep.email, "draft": draft.id, "token": token, "chapter": chapter.id}


@pytest.mark.timeout(600)
def test_member_pages_are_accessible_and_valid_html(
    app: Flask, live_server: str, new_page: Any, a11y_tools: dict[str, str], tmp_path: Path
) -> None:
    with app.app_context():
        seeded = _seed()
    html_dir = tmp_path / "html"

    page = new_page()
    install_axe(page.context, a11y_tools["axe"])
    ui_login(page, seeded["rep"])
    rep = Crawler(page, "rep", live_server, html_dir)
    draft = seeded["draft"]
    rep.crawl(["/members", "/members/verification", f"/members/imports/{draft}/columns",
               f"/members/imports/{draft}/review"])  # fmt: skip
    rep.check_form_errors(f"/members/chapters/{seeded['chapter']}/import")
    reached = {url.removeprefix(live_server) for url in rep.visited}
    assert f"/members/chapters/{seeded['chapter']}" in reached
    assert any(url.startswith("/members/imports/") for url in reached)

    anonymous_page = new_page(phone=True)
    install_axe(anonymous_page.context, a11y_tools["axe"])
    invited = Crawler(anonymous_page, "invited", live_server, html_dir, check_reflow=True)
    invited.crawl([f"/join/{seeded['token']}"])
    invited.check_form_errors(f"/join/{seeded['token']}")
    invited.check_error_page("/join/an-expired-or-forged-link")

    saved: list[SavedPage] = rep.saved + invited.saved
    problems = (
        rep.problems + invited.problems + run_vnu(a11y_tools["java"], a11y_tools["vnu"], saved)
    )
    for crawler in (rep, invited):
        print(f"{crawler.role} ({len(crawler.visited)} pages):", *crawler.visited, sep="\n  ")
    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
