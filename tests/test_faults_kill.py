"""The process dies in the middle of a notice submission (SIGKILL: no cleanup runs):
no half notice is left, and the file it had written is removed by the scheduler's
orphan sweep once it is old enough, while every file a row names stays."""

import http.client
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    make_chapter,
    make_notice,
    make_user,
    notice_answers,
)
from tests.servers import ROOT, Browser, multipart, process_env, run_union, slow_post, wait_until
from union.cases.models import Case
from union.core.orphans import orphan_uploads
from union.core.outbox import OutboxMessage
from union.extensions import db
from union.notices import services
from union.notices.models import Attachment, Notice, NoticeStatus

# Submit a member's draft with a file, up to the moment before the commit; then wait to
# be killed. The file is on disk and every row is flushed, none committed.
SUBMIT_UNTIL_KILLED = f"""
import io, sys, time
from union import create_app
from union.auth.models import User
from union.extensions import db
from union.notices import services

app = create_app()
with app.app_context():
    notice = services.load_notice(int(sys.argv[1]), for_update=True)
    member = db.session.get(User, notice.member_id)
    upload = type("Upload", (), {{"filename": "memo.pdf", "stream": io.BytesIO({PDF_BYTES!r})}})
    assert services.add_attachments(notice, [upload], actor=member) == []
    services.submit_notice(notice, actor=member)
    db.session.flush()
    print("WRITTEN", flush=True)
    time.sleep(60)
    db.session.commit()
"""


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app_config(uploads):
    return {"UPLOAD_FOLDER": str(uploads)}


def _count(model) -> int:
    db.session.rollback()  # a fresh read: an open one would still see its old snapshot
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _kill_when_written(env: dict, notice_id: int) -> None:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SUBMIT_UNTIL_KILLED, str(notice_id)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()  # blocks until the script says so (or dies)
        assert line.strip() == "WRITTEN", f"the script failed: {process.stderr.read()[-2000:]}"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()


@pytest.mark.slow
def test_a_submission_killed_before_its_commit_leaves_no_half_notice_and_its_file_is_swept(
    app, ctx, database_url, uploads
):
    env = process_env(database_url, uploads)
    member = make_user(chapter=make_chapter())
    kept = services.load_notice(make_notice(member, submit=False).id)
    upload = type("Upload", (), {"filename": "kept.pdf", "stream": io.BytesIO(PDF_BYTES)})
    services.add_attachments(kept, [upload], actor=member)
    db.session.commit()
    draft_id = make_notice(member, submit=False, statement="killed mid-way").id
    db.session.remove()
    before = {p.name for p in uploads.iterdir()}

    _kill_when_written(env, draft_id)

    notice = db.session.get(Notice, draft_id)
    assert notice.status == NoticeStatus.DRAFT and notice.case_id is None
    assert _count(Case) == 0 and _count(OutboxMessage) == 0
    assert _count(Attachment) == 1  # the kept one only
    orphans = {p.name for p in uploads.iterdir()} - before
    assert len(orphans) == 1, "the killed process had written its file"
    (orphan,) = orphans

    # Young, it may be a request's file about to be committed: left alone.
    assert orphan_uploads(uploads, older_than_minutes=60) == []

    hour_ago = time.time() - 61 * 60
    for name in (orphan, *before):
        os.utime(uploads / name, (hour_ago, hour_ago))
    (uploads / "README.txt").write_text("an operator's file, not ours")
    swept = run_union({**env, "ORPHAN_UPLOAD_MINUTES": "60"}, "run-job", "orphan-uploads")
    assert swept.returncode == 0, swept.stderr
    assert not (uploads / orphan).exists()
    assert {p.name for p in uploads.iterdir()} == before | {"README.txt"}

    # The database took no lock to its grave: the member submits the same draft now.
    db.session.rollback()  # the sweep wrote (its job health): read afresh
    notice = services.load_notice(draft_id, for_update=True)
    member = notice.member
    services.submit_notice(notice, actor=member)
    db.session.commit()
    assert _count(Case) == 1


@pytest.mark.slow
def test_a_worker_killed_during_an_upload_leaves_nothing_and_is_replaced(
    app, ctx, database_url, processes, uploads
):
    member = make_user(chapter=make_chapter())
    answers = notice_answers(member)
    email = member.email
    db.session.remove()
    server = processes.gunicorn(process_env(database_url, uploads, RATELIMIT_ENABLED=0), workers=1)
    browser = Browser(server.url)
    browser.log_in(email, PASSWORD)
    token = browser.csrf_token("/notices/new")
    big = PDF_BYTES + b"%" + b"0" * (2 * 1024 * 1024)
    body, content_type = multipart(
        {**answers, "submit": "y", "csrf_token": token}, {"attachments": ("memo.pdf", big)}
    )
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    (worker,) = server.worker_pids()

    connection = slow_post(server.url, "/notices/new", body, content_type, cookie)
    time.sleep(0.5)  # the worker is reading the body
    os.kill(worker, signal.SIGKILL)
    with pytest.raises((OSError, http.client.HTTPException)):
        connection.send(body[len(body) // 2 :])
        connection.getresponse().read()
    connection.close()

    wait_until(lambda: server.worker_pids() not in ([], [worker]), 30, "a new worker")
    assert _count(Notice) == 0
    assert not uploads.exists() or not any(Path(uploads).iterdir())
    reply = browser.submit("/notices/new", {**answers, "submit": "y"})
    assert reply.status == 302 and reply.location.startswith("/notices/")
    assert _count(Notice) == 1
