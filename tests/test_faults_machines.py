"""Several machines in miniature: two gunicorn "hosts" on two loopback ports, one
PostgreSQL, one Redis, two ``union scheduler`` processes, a real SMTP server. A login
made on one host is good on the other, a rate limit counts across both, and every
receipt and digest is delivered exactly once though both schedulers try to send it."""

import time
from datetime import timedelta

import pytest

from tests.factories import PASSWORD, make_chapter, make_user, notice_answers
from tests.servers import Browser, process_env, wait_until
from union.core.outbox import OutboxMessage, OutboxStatus
from union.core.time import utcnow
from union.extensions import db


@pytest.mark.slow
def test_two_hosts_two_schedulers_one_database_nothing_twice(
    app, ctx, backend, database_url, redis_url, smtp_server, processes, tmp_path
):
    if backend != "postgresql":
        pytest.skip("several hosts share one PostgreSQL server")
    from union.digests import services as digests

    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter], name="Rita Rep")
    members = [make_user(chapter=chapter) for _ in range(4)]
    digests.save_preference(rep, frequency="daily", hour=7, weekday=0,
                            timezone="America/New_York", send_when_empty=True, actor=rep,
                            now=utcnow() - timedelta(days=3))  # fmt: skip
    db.session.commit()
    answers = notice_answers(members[0])
    emails, rep_email = [m.email for m in members], rep.email
    db.session.remove()

    redis, prefix = redis_url
    env = process_env(
        database_url,
        tmp_path / "uploads",  # one shared folder, as an NFS mount would be
        SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        RATELIMIT_STORAGE_URI=redis,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_PASSWORD_RESET="3 per hour",
        OUTBOX_SEND_AFTER_COMMIT=0,  # only the schedulers send: they must not both send
        OUTBOX_SWEEP_SECONDS=1,
        DIGEST_JOB_SECONDS=1,
    )
    host_a = processes.gunicorn(env, workers=2, label="host-a")
    host_b = processes.gunicorn(env, workers=2, label="host-b")

    # A login made on host A is good on host B (the same SECRET_KEY signs both).
    on_a = Browser(host_a.url)
    on_a.log_in(rep_email, PASSWORD)
    on_b = Browser(host_b.url)
    on_b.set_cookie("steward_session", on_a.cookie("steward_session"))
    page = on_b.get("/")
    assert page.status == 200 and "Rita Rep" in page.text

    # A rate limit counts requests to both hosts together (Redis).
    statuses = []
    for n in range(8):
        host = (host_a, host_b)[n % 2]
        reply = Browser(host.url).submit("/password/forgot", {"email": f"x{n}@example.org"})
        statuses.append(reply.status)
    assert statuses.count(302) == 3 and statuses.count(429) == 5, statuses

    # Members submit on either host; two schedulers send what the outbox holds.
    for n, email in enumerate(emails):
        browser = Browser((host_a, host_b)[n % 2].url)
        browser.log_in(email, PASSWORD)
        reply = browser.submit("/notices/new", {**answers, "statement": f"n{n}", "submit": "y"})
        assert reply.status == 302 and reply.location.startswith("/notices/")
    assert smtp_server.messages == []  # the web hosts sent nothing themselves
    schedulers = [processes.union(env, "scheduler", label=f"scheduler-{n}") for n in (1, 2)]

    expected = len(emails) + 1  # a receipt each, and the rep's digest
    wait_until(lambda: len(smtp_server.messages) >= expected, 45, "the receipts and digest")
    time.sleep(3)  # several more sweeps of both schedulers: nothing goes out again
    delivered = [m["Message-ID"] for m in smtp_server.messages]
    assert len(delivered) == len(set(delivered)) == expected, delivered
    db.session.expire_all()
    outbox = db.session.scalars(db.select(OutboxMessage)).all()
    assert sorted(m.message_id for m in outbox) == sorted(delivered)
    assert all(m.status == OutboxStatus.SENT and m.attempts == 1 for m in outbox)
    for scheduler in schedulers:  # both were at it all along
        assert scheduler.output().count('Running job "outbox') >= 3, scheduler.output()[-2000:]
