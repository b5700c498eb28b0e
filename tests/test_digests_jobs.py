"""The digest job in the scheduler: defined in code, every DIGEST_JOB_SECONDS, coalesced;
its runs and errors recorded for the admins' page; a sender that died mid-send is taken
over without sending twice."""

from datetime import timedelta

import pytest
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
