"""Who may open what: every route of the app, for every kind of visitor.

The table below is the access policy in one place. The test walks the app's own URL map,
so a route added without an entry here fails the suite until someone decides who may
use it.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import login, make_chapter, make_user
from union.auth.services import make_reset_token
from union.chapters.models import Agency
from union.core.outbox import queue_email
from union.extensions import db

ROLES = ("anonymous", "member", "other_rep", "rep", "admin")
LOGIN = "login"  # a redirect to the login page

# Expected answers by role. A set means any of those is right (e.g. 200 when a form
# re-renders with errors, 302 when it redirects after doing nothing harmful).
PUBLIC = dict.fromkeys(ROLES, 200)
ANONYMOUS_ONLY = {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}
LOGGED_IN = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}
ADMIN_ONLY = {"anonymous": LOGIN, "member": 403, "other_rep": 403, "rep": 403, "admin": 200}
ADMIN_POST = {**ADMIN_ONLY, "admin": {200, 302}}
REP_ONLY = {"anonymous": LOGIN, "member": 403, "other_rep": 404, "rep": 200, "admin": 200}
REP_FORM = {**REP_ONLY, "rep": {200, 302}, "admin": {200, 302}}
REP_POST = {**REP_ONLY, "rep": 302, "admin": 302}
# Those who may read a notice but not do this to it (a submitted notice is not edited).
NOTICE_READERS_ONLY = {"anonymous": LOGIN, "member": 403, "other_rep": 404, "rep": 403,
                       "admin": 403}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    get: dict[str, Any] | None = None
    post: dict[str, Any] | None = None


ACCESS: dict[str, Rule] = {
    "home.index": Rule(get=LOGGED_IN),
    # Load balancers' and the benchmark's: "ok", no database, no session, no login.
    "health.bare": Rule(get=PUBLIC),
    "auth.login": Rule(
        get=ANONYMOUS_ONLY, post={"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}
    ),
    "auth.logout": Rule(post={"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
    "auth.register": Rule(get=ANONYMOUS_ONLY, post=ANONYMOUS_ONLY),
    "auth.forgot_password": Rule(get=PUBLIC, post=PUBLIC),
    "auth.reset_password": Rule(get=PUBLIC, post=PUBLIC),
    "auth.account": Rule(get=LOGGED_IN, post=LOGGED_IN),
    "auth.change_password": Rule(post=LOGGED_IN),
    "admin.chapters": Rule(get=ADMIN_ONLY),
    "admin.new_chapter": Rule(get=ADMIN_ONLY, post=ADMIN_POST),
    "admin.edit_chapter": Rule(get=ADMIN_ONLY, post=ADMIN_POST),
    "admin.regenerate_invite_code": Rule(post={**ADMIN_ONLY, "admin": 302}),
    "admin.users": Rule(get=ADMIN_ONLY),
    "admin.edit_user": Rule(get=ADMIN_ONLY, post=ADMIN_POST),
    "admin.agencies": Rule(get=ADMIN_ONLY),
    "admin.new_agency": Rule(get=ADMIN_ONLY, post=ADMIN_POST),
    "admin.edit_agency": Rule(get=ADMIN_ONLY, post=ADMIN_POST),
    "admin.outbox": Rule(get=ADMIN_ONLY),
    "admin.retry_mail": Rule(post={**ADMIN_ONLY, "admin": 302}),
    "admin.audit_log": Rule(get=ADMIN_ONLY),
    # Members: reps of the chapter and admins; members never (403), other reps find nothing.
    "members.index": Rule(get={**REP_ONLY, "other_rep": 302, "rep": 302}),
    "members.directory": Rule(get=REP_ONLY),
    "members.invite_many": Rule(post=REP_POST),
    "members.member": Rule(get=REP_ONLY),
    "members.edit_member": Rule(get=REP_ONLY, post=REP_FORM),
    "members.invite_one": Rule(post=REP_POST),
    "members.upload": Rule(get=REP_ONLY, post=REP_FORM),
    "members.map_columns": Rule(get=REP_ONLY, post=REP_FORM),
    "members.review": Rule(get=REP_ONLY, post=REP_POST),
    "members.import_status": Rule(get=REP_ONLY),
    "members.verification": Rule(get={**REP_ONLY, "other_rep": 200}),
    "members.decide": Rule(post=REP_POST),
    # An invitation link is for someone without an account; the world's token is not one.
    "members.join": Rule(
        get={**ANONYMOUS_ONLY, "anonymous": 404}, post={**ANONYMOUS_ONLY, "anonymous": 404}
    ),
    # Notices: the world's notice is the member's, submitted. Its member and the reps of its
    # chapter (and admins) read it; only its member acts on it; other reps find nothing.
    # The reps and the admin here belong to no chapter, so they have nothing to report.
    "notices.mine": Rule(get=LOGGED_IN),
    "notices.new": Rule(
        get={**LOGGED_IN, "other_rep": 302, "rep": 302, "admin": 302},
        post={**LOGGED_IN, "other_rep": 302, "rep": 302, "admin": 302},
    ),
    "notices.show": Rule(get={**LOGGED_IN, "other_rep": 404}),
    "notices.attachment": Rule(get={**LOGGED_IN, "other_rep": 404}),
    "notices.edit": Rule(get=NOTICE_READERS_ONLY, post=NOTICE_READERS_ONLY),
    "notices.discard": Rule(get=NOTICE_READERS_ONLY, post=NOTICE_READERS_ONLY),
    "notices.add_update": Rule(post={**NOTICE_READERS_ONLY, "member": 200}),
    "notices.withdraw": Rule(
        get={**NOTICE_READERS_ONLY, "member": 200}, post={**NOTICE_READERS_ONLY, "member": 302}
    ),
    # Cases: the queue is every rep's (another chapter's rep sees their own, empty one);
    # a case is its chapter's reps' and admins'; members never (403); a rep of another
    # chapter finds nothing (404). Posted empty, a case form comes back with its errors
    # (200) or goes back to the case (302). A saved view is its rep's alone.
    "cases.queue": Rule(get={**REP_ONLY, "other_rep": 200}),
    "cases.bulk": Rule(post={**REP_POST, "other_rep": 302}),
    "cases.save_saved_view": Rule(post={**REP_POST, "other_rep": 302}),
    "cases.delete_saved_view": Rule(post={**REP_POST, "admin": 404}),
    "cases.show": Rule(get=REP_ONLY),
    "cases.change_status": Rule(post=REP_FORM),
    "cases.assign": Rule(post=REP_FORM),
    "cases.set_priority": Rule(post=REP_FORM),
    "cases.comment": Rule(post=REP_FORM),
    "cases.record_action": Rule(post=REP_FORM),
    "cases.link": Rule(post=REP_FORM),
    "cases.split": Rule(post=REP_FORM),
    # Deadlines: the reps of the case's chapter (and admins) work them; members never (403);
    # a rep of another chapter finds nothing (404). The calendar feed needs no login: its
    # secret address is the key (a revoked or wrong one is 404, see test_deadlines_feed).
    "deadlines.add": Rule(post=REP_FORM),
    "deadlines.edit": Rule(get=REP_ONLY, post=REP_FORM),
    "deadlines.close": Rule(post=REP_POST),
    "deadlines.reopen": Rule(post=REP_POST),
    "deadlines.calendar_feed": Rule(get=PUBLIC),
    "deadlines.new_feed": Rule(post={**REP_ONLY, "other_rep": 200}),
    "deadlines.revoke_feed": Rule(post={**REP_POST, "other_rep": 302}),
    # Roster requests: the reps of the request's chapter (and admins) work them; members never
    # (403); a rep of another chapter finds nothing (404) but has a list and a form of their
    # own. A member answers only what was sent to them (the world's member was sent it); a
    # rep opening the answer page is taken to the request's own page.
    "rosters.index": Rule(get={**REP_ONLY, "other_rep": 200}),
    "rosters.new": Rule(get={**REP_ONLY, "other_rep": 200}, post={**REP_ONLY, "other_rep": 200}),
    "rosters.show": Rule(get=REP_ONLY),
    "rosters.edit": Rule(get=REP_ONLY, post=REP_FORM),
    "rosters.document": Rule(get=REP_ONLY),
    "rosters.link_notices": Rule(post=REP_FORM),
    "rosters.unlink_notice": Rule(post=REP_POST),
    "rosters.open_case": Rule(post=REP_POST),
    "rosters.change_status": Rule(post=REP_POST),
    "rosters.send": Rule(get=REP_ONLY, post=REP_FORM),
    "rosters.remind": Rule(post=REP_POST),
    "rosters.mine": Rule(get=LOGGED_IN),
    "rosters.answer": Rule(
        get={"anonymous": LOGIN, "member": 200, "other_rep": 404, "rep": 302, "admin": 302},
        post={"anonymous": LOGIN, "member": 200, "other_rep": 404, "rep": 302, "admin": 302},
    ),
    "rosters.start_info_request": Rule(post=REP_POST),
    "rosters.info_request": Rule(get=REP_ONLY, post=REP_FORM),
    "rosters.letter": Rule(get=REP_ONLY),
    "rosters.send_info_request": Rule(post=REP_FORM),
    "rosters.info_request_status": Rule(post=REP_FORM),
    # Digests: every rep (and admin) has their own settings, preview and test digest;
    # members never (403). The unsubscribe link needs no login: its secret address is the
    # key. Delivery history and resends are admins'.
    "digests.preferences": Rule(
        get={**REP_ONLY, "other_rep": 200}, post={**REP_ONLY, "other_rep": 200}
    ),
    "digests.preview": Rule(get={**REP_ONLY, "other_rep": 200}),
    "digests.preview_message": Rule(get={**REP_ONLY, "other_rep": 200}),
    "digests.send_test": Rule(post={**REP_POST, "other_rep": 302}),
    "digests.unsubscribe": Rule(get=PUBLIC, post=PUBLIC),
    "digests.deliveries": Rule(get=ADMIN_ONLY),
    "digests.resend": Rule(post={**ADMIN_ONLY, "admin": 302}),
    # Reports: every rep has a dashboard, board, exports and statements of their own
    # chapters (another chapter's rep gets theirs, empty); members never (403). A statement
    # (the world's notice consents to anonymized use) is reviewed by its chapter's reps and
    # admins; its member alone sees their consent and withdraws it (others who may read
    # the notice 403, the rest 404).
    "reports.dashboard": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.board": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.export_csv": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.export_xlsx": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.statements": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.review_statement": Rule(get=REP_ONLY, post=REP_FORM),
    "reports.approved_statements": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.approved_statements_text": Rule(get={**REP_ONLY, "other_rep": 200}),
    "reports.consent": Rule(get={**NOTICE_READERS_ONLY, "member": 200}),
    "reports.withdraw_consent": Rule(post={**NOTICE_READERS_ONLY, "member": 302}),
}


@pytest.fixture
def world(ctx, app, tmp_path):
    """Two chapters; a member and a rep of the first; a rep of the second; an admin."""
    chapter, other_chapter = make_chapter(), make_chapter()
    people = {
        "member": make_user("member", chapter=chapter),
        "rep": make_user("rep", covers=[chapter]),
        "other_rep": make_user("rep", covers=[other_chapter]),
        "admin": make_user("admin"),
    }
    message = queue_email("test", "x@example.org", "Test", "password_reset",
                          user=people["member"], token="t", minutes=1)  # fmt: skip
    db.session.commit()
    params = {
        "chapter_id": chapter.id,
        "user_id": people["member"].id,
        "agency_id": db.session.scalars(db.select(Agency.id)).first(),
        "message_id": message.id,
        "token": make_reset_token(people["member"]),
    }
    params.update(_member_params(chapter, people, app, tmp_path))
    params.update(_notice_params(people, app, tmp_path))
    params.update(_case_params(people, params))
    params.update(_deadline_params(people, params))
    params.update(_digest_params(people))
    params.update(_roster_params(chapter, people))
    return {"people": people, "params": params, **_feature_params(chapter, people)}


def _member_params(chapter, people, app, tmp_path) -> dict[str, Any]:
    """A member on the chapter's list, and an uploaded list waiting to be imported."""
    from flask import current_app

    from tests.factories import make_member
    from union.members.imports import start_upload

    for flask_app in (app, current_app):  # the app under test and the test's own context
        flask_app.config["MEMBER_IMPORT_FOLDER"] = str(tmp_path / "member-imports")
    member = make_member(chapter)
    run = start_upload(chapter, "list.csv", b"Member No,Name\n1,Ana\n", actor=people["rep"])
    db.session.commit()
    return {"member_id": member.id, "run_id": run.id}


def _notice_params(people, app, tmp_path) -> dict[str, Any]:
    """The member's submitted notice, with a file attached."""
    import io

    from flask import current_app

    from tests.factories import PDF_BYTES, make_notice
    from union.notices import services

    for flask_app in (app, current_app):
        flask_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    member = people["member"]
    draft = services.load_notice(make_notice(member, submit=False, consent_anonymized_use=True).id)
    upload = type("Upload", (), {"filename": "memo.pdf", "stream": io.BytesIO(PDF_BYTES)})
    services.add_attachments(draft, [upload], actor=member)
    services.submit_notice(draft, actor=member)
    db.session.commit()
    return {"notice_id": draft.id, "attachment_id": draft.attachments[0].id}


def _deadline_params(people, params) -> dict[str, Any]:
    """A deadline the notice's case was given when it was filed; the rep's calendar feed."""
    from union.deadlines.ical import new_feed
    from union.deadlines.models import Deadline
    from union.notices.models import Notice

    case_id = db.session.get(Notice, params["notice_id"]).case_id
    deadline_id = db.session.scalar(db.select(Deadline.id).where(Deadline.case_id == case_id))
    token = new_feed(people["rep"])
    db.session.commit()
    return {"case_id": case_id, "deadline_id": deadline_id, "feed_token": token}


def _case_params(people, params) -> dict[str, Any]:
    """The notice's case, and a queue view the chapter's rep saved."""
    from union.cases.queue import CaseFilter, save_view
    from union.notices.models import Notice

    case_id = db.session.get(Notice, params["notice_id"]).case_id
    view, _ = save_view(people["rep"], "Overdue", CaseFilter(due="overdue"))
    db.session.commit()
    return {"case_id": case_id, "view_id": view.id}


def _roster_params(chapter, people) -> dict[str, Any]:
    """A roster request of the chapter with its memo, sent to the member, and a draft of
    the union's information request for it."""
    import io

    from tests.factories import PDF_BYTES, make_roster_request, send_roster_to
    from union.rosters import letters
    from union.rosters import services as roster_services

    roster = roster_services.load_request(make_roster_request(chapter, people["rep"]).id)
    upload = type("Upload", (), {"filename": "memo.pdf", "stream": io.BytesIO(PDF_BYTES)})
    roster_services.add_documents(roster, [upload], actor=people["rep"])
    db.session.commit()
    send_roster_to(roster, [people["member"]], people["rep"])
    info_request = letters.start_info_request(
        roster_services.load_request(roster.id), actor=people["rep"]
    )
    db.session.commit()
    return {
        "request_id": roster.id,
        "document_id": roster_services.load_request(roster.id).documents[0].id,
        "info_request_id": info_request.id,
    }


def _feature_params(chapter, people) -> dict[str, Any]:
    """Objects of later features (notices, cases…) join ``params`` as they arrive."""
    return {}


def _digest_params(people) -> dict[str, Any]:
    """The rep's digest settings (their unsubscribe link) and a digest that failed."""
    from datetime import timedelta

    from tests.factories import make_digest_preference
    from union.core.time import utcnow
    from union.digests.models import DeliveryStatus, DigestDelivery

    preference = make_digest_preference(people["rep"], "daily", hour=7)
    now = utcnow()
    delivery = DigestDelivery(
        user_id=people["rep"].id, period_key="daily:2026-01-05", period_start=now,
        period_end=now + timedelta(days=1), status=DeliveryStatus.FAILED.value, attempts=1,
        last_error="RuntimeError: for the access test",
    )  # fmt: skip
    db.session.add(delivery)
    db.session.commit()
    return {"digest_token": preference.unsubscribe_token, "delivery_id": delivery.id}


def _routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.endpoint, method, rule.rule))
    return routes


def test_every_route_has_an_access_rule(app):
    missing = sorted({e for e, _, _ in _routes(app) if e not in ACCESS})
    assert missing == [], f"add these endpoints to ACCESS in {__file__}: {missing}"
    stale = sorted(set(ACCESS) - {e for e, _, _ in _routes(app)})
    assert stale == [], f"ACCESS names endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_policy_says(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, world["people"][role]).status_code == 302
    wrong = []
    for endpoint, method, _rule_text in _routes(app):
        rule = ACCESS[endpoint]
        expected_by_role = rule.get if method == "GET" else rule.post
        if expected_by_role is None:
            continue
        url = _build(app, endpoint, world["params"])
        response = client.open(url, method=method, data={})
        expected = expected_by_role[role]
        if not _matches(response, expected):
            wrong.append(
                f"{method} {url} ({endpoint}): got {response.status_code}, want {expected}"
            )
        if endpoint == "auth.logout" and response.status_code == 302 and role != "anonymous":
            login(client, world["people"][role])  # log back in for the rest of the walk
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)


def _build(app, endpoint: str, params: dict[str, Any]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    missing = rule.arguments - set(params)
    assert not missing, f"no test object for {missing} in {endpoint}: add it to the world fixture"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: params[name] for name in rule.arguments})


def _matches(response, expected) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and "/login" in response.headers["Location"]
    if isinstance(expected, set):
        return response.status_code in expected
    return response.status_code == expected
