"""The national data generator (``union demo-data --scale N``) builds a union whose rows
hang together, on SQLite and on PostgreSQL: every case has notices of its own chapter and
a rep who covers it, timelines start with the notice, deadlines and roster requests belong
where they should, and the app carries on normally afterwards."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.factories import login, make_notice
from union.auth.models import Role, User
from union.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseReferenceCounter
from union.chapters.models import Chapter, rep_coverage
from union.deadlines.models import Deadline
from union.digests.models import DigestPreference
from union.extensions import db
from union.members.models import Member
from union.notices.models import Notice, NoticeStatus
from union.rosters.models import RosterRecipient, RosterRequest
from union.scale import ADMIN_EMAIL, AlreadyGenerated, Sizes, generate

SCALE = 120


@pytest.fixture
def summary(ctx):
    return generate(SCALE, analyze=False)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_union_has_the_sizes_the_scale_promises(summary):
    sizes = Sizes.for_cases(SCALE)
    assert summary.sizes == sizes
    assert _count(Chapter) == sizes.chapters
    assert _count(Case) == SCALE
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles == {Role.MEMBER: sizes.members, Role.REP: sizes.reps, Role.ADMIN: 1}
    assert _count(Member) == sizes.members
    assert _count(RosterRequest) == sizes.roster_requests
    # A collective case now and then, drafts on top: at least one notice a case.
    assert _count(Notice) >= SCALE
    # About ten events a case (a long timeline now and then).
    assert 7 * SCALE <= _count(CaseEvent) <= 16 * SCALE
    assert summary.rows["case_events"] == _count(CaseEvent)


def test_sizes_grow_with_the_number_of_cases():
    national = Sizes.for_cases(100_000)
    assert (national.chapters, national.reps, national.members) == (150, 600, 20_000)
    assert Sizes.for_cases(1_000).chapters == 15
    assert Sizes.for_cases(1).chapters == 3  # never fewer than a few of each


def test_every_case_has_notices_of_its_chapter_and_a_rep_who_covers_it(summary):
    covered = set(db.session.execute(select(rep_coverage.c.user_id, rep_coverage.c.chapter_id)))
    covering = {chapter for _, chapter in covered}
    member_chapter = dict(db.session.execute(select(User.id, User.chapter_id)).all())
    notices_of: dict[int, list[Notice]] = {}
    for notice in db.session.scalars(select(Notice)):
        assert member_chapter[notice.member_id] == notice.chapter_id
        if notice.status == NoticeStatus.DRAFT:
            assert notice.case_id is None
        else:
            assert notice.case_id is not None and notice.submitted_at is not None
            notices_of.setdefault(notice.case_id, []).append(notice)
    for case in db.session.scalars(select(Case)):
        assert case.chapter_id in covering, case.reference
        assert {n.chapter_id for n in notices_of[case.id]} == {case.chapter_id}
        if case.assigned_rep_id is not None:
            assert (case.assigned_rep_id, case.chapter_id) in covered


def test_timelines_begin_with_the_notice_and_speak_only_of_their_own_notices(summary):
    events: dict[int, list[CaseEvent]] = {}
    for event in db.session.scalars(select(CaseEvent).order_by(CaseEvent.at, CaseEvent.id)):
        events.setdefault(event.case_id, []).append(event)
    notice_case = dict(db.session.execute(select(Notice.id, Notice.case_id)).all())
    for case in db.session.scalars(select(Case)):
        timeline = events[case.id]
        assert timeline[0].kind == "opened"
        assert [e.kind for e in timeline].count("opened") == 1
        assert case.updated_at == timeline[-1].at
        for event in timeline:
            assert event.notice_id is None or notice_case[event.notice_id] == case.id


def test_deadlines_are_closed_with_their_case_and_extensions_keep_the_first_date(summary):
    status = dict(db.session.execute(select(Case.id, Case.status)).all())
    deadlines = list(db.session.scalars(select(Deadline)))
    assert len(deadlines) >= SCALE  # a grievance window on every case, more on some
    for deadline in deadlines:
        assert deadline.due_on >= deadline.original_due_on
        if status[deadline.case_id] not in OPEN_STATUSES:
            assert deadline.done_at is not None
    # Each case stores its next due date (the queue reads it), as the app would keep it.
    earliest: dict[int, object] = {}
    for deadline in deadlines:
        if deadline.done_at is None:
            earliest[deadline.case_id] = min(
                deadline.due_on, earliest.get(deadline.case_id, deadline.due_on)
            )
    stored = dict(db.session.execute(select(Case.id, Case.next_due_on)).all())
    assert stored == {case_id: earliest.get(case_id) for case_id in status}
    assert any(stored.values())


def test_references_are_unique_and_the_counters_are_past_them(summary):
    references = list(db.session.scalars(select(Case.reference)))
    assert len(set(references)) == len(references)
    highest: dict[int, int] = {}
    for reference in references:
        _, year, number = reference.split("-")
        highest[int(year)] = max(highest.get(int(year), 0), int(number))
    counters = dict(
        db.session.execute(
            select(CaseReferenceCounter.year, CaseReferenceCounter.last_number)
        ).all()
    )
    assert counters == highest


def test_members_rosters_and_digests_belong_where_they_should(summary):
    for member in db.session.scalars(select(Member)):
        assert member.user_id is not None
        assert db.session.get(User, member.user_id).chapter_id == member.chapter_id
    chapter_of_request = dict(
        db.session.execute(select(RosterRequest.id, RosterRequest.chapter_id)).all()
    )
    for recipient in db.session.scalars(select(RosterRecipient)):
        user = db.session.get(User, recipient.user_id)
        assert user.chapter_id == chapter_of_request[recipient.roster_request_id]
    reps = set(db.session.scalars(select(User.id).where(User.role == Role.REP)))
    assert set(db.session.scalars(select(DigestPreference.user_id))) == reps


def test_it_refuses_to_generate_twice_in_one_database(summary):
    with pytest.raises(AlreadyGenerated):
        generate(10, analyze=False)


def test_the_app_carries_on_after_it(client, summary):
    """New rows get fresh ids (PostgreSQL's sequences moved past the generated ones) and
    new cases fresh references."""
    member = db.session.scalar(select(User).where(User.email == "member00002@national.example.org"))
    notice = make_notice(member)
    case = db.session.get(Case, notice.case_id)
    assert _count(Case) == SCALE + 1
    assert db.session.scalar(select(func.count()).where(Case.reference == case.reference)) == 1
    assert login(client, ADMIN_EMAIL, "solidarity-forever-2026").status_code == 302
    assert client.get(f"/cases/{case.id}").status_code == 200


def test_the_command_reports_each_table(runner, ctx):
    result = runner.invoke(args=["demo-data", "--scale", "40"])
    assert result.exit_code == 0, result.output
    assert "case_events" in result.output and "Done in" in result.output
    assert "rep0001@national.example.org" in result.output
    again = runner.invoke(args=["demo-data", "--scale", "40"])
    assert again.exit_code != 0 and "already has a generated data set" in again.output
