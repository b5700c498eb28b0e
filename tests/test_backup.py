"""Backups: ``union backup`` then ``union restore`` into an empty database gives back
every row of every table and every uploaded file, on SQLite and on PostgreSQL; a damaged
backup or a database that is not empty is refused."""

import io
import json

import pytest
from sqlalchemy import create_engine

from tests.conftest import _test_config
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    login,
    make_chapter,
    make_member,
    make_notice,
    make_roster_request,
    make_user,
)
from union import create_app
from union.backup import FILES, MANIFEST, fingerprints
from union.cases import services as cases
from union.extensions import db
from union.notices import services as notices


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app_config(uploads, tmp_path):
    return {"UPLOAD_FOLDER": str(uploads), "MEMBER_IMPORT_FOLDER": str(tmp_path / "imports")}


def _upload(name: str, content: bytes):
    return type("Upload", (), {"filename": name, "stream": io.BytesIO(content)})


@pytest.fixture
def union_records(ctx):
    """A chapter's worth of records: people, notices with files, a case with a reply (and
    its email), a member list entry, a roster request with a document."""
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user(chapter=chapter, name="Tanya Brooks")
    draft = notices.load_notice(make_notice(member, submit=False, statement="Ünïcode ✓").id)
    assert notices.add_attachments(draft, [_upload("memo.pdf", PDF_BYTES)], actor=member) == []
    case = notices.submit_notice(draft, actor=member)
    db.session.commit()
    cases.add_comment(cases.load_case(case.id), "We are on it.", reply=True, actor=rep,
                      notice=notices.load_notice(draft.id))  # fmt: skip
    make_member(chapter, name="Rosa Roster")
    from union.rosters import services as rosters

    roster = rosters.load_request(make_roster_request(chapter, rep).id)
    assert rosters.add_documents(roster, [_upload("roster.png", PNG_BYTES)], actor=rep) == []
    db.session.commit()
    return {"member": member, "notice_id": draft.id}


def _invoke(app, *args: str):
    """Run a ``union`` command of ``app`` (its own context: the test's ``ctx`` is another
    app's, which the command would otherwise use)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def test_a_restore_gives_back_every_row_and_every_file(
    app, runner, union_records, backend, databases, uploads, tmp_path
):
    dest = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    manifest = json.loads((dest / MANIFEST).read_text())
    assert manifest["tables"]["notices"]["rows"] == 1 and len(manifest["files"]) == 2
    assert manifest["missing_files"] == []
    with app.app_context(), db.engine.connect() as conn:
        before = fingerprints(conn)
    assert before == manifest["tables"]

    # A new machine: an empty database and an empty upload folder.
    restored_uploads = tmp_path / "restored-uploads"
    target = databases.fresh_url(backend, "restore")
    restored = create_app(_test_config(target, UPLOAD_FOLDER=str(restored_uploads)))
    result = _invoke(restored, "restore", str(dest))
    assert result.exit_code == 0, result.output
    assert "every table and file matches the backup" in result.output

    engine = create_engine(target)
    with restored.app_context(), engine.connect() as conn:
        after = fingerprints(conn)
    engine.dispose()
    assert after == before
    assert all(after[t]["rows"] > 0 for t in ("users", "notices", "cases", "outbox_messages"))
    assert _files(restored_uploads) == _files(uploads)

    # And it works: the member logs in on the restored app and downloads their file.
    client = restored.test_client()
    assert login(client, union_records["member"].email).status_code == 302
    page = client.get(f"/notices/{union_records['notice_id']}")
    assert "Ünïcode ✓" in page.get_data(as_text=True)
    with restored.app_context():
        notice = notices.load_notice(union_records["notice_id"])
        url = f"/notices/{notice.id}/attachments/{notice.attachments[0].id}"
    assert client.get(url).data == PDF_BYTES
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, runner, union_records, tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    result = runner.invoke(args=["restore", str(dest)])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_a_damaged_backup(app, runner, union_records, backend, databases, tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    archive = dest / FILES
    data = bytearray(archive.read_bytes())
    data[600] ^= 0xFF
    archive.write_bytes(bytes(data))
    target = databases.fresh_url(backend, "restore")
    restored = create_app(_test_config(target, UPLOAD_FOLDER=str(tmp_path / "r")))
    result = _invoke(restored, "restore", str(dest))
    assert result.exit_code != 0
    assert "damaged" in result.output
    with restored.app_context():
        assert db.inspect(db.engine).get_table_names() == []  # nothing half-restored
        db.engine.dispose()


def test_a_backup_goes_into_a_new_folder_only(app, runner, tmp_path):
    dest = tmp_path / "backup"
    dest.mkdir()
    (dest / "something.txt").write_text("keep me")
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code != 0 and "not empty" in result.output
    assert (dest / "something.txt").read_text() == "keep me"
