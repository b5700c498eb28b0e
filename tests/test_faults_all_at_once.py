"""The check the union will run, in one test: members keep submitting notices while the
SMTP server is stopped and the database drops every connection (what a restart does to
the app). Afterwards every notice a member was told is submitted is stored exactly once,
with its case and its receipt in the outbox; and once the SMTP server is back, two
``union scheduler`` processes deliver every receipt exactly once (some went out before
the outage, straight after their commit, and must not go out again).

The restart is simulated as in ``test_faults_database.py`` (restarting the machine's
PostgreSQL would break every other test session on it).
"""

import time
import uuid
from datetime import timedelta

import pytest

from tests.factories import make_chapter, make_user, notice_answers
from tests.servers import process_env, wait_until
from tests.test_faults_database import _submit, _terminate_connections, members_submitting
from union.auth.models import User
from union.core.outbox import OutboxMessage, OutboxStatus
from union.core.time import utcnow
from union.extensions import db
from union.notices.models import Notice, NoticeStatus

MEMBERS = 4


def _time_passes() -> None:
    """Every backoff and every claim left by a dropped connection is over (the sweep would
    take them up again within minutes; the test does not wait that long)."""
    past = utcnow() - timedelta(hours=1)
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=past)
    )
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .values(claimed_at=past)
    )
    db.session.commit()


@pytest.mark.slow
def test_under_load_with_the_database_restarted_and_smtp_stopped_nothing_is_lost_or_doubled(
    app, ctx, backend, database_url, smtp_server, processes, tmp_path
):
    if backend != "postgresql":
        pytest.skip("a SQLite file has no server to restart")
    chapter = make_chapter()
    members = [make_user(chapter=chapter).email for _ in range(MEMBERS)]
    answers = notice_answers(db.session.scalar(db.select(User).where(User.email == members[0])))
    db.session.remove()  # the test's own connection is dropped too: hold none meanwhile
    env = process_env(
        database_url,
        tmp_path / "uploads",
        RATELIMIT_ENABLED=0,
        SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        MAIL_TIMEOUT=3,
        OUTBOX_SWEEP_SECONDS=1,
        DIGEST_JOB_SECONDS=3600,
    )
    server = processes.gunicorn(env, workers=2)  # sends each receipt after its commit
    with members_submitting(server.url, members, answers) as outcomes:
        time.sleep(2)
        delivered_before_outage = len(smtp_server.messages)
        smtp_server.stop()
        killed = [_terminate_connections(database_url) for _ in range(3) if not time.sleep(1)]
        time.sleep(1.5)
    assert sum(killed) > 0, "no connection was there to drop: the test proved nothing"
    assert delivered_before_outage > 0, "no receipt went out before the outage"
    # Caught by the restart, a request is told to try again (503), never "error" (500).
    assert not [o for o in outcomes.values() if "500" in o], "a member saw a server error"

    # Still no SMTP: the next members are told their notice is in, not about the outage.
    after = {f"after-{n}-{uuid.uuid4().hex}": m for n, m in enumerate(members)}
    for marker, member in after.items():
        assert _submit(server.url, member, answers, marker) == "stored", marker
        outcomes[marker] = "stored"

    # Every notice confirmed to a member is there once, submitted, with its case; one
    # whose request died with its connection is there at most once (never half).
    db.session.expire_all()
    stored: dict[str, list[Notice]] = {}
    for notice in db.session.scalars(db.select(Notice)):
        stored.setdefault(notice.statement or "", []).append(notice)
    for marker, outcome in outcomes.items():
        found = stored.get(marker, [])
        if outcome == "stored":
            assert len(found) == 1, f"{marker}: confirmed, but stored {len(found)} times"
        else:
            assert len(found) <= 1, f"{marker}: {outcome}, and stored {len(found)} times"
        for notice in found:
            assert notice.status == NoticeStatus.SUBMITTED and notice.case_id is not None
    notices = [n for found in stored.values() for n in found]
    confirmed = sum(1 for outcome in outcomes.values() if outcome == "stored")
    assert confirmed > len(after), "no submission went through while the load ran"

    # Each stored notice has its receipt waiting or sent, written with it.
    receipts = {
        m.message_id: m
        for m in db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == "notice-receipt")
        )
    }
    expected = {f"<notice-receipt.{n.id}@127.0.0.1>" for n in notices}
    assert set(receipts) == expected
    assert any(m.status != OutboxStatus.SENT for m in receipts.values()), "no outage was seen"

    # SMTP is back; two schedulers sweep the outbox together.
    smtp_server.start()
    _time_passes()
    db.session.remove()
    schedulers = [processes.union(env, "scheduler", label=f"scheduler-{n}") for n in (1, 2)]

    def delivered() -> list[str]:
        return [m["Message-ID"] for m in smtp_server.messages]

    wait_until(lambda: expected <= set(delivered()), 90, "every receipt to be delivered")
    time.sleep(3)  # more sweeps by both schedulers: nothing goes out again
    assert sorted(delivered()) == sorted(expected), "a receipt was delivered twice or unasked"
    db.session.expire_all()
    statuses = db.session.scalars(
        db.select(OutboxMessage.status).where(OutboxMessage.kind == "notice-receipt")
    ).all()
    assert set(statuses) == {OutboxStatus.SENT}
    for scheduler in schedulers:
        assert scheduler.alive(), scheduler.output()[-2000:]
