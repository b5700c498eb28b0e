"""Production as deployed: two real ``union scheduler`` processes on one PostgreSQL
database and a real SMTP server on loopback that is down when the digests fall due.
200 reps in four time zones each get exactly one digest for their period once the
server is back; the digests of chapters with confidential notices carry no member's
name, address or statement. And the embedded default: one ``union run`` process that
serves the app and runs the scheduler inside it."""

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests.factories import make_chapter, make_digest_preference, make_notice, make_user
from tests.servers import Browser, free_port, process_env, wait_until
from union.core.outbox import OutboxMessage, OutboxStatus
from union.core.time import utcnow
from union.digests.models import DeliveryStatus, DigestDelivery
from union.digests.periods import latest_period
from union.digests.services import message_key
from union.extensions import db
from union.notices.models import Notice

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "Pacific/Honolulu"]
REPS_PER_CHAPTER = 50
REPS = REPS_PER_CHAPTER * len(ZONES)
# One line of the digest job's log: "digests: 200 due, 93 queued, 0 sent, …".
JOB_LOG = re.compile(r"digests: (\d+) due, (\d+) queued, (\d+) sent")


def _fresh(stmt):
    db.session.rollback()  # a new snapshot: what the schedulers committed since
    return db.session.scalar(stmt)


def _count(*where):
    return _fresh(select(func.count()).select_from(OutboxMessage).where(*where))


def _digests(smtp_server) -> list:
    return [m for m in smtp_server.messages if m["Message-ID"].startswith("<digest.")]


def _whole(message) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return "\n".join([headers, text, html])


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_union_schedulers_and_an_smtp_outage_200_reps_one_digest_each(
    ctx, backend, database_url, smtp_server, processes, tmp_path
):
    if backend != "postgresql":
        pytest.skip("several scheduler processes share a PostgreSQL database; SQLite is "
                    "the embedded default, one process")  # fmt: skip
    now = utcnow()
    reps, expected_keys, secrets, confidential_chapters = [], {}, [], set()
    for n, zone in enumerate(ZONES):
        chapter = make_chapter(timezone=zone)
        # Due three hours ago on the chapter's clock: the next period is 21 hours away,
        # so however long the test takes, one period per rep is due.
        hour = (now.astimezone(ZoneInfo(zone)).hour - 3) % 24
        period = latest_period("daily", hour, 0, zone, now)
        name, email = f"Zora Private-Member{n}", f"zora.private{n}@example.net"
        statement = f"STATEMENT-{n}: my supervisor Jane Roe told me on Friday"
        secrets += [name, "Zora", f"Private-Member{n}", email, statement, "Jane Roe"]
        member = make_user("member", chapter=chapter, name=name, email=email)
        confidential = n % 2 == 0
        notice = make_notice(member, confidential=confidential, statement=statement)
        # Filed before the period began: it is in this period's digest.
        db.session.execute(
            update(Notice)
            .where(Notice.id == notice.id)
            .values(submitted_at=period.start - timedelta(hours=1))
        )
        if confidential:
            confidential_chapters.add(chapter.label)
        for _ in range(REPS_PER_CHAPTER):
            rep = make_user("rep", covers=[chapter])
            make_digest_preference(rep, "daily", hour=hour, timezone=zone)
            reps.append(rep)
            expected_keys[rep.email] = message_key(rep.id, period.key)
    db.session.commit()
    assert _count(OutboxMessage.kind == "digest") == 0
    # The members' receipts wait in the outbox too (factories send nothing themselves).
    receipts = _count(OutboxMessage.kind != "digest", OutboxMessage.status == OutboxStatus.PENDING)

    smtp_server.stop()  # down when the digests fall due
    env = process_env(
        database_url,
        tmp_path / "uploads",
        BASE_URL="http://steward.test",
        SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        DIGEST_JOB_SECONDS=2,
        OUTBOX_SWEEP_SECONDS=2,
    )
    started = time.monotonic()
    schedulers = [processes.union(env, "scheduler", label=f"scheduler-{n}") for n in (1, 2)]

    # Every digest is claimed, queued and tried once; the refused send is kept.
    tried = (OutboxMessage.kind == "digest", OutboxMessage.attempts >= 1)
    wait_until(lambda: _count(*tried) == REPS, 240, "200 digests queued and tried")
    queued_after = time.monotonic() - started
    time.sleep(6)  # the server stays down over several more runs of both jobs
    assert _count(OutboxMessage.kind == "digest") == REPS  # nothing queued twice
    assert _count(*tried, OutboxMessage.status == OutboxStatus.PENDING) == REPS
    assert _count(*tried, OutboxMessage.last_error.like("%Connection refused%")) == REPS
    assert _fresh(select(func.count()).select_from(DigestDelivery)) == REPS
    assert smtp_server.messages == []

    smtp_server.start()
    back = time.monotonic()
    # The backoff after a first failure is a minute; the sweeps then send each once.
    wait_until(lambda: len(_digests(smtp_server)) >= REPS, 240, "200 digests received")
    delivered_after = time.monotonic() - back
    time.sleep(6)  # more runs of both schedulers: nothing goes out again
    for scheduler in schedulers:
        assert scheduler.alive(), scheduler.output()[-3000:]

    messages = _digests(smtp_server)
    others = [m["Message-ID"] for m in smtp_server.messages if m not in messages]
    assert len(others) == len(set(others)) == receipts  # sent once each, as well
    print(f"queued and tried in {queued_after:.1f} s; all {len(messages)} received "
          f"{delivered_after:.1f} s after the server came back")  # fmt: skip
    assert len(messages) == REPS
    assert sorted(m["To"] for m in messages) == sorted(r.email for r in reps)
    # Each rep's one digest is the one for their own period, on their own clock.
    for message in messages:
        key = expected_keys[message["To"]]
        assert message["Message-ID"] == f"<digest.{key}@steward.test>"
    rows = _fresh(select(func.count()).select_from(DigestDelivery))
    assert rows == REPS
    queued = _fresh(
        select(func.count())
        .select_from(DigestDelivery)
        .where(DigestDelivery.status == DeliveryStatus.QUEUED.value)
    )
    assert queued == REPS
    assert _count(OutboxMessage.kind == "digest", OutboxMessage.status == OutboxStatus.SENT) == REPS
    assert _count(OutboxMessage.kind == "digest", OutboxMessage.attempts < 2) == 0
    assert _count(OutboxMessage.kind == "digest", OutboxMessage.last_error.is_not(None)) == 0

    # Confidential or not, no member's name, address or words leave the app.
    seen_confidential = 0
    for message in messages:
        everything = _whole(message)
        for secret in secrets:
            assert secret not in everything, f"{secret!r} left the app in a digest"
        chapter = message["Subject"].split(":")[0]
        if chapter in confidential_chapters:
            assert "confidential" in message.get_body(("plain",)).get_content()
            seen_confidential += 1
    assert seen_confidential == REPS // 2

    # Both schedulers ran the digest job, and between them queued each digest once.
    logs = [scheduler.output() for scheduler in schedulers]
    queued_by = [sum(int(m[2]) for m in JOB_LOG.finditer(log)) for log in logs]
    print("queued by each scheduler:", queued_by)
    assert sum(queued_by) == REPS
    for log in logs:
        assert log.count('Running job "digests') >= 3, log[-2000:]


@pytest.mark.slow
def test_the_embedded_default_sends_digests_from_inside_the_web_process(
    ctx, database_url, smtp_server, processes, tmp_path
):
    """One process, as installed by default: ``union run`` serves the app and runs the
    scheduler inside it; the digests due go out once over SMTP."""
    chapter = make_chapter()
    reps = [make_user("rep", covers=[chapter]) for _ in range(3)]
    for rep in reps:
        make_digest_preference(rep, "daily", hour=6, send_when_empty=True)
    db.session.commit()
    port = free_port()
    env = process_env(
        database_url,
        tmp_path / "uploads",
        STEWARD_ENV="development",
        SCHEDULER_IN_PROCESS=1,
        BASE_URL=f"http://127.0.0.1:{port}",
        SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        DIGEST_JOB_SECONDS=1,
        OUTBOX_SWEEP_SECONDS=1,
    )
    server = processes.union(env, "run", "--port", str(port), label="embedded")
    wait_until(lambda: len(_digests(smtp_server)) >= len(reps), 60, "the digests")
    assert Browser(f"http://127.0.0.1:{port}").get("/login").status == 200  # it serves too
    time.sleep(3)  # several more runs of the job: nothing goes out again
    assert server.alive(), server.output()[-3000:]
    assert sorted(m["To"] for m in _digests(smtp_server)) == sorted(r.email for r in reps)
    assert server.output().count('Running job "digests') >= 3, server.output()[-2000:]
