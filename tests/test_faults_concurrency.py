"""Many members submitting at once, served by two gunicorn workers: no one is told
"database is locked" (SQLite has one writer; the app waits its turn), and every notice
is stored exactly once with a case of its own."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import PASSWORD, make_chapter, make_user, notice_answers
from tests.servers import Browser, process_env
from union.cases.models import Case
from union.extensions import db
from union.notices.models import Notice, NoticeStatus

MEMBERS = 8
EACH = 3


@pytest.mark.slow
def test_concurrent_submissions_under_two_workers_are_all_stored_once(
    app, ctx, database_url, processes, tmp_path
):
    chapter = make_chapter()
    members = [make_user(chapter=chapter) for _ in range(MEMBERS)]
    answers = notice_answers(members[0])
    emails = [m.email for m in members]
    db.session.remove()
    server = processes.gunicorn(
        process_env(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=0), workers=2
    )

    def member_submits(email: str) -> list[tuple[str, int, str]]:
        browser = Browser(server.url)
        browser.log_in(email, PASSWORD)
        results = []
        for _ in range(EACH):
            marker = f"concurrent-{uuid.uuid4().hex}"
            reply = browser.submit("/notices/new", {**answers, "statement": marker, "submit": "y"})
            results.append((marker, reply.status, reply.text + reply.location))
        return results

    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        results = [r for batch in pool.map(member_submits, emails) for r in batch]

    assert not [r for r in results if "locked" in r[2].lower()], "a member saw 'locked'"
    assert [status for _, status, _ in results] == [302] * (MEMBERS * EACH), results
    db.session.expire_all()
    statements = db.session.scalars(
        db.select(Notice.statement).where(Notice.status == NoticeStatus.SUBMITTED)
    ).all()
    assert sorted(statements) == sorted(marker for marker, _, _ in results)
    references = db.session.scalars(db.select(Case.reference)).all()
    assert len(set(references)) == len(references) == MEMBERS * EACH
    assert len(server.workers_that_answered("/notices/new")) == 2
