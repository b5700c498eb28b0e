"""APScheduler 3.x wiring. Jobs are defined in code (in-memory job store): nothing is
pickled into the database, and every job is safe to run twice at once, because database
unique keys and row claims, not the scheduler, keep work from being done twice."""

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import String, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from union.core.time import utcnow
from union.core.types import UTCDateTime
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
    # A configuration key that, when set, overrides ``seconds`` (e.g. DIGEST_JOB_SECONDS).
    setting: str | None = None

    def interval(self, app: Flask) -> int:
        """Seconds between runs in ``app``: its setting if configured, else the default."""
        if self.setting and app.config.get(self.setting):
            return int(app.config[self.setting])
        return self.seconds


_jobs: dict[str, Job] = {}


def job(
    name: str, *, seconds: int, setting: str | None = None
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Declare a function the scheduler runs every ``seconds`` (or every ``setting``
    seconds, when the app configures that key) inside an app context."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        _jobs[name] = Job(name, func, seconds, setting)
        return func

    return register


def registered_jobs() -> list[Job]:
    return list(_jobs.values())


class JobHealth(db.Model):
    """The last run of each scheduled job, whichever process ran it: what admins read to
    tell a healthy scheduler from a stopped one."""

    __tablename__ = "scheduler_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(default=60, server_default="60")
    runs: Mapped[int] = mapped_column(default=0, server_default="0")
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # host:pid of the process that ran it last (two schedulers show up as two runners).
    last_runner: Mapped[str | None] = mapped_column(String(128))

    @property
    def next_run_at(self) -> datetime | None:
        """When the next run is expected: the interval after the last start."""
        if self.last_started_at is None:
            return None
        return self.last_started_at + timedelta(seconds=self.interval_seconds)

    def is_late(self, now: datetime) -> bool:
        """No run for two intervals and a minute: no scheduler is running this job."""
        expected = self.next_run_at
        return expected is None or now > expected + timedelta(
            seconds=self.interval_seconds, minutes=1
        )

    def __repr__(self) -> str:
        return f"<JobHealth {self.name} runs={self.runs}>"


def job_health() -> list[JobHealth]:
    """Every job's health row, by name."""
    return list(db.session.scalars(select(JobHealth).order_by(JobHealth.name)))


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def _record_health(name: str, values: dict[str, Any], bump: dict[str, int]) -> None:
    """Upsert the job's row in a short transaction of its own. Two schedulers may write at
    once: the upsert is atomic, and ``bump`` adds to counters rather than overwrite them."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(JobHealth).values(name=name, **values, **bump)
    updates: dict[str, Any] = dict(values)
    for column, amount in bump.items():
        updates[column] = getattr(JobHealth, column) + amount
    db.session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=updates))
    db.session.commit()


def _safely_record(name: str, values: dict[str, Any], bump: dict[str, int]) -> None:
    # Health is a report about the work, never a reason for the work not to happen.
    try:
        _record_health(name, values, bump)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("could not record the health of job %s", name)


def run_job(app: Flask, job: Job) -> None:
    """Run one job in its own app context: commit at the end, roll back on error. Its
    start, end and error (if any) are recorded in ``scheduler_jobs``."""
    with app.app_context():
        started = utcnow()
        _safely_record(
            job.name,
            {
                "interval_seconds": job.interval(app),
                "last_started_at": started,
                "last_runner": _runner(),
            },
            {"runs": 1},
        )
        try:
            job.func()
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("scheduled job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            _safely_record(
                job.name, {"last_finished_at": utcnow(), "last_error": error}, {"failures": 1}
            )
        else:
            finished = utcnow()
            _safely_record(
                job.name,
                {"last_finished_at": finished, "last_succeeded_at": finished, "last_error": None},
                {},
            )
        finally:
            db.session.remove()


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=UTC, job_defaults=JOB_DEFAULTS)
    for spec in registered_jobs():
        scheduler.add_job(
            run_job,
            "interval",
            seconds=spec.interval(app),
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
