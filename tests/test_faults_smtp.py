"""The SMTP server is down while receipts and digests are due: nothing is lost (each
waits in the outbox with its error), nothing fails for the member, and once the server
is back each is delivered exactly once, even with two senders at work."""

import threading
from datetime import timedelta

import pytest

from tests.factories import login, make_chapter, make_user, notice_answers
from union.core.outbox import OutboxMessage, OutboxStatus, deliver_pending
from union.core.scheduler import registered_jobs, run_job
from union.core.time import utcnow
from union.extensions import db


@pytest.fixture
def app_config(smtp_config, tmp_path):
    # A stopped server refuses at once; the timeout only has to outlast a loaded machine's
    # slow answer from the running one (2 s timed out a delivery under a parallel CI run).
    return {**smtp_config, "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MAIL_TIMEOUT": 10}


def _messages(kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _time_passes() -> None:
    """The backoff is over: every waiting message is due again."""
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def _sweep(app) -> None:
    (outbox,) = [j for j in registered_jobs() if j.name == "outbox"]
    run_job(app, outbox)


def _delivered_ids(smtp_server) -> list[str]:
    return [m["Message-ID"] for m in smtp_server.messages]


@pytest.mark.slow
def test_receipts_and_digests_wait_out_an_smtp_outage_and_go_out_once(
    app, client, ctx, smtp_server
):
    from union.digests import services as digests

    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    members = [make_user(chapter=chapter) for _ in range(3)]
    digests.save_preference(rep, frequency="daily", hour=7, weekday=0,
                            timezone="America/New_York", send_when_empty=True, actor=rep,
                            now=utcnow() - timedelta(days=3))  # fmt: skip
    db.session.commit()

    smtp_server.stop()
    for member in members:
        login(client, member)
        response = client.post(
            "/notices/new", data={**notice_answers(member), "submit": "y"},
        )  # fmt: skip
        assert response.status_code == 302, "the member must not see the outage"
        client.post("/logout")
    digests.send_due_digests(utcnow())
    db.session.commit()

    waiting = _messages()
    receipts = [m for m in waiting if m.user_id in {m_.id for m_ in members}]
    assert len(receipts) == 3 and any(m.user_id == rep.id for m in waiting)
    assert all(m.status == OutboxStatus.PENDING and m.last_error for m in waiting)
    assert smtp_server.messages == []

    # Still down at the next sweep: still waiting, nothing dropped.
    _time_passes()
    _sweep(app)
    assert all(m.status == OutboxStatus.PENDING for m in _messages())

    smtp_server.start()
    _time_passes()
    senders = [threading.Thread(target=_sweep, args=(app,)) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    _sweep(app)  # and once more: nothing left, nothing again
    assert deliver_pending() == 0

    sent = _messages()
    assert all(m.status == OutboxStatus.SENT for m in sent)
    delivered = _delivered_ids(smtp_server)
    assert sorted(delivered) == sorted(m.message_id for m in sent)  # each exactly once
    assert len(delivered) == len(set(delivered)) == len(waiting)
