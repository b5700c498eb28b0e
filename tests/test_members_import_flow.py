"""A rep imports the chapter's list as a person would: upload, match the columns, read the
dry run, confirm, and watch it run in the background; and the same from the command line."""

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import login, make_chapter, make_user
from union.core.audit import AuditEntry
from union.extensions import db
from union.members import jobs
from union.members.models import ImportMapping, ImportRun, ImportStatus, Member

LIST = (
    "Member No;Full Name;Personal E-mail;Office\r\n"
    "1001;Ana Lima;ana@example.net;Atlanta\r\n"
    "1002;Ben Cole;ben@;Atlanta\r\n"
    "1003;Cai Wen;cai@example.net;Dallas\r\n"
    "1003;Cai Wen;cai@example.net;Dallas\r\n"
).encode("utf-8-sig")


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(client, chapter_id: int, data: bytes = LIST, name: str = "members.csv"):
    return client.post(
        f"/members/chapters/{chapter_id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _columns(**chosen: str) -> dict[str, str]:
    fields = ("member_number", "name", "first_name", "last_name", "email", "phone",
              "component", "office", "duty_station", "work_schedule")  # fmt: skip
    return {name: chosen.get(name, "") for name in fields} | {
        "known_offices": chosen.get("known_offices", "")
    }


@pytest.fixture
def app_config(tmp_path):
    """Uploaded member lists go to the test's own folder, not the instance folder."""
    return {"MEMBER_IMPORT_FOLDER": str(tmp_path / "member-imports")}


@pytest.fixture
def rep(ctx):
    chapter = make_chapter("247")
    return make_user("rep", covers=[chapter], email="steward@example.org"), chapter


def test_rep_imports_a_list_through_the_pages(client, ctx, rep, app):
    user, chapter = rep
    login(client, user)
    response = _upload(client, chapter.id)
    assert response.status_code == 302
    run = db.session.scalar(select(ImportRun))
    assert response.headers["Location"].endswith(f"/members/imports/{run.id}/columns")
    stored = Path(app.config["MEMBER_IMPORT_FOLDER"]) / run.stored_name
    assert stored.read_bytes() == LIST
    assert run.filename == "members.csv" and run.status == ImportStatus.DRAFT

    # The columns are guessed from their names and shown with the file's first rows.
    page = client.get(f"/members/imports/{run.id}/columns").get_data(as_text=True)
    assert '<option selected value="Member No">' in page
    assert '<option selected value="Personal E-mail">' in page
    assert "Ana Lima" in page

    response = client.post(
        f"/members/imports/{run.id}/columns",
        data=_columns(member_number="Member No", name="Full Name", email="Personal E-mail",
                      office="Office", known_offices="Atlanta\nDallas\n"),
    )  # fmt: skip
    assert response.headers["Location"].endswith(f"/members/imports/{run.id}/review")
    mapping = db.session.get(ImportMapping, chapter.id)
    assert mapping.columns["email"] == "Personal E-mail"
    assert mapping.known_offices == ["Atlanta", "Dallas"]

    review = client.get(f"/members/imports/{run.id}/review").get_data(as_text=True)
    assert "“ben@” is not a valid email address." in review
    assert "Member number 1003 is already on row 4." in review
    assert '<th scope="row">New members to add</th><td>2</td>' in review
    assert _count(Member) == 0  # the dry run wrote nothing

    response = client.post(f"/members/imports/{run.id}/review")
    assert response.headers["Location"].endswith(f"/members/imports/{run.id}")
    db.session.refresh(run)
    assert run.status == ImportStatus.QUEUED
    waiting = client.get(f"/members/imports/{run.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in waiting
    assert "Waiting to start" in waiting
    still = client.get(f"/members/imports/{run.id}?refresh=off").get_data(as_text=True)
    assert "http-equiv" not in still

    assert jobs.run_import(run.id) is True
    assert jobs.run_import(run.id) is False  # claimed once, run once
    db.session.refresh(run)
    assert (run.status, run.created_count, run.error_count) == ("done", 2, 2)
    assert run.processed_rows == run.total_rows == 4
    assert not stored.exists() and run.stored_name is None  # personal data is not kept
    assert _count(Member, Member.chapter_id == chapter.id) == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "members.import"))
    assert entry.actor_id == user.id and entry.details["created"] == 2

    done = client.get(f"/members/imports/{run.id}").get_data(as_text=True)
    assert "http-equiv" not in done
    assert "Members added</th><td>2</td>" in done and "“ben@” is not a valid" in done
    # A done run is not reviewed or confirmed again.
    assert client.post(f"/members/imports/{run.id}/review").status_code == 302
    assert _count(Member) == 2


def test_the_next_file_of_the_chapter_maps_itself(client, ctx, rep):
    user, chapter = rep
    login(client, user)
    remembered = {"member_number": "Full Name"}
    db.session.add(ImportMapping(chapter_id=chapter.id, columns=remembered, known_offices=["X"]))
    db.session.commit()
    _upload(client, chapter.id)
    run = db.session.scalar(select(ImportRun))
    assert run.columns["member_number"] == "Full Name"  # remembered beats guessed
    assert run.known_offices == ["X"]


def test_a_bad_mapping_is_explained_beside_the_field(client, ctx, rep):
    user, chapter = rep
    login(client, user)
    _upload(client, chapter.id)
    run = db.session.scalar(select(ImportRun))
    page = client.post(
        f"/members/imports/{run.id}/columns",
        data=_columns(name="Full Name", email="Full Name"),
    ).get_data(as_text=True)
    assert "Choose the column with the member number." in page
    assert "The column “Full Name” is already used for Name." in page
    page = client.post(
        f"/members/imports/{run.id}/columns", data=_columns(member_number="Nope")
    ).get_data(as_text=True)
    assert "Choose one of the file&#39;s columns." in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 not a list", "list.csv", "not a member list"),
        (b"", "empty.csv", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls", "old-style Excel"),
    ],
)
def test_files_that_are_no_member_list_are_refused_beside_the_field(
    client, ctx, rep, data, name, message
):
    user, chapter = rep
    login(client, user)
    response = _upload(client, chapter.id, data, name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(ImportRun) == 0


def test_a_vanished_upload_sends_the_rep_back_to_upload_again(client, ctx, rep, app):
    user, chapter = rep
    login(client, user)
    _upload(client, chapter.id)
    run = db.session.scalar(select(ImportRun))
    (Path(app.config["MEMBER_IMPORT_FOLDER"]) / run.stored_name).unlink()
    response = client.get(f"/members/imports/{run.id}/review")
    assert response.headers["Location"].endswith(f"/members/chapters/{chapter.id}/import")


def test_a_failed_import_says_why(client, ctx, rep, app):
    user, chapter = rep
    login(client, user)
    _upload(client, chapter.id)
    run = db.session.scalar(select(ImportRun))
    client.post(f"/members/imports/{run.id}/review")
    (Path(app.config["MEMBER_IMPORT_FOLDER"]) / run.stored_name).unlink()
    jobs.run_import(run.id)
    page = client.get(f"/members/imports/{run.id}").get_data(as_text=True)
    assert "Failed" in page and "The uploaded file is gone" in page


def test_the_scheduler_sweep_runs_waiting_imports_and_discards_old_drafts(client, ctx, rep, app):
    from datetime import timedelta

    from union.core.scheduler import registered_jobs, run_job
    from union.core.time import utcnow

    user, chapter = rep
    login(client, user)
    _upload(client, chapter.id)
    _upload(client, chapter.id)
    confirmed, draft = db.session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    client.post(f"/members/imports/{confirmed.id}/review")
    draft_file = Path(app.config["MEMBER_IMPORT_FOLDER"]) / draft.stored_name
    draft.created_at = utcnow() - timedelta(days=3)
    db.session.commit()  # and touch nothing until the job ran: SQLite has one writer

    [sweep] = [j for j in registered_jobs() if j.name == "member-imports"]
    run_job(app, sweep)
    db.session.expire_all()
    assert db.session.get(ImportRun, confirmed.id).status == "done"
    assert db.session.get(ImportRun, draft.id).status == "discarded"
    assert not draft_file.exists()


def test_a_stale_claim_is_taken_over(ctx, rep):
    from datetime import timedelta

    from union.core.time import utcnow

    _, chapter = rep
    run = ImportRun(chapter_id=chapter.id, filename="x.csv", status=ImportStatus.RUNNING,
                    claimed_at=utcnow(), columns={}, known_offices=[], errors=[])  # fmt: skip
    db.session.add(run)
    db.session.commit()
    assert jobs.claim(run.id) is False
    run.claimed_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert jobs.claim(run.id) is True


class TestInTheBackground:
    @pytest.fixture
    def app_config(self, tmp_path):
        return {"MEMBER_IMPORT_THREAD": True, "MEMBER_IMPORT_FOLDER": str(tmp_path / "imports")}

    def test_confirming_starts_the_import_in_a_thread_and_the_page_follows_it(
        self, client, ctx, rep
    ):
        user, chapter = rep
        login(client, user)
        _upload(client, chapter.id)
        run = db.session.scalar(select(ImportRun))
        client.post(
            f"/members/imports/{run.id}/columns",
            data=_columns(member_number="Member No", name="Full Name"),
        )
        client.post(f"/members/imports/{run.id}/review")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page = client.get(f"/members/imports/{run.id}").get_data(as_text=True)
            if "Done" in page:
                break
            time.sleep(0.1)
        assert "Members added</th><td>3</td>" in page


# -- access --------------------------------------------------------------------------


def test_reps_of_other_chapters_and_members_cannot_import(client, ctx, rep):
    user, chapter = rep
    other_rep = make_user("rep", covers=[make_chapter()])
    member = make_user("member", chapter=chapter)
    login(client, user)
    _upload(client, chapter.id)
    run = db.session.scalar(select(ImportRun))
    client.post("/logout")

    login(client, other_rep)
    assert _upload(client, chapter.id).status_code == 404
    for url in (f"/members/imports/{run.id}", f"/members/imports/{run.id}/columns",
                f"/members/imports/{run.id}/review"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/members/imports/{run.id}/review").status_code == 404
    client.post("/logout")

    login(client, member)
    assert client.get(f"/members/chapters/{chapter.id}/import").status_code == 403
    assert client.get(f"/members/imports/{run.id}").status_code == 403
    assert db.session.get(ImportRun, run.id).status == "draft"


# -- the command line ----------------------------------------------------------------


@pytest.fixture
def list_file(tmp_path):
    path = tmp_path / "chapter-247.csv"
    path.write_bytes(LIST)
    return path


def test_cli_dry_run_names_broken_rows_and_changes_nothing(runner, ctx, list_file):
    make_chapter("247")
    result = runner.invoke(args=["import-members", str(list_file), "--chapter", "247",
                                 "--dry-run"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Would add 2, update 0, leave 0 as they are, flag 0 missing; 2 rows" in result.output
    assert "row 3: 1002 Ben Cole: “ben@” is not a valid email address." in result.output
    assert "row 5: 1003 Cai Wen: Member number 1003 is already on row 4." in result.output
    assert "Dry run: nothing was changed." in result.output
    assert _count(Member) == 0 and _count(ImportRun) == 0


def test_cli_imports_with_a_progress_bar_and_summary_then_finds_nothing_to_do(
    runner, ctx, list_file
):
    chapter = make_chapter("247")
    result = runner.invoke(args=["import-members", str(list_file), "--chapter", "247", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "Imported into Chapter 247: 2 added, 0 updated" in result.output
    assert _count(Member, Member.chapter_id == chapter.id) == 2
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.created_count, run.created_by_id) == ("done", 2, None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "members.import"))
    assert entry.actor_id is None and entry.details["filename"] == "chapter-247.csv"

    again = runner.invoke(args=["import-members", str(list_file), "--chapter", "247", "--yes"])
    assert "Nothing to change" in again.output
    assert _count(ImportRun) == 1


def test_cli_asks_before_importing(runner, ctx, list_file):
    make_chapter("247")
    result = runner.invoke(args=["import-members", str(list_file), "--chapter", "247"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert _count(Member) == 0


def test_cli_mapping_can_be_given_and_problems_are_explained(runner, ctx, tmp_path):
    make_chapter("247")
    path = tmp_path / "odd.csv"
    path.write_text("Ref,Who,Where\nA1,Ana Lima,Atlanta\n")
    result = runner.invoke(args=["import-members", str(path), "--chapter", "247", "--yes"])
    assert result.exit_code != 0
    assert "Choose the column with the member number." in result.output
    result = runner.invoke(
        args=["import-members", str(path), "--chapter", "247", "--yes",
              "--map", "member_number=Ref", "--map", "name=Who", "--map", "office=Where"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    member = db.session.scalar(select(Member))
    assert (member.member_number, member.office) == ("A1", "Atlanta")
    bad = runner.invoke(args=["import-members", str(path), "--chapter", "247", "--map", "x=Ref"])
    assert bad.exit_code != 0 and "no field 'x'" in bad.output


def test_cli_refuses_an_unknown_chapter_and_an_unreadable_file(runner, ctx, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"%PDF-1.4")
    make_chapter("247")
    assert (
        "there is no chapter 999"
        in runner.invoke(args=["import-members", str(path), "--chapter", "999"]).output
    )
    result = runner.invoke(args=["import-members", str(path), "--chapter", "247"])
    assert result.exit_code != 0 and "not a member list" in result.output
