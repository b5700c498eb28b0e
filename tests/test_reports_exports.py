"""Exports of the case list (both databases): what is written re-reads to the same rows,
commas, quotes, new lines and unicode included; XLSX holds the same; confidential members
and members' own words never leave; the queue's filter decides the rows; every export is
audited; and a 50,000-row CSV streams in flat memory (marked slow)."""

import csv
import http.client
import io
import os
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from tests.factories import PASSWORD, login, make_chapter, make_notice, make_user
from union.cases.models import Case
from union.cases.queue import CaseFilter, Viewer
from union.chapters.models import Agency
from union.core.audit import AuditEntry
from union.extensions import db
from union.notices.models import Notice, NoticeChoice
from union.reports.exports import HEADERS, defuse, export_records

TRICKY_UNIT = 'ERO "Atlanta", Team 3\nSecond line — Équipe «Süd» 東京 👮'
FORMULA_UNIT = '=HYPERLINK("http://evil.example","click")'


def _read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.fixture
def cases(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    open_member = make_user("member", chapter=chapter, name="Olivia Open")
    secret = make_user("member", chapter=chapter, name="Cora Confidential",
                       email="cora.secret@example.net")  # fmt: skip
    notices = [
        make_notice(
            open_member,
            receiving_unit=TRICKY_UNIT,
            home_office="Macon, GA",
            statement="My own words, never exported.",
        ),  # fmt: skip
        make_notice(
            secret,
            confidential=True,
            home_office="Tiny Office",
            duty_location="Dock 4",
            receiving_unit=FORMULA_UNIT,
            statement="Secret words, never exported.",
            safety_health="Nobody had a vest.",
        ),  # fmt: skip
        make_notice(open_member, kind="task_force", pay_items=["overtime"]),
    ]
    other = make_chapter()
    make_notice(make_user("member", chapter=other, name="Elsewhere Ed"))
    return {"chapter": chapter, "rep": rep, "notices": notices, "secret": secret}


def test_the_csv_rereads_to_the_rows_exported(client, cases):
    login(client, cases["rep"])
    response = client.get("/reports/export/cases.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _read_csv(response.data)
    db.session.expire_all()
    viewer = Viewer.of(db.session.get(type(cases["rep"]), cases["rep"].id))
    records = list(export_records(db.session.connection(), viewer, CaseFilter(status="all")))
    want = [[str(defuse(v)) for v in record] for record in records]
    for got_row, want_row in zip(rows, want, strict=True):
        assert got_row == want_row, [
            (h, g, w) for h, g, w in zip(HEADERS, got_row, want_row, strict=True) if g != w
        ]
    assert rows[0] == HEADERS
    assert len(rows) == 1 + 3  # the other chapter's notice is not the rep's
    by_notice = {
        row[HEADERS.index("Notice")]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]
    }
    first, second, third = (by_notice[str(n.id)] for n in cases["notices"])
    assert first["Sent to unit"] == TRICKY_UNIT  # commas, quotes, new line, unicode intact
    assert first["Home office"] == "Macon, GA"
    assert first["Member"] == "Olivia Open"
    assert first["Duties"] == "Arrests; Transport or removal flights"
    assert first["Pay offered"] == "Nothing extra offered"
    assert first["Concern: Pay"] == "yes" and third["Concern: Pay"] == "no"
    assert third["Kind"] == "Task force"
    # A formula is kept as text: a spreadsheet shows it, never runs it.
    assert second["Sent to unit"] == "'" + FORMULA_UNIT


def test_confidential_members_and_members_words_never_leave(client, cases):
    login(client, cases["rep"])
    body = client.get("/reports/export/cases.csv").data.decode("utf-8-sig")
    for secret in ("Cora", "Confidential@", "cora.secret@example.net", "Tiny Office", "Dock 4",
                   "Secret words", "My own words", "Nobody had a vest"):  # fmt: skip
        assert secret not in body
    rows = {r[HEADERS.index("Notice")]: dict(zip(HEADERS, r, strict=True))
            for r in _read_csv(client.get("/reports/export/cases.csv").data)[1:]}  # fmt: skip
    hidden = rows[str(cases["notices"][1].id)]
    assert hidden["Member"] == "Confidential member"
    assert hidden["Member email"] == hidden["Home office"] == hidden["Duty location"] == ""
    assert hidden["Confidential"] == "yes"
    assert hidden["Concern: Safety and health"] == "yes"  # the fact, not the words


def test_the_xlsx_holds_the_same_rows(client, cases):
    from openpyxl import load_workbook

    login(client, cases["rep"])
    csv_rows = _read_csv(client.get("/reports/export/cases.csv").data)
    response = client.get("/reports/export/cases.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    xlsx_rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    # The same cells, but a formula is stored as text without the CSV's apostrophe.
    assert xlsx_rows == [[v.removeprefix("'") if v.startswith("'=") else v for v in row]
                         for row in csv_rows]  # fmt: skip
    assert not any("cora.secret" in v or "Cora" in v for row in xlsx_rows for v in row)


def test_the_queue_filter_decides_the_rows_and_every_export_is_audited(client, cases):
    login(client, cases["rep"])
    rows = _read_csv(client.get("/reports/export/cases.csv?kind=task_force").data)
    assert [r[HEADERS.index("Kind")] for r in rows[1:]] == ["Task force"]
    rows = _read_csv(client.get("/reports/export/cases.csv?concern=pay&status=open").data)
    assert len(rows) == 1 + 2
    client.get(f"/reports/export/cases.xlsx?chapter={cases['chapter'].id}")
    db.session.expire_all()
    exports = select(AuditEntry).where(AuditEntry.action.like("export.%"))
    entries = list(db.session.scalars(exports.order_by(AuditEntry.id)))
    assert [(e.details["format"], e.actor_id) for e in entries] == [
        ("csv", cases["rep"].id),
        ("csv", cases["rep"].id),
        ("xlsx", cases["rep"].id),
    ]
    assert entries[0].details["filter"] == {"kind": "task_force"}
    assert entries[2].chapter_id == cases["chapter"].id


def test_a_rep_of_another_chapter_exports_none_of_it_and_a_member_nothing(client, cases):
    other_rep = make_user("rep", covers=[make_chapter()])
    login(client, other_rep)
    rows = _read_csv(client.get(f"/reports/export/cases.csv?chapter={cases['chapter'].id}").data)
    assert rows == [HEADERS]
    client.post("/logout")
    login(client, cases["secret"])
    assert client.get("/reports/export/cases.csv").status_code == 403
    assert client.get("/reports/export/cases.xlsx").status_code == 403


# -- 50,000 rows ------------------------------------------------------------------------

ROWS = 50_000


def _bulk_cases(chapter_id: int, member_id: int, agency_id: int) -> None:
    """``ROWS`` cases of one notice each, inserted in bulk (the services would take an
    hour): some 13 MB of CSV."""
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    for start in range(0, ROWS, 5000):
        cases = [{"reference": f"C-2026-{i:06d}", "chapter_id": chapter_id, "status": "new",
                  "priority": "normal", "created_at": now - timedelta(minutes=i),
                  "updated_at": now, "version": 1} for i in range(start, start + 5000)]  # fmt: skip
        db.session.execute(insert(Case), cases)
        ids = db.session.scalars(
            select(Case.id).where(Case.reference >= f"C-2026-{start:06d}",
                                  Case.reference < f"C-2026-{start + 5000:06d}"))  # fmt: skip
        notices = [{"member_id": member_id, "chapter_id": chapter_id, "case_id": case_id,
                    "status": "submitted", "kind": "detail", "willingness": "directed",
                    "how_told": "email", "home_agency_id": agency_id,
                    "home_office": "Atlanta Field Office", "receiving_agency_id": agency_id,
                    "receiving_unit": f"ERO Atlanta, \"unit\" {case_id}\nsecond line ✓",
                    "notified_on": now.date(), "training_status": "none",
                    "created_at": now, "updated_at": now, "submitted_at": now}
                   for case_id in ids]  # fmt: skip
        db.session.execute(insert(Notice), notices)
        db.session.commit()
    db.session.execute(
        insert(NoticeChoice).from_select(
            ["notice_id", "question", "answer"],
            select(Notice.id, db.literal("duty"), db.literal("arrests")),
        )
    )
    db.session.commit()


def _rss_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _stream_from_gunicorn(processes, database_url: str, tmp_path, email: str) -> dict:
    """The same export from gunicorn on 127.0.0.1 (one sync worker, as production runs
    it), read in 64 KB pieces while the worker's resident memory is sampled."""
    from tests.servers import Browser, Gunicorn, process_env

    env = process_env(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=0)
    server = Gunicorn(env, 1, processes.log_dir, "export")
    # A loaded test machine may take longer than the helper's 30 s for 50,000 rows.
    server.args[server.args.index("--timeout") + 1] = "600"
    processes.started.append(server)
    server.start()
    browser = Browser(server.url)
    browser.log_in(email, PASSWORD)
    assert browser.get("/reports/export/cases.csv?status=open&kind=tdy").status == 200  # warm
    (worker,) = server.worker_pids()
    before = peak = _rss_bytes(worker)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    connection.request("GET", "/reports/export/cases.csv", headers={"Cookie": cookie})
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"  # streamed, no length known
    size = lines = pieces = 0
    last = b""
    while data := response.read(64 * 1024):
        size += len(data)
        # A row's CRLF may be split between two pieces.
        lines += (last + data[:1]).count(b"\r\n") + data.count(b"\r\n")
        last = data[-1:]
        pieces += 1
        if pieces % 4 == 0:
            peak = max(peak, _rss_bytes(worker))
    peak = max(peak, _rss_bytes(worker))
    connection.close()
    return {"size": size, "lines": lines, "before": before, "peak": peak}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_50000_row_csv_streams_in_flat_memory(client, ctx, processes, database_url, tmp_path):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    agency_id = db.session.scalars(select(Agency.id)).first()
    _bulk_cases(chapter.id, member.id, agency_id)
    login(client, rep)
    client.get("/reports/export/cases.csv?status=open&kind=tdy")  # warm up: imports, caches

    tracemalloc.start()
    rss_before = _rss_bytes()
    rss_peak = rss_before
    response = client.get("/reports/export/cases.csv", buffered=False)
    assert response.status_code == 200
    size = lines = 0
    tail = b""
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        lines += data.count(b"\r\n")
        tail = data[-300:]
        rss_peak = max(rss_peak, _rss_bytes())
    response.close()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert lines == 1 + ROWS  # a row ends in CRLF; the new line inside a unit is LF alone
    assert b"C-2026-049999" in tail  # newest first: the oldest case comes last
    grown = (rss_peak - rss_before) / 2**20
    print(f"\n{ROWS} rows, {size / 2**20:.1f} MB of CSV: RSS grew {grown:.1f} MB, "
          f"Python allocations peaked at {traced_peak / 2**20:.1f} MB")  # fmt: skip
    assert size > 10 * 2**20
    assert traced_peak < 30 * 2**20
    assert grown < 60

    # And served for real: gunicorn's worker, measured from outside (its RSS in /proc).
    email = rep.email
    db.session.remove()
    served = _stream_from_gunicorn(processes, database_url, tmp_path, email)
    worker_grown = (served["peak"] - served["before"]) / 2**20
    print(f"gunicorn worker: {served['size'] / 2**20:.1f} MB of CSV, RSS "
          f"{served['before'] / 2**20:.1f} MB before, {served['peak'] / 2**20:.1f} MB at its "
          f"peak: grew {worker_grown:.1f} MB")  # fmt: skip
    assert served["lines"] == 1 + ROWS
    assert served["size"] > 10 * 2**20
    assert worker_grown < 60
