"""Digests against a real SMTP server on loopback: delivered once; an outage delays them
and loses none; a digest that failed every attempt is resent by an admin; and, on
PostgreSQL, two scheduler processes racing over 200 reps send exactly 200 digests."""

import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.factories import login, make_chapter, make_digest_preference, make_notice, make_user
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage, OutboxStatus, deliver_pending
from union.core.scheduler import JobHealth, registered_jobs, run_job
from union.core.time import utcnow
from union.digests import content
from union.digests.models import DeliveryStatus, DigestDelivery
from union.digests.services import send_due_digests
from union.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


def _reps(n, chapter=None):
    chapter = chapter or make_chapter()
    reps = [make_user("rep", covers=[chapter]) for _ in range(n)]
    for rep in reps:
        make_digest_preference(rep, "daily", hour=6, send_when_empty=True)
    return reps


def _digests():
    db.session.commit()  # a fresh read: what the job and the requests committed
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)
        )
    )


def _due_now(messages):
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]))
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_each_rep_gets_their_digest_once(ctx, smtp_server):
    reps = _reps(3)
    now = utcnow()
    run = send_due_digests(now)
    assert (run.queued, run.sent) == (3, 3)
    assert send_due_digests(now + timedelta(minutes=5)).due == 0
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.email for r in reps)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # Spring forward, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        (datetime(2026, 3, 6, 12, tzinfo=UTC), datetime(2026, 3, 10, 12, tzinfo=UTC),
         ("2026-03-06", "2026-03-10")),
        # Fall back, Sunday 2026-11-01: 01:00 happens twice.
        (datetime(2026, 10, 30, 12, tzinfo=UTC), datetime(2026, 11, 3, 12, tzinfo=UTC),
         ("2026-10-30", "2026-11-03")),
    ],
    ids=["spring-forward", "fall-back"],
)  # fmt: skip
def test_a_dst_weekend_neither_skips_nor_doubles_a_daily_digest_over_smtp(
    ctx, smtp_server, start, end, days
):
    """The job every 5 minutes across the weekend (time passed in, not slept), each run
    sending over SMTP what it queued: reps at 01:00, 02:00 (missing on spring-forward
    Sunday) and 03:00 each receive one digest a day, no day missing, none twice."""
    chapter = make_chapter(timezone="America/New_York")
    reps = {}
    for hour in (1, 2, 3):
        reps[hour] = make_user("rep", covers=[chapter])
        make_digest_preference(reps[hour], "daily", hour=hour, send_when_empty=True)
    first, last = (date.fromisoformat(day) for day in days)
    every_day = [first + timedelta(days=n) for n in range((last - first).days + 1)]

    now = start
    while now <= end:
        send_due_digests(now)
        now += timedelta(minutes=5)

    for hour, rep in reps.items():
        received = [m["Message-ID"] for m in smtp_server.messages if m["To"] == rep.email]
        assert received == [f"<digest.{rep.id}.daily.{day}@steward.test>" for day in every_day], (
            f"the {hour:02d}:00 rep"
        )
    assert len(smtp_server.messages) == 3 * len(every_day)


def test_smtp_outage_delays_digests_and_loses_none_and_doubles_none(ctx, client, smtp_server):
    reps = _reps(5)
    admin = make_user("admin")
    smtp_server.stop()
    now = utcnow()

    run = send_due_digests(now)

    assert (run.queued, run.sent) == (5, 0)
    messages = _digests()
    assert {m.status for m in messages} == {OutboxStatus.PENDING}
    assert all(m.attempts == 1 and m.last_error for m in messages)
    # The scheduler keeps running during the outage: nothing new is queued, nothing sent.
    assert send_due_digests(now + timedelta(minutes=5)).due == 0
    assert deliver_pending() == 0  # not due yet: backing off
    login(client, admin)
    page = client.get("/admin/digests?status=problems").get_data(as_text=True)
    assert page.count(">Retrying</span>") == 5 and "Connection refused" in page

    smtp_server.start()
    _due_now(messages)
    [outbox_job] = [j for j in registered_jobs() if j.name == "outbox"]
    run_job(ctx, outbox_job)  # the scheduler's sweep
    assert send_due_digests(now + timedelta(minutes=10)).due == 0
    assert deliver_pending() == 0

    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.email for r in reps)
    assert {m.status for m in _digests()} == {OutboxStatus.SENT}
    assert all(m.attempts == 2 for m in _digests())


def test_digest_failed_after_every_attempt_is_resent_by_an_admin(ctx, client, smtp_server):
    ctx.config["OUTBOX_MAX_ATTEMPTS"] = 2
    [rep] = _reps(1)
    admin = make_user("admin")
    smtp_server.stop()
    send_due_digests(utcnow())
    _due_now(_digests())
    deliver_pending()
    [message] = _digests()
    assert message.status == OutboxStatus.FAILED and message.attempts == 2

    smtp_server.start()
    assert deliver_pending() == 0  # a failed message waits for a person
    login(client, admin)
    page = client.get("/admin/digests?status=problems").get_data(as_text=True)
    assert "Failed" in page and "Send again" in page
    delivery = db.session.scalars(select(DigestDelivery)).one()
    response = client.post(f"/admin/digests/{delivery.id}/resend")
    assert response.status_code == 302

    assert [m["To"] for m in smtp_server.messages] == [rep.email]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "digest.resend")).one()
    assert entry.actor_id == admin.id and entry.details["attempts"] == 2
    page = client.get("/admin/digests?status=sent").get_data(as_text=True)
    assert delivery.period_key in page
    # Resending what is not failed is refused, and changes nothing.
    client.post(f"/admin/digests/{delivery.id}/resend")
    assert len(smtp_server.messages) == 1


def test_digest_that_cannot_be_built_is_kept_failed_and_the_job_health_says_so(
    ctx, client, smtp_server, monkeypatch
):
    [rep, other] = _reps(2)
    admin = make_user("admin")
    real = content._add_counts
    broken_name = rep.name

    def broken_for_rep(digest, chapter_ids):
        if digest.recipient_name == broken_name:
            raise RuntimeError("counts are broken today")
        return real(digest, chapter_ids)

    monkeypatch.setattr(content, "_add_counts", broken_for_rep)
    [digest_job] = [j for j in registered_jobs() if j.name == "digests"]
    run_job(ctx, digest_job)

    assert [m["To"] for m in smtp_server.messages] == [other.email]  # the others still go
    db.session.commit()
    failed = db.session.scalars(
        select(DigestDelivery).where(DigestDelivery.user_id == rep.id)
    ).one()
    assert failed.status == DeliveryStatus.FAILED and failed.outbox_message_id is None
    assert "counts are broken today" in failed.last_error
    health = db.session.get(JobHealth, "digests", populate_existing=True)
    assert health.runs == 1 and health.failures == 1
    assert "counts are broken today" in health.last_error
    run_job(ctx, digest_job)  # the failed period is not retried on its own, nor doubled
    assert len(smtp_server.messages) == 1

    monkeypatch.setattr(content, "_add_counts", real)
    login(client, admin)
    page = client.get("/admin/digests").get_data(as_text=True)
    assert "counts are broken today" in page and "Send again" in page
    assert client.post(f"/admin/digests/{failed.id}/resend").status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([rep.email, other.email])
    db.session.expire_all()
    assert db.session.get(DigestDelivery, failed.id).status == DeliveryStatus.QUEUED


def test_scheduler_health_shows_each_jobs_last_and_next_run(ctx, client):
    admin = make_user("admin")
    [digest_job] = [j for j in registered_jobs() if j.name == "digests"]
    before = utcnow()
    run_job(ctx, digest_job)
    run_job(ctx, digest_job)
    health = db.session.get(JobHealth, "digests", populate_existing=True)
    assert health.runs == 2 and health.failures == 0 and health.last_error is None
    assert health.last_started_at >= before and health.last_finished_at >= health.last_started_at
    assert health.next_run_at == health.last_started_at + timedelta(seconds=300)
    assert not health.is_late(utcnow())
    assert health.is_late(utcnow() + timedelta(minutes=12))
    login(client, admin)
    page = client.get("/admin/digests").get_data(as_text=True)
    assert "digests" in page and "300 s" in page
    assert "Never run" in page  # the outbox and import sweeps have not run in this test


# -- two scheduler processes, one database -------------------------------------------------

RACER = """
import json, os, sys, time
from datetime import datetime
from sqlalchemy import text
from union import create_app
from union.digests.services import send_due_digests
from union.extensions import db

app = create_app()
go, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
with app.app_context():
    db.session.execute(text("select 1"))  # connected before the start signal
    db.session.commit()
    while not os.path.exists(go):
        time.sleep(0.002)
    started = time.monotonic()
    run = send_due_digests(now)
    print(json.dumps({"due": run.due, "queued": run.queued, "sent": run.sent,
                      "taken": run.taken_elsewhere, "errors": run.errors,
                      "seconds": time.monotonic() - started,
                      "building": run.building_seconds, "sending": run.sending_seconds}))
"""
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "Pacific/Honolulu"]


@pytest.mark.timeout(600)
def test_two_scheduler_processes_racing_over_200_reps_send_exactly_200(
    ctx, backend, database_url, smtp_server, tmp_path
):
    if backend != "postgresql":
        pytest.skip("two processes racing over one database is a PostgreSQL deployment; "
                    "SQLite serves one process (the embedded default)")  # fmt: skip
    reps = []
    for n, zone in enumerate(ZONES):
        chapter = make_chapter(timezone=zone)
        member = make_user("member", chapter=chapter)
        make_notice(member, confidential=n % 2 == 0)
        for _ in range(50):
            rep = make_user("rep", covers=[chapter])
            make_digest_preference(rep, "daily", hour=(7 + n) % 24, timezone=zone,
                                   send_when_empty=True)  # fmt: skip
            reps.append(rep)
    now = utcnow()
    go = tmp_path / "go"
    env = {
        **{k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ},
        "PYTHONPATH": str(ROOT),
        "STEWARD_ENV": "production",
        "SECRET_KEY": "race-test-" + "k" * 40,
        "DATABASE_URL": database_url,
        "BASE_URL": "http://steward.test",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "SCHEDULER_IN_PROCESS": "0",
    }
    racers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter, our own script
            [sys.executable, "-c", RACER, str(go), now.isoformat()],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    time.sleep(3)  # both are up and connected (they wait for the file)
    go.touch()
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    deadline = time.monotonic() + 30
    while len(smtp_server.messages) < 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # anything extra would have arrived by now
    print("racers:", results)
    assert [r["errors"] for r in results] == [[], []]
    assert sum(r["queued"] for r in results) == 200
    assert sum(r["sent"] for r in results) == 200
    assert len(smtp_server.messages) == 200
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(r.email for r in reps)
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 200
    assert db.session.scalar(select(func.count()).select_from(DigestDelivery)) == 200
    # Both processes really raced: each saw the full list and found some already taken.
    assert all(r["due"] > 0 for r in results)
    assert send_due_digests(now).due == 0
