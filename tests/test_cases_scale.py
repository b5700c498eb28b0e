"""A chapter of several thousand cases: every filter of the queue gives the right count,
answers quickly, and costs the same queries as a chapter of five."""

import random
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tests.factories import login, make_chapter, make_user
from union.cases.models import Case
from union.chapters.models import Agency
from union.core.time import local_time, utcnow
from union.deadlines.models import Deadline
from union.deadlines.next_due import refresh as refresh_next_due
from union.extensions import db
from union.notices.models import Notice

CASES = 4000
UNITS = ["ERO Atlanta", "ERO Houston", "HSI Savannah", "Docket Unit"]


def _generate(chapter, member, agencies):
    """Cases with one notice and one open deadline each, written in bulk; returns what
    was generated, to count the expected answers in Python."""
    rng = random.Random(4)
    now = utcnow()
    today = local_time(now, chapter.timezone).date()
    rows = []
    for n in range(CASES):
        rows.append({
            "reference": f"C-2025-{n + 1:05d}",
            "status": rng.choice(["new", "triaged", "in_progress", "waiting", "resolved"]),
            "kind": rng.choice(["detail", "tdy", "task_force"]),
            "agency": rng.choice(agencies),
            "unit": rng.choice(UNITS),
            "contract": rng.choice([None, "Article 9"]),
            "due": today + timedelta(days=rng.randint(-20, 40)),
        })  # fmt: skip
    db.session.execute(
        insert(Case),
        [{"reference": r["reference"], "chapter_id": chapter.id, "status": r["status"],
          "priority": "normal", "created_at": now, "updated_at": now, "version": 1}
         for r in rows],
    )  # fmt: skip
    ids = dict(db.session.execute(select(Case.reference, Case.id)).all())
    db.session.execute(
        insert(Notice),
        [{"member_id": member.id, "chapter_id": chapter.id, "case_id": ids[r["reference"]],
          "status": "submitted", "created_at": now, "updated_at": now, "kind": r["kind"],
          "receiving_agency_id": r["agency"], "receiving_unit": r["unit"],
          "notified_on": today - timedelta(days=3), "training_status": "complete",
          "contract_articles": r["contract"], "statement": "Told by email. " * 20,
          "consent_contact": False, "consent_anonymized_use": False, "confidential": False}
         for r in rows],
    )  # fmt: skip
    db.session.execute(
        insert(Deadline),
        [{"case_id": ids[r["reference"]], "kind": "custom", "title": "Due", "due_on": r["due"],
          "original_due_on": r["due"], "created_at": now, "updated_at": now} for r in rows],
    )  # fmt: skip
    refresh_next_due(db.session.connection())  # written in bulk, as the generator does
    db.session.commit()
    return rows, today


def _total(client, query):
    started = time.perf_counter()
    page = client.get(f"/cases/?{query}").get_data(as_text=True)
    took = time.perf_counter() - started
    found = re.search(r"of (\d+) cases\.", page)
    return (int(found.group(1)) if found else 0), took


@pytest.mark.slow
def test_a_chapter_of_thousands_of_cases_filters_right_and_fast(
    client, ctx, backend, count_queries
):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user(chapter=chapter)
    agencies = list(db.session.scalars(select(Agency.id).order_by(Agency.id).limit(3)))
    rows, today = _generate(chapter, member, agencies)
    open_rows = [r for r in rows if r["status"] != "resolved"]
    login(client, rep)

    expected = {
        "": len(open_rows),
        "status=all": len(rows),
        f"due=overdue&concern=contract&receiving={agencies[0]}": sum(
            bool(r["due"] < today and r["contract"] and r["agency"] == agencies[0])
            for r in open_rows
        ),
        "due=week&kind=detail": sum(
            today <= r["due"] <= today + timedelta(days=7) and r["kind"] == "detail"
            for r in open_rows
        ),
        "q=ero+atlanta&status=all": sum(r["unit"] == "ERO Atlanta" for r in rows),
        "status=waiting&sort=due": sum(r["status"] == "waiting" for r in rows),
        "sort=priority&page=30": len(open_rows),
    }
    timings = {}
    for query, count in expected.items():
        with count_queries() as counter:
            total, took = _total(client, query)
        assert total == count, query
        assert counter.count <= 10, (query, counter.statements)
        timings[query or "(open)"] = took
    slowest = max(timings.values())
    print(f"\n[{backend}] {CASES:,} cases, slowest queue page {slowest * 1000:.0f} ms:",
          {q: f"{t * 1000:.0f} ms" for q, t in timings.items()})  # fmt: skip
    assert slowest < 5, timings
