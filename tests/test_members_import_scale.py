"""A large chapter's list: 20,000 rows import in bulk, in well under a minute (the time is
printed, never asserted: machines differ), and importing them again changes nothing."""

import io
import time

import pytest
from sqlalchemy import func, select

from tests.factories import make_chapter
from union.core.audit import AuditEntry
from union.extensions import db
from union.members import imports
from union.members.models import Member
from union.members.spreadsheets import read_sheet

ROWS = 20_000


def _list(rows: int, *, offset: int = 0, office: str = "Atlanta") -> bytes:
    lines = ["Member No,First Name,Last Name,Personal Email,Phone,Component,Office,"
             "Duty Station,Work Schedule"]  # fmt: skip
    lines += [
        f"{100000 + n},Zoë,Núñez {n},member{n}@example.net,404-555-{n % 10000:04d},IRS-CI,"
        f"{office if n % 10 else 'Dallas'},Atlanta GA,5-4/9"
        for n in range(offset, offset + rows)
    ]
    return "\n".join(lines).encode()


def _timed(chapter, data: bytes) -> tuple[dict[str, int], float]:
    started = time.perf_counter()
    sheet = read_sheet(data)
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    counts = imports.apply_plan(chapter, plan)
    db.session.commit()
    return counts, time.perf_counter() - started


@pytest.mark.slow
def test_twenty_thousand_members_import_in_bulk_and_again_change_nothing(ctx, backend):
    chapter = make_chapter()
    counts, first = _timed(chapter, _list(ROWS))
    assert counts["created"] == ROWS and counts["errors"] == 0
    assert db.session.scalar(select(func.count()).select_from(Member)) == ROWS

    counts, again = _timed(chapter, _list(ROWS))
    assert counts["unchanged"] == ROWS
    assert counts["created"] == counts["updated"] == counts["flagged_missing"] == 0

    # A new list: 2,000 gone (flagged), 2,000 new, every remaining one moved office.
    counts, changed = _timed(chapter, _list(ROWS, offset=2000, office="Marietta"))
    assert (counts["created"], counts["flagged_missing"]) == (2000, 2000)
    assert counts["updated"] == 18000 - 1800  # the Dallas tenth did not move
    updates = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "member.import_update")
    )
    assert updates == counts["updated"]
    print(
        f"\n[{backend}] {ROWS:,} rows: first import {first:.1f} s, same file again "
        f"{again:.1f} s, 2,000 new + 2,000 gone + 16,200 moved {changed:.1f} s"
    )


@pytest.fixture
def app_config(tmp_path):
    return {"MEMBER_IMPORT_FOLDER": str(tmp_path / "member-imports")}


@pytest.mark.slow
def test_twenty_thousand_rows_of_xlsx_through_the_background_job(ctx, backend):
    from openpyxl import Workbook

    from union.members import jobs
    from union.members.models import ImportRun

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for line in _list(ROWS).decode().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    chapter = make_chapter()

    started = time.perf_counter()
    run = imports.start_upload(chapter, "list.xlsx", buffer.getvalue(), actor=None)
    imports.confirm_run(run, actor=None)
    db.session.commit()
    uploaded = time.perf_counter() - started
    assert jobs.run_import(run.id)
    took = time.perf_counter() - started - uploaded
    run = db.session.get(ImportRun, run.id, populate_existing=True)
    assert (run.status, run.created_count, run.processed_rows) == ("done", ROWS, ROWS)
    print(
        f"\n[{backend}] {ROWS:,} XLSX rows: upload check {uploaded:.1f} s, "
        f"background import {took:.1f} s"
    )
