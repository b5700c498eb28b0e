"""Collective cases: a rep links members' notices of the same roster or solicitation into
one case (and can split one out again); the case shows how many members, which offices
and the spread of concerns; the app suggests likely duplicates."""

from datetime import timedelta

import pytest

from tests.factories import case_form, case_of, fresh, login, make_chapter, make_notice, make_user
from union.cases import services
from union.cases.concerns import Concern, concern_counts
from union.cases.models import CaseEvent, CaseEventKind
from union.core.audit import AuditEntry
from union.core.time import local_time, utcnow
from union.deadlines.models import Deadline
from union.extensions import db
from union.notices import services as notice_services
from union.notices.models import Notice


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


def _today(chapter):
    return local_time(utcnow(), chapter.timezone).date()


def _notice(chapter, name, days_ago=3, **answers):
    member = make_user(chapter=chapter, name=name)
    told = _today(chapter) - timedelta(days=days_ago)
    answers.setdefault("notified_on", told.isoformat())
    answers.setdefault("starts_on", (told + timedelta(days=10)).isoformat())
    answers.setdefault("reply_by", None)
    return make_notice(member, **answers)


def _events(case, kind):
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        )
    )


def test_a_rep_links_three_members_notices_into_one_case(client, ctx, chapter, rep):
    first = _notice(chapter, "Tanya Brooks", home_office="Atlanta Field Office")
    second = _notice(chapter, "Luis Romero", home_office="Savannah Resident Office",
                     receiving_unit="ero atlanta ", contract_articles="Article 9")  # fmt: skip
    third = _notice(chapter, "Grace Okafor", days_ago=7, home_office="Atlanta Field Office",
                    safety_health="No vests issued.", training_status="complete",
                    training_gaps=[])  # fmt: skip
    case = case_of(first)
    login(client, rep)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for other in (second, third):
        assert f'value="{other.id}" id="link-notice-{other.id}"' in page
    response = client.post(
        f"/cases/{case.id}/link",
        data={**case_form(case, "link", references=case_of(third).reference),
              "link-notice_ids": [str(second.id)]},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/cases/{case.id}#notices"

    assert {case_of(n).id for n in (first, second, third)} == {case.id}
    assert fresh(case_of(second)).id == case.id
    linked = _events(case, CaseEventKind.NOTICE_LINKED)
    assert {e.notice_id for e in linked} == {second.id, third.id}
    assert all(e.visible_to_member and "collective case" in e.body for e in linked)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "case.link")).one()
    assert sorted(entry.details["notice_ids"]) == sorted([second.id, third.id])

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Collective case: 3 notices from 3 members" in page
    assert "Atlanta Field Office; Savannah Resident Office" in page
    assert '<th scope="row">Contract</th><td>1 of 3</td>' in page
    assert '<th scope="row">Training</th><td>2 of 3</td>' in page
    assert '<th scope="row">Safety and health</th><td>1 of 3</td>' in page
    assert "Tanya Brooks" in page and "Luis Romero" in page and "Grace Okafor" in page


def test_a_case_left_with_no_notice_is_closed_and_says_where_they_went(ctx, chapter, rep):
    first, second = _notice(chapter, "A"), _notice(chapter, "B")
    target, source = case_of(first), case_of(second)
    services.link_notices(target, [db.session.get(Notice, second.id)], actor=rep)
    db.session.commit()
    source = fresh(source)
    assert source.status == "closed"
    [moved] = _events(source, CaseEventKind.NOTICE_UNLINKED)
    assert moved.details["to_case"] == target.reference and not moved.visible_to_member
    [closed] = _events(source, CaseEventKind.STATUS_CHANGED)
    assert target.reference in closed.body
    open_left = db.session.scalars(
        db.select(Deadline).where(Deadline.case_id == source.id, Deadline.done_at.is_(None))
    ).all()
    assert open_left == []


def test_the_member_sees_on_their_page_that_their_notice_joined_a_collective_case(
    client, ctx, chapter, rep
):
    first, second = _notice(chapter, "A"), _notice(chapter, "B")
    target = case_of(first)
    services.link_notices(target, [db.session.get(Notice, second.id)], actor=rep)
    db.session.commit()
    member = notice_services.load_notice(second.id).member
    login(client, member)
    page = client.get(f"/notices/{second.id}").get_data(as_text=True)
    assert f"Notice {target.reference}" in page
    assert f"in collective case {target.reference}" in page
    other_member_page = client.get(f"/notices/{first.id}")
    assert other_member_page.status_code == 404


@pytest.mark.parametrize("why", ["other_chapter", "withdrawn", "closed", "same_case"])
def test_a_notice_that_cannot_join_is_refused_and_nothing_moves(client, ctx, chapter, rep, why):
    first, second = _notice(chapter, "A"), _notice(chapter, "B")
    case = case_of(first)
    if why == "other_chapter":
        second = _notice(make_chapter(), "C")
    elif why == "withdrawn":
        withdrawn = notice_services.load_notice(second.id)
        notice_services.withdraw_notice(withdrawn, reason=None, actor=withdrawn.member)
        db.session.commit()
    elif why == "closed":
        other = case_of(second)
        for status in ("triaged", "in_progress", "resolved", "closed"):
            services.change_status(fresh(other), status, actor=rep)
        db.session.commit()
    elif why == "same_case":
        second = first
    with pytest.raises(services.CaseProblems) as refused:
        services.link_notices(fresh(case), [db.session.get(Notice, second.id)], actor=rep)
    db.session.rollback()
    expected = {
        "other_chapter": "belongs to another chapter",
        "withdrawn": "is withdrawn",
        "closed": "that case is closed",
        "same_case": "is already part of this case",
    }[why]
    assert expected in refused.value.problems["link"]
    assert _events(case, CaseEventKind.NOTICE_LINKED) == []


def test_a_reference_of_another_chapter_is_as_unknown_as_a_made_up_one(client, ctx, chapter, rep):
    case = case_of(_notice(chapter, "A"))
    elsewhere = case_of(_notice(make_chapter(), "Z"))
    login(client, rep)
    for reference in (elsewhere.reference, "C-1999-99999"):
        response = client.post(
            f"/cases/{case.id}/link", data=case_form(fresh(case), "link", references=reference)
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f"No case of this chapter has the reference {reference}." in page
    stays = db.session.scalars(db.select(Notice).where(Notice.case_id == elsewhere.id)).one()
    assert case_of(stays).id == elsewhere.id


def test_a_rep_splits_a_notice_out_into_a_new_case(client, ctx, chapter, rep):
    first, second = _notice(chapter, "A"), _notice(chapter, "B")
    case = case_of(first)
    services.link_notices(case, [db.session.get(Notice, second.id)], actor=rep)
    db.session.commit()
    login(client, rep)
    response = client.post(
        f"/cases/{case.id}/notices/{second.id}/split",
        data={f"split{second.id}-version": fresh(case).version, f"split{second.id}-split": "1"},
    )
    assert response.status_code == 302
    new_case = case_of(second)
    assert new_case.id != case.id and new_case.status == "new"
    assert new_case.reference > case.reference
    [out] = _events(case, CaseEventKind.NOTICE_UNLINKED)
    assert out.details == {**out.details, "split": True, "to_case": new_case.reference}
    [into] = _events(new_case, CaseEventKind.NOTICE_LINKED)
    assert into.details["from_case"] == case.reference and into.visible_to_member
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"split out into {new_case.reference}" in page
    assert fresh(case).status == "new"  # the collective case keeps its other notice

    only = client.post(
        f"/cases/{case.id}/notices/{first.id}/split",
        data={f"split{first.id}-version": fresh(case).version},
    )
    assert only.status_code == 302
    assert case_of(first).id == case.id
    assert "only notice" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_duplicates_are_suggested_by_unit_kind_and_a_five_day_window(ctx, chapter, rep):
    base = _notice(chapter, "Base", days_ago=10, receiving_unit="ERO Atlanta", kind="detail")
    alike = [
        _notice(chapter, "Same", days_ago=10, receiving_unit="ERO Atlanta"),
        _notice(chapter, "Lowercase", days_ago=8, receiving_unit="  ero ATLANTA "),
        _notice(chapter, "Five days before", days_ago=15, receiving_unit="ERO Atlanta"),
        _notice(chapter, "Five days after", days_ago=5, receiving_unit="ERO Atlanta"),
    ]
    unlike = [
        _notice(chapter, "Six days", days_ago=16, receiving_unit="ERO Atlanta"),
        _notice(chapter, "Other unit", days_ago=10, receiving_unit="ERO Houston"),
        _notice(chapter, "Other kind", days_ago=10, receiving_unit="ERO Atlanta", kind="tdy"),
        _notice(make_chapter(), "Other chapter", days_ago=10, receiving_unit="ERO Atlanta"),
    ]
    case = case_of(base)
    notices = services.case_notices(case)
    found = {n.id for n in services.duplicate_suggestions(case, notices)}
    assert found == {n.id for n in alike}, [n.member.name for n in unlike if n.id in found]

    services.link_notices(case, [db.session.get(Notice, alike[0].id)], actor=rep)
    db.session.commit()
    case = fresh(case)
    found = {n.id for n in services.duplicate_suggestions(case, services.case_notices(case))}
    assert alike[0].id not in found and alike[1].id in found


def test_concerns_are_counted_by_one_rule(ctx, chapter):
    notice = _notice(chapter, "All of them", training_status="complete", training_gaps=[],
                     pay_items=["none_offered"], telework_affected="yes",
                     safety_health="Heat", personal_hardship="Childcare")  # fmt: skip
    none = _notice(chapter, "None", training_status="complete", training_gaps=[],
                   pay_items=["overtime"])  # fmt: skip
    counts = concern_counts([notice.case_id, none.case_id])
    assert counts[notice.case_id] == {
        Concern.TRAINING: 0, Concern.PAY: 1, Concern.CONTRACT: 1,
        Concern.SAFETY: 1, Concern.HARDSHIP: 1,
    }  # fmt: skip
    assert set(counts[none.case_id].values()) == {0}
