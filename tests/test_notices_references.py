"""Case references: C-<year>-<five digits>, in order within a year, never shared, not
even by submissions at the same moment."""

import threading
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import _test_config
from tests.factories import make_chapter, make_notice, make_user
from union import create_app
from union.cases import services as case_services
from union.cases.models import Case
from union.extensions import db


def test_references_count_up_within_a_year_and_start_again_the_next(ctx):
    chapter = make_chapter()
    made = [case_services.open_case(chapter_id=chapter.id, year=2026) for _ in range(3)]
    made.append(case_services.open_case(chapter_id=chapter.id, year=2027))
    made.append(case_services.open_case(chapter_id=chapter.id, year=2026))
    db.session.commit()
    assert [c.reference for c in made] == [
        "C-2026-00001", "C-2026-00002", "C-2026-00003", "C-2027-00001", "C-2026-00004"
    ]  # fmt: skip


def test_a_rolled_back_submission_gives_its_number_back(ctx):
    chapter = make_chapter()
    case_services.open_case(chapter_id=chapter.id, year=2026)
    db.session.rollback()
    assert case_services.open_case(chapter_id=chapter.id, year=2026).reference == "C-2026-00001"


def test_past_99999_the_number_simply_grows():
    assert case_services.format_reference(2026, 42) == "C-2026-00042"
    assert case_services.format_reference(2026, 123456) == "C-2026-123456"


def test_the_database_refuses_a_duplicate_reference(ctx):
    chapter = make_chapter()
    db.session.add(Case(reference="C-2026-00001", chapter_id=chapter.id))
    db.session.add(Case(reference="C-2026-00001", chapter_id=chapter.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_members_submitting_at_the_same_moment_get_different_references(ctx, database_url):
    members = [make_user(chapter=make_chapter()) for _ in range(4)]
    drafts = [make_notice(member, submit=False).id for member in members for _ in range(3)]
    barrier = threading.Barrier(len(members))
    errors: list[BaseException] = []

    # Each member's own app (its own engine and connections), made before the race so
    # that only the submissions race (making an app is slow on a loaded machine).
    workers = [create_app(_test_config(database_url)) for _ in members]

    def member_submits(worker: Any, member_id: int, notice_ids: list[int]) -> None:
        from union.notices import services

        try:
            with worker.app_context():
                barrier.wait(timeout=60)
                member = db.session.get(services.User, member_id)
                for notice_id in notice_ids:
                    services.submit_notice(
                        services.load_notice(notice_id, for_update=True), actor=member
                    )
                    db.session.commit()
                db.engine.dispose()
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=member_submits, args=(workers[i], m.id, drafts[i * 3 : i * 3 + 3]))
        for i, m in enumerate(members)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    db.session.rollback()  # end this session's snapshot to see the workers' commits
    references = sorted(db.session.scalars(db.select(Case.reference)))
    year = references[0][2:6]
    assert references == [f"C-{year}-{n:05d}" for n in range(1, 13)]
