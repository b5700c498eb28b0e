"""The connection breaks during the COMMIT itself, so the app never hears whether the
database committed. It finds out instead of guessing: a member whose notice was stored
is told so (not "send it again", which would file it twice), and one whose notice was
not is told to send it again, with nothing half-kept behind.

The database's answer is lost on purpose: the driver's commit is replaced by one that
commits (or not) and then fails as a dropped connection does.
"""

import io
from pathlib import Path

import pytest
from flask import has_request_context

from tests.factories import PDF_BYTES, login, make_chapter, make_user, notice_answers
from union.cases.models import Case
from union.chapters.models import Chapter
from union.extensions import db
from union.notices.models import Attachment, Notice, NoticeStatus


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app_config(smtp_config, uploads):
    return {**smtp_config, "UPLOAD_FOLDER": str(uploads)}


@pytest.fixture
def member(ctx):
    return make_user(chapter=make_chapter())


class LostAnswer:
    """The driver's next commit once armed (made serving a request, unless told
    otherwise) commits or not, then the connection is gone before the answer arrives:
    the driver raises its own error for that, which SQLAlchemy knows as a lost
    connection. ``still_away`` fails every later statement of that request too."""

    def __init__(
        self, monkeypatch, *, commits: bool, in_request: bool = True, still_away: bool = False
    ) -> None:
        dialect = type(db.engine.dialect)  # the class: the test and the app's own engines
        real_commit, real_execute = dialect.do_commit, dialect.do_execute
        self.armed = False
        self.failed = 0
        self.away = False

        def do_commit(dialect_self, connection):
            if not self.armed or (in_request and not has_request_context()):
                return real_commit(dialect_self, connection)
            self.armed = False
            self.failed += 1
            self.away = still_away
            if commits:
                real_commit(dialect_self, connection)
            connection.dbapi_connection.close()  # the driver's own, not the pool's proxy
            return real_commit(dialect_self, connection)  # a closed connection: it raises

        def do_execute(dialect_self, cursor, statement, parameters, context=None):
            if self.away and has_request_context():
                self.failed += 1
                raise dialect_self.loaded_dbapi.OperationalError("connection refused")
            return real_execute(dialect_self, cursor, statement, parameters, context)

        monkeypatch.setattr(dialect, "do_commit", do_commit)
        monkeypatch.setattr(dialect, "do_execute", do_execute)


def _submit(client, member):
    answers = notice_answers(member, statement="Sent once, with the memo.")
    answers["attachments"] = [(io.BytesIO(PDF_BYTES), "Memo.pdf")]
    return client.post(
        "/notices/new",
        data={**answers, "submit": "Submit notice"},
        content_type="multipart/form-data",
    )


def _notices():
    db.session.expire_all()
    return list(db.session.scalars(db.select(Notice)))


def _files(uploads: Path) -> list[Path]:
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def test_a_notice_stored_before_the_connection_broke_is_reported_stored_once(
    client, member, monkeypatch, smtp_server, uploads
):
    login(client, member)
    lost = LostAnswer(monkeypatch, commits=True)
    lost.armed = True
    response = _submit(client, member)

    assert lost.failed == 1
    [notice] = _notices()
    assert response.status_code == 302, "the member was not told their notice is in"
    assert response.location == f"/notices/{notice.id}"
    assert notice.status == NoticeStatus.SUBMITTED and notice.case_id is not None
    reference = db.session.get(Case, notice.case_id).reference
    # Its memo is kept (the failed transaction's clean-up did not take it), and the
    # receipt the commit queued went out, as after any submission.
    [attachment] = db.session.scalars(db.select(Attachment))
    assert [p.name for p in _files(uploads)] == [attachment.stored_name]
    assert [m["Subject"] for m in smtp_server.messages] == [f"Your notice is received: {reference}"]
    page = client.get(response.location).get_data(as_text=True)
    assert f"Its reference is {reference}" in page


def test_a_notice_the_database_did_not_store_is_reported_unsaved_and_leaves_nothing(
    client, member, monkeypatch, smtp_server, uploads
):
    login(client, member)
    lost = LostAnswer(monkeypatch, commits=False)
    lost.armed = True
    response = _submit(client, member)

    assert lost.failed == 1
    assert response.status_code == 503
    assert "was not saved" in response.get_data(as_text=True)
    assert _notices() == []
    assert _files(uploads) == [], "the memo of a notice that was not stored was left behind"
    assert smtp_server.messages == []
    # Sending it again works, and files it once.
    assert _submit(client, member).status_code == 302
    assert len(_notices()) == 1


def test_when_the_database_cannot_say_the_member_is_told_to_look_and_nothing_is_deleted(
    client, member, monkeypatch, smtp_server, uploads
):
    """The database is still away when asked whether the notice arrived: the member
    hears it may not be saved and to look at My notices before sending it again, and
    the memo's file stays (it belongs to a stored notice)."""
    login(client, member)
    lost = LostAnswer(monkeypatch, commits=True, still_away=True)
    lost.armed = True
    response = _submit(client, member)

    lost.away = False  # the database is back
    assert lost.failed >= 2  # the commit, then the question (and the page's own reads)
    assert response.status_code == 503
    assert "look at My notices first" in response.get_data(as_text=True)
    [notice] = _notices()
    [attachment] = db.session.scalars(db.select(Attachment))
    assert attachment.notice_id == notice.id
    assert [p.name for p in _files(uploads)] == [attachment.stored_name]
    page = client.get("/notices/").get_data(as_text=True)
    assert f"/notices/{notice.id}" in page  # where the member is told to look


def test_a_commit_with_nothing_to_look_for_still_reports_the_error(ctx, monkeypatch):
    """A transaction with no audit entry (not a change made through the app) gives the
    session nothing to ask about: the caller hears the error, as before."""
    from sqlalchemy.exc import DBAPIError

    chapter = make_chapter()
    lost = LostAnswer(monkeypatch, commits=True, in_request=False)
    chapter.name = "Renamed behind the app's back"
    lost.armed = True
    with pytest.raises(DBAPIError) as raised:
        db.session.commit()
    assert raised.value.connection_invalidated
    db.session.rollback()
    assert lost.failed == 1
    assert db.session.get(Chapter, chapter.id) is not None  # the session carries on
