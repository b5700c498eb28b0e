"""The database goes away while the app serves: no notice is lost or doubled, and the
requests after it succeed (the pool checks each connection before use: pool_pre_ping).

Restarting the machine's PostgreSQL server would break every other test session running
on it, so the restart is simulated the way the app sees one: every connection to the
test's database is terminated by the server (``pg_terminate_backend``), as a restart
or a failover does.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.factories import PASSWORD, login, make_chapter, make_user, notice_answers
from tests.servers import Browser, process_env
from union.auth.models import User
from union.extensions import db
from union.notices.models import Notice, NoticeStatus


def _terminate_connections(url: str) -> int:
    """What a server restart does to the app's pooled connections."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    engine.dispose()
    return int(killed or 0)


def _submit(base_url: str, email: str, answers: dict, marker: str) -> str:
    """A member logs in and submits a notice: "stored" when the app says it is, else
    what they saw instead."""
    browser = Browser(base_url)
    try:
        browser.log_in(email, PASSWORD)
        reply = browser.submit("/notices/new", {**answers, "statement": marker, "submit": "y"})
    except (AssertionError, OSError) as error:
        return f"error: {error}"
    if reply.status == 302 and reply.location.startswith("/notices/"):
        return "stored"
    return f"status {reply.status}"


@contextmanager
def members_submitting(base_url: str, members: list[str], answers: dict) -> Iterator[dict]:
    """Each of ``members`` submitting notice after notice until the block ends; yields
    what each submission's member was told, by the marker in its statement."""
    outcomes: dict[str, str] = {}
    stop = threading.Event()

    def load(member: str) -> None:
        while not stop.is_set():
            marker = f"load-{uuid.uuid4().hex}"
            outcomes[marker] = _submit(base_url, member, answers, marker)

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        for member in members:
            pool.submit(load, member)
        try:
            yield outcomes
        finally:
            stop.set()


@pytest.mark.slow
def test_requests_after_the_database_drops_every_connection_succeed_and_nothing_is_lost(
    app, ctx, backend, database_url, processes, tmp_path
):
    if backend != "postgresql":
        pytest.skip("a SQLite file has no server to restart")
    chapter = make_chapter()
    members = [make_user(chapter=chapter).email for _ in range(4)]
    answers = notice_answers(db.session.scalar(db.select(User).where(User.email == members[0])))
    db.session.remove()  # the test's own connection is dropped too: hold none meanwhile
    server = processes.gunicorn(
        process_env(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=0), workers=2
    )
    with members_submitting(server.url, members, answers) as outcomes:
        time.sleep(1.5)
        killed = [_terminate_connections(database_url) for _ in range(3) if not time.sleep(1)]
        time.sleep(1)
    assert sum(killed) > 0, "no connection was there to drop: the test proved nothing"

    # Afterwards every request succeeds: the pool replaces the dead connections.
    after = {f"after-{n}-{uuid.uuid4().hex}": m for n, m in enumerate(members * 2)}
    for marker, member in after.items():
        assert _submit(server.url, member, answers, marker) == "stored", marker
    reader = Browser(server.url)
    reader.log_in(members[0], PASSWORD)
    assert [reader.get("/notices/").status for _ in range(5)] == [200] * 5

    # Every notice the member was told was submitted is there exactly once; one whose
    # request died with its connection left nothing behind (not even half a notice).
    db.session.expire_all()
    stored = {}
    for notice in db.session.scalars(db.select(Notice)):
        stored.setdefault(notice.statement, []).append(notice)
    for marker, outcome in {**outcomes, **dict.fromkeys(after, "stored")}.items():
        found = stored.get(marker, [])
        if outcome == "stored":
            assert len(found) == 1, f"{marker}: confirmed, but stored {len(found)} times"
            assert found[0].status == NoticeStatus.SUBMITTED and found[0].case_id is not None
        else:
            assert found == [], f"{marker}: the member saw {outcome}, yet it was stored"
    confirmed = sum(1 for outcome in outcomes.values() if outcome == "stored")
    assert confirmed > 0, "no submission went through while the load ran"
    assert not [o for o in outcomes.values() if "500" in o], "a member saw a server error"


def test_a_request_whose_database_went_away_says_try_again_not_error(app, client, ctx, monkeypatch):
    """A request caught by the restart is refused with 503 and a page that says what
    happened to what was sent (not saved) and what to do (send it again)."""
    from union.notices import views

    login(client, make_user(chapter=make_chapter()))

    def database_gone(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(views.services, "member_notices", database_gone)
    response = client.get("/notices/")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "was not saved" in page and "send it again" in page
    monkeypatch.undo()
    assert client.get("/notices/").status_code == 200  # the next request is served
