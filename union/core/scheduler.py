"""APScheduler 3.x wiring. Jobs are defined in code (in-memory job store): nothing is
pickled into the database, and every job is safe to run twice at once, because database
unique keys and row claims, not the scheduler, keep work from being done twice."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from union.extensions import db

log = logging.getLogger(__name__)

JOB_DEFAULTS = {
    "coalesce": True,  # a scheduler that was paused runs a missed job once, not a burst
    "max_instances": 1,
    "misfire_grace_time": 6 * 3600,
}


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    seconds: int


_jobs: dict[str, Job] = {}


def job(name: str, *, seconds: int) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Declare a function the scheduler runs every ``seconds`` inside an app context."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        _jobs[name] = Job(name, func, seconds)
        return func

    return register


def registered_jobs() -> list[Job]:
    return list(_jobs.values())


def run_job(app: Flask, job: Job) -> None:
    """Run one job in its own app context: commit at the end, roll back on error."""
    with app.app_context():
        try:
            job.func()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled job %s failed", job.name)
        finally:
            db.session.remove()


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=UTC, job_defaults=JOB_DEFAULTS)
    for spec in registered_jobs():
        scheduler.add_job(
            run_job,
            "interval",
            seconds=spec.seconds,
            args=[app, spec],
            id=spec.name,
            name=spec.name,
            replace_existing=True,
        )
    return scheduler


def start_in_process(app: Flask) -> BaseScheduler:
    """The embedded default: a background scheduler inside the web process."""
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["steward_scheduler"] = scheduler
    log.info("scheduler started in this process with %d jobs", len(registered_jobs()))
    return scheduler
