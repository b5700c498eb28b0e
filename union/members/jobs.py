"""Confirmed imports run outside the request: in a thread the web process starts after the
commit, and in the scheduler's sweep, which picks up whatever no thread finished (a
restarted process, a scheduler in another process). A claim makes each run happen once."""

import logging
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_, or_, select, update

from union.auth.models import User
from union.core.scheduler import job
from union.core.time import utcnow
from union.extensions import db
from union.members import imports
from union.members.matching import match_pending
from union.members.models import ImportRun, ImportStatus
from union.members.spreadsheets import UnreadableFile

log = logging.getLogger(__name__)

# A running import refreshes its claim after every batch; one silent this long died.
STALE_CLAIM = timedelta(minutes=10)
# A draft nobody confirmed: its file (personal data) is deleted after this.
DRAFT_LIFETIME = timedelta(days=2)


def _claimable():  # type: ignore[no-untyped-def]
    return or_(
        ImportRun.status == ImportStatus.QUEUED,
        and_(
            ImportRun.status == ImportStatus.RUNNING,
            ImportRun.claimed_at < utcnow() - STALE_CLAIM,
        ),
    )


def claim(run_id: int) -> bool:
    """Take a confirmed run for this worker; False when another has it or it is done."""
    result = db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, _claimable())
        .values(status=ImportStatus.RUNNING, claimed_at=utcnow(), processed_rows=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def run_import(run_id: int) -> bool:
    """Claim and carry out one confirmed import, committing after every batch so its page
    shows the progress. Returns whether this call ran it. An import that fails part way
    can be run again: it picks up where the roster stands (importing is idempotent)."""
    if not claim(run_id):
        return False
    run = db.session.get(ImportRun, run_id, populate_existing=True)
    assert run is not None
    try:
        chapter = run.chapter
        sheet = imports.read_run_file(run)
        plan = imports.plan_import(chapter, sheet, run.columns, run.known_offices)
        run.total_rows = plan.total_rows
        db.session.commit()

        def progress(done: int) -> None:
            run.processed_rows = done
            run.claimed_at = utcnow()
            db.session.commit()

        actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
        imports.apply_plan(chapter, plan, actor=actor, run=run, progress=progress)
        match_pending(chapter)
        imports.finish_run(run, plan)
        db.session.commit()
    except (imports.ImportProblem, UnreadableFile) as error:
        _fail(run_id, str(error))
    except Exception:
        log.exception("member import %s failed", run_id)
        _fail(
            run_id,
            "The import stopped on an unexpected error. Part of the list may be in; "
            "importing the file again completes it without doubling anything.",
        )
    return True


def _fail(run_id: int, message: str) -> None:
    db.session.rollback()
    run = db.session.get(ImportRun, run_id, populate_existing=True)
    if run is None:
        return
    run.status = ImportStatus.FAILED
    run.failure = message
    run.finished_at = utcnow()
    db.session.commit()


def start_in_thread(app: Flask, run_id: int) -> threading.Thread:
    """Run a confirmed import in a thread of this process (call after the commit)."""

    def work() -> None:
        with app.app_context():
            try:
                run_import(run_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"member-import-{run_id}", daemon=True)
    thread.start()
    return thread


def discard_old_drafts() -> int:
    """Drafts nobody confirmed lose their file (members' personal data) after two days."""
    drafts = db.session.scalars(
        select(ImportRun).where(
            ImportRun.status == ImportStatus.DRAFT,
            ImportRun.created_at < utcnow() - DRAFT_LIFETIME,
        )
    ).all()
    for run in drafts:
        imports.delete_file(run)
        run.status = ImportStatus.DISCARDED
    db.session.commit()
    return len(drafts)


@job("member-imports", seconds=30)
def run_waiting_imports() -> None:
    """Carry out confirmed imports no thread has finished; tidy up old drafts."""
    waiting = db.session.scalars(
        select(ImportRun.id).where(_claimable()).order_by(ImportRun.id)
    ).all()
    for run_id in waiting:
        run_import(run_id)
    discard_old_drafts()
