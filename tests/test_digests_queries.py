"""The digest job's cost: a fixed number of queries per rep, whatever their chapters hold
(no query per notice, case or deadline)."""

from datetime import timedelta

from tests.factories import make_chapter, make_digest_preference, make_notice, make_user
from union.core.time import utcnow
from union.digests.services import send_due_digests
from union.extensions import db


def _reps_with_busy_chapters(n):
    for _ in range(n):
        chapter = make_chapter()
        member = make_user("member", chapter=chapter)
        for confidential in (True, False, False):
            make_notice(member, confidential=confidential)
        rep = make_user("rep", covers=[chapter])
        make_digest_preference(rep, "daily", hour=6)


def test_queries_grow_by_a_fixed_number_per_rep(app, ctx, count_queries):
    now = utcnow()
    counts = {}
    for n in (1, 2, 5):  # each run finds only the reps added since the last one due
        _reps_with_busy_chapters(n)
        db.session.commit()  # leave no read open: on SQLite it would block our next write
        with count_queries() as counter, app.app_context():  # the counted app's engine
            run = send_due_digests(now, deliver=False)
        assert run.queued == n
        counts[n] = counter.count
        now += timedelta(seconds=1)
    per_rep = counts[2] - counts[1]
    assert counts[5] - counts[2] == 3 * per_rep, counts
    fixed = counts[1] - per_rep
    print(f"digest job: {fixed} queries + {per_rep} per rep")
    # claim, the digest's six reads (new notices, near deadlines, cases, two counts,
    # roster requests), the outbox row and the delivery's status
    assert per_rep <= 9
    assert fixed <= 4
