"""The digest job in the scheduler: defined in code, every DIGEST_JOB_SECONDS, coalesced;
its runs and errors recorded for the admins' page; a sender that died mid-send is taken
over without sending twice."""

import threading
import time
from datetime import timedelta
from importlib.metadata import version

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import select

from tests.conftest import _test_config
from tests.factories import make_chapter, make_digest_preference, make_user
from union import create_app
from union.core.outbox import OutboxMessage, OutboxStatus, deliver_pending
from union.core.scheduler import build_scheduler
from union.core.time import utcnow
from union.digests.services import send_due_digests
from union.extensions import db


@pytest.fixture
def app_config(smtp_config):
    return smtp_config


def test_digest_job_runs_every_digest_job_seconds_coalesced(database_url):
    app = create_app(_test_config(database_url, DIGEST_JOB_SECONDS=120))
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)
    job = scheduler.get_job("digests")
    scheduler.shutdown(wait=False)
    assert job.trigger.interval == timedelta(seconds=120)
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time >= 3600
    # Jobs live in memory, defined in code: nothing is pickled into the database.
    assert isinstance(scheduler._lookup_jobstore(job._jobstore_alias), MemoryJobStore)
    assert version("APScheduler").split(".")[0] == "3"  # pinned below 4 (a rewrite)


def test_a_paused_scheduler_catches_up_with_one_run_and_one_digest_per_rep(ctx, database_url):
    """Hours of missed runs (a scheduler paused, a machine asleep) come back as one run of
    the job, which sends each rep one digest, not a burst."""
    reps = [make_user("rep", covers=[make_chapter()]) for _ in range(3)]
    for rep in reps:
        make_digest_preference(rep, "daily", hour=6, send_when_empty=True)
    app = create_app(_test_config(database_url, DIGEST_JOB_SECONDS=3600))
    scheduler = build_scheduler(app)
    for other in [j.id for j in scheduler.get_jobs() if j.id != "digests"]:
        scheduler.remove_job(other)
    submitted, ran, finished = [], [], threading.Event()

    def on_submit(event):
        submitted.append((event.job_id, len(event.scheduled_run_times)))

    def on_finish(event):
        ran.append(event.job_id)
        finished.set()

    scheduler.add_listener(on_submit, EVENT_JOB_SUBMITTED)
    scheduler.add_listener(on_finish, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)
    try:
        # Five hourly runs were missed, all within the misfire grace time.
        scheduler.modify_job("digests", next_run_time=utcnow() - timedelta(hours=5, minutes=1))
        scheduler.resume()
        assert finished.wait(60), "the catch-up run did not finish"
        time.sleep(1)  # the runs of a burst would follow each other
        next_run = scheduler.get_job("digests").next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert submitted == [("digests", 1)] and ran == ["digests"]
    assert next_run > utcnow()  # the next run is an interval ahead, not another missed one
    db.session.rollback()
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert sorted(m.recipient for m in digests) == sorted(r.email for r in reps)


def test_a_sender_that_died_mid_send_is_taken_over_and_the_digest_goes_once(ctx, smtp_server):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "daily", hour=6, send_when_empty=True)
    send_due_digests(utcnow(), deliver=False)
    message = db.session.scalars(select(OutboxMessage)).one()
    # A scheduler claimed it for sending and was killed before it finished.
    message.status = OutboxStatus.SENDING
    message.claim_token = "dead-scheduler"
    message.claimed_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert deliver_pending() == 0  # a recent claim is respected
    message.claimed_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert [m["To"] for m in smtp_server.messages] == [rep.email]
    assert send_due_digests(utcnow()).due == 0
