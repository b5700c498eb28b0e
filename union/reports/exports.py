"""The filtered case list as CSV or XLSX, streamed: rows are read from the database in
batches (a server-side cursor on PostgreSQL) and written out as they come, so memory
stays flat whatever the export's size.

One row per notice: a collective case takes one row per notice it groups, its case
columns repeated (a case with no notice left standing still gets one row). What never
leaves the app:

* a confidential notice's member: no name, no email, no account id, and neither the home
  office nor the duty location (small places name people too);
* any member's own words: the statement, safety and hardship accounts, and free-text
  answers beyond short place and unit names. Statements leave only as anonymized text a
  rep approved (``union.reports.statements``).
"""

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, inspect, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from union.auth.models import User
from union.cases.concerns import Concern, raises
from union.cases.models import Case, CaseStatus
from union.cases.queue import CaseFilter, Viewer, queue_query
from union.chapters.models import Agency, Chapter
from union.core import audit
from union.core.db import read_only_transactions
from union.core.time import local_time
from union.extensions import db
from union.notices.models import (
    ANSWERS,
    COLUMN_CHOICES,
    Notice,
    NoticeChoice,
    NoticeStatus,
    Question,
)
from union.reports.dashboard import notice_conditions

BATCH = 1000
CONFIDENTIAL = "Confidential member"


def _label(column: str, value: str | None) -> str:
    if value is None:
        return ""
    try:
        return COLUMN_CHOICES[column](value).label
    except ValueError:
        return value


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any, dict[str, list[str]]], Any]


def _choices(question: Question) -> Callable[[Any, dict[str, list[str]]], str]:
    return lambda row, ticked: "; ".join(ticked.get(question.value, []))


def _private(name: str) -> Callable[[Any, dict[str, list[str]]], Any]:
    """A notice's column only when it is not confidential."""
    return lambda row, _: "" if row.confidential else (getattr(row, name) or "")


def _yes(value: Any) -> str:
    return "yes" if value else "no"


COLUMNS: list[Column] = [
    Column("Case", lambda r, _: r.reference),
    Column("Chapter", lambda r, _: r.chapter_number),
    Column("Case status", lambda r, _: CaseStatus(r.status).label),
    Column("Priority", lambda r, _: r.priority.title()),
    Column("Assigned to", lambda r, _: r.rep_name or ""),
    Column("Opened on", lambda r, _: _day(local_time(r.created_at, r.zone).date())),
    Column("Last activity", lambda r, _: local_time(r.updated_at, r.zone)
           .strftime("%Y-%m-%d %H:%M")),
    Column("Next due", lambda r, _: _day(r.next_due_on)),
    Column("Notice", lambda r, _: r.notice_id or ""),
    Column("Member", lambda r, _: "" if r.notice_id is None else (
        CONFIDENTIAL if r.confidential else r.member_name)),
    Column("Member email", _private("member_email")),
    Column("Kind", lambda r, _: _label("kind", r.kind)),
    Column("Directed or voluntary", lambda r, _: _label("willingness", r.willingness)),
    Column("How told", lambda r, _: _label("how_told", r.how_told)),
    Column("Home component", lambda r, _: r.home_label or ""),
    Column("Home office", _private("home_office")),
    Column("Sent to component", lambda r, _: r.receiving_label or r.receiving_agency_other or ""),
    Column("Sent to unit", lambda r, _: r.receiving_unit or ""),
    Column("Duties", _choices(Question.DUTY)),
    Column("Other duties", lambda r, _: r.duties_other or ""),
    Column("Told on", lambda r, _: _day(r.notified_on)),
    Column("Starts on", lambda r, _: _day(r.starts_on)),
    Column("Ends on", lambda r, _: _day(r.ends_on)),
    Column("Expected length", lambda r, _: r.expected_length or ""),
    Column("Reply by", lambda r, _: _day(r.reply_by)),
    Column("Duty location", _private("duty_location")),
    Column("Travel", lambda r, _: _label("travel", r.travel)),
    Column("Relocation", lambda r, _: _label("relocation", r.relocation)),
    Column("Remote to onsite", lambda r, _: _label("remote_to_onsite", r.remote_to_onsite)),
    Column("Coworkers told the same", lambda r, _: "" if r.coworkers_count is None
           else r.coworkers_count),
    Column("Training", lambda r, _: _label("training_status", r.training_status)),
    Column("Training missing", _choices(Question.TRAINING_GAP)),
    Column("Pay offered", _choices(Question.PAY)),
    Column("Contract articles", lambda r, _: r.contract_articles or ""),
    Column("Union notified before", lambda r, _: _label("union_notified_before",
                                                        r.union_notified_before)),
    Column("Telework affected", lambda r, _: _label("telework_affected", r.telework_affected)),
    Column("Outside position description", lambda r, _: _label(
        "outside_position_description", r.outside_position_description)),
    *(Column(f"Concern: {c.label}", lambda r, _, c=c: "" if r.notice_id is None
             else _yes(getattr(r, f"raises_{c.value}"))) for c in Concern),
    Column("Confidential", lambda r, _: "" if r.notice_id is None else _yes(r.confidential)),
]  # fmt: skip
HEADERS = [c.header for c in COLUMNS]


def export_query(viewer: Viewer, f: CaseFilter) -> Any:
    """The rows of the export: the queue's cases for ``f`` in the queue's order, each
    with its submitted notices that match the filter (outer-joined), by notice."""
    listed = queue_query(viewer, f)
    member, rep = aliased(User), aliased(User)
    home, receiving = aliased(Agency), aliased(Agency)
    # The notices are joined under another name: the queue's own subqueries about a case's
    # notices must not correlate with the row's notice. Conditions written for ``Notice``
    # (the filter's, the concerns') are adapted to it.
    notice = aliased(Notice, name="exported_notice")
    adapt = ClauseAdapter(inspect(notice).selectable).traverse
    notice_on = and_(
        notice.case_id == Case.id,
        notice.status == NoticeStatus.SUBMITTED.value,
        *(adapt(condition) for condition in notice_conditions(f)),
    )
    columns = [
        Case.reference, Case.status, Case.priority, Case.created_at, Case.updated_at,
        listed.selected_columns.next_due_on,
        Chapter.number.label("chapter_number"), Chapter.timezone.label("zone"),
        rep.name.label("rep_name"),
        notice.id.label("notice_id"), notice.confidential,
        member.name.label("member_name"), member.email.label("member_email"),
        notice.kind, notice.willingness, notice.how_told,
        (home.department + "/" + home.code).label("home_label"), notice.home_office,
        (receiving.department + "/" + receiving.code).label("receiving_label"),
        notice.receiving_agency_other, notice.receiving_unit, notice.duties_other,
        notice.notified_on, notice.starts_on, notice.ends_on, notice.expected_length,
        notice.reply_by, notice.duty_location, notice.travel, notice.relocation,
        notice.remote_to_onsite, notice.coworkers_count, notice.training_status,
        notice.contract_articles, notice.union_notified_before, notice.telework_affected,
        notice.outside_position_description,
        *(adapt(case((raises(c), 1), else_=0)).label(f"raises_{c.value}") for c in Concern),
    ]  # fmt: skip
    return (
        listed.join(Chapter, Chapter.id == Case.chapter_id)
        .outerjoin(rep, rep.id == Case.assigned_rep_id)
        .outerjoin(notice, notice_on)
        .outerjoin(member, member.id == notice.member_id)
        .outerjoin(home, home.id == notice.home_agency_id)
        .outerjoin(receiving, receiving.id == notice.receiving_agency_id)
        .with_only_columns(*columns)
        .order_by(notice.id)
    )


def _ticked(conn: Connection, notice_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """The ticked boxes of these notices, as labels by question (one query)."""
    found: dict[int, dict[str, list[str]]] = {}
    if not notice_ids:
        return found
    labels = {(q.value, m.value): m.label for q, enum_cls in ANSWERS.items() for m in enum_cls}
    order = {key: i for i, key in enumerate(labels)}
    rows = conn.execute(
        select(NoticeChoice.notice_id, NoticeChoice.question, NoticeChoice.answer).where(
            NoticeChoice.notice_id.in_(notice_ids)
        )
    ).all()
    rows.sort(key=lambda r: order.get((r.question, r.answer), 0))
    for notice_id, question, answer in rows:
        by_question = found.setdefault(notice_id, {})
        by_question.setdefault(question, []).append(labels.get((question, answer), answer))
    return found


def export_records(conn: Connection, viewer: Viewer, f: CaseFilter) -> Iterator[list[Any]]:
    """The export's rows (headers first), read on ``conn`` in batches of ``BATCH`` (a
    server-side cursor on PostgreSQL), each batch's ticked boxes in one more query."""
    yield HEADERS
    result = conn.execution_options(yield_per=BATCH).execute(export_query(viewer, f))
    try:
        for batch in result.partitions():
            ticked = _ticked(conn, [r.notice_id for r in batch if r.notice_id is not None])
            for row in batch:
                choices = ticked.get(row.notice_id, {})
                yield [column.value(row, choices) for column in COLUMNS]
    finally:
        result.close()


def streamed_records(engine: Engine, viewer: Viewer, f: CaseFilter) -> Iterator[list[Any]]:
    """``export_records`` for a response that streams after its request has ended: on a
    connection of its own (no app context, no session), opened when the first row is
    asked for and closed after the last, or when the download is abandoned. Its read
    transaction takes no lock on SQLite."""
    with read_only_transactions():
        conn = engine.connect()
        conn.begin()
    try:
        yield from export_records(conn, viewer, f)
    finally:
        conn.close()


# -- CSV -------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts like a formula: start such text with an apostrophe
# (OWASP's advice), which spreadsheets show as plain text. Only text is touched.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(records: Iterable[list[Any]], rows_per_chunk: int = 200) -> Iterator[str]:
    """CSV text in chunks of ``rows_per_chunk`` rows, starting with a byte-order mark so
    spreadsheets read it as UTF-8. Quotes, commas and new lines are quoted (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    pending = 0
    for record in records:
        writer.writerow([defuse(v) for v in record])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue()


# -- XLSX ------------------------------------------------------------------------------


def xlsx_file(records: Iterable[list[Any]]) -> str:
    """Write the records to a workbook on disk (openpyxl's write-only mode keeps rows out
    of memory) and return its path; the caller streams it and deletes it. Text is stored
    as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    for record in records:
        cells = []
        for value in record:
            if not isinstance(value, str):
                cells.append(value)
                continue
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # stays text, never a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    handle, path = tempfile.mkstemp(prefix="steward-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(path)
    except BaseException:
        Path(path).unlink()
        raise
    return path


def file_chunks(path: str, size: int = 64 * 1024) -> Iterator[bytes]:
    """The file's bytes in chunks; the file is deleted when done (or abandoned)."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        Path(path).unlink()


# -- the audit entry -------------------------------------------------------------------


@dataclass(frozen=True)
class _Actor:
    id: int


def record_export(
    user_id: int, what: str, fmt: str, chapter_id: int | None, **details: Any
) -> None:
    """Audit an export, and commit it before any row goes out.

    The page's read transaction is ended first, so the entry is the first statement of a
    write of its own: SQLite then waits for the lock instead of failing, and the rows are
    read afterwards in a read transaction that holds no lock. ``user_id`` is passed (not
    the user) because ending the transaction expires the user's attributes."""
    db.session.commit()
    audit.record(
        f"export.{what}", None, actor=_Actor(user_id), chapter_id=chapter_id, format=fmt, **details
    )
    db.session.commit()


def export_filename(what: str, fmt: str, today: date) -> str:
    return f"steward-{what}-{today.isoformat()}.{fmt}"
