"""After submitting: "My notices" with references and case status, the member's updates
landing on the case timeline, replies the union made visible, and withdrawing."""

import re
from datetime import timedelta

import pytest

from tests.factories import login, make_chapter, make_notice, make_user
from union.auth.models import Role
from union.cases import services as case_services
from union.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus
from union.core.audit import AuditEntry
from union.core.time import utcnow
from union.extensions import db
from union.notices import services


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def member(chapter):
    return make_user(chapter=chapter, name="Tanya Brooks")


def _case(notice):
    db.session.expire_all()
    return db.session.get(Case, notice.case_id)


def _events(notice):
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(CaseEvent).where(CaseEvent.case_id == notice.case_id).order_by(CaseEvent.id)
        )
    )


def test_my_notices_lists_mine_newest_first_with_reference_and_status(client, ctx, member):
    first = make_notice(member)
    second = make_notice(member, kind="task_force")
    draft = make_notice(member, submit=False)
    others = make_notice(make_user(chapter=member.chapter))
    login(client, member)

    page = client.get("/notices/").get_data(as_text=True)
    references = re.findall(r"C-\d{4}-\d{5}", page)
    assert references == [_case(second).reference, _case(first).reference]
    assert _case(others).reference not in page
    assert page.count("Case: New") == 2 and "Draft: not sent yet" in page
    assert f'href="/notices/{draft.id}/edit"' in page
    assert "Task force" in page and "to DHS/ICE-ERO" in page


def test_my_notices_takes_the_same_number_of_queries_however_many_there_are(
    client, ctx, member, count_queries
):
    make_notice(member)
    login(client, member)
    with count_queries() as one:
        assert client.get("/notices/").status_code == 200
    for n in range(6):
        make_notice(member, submit=n % 2 == 0)
    with count_queries() as seven:
        assert client.get("/notices/").status_code == 200
    assert seven.count == one.count, seven.statements


def test_the_notice_page_takes_the_same_number_of_queries_however_long_the_timeline(
    client, ctx, member, count_queries
):
    notice = make_notice(member)
    login(client, member)
    with count_queries() as short:
        client.get(f"/notices/{notice.id}")
    for n in range(5):
        client.post(f"/notices/{notice.id}/updates", data={"update_kind": "other", "body": f"{n}"})
    with count_queries() as long:
        page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert page.count("Update from the member") == 5
    assert long.count == short.count, long.statements


def test_an_update_lands_on_the_case_timeline(client, ctx, member):
    notice = make_notice(member)
    before = _case(notice).updated_at
    login(client, member)
    new_end = (utcnow().date() + timedelta(days=200)).isoformat()
    response = client.post(
        f"/notices/{notice.id}/updates",
        data={"update_kind": "detail_extended", "new_date": new_end, "body": "Extended <again>."},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/notices/{notice.id}#timeline"

    update = _events(notice)[-1]
    assert update.kind == CaseEventKind.MEMBER_UPDATE and update.visible_to_member
    assert update.actor_id == member.id and update.notice_id == notice.id
    assert update.body == "Extended <again>."
    assert update.details == {"update": "detail_extended", "new_date": new_end}
    assert _case(notice).updated_at > before
    assert "notice.update" in set(db.session.scalars(db.select(AuditEntry.action)))

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Update from the member: Detail extended" in page
    assert f"New date: {new_end}" in page and "Extended &lt;again&gt;." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": "Something changed"}, "update_kind", "Choose what changed."),
        ({"update_kind": "start_date_changed"}, "new_date", "Enter the new date."),
        ({"update_kind": "end_date_changed", "new_date": "2099-01-01"}, "new_date", "5 years"),
        ({"update_kind": "other"}, "body", "Tell us what changed."),
        ({"update_kind": "other", "body": "x" * 5001}, "body", "at most 5,000 characters"),
    ],
)
def test_an_incomplete_update_is_explained_and_kept(client, ctx, member, data, field, message):
    notice = make_notice(member)
    login(client, member)
    response = client.post(f"/notices/{notice.id}/updates", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', page, re.S)
    assert error is not None and message in error.group(1)
    if data.get("body") and len(data["body"]) < 100:
        assert f"{data['body']}</textarea>" in page
    # Nothing but what submitting put there: "opened", and the deadlines it proposed.
    assert [e.kind for e in _events(notice) if e.kind != "deadline"] == ["opened"]


def test_the_member_sees_replies_but_not_internal_notes(client, ctx, member, chapter):
    notice = make_notice(member)
    rep = make_user(Role.REP, covers=[chapter], name="Marcus Bell")
    case = _case(notice)
    case_services.add_event(
        case, CaseEventKind.REPLY, actor=rep, body="We filed an information request.",
        visible_to_member=True,
    )  # fmt: skip
    case_services.add_event(
        case, CaseEventKind.NOTE, actor=rep, body="Management is stalling; escalate.",
    )  # fmt: skip
    db.session.commit()
    login(client, member)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Reply from the union" in page and "We filed an information request." in page
    assert "Marcus Bell" in page
    assert "escalate" not in page


def test_on_a_shared_case_a_member_sees_only_their_own_updates(client, ctx, member, chapter):
    notice = make_notice(member)
    coworker = make_user(chapter=chapter)
    theirs = make_notice(coworker)
    # A collective case (a later issue) groups notices: put the coworker's on this case.
    theirs.case_id = notice.case_id
    db.session.commit()
    services.add_update(
        services.load_notice(theirs.id), kind="other", new_date=None,
        body="My own private news", actor=coworker,
    )  # fmt: skip
    db.session.commit()
    login(client, member)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "My own private news" not in page


def test_withdrawing_asks_first_then_withdraws_the_case(client, ctx, member):
    notice = make_notice(member)
    login(client, member)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert f'href="/notices/{notice.id}/withdraw"' in page

    confirm = client.get(f"/notices/{notice.id}/withdraw").get_data(as_text=True)
    assert f"Withdraw notice {_case(notice).reference}?" in confirm
    assert _case(notice).status == CaseStatus.NEW  # looking is not withdrawing

    response = client.post(
        f"/notices/{notice.id}/withdraw", data={"reason": "Management cancelled the detail."}
    )
    assert response.status_code == 302
    case = _case(notice)
    assert case.status == CaseStatus.WITHDRAWN
    assert services.load_notice(notice.id).status == "withdrawn"
    last = _events(notice)[-1]
    assert last.kind == CaseEventKind.WITHDRAWN and last.body == "Management cancelled the detail."
    assert last.details == {"before": "new", "after": "withdrawn"}
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"notice.withdraw", "case.status"} <= actions

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Case: Withdrawn" in page and "Notice withdrawn by the member" in page
    assert "Tell the union what changed" not in page and "Withdraw this notice" not in page
    assert client.post(f"/notices/{notice.id}/withdraw", data={}).status_code == 403
    assert "Case: Withdrawn" in client.get("/notices/").get_data(as_text=True)


def test_a_closed_case_can_no_longer_be_withdrawn(client, ctx, member):
    notice = make_notice(member)
    case_services.set_status(_case(notice), CaseStatus.CLOSED)
    db.session.commit()
    login(client, member)
    assert client.get(f"/notices/{notice.id}/withdraw").status_code == 403
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Case: Closed" in page and "Case status: Closed" in page
