"""The scheduler: jobs defined in code, coalesced, one instance at a time."""

from union.core.scheduler import JOB_DEFAULTS, build_scheduler, registered_jobs


def test_jobs_are_defined_in_code_and_coalesced(app):
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert "outbox" in jobs
    assert {j.name for j in registered_jobs()} == set(jobs)
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time >= 3600
    assert JOB_DEFAULTS["coalesce"] is True


def test_outbox_job_sends_due_mail(app, ctx, sent_mail):
    from tests.factories import make_user
    from union.auth.services import request_password_reset
    from union.core.scheduler import run_job
    from union.extensions import db

    user = make_user()
    request_password_reset(user.email)
    db.session.commit()
    [outbox_job] = [j for j in registered_jobs() if j.name == "outbox"]
    run_job(app, outbox_job)
    assert [m.to for m in sent_mail] == [[user.email]]
