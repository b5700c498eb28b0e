"""Admins create and edit chapters, their deadline policy and invite code."""

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import login, make_chapter, make_user
from union.auth.models import Role, User
from union.chapters.models import Chapter
from union.chapters.services import active_agencies
from union.core.audit import AuditEntry
from union.extensions import db

NEW_PASSWORD = "a long and private passphrase"


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    login(client, "admin@example.org")
    return client


def _chapter_form(app: Flask, **overrides: Any) -> dict[str, Any]:
    with app.app_context():
        agency_id = active_agencies()[0].id
    return {
        "number": "1917",
        "name": "Field Office Chapter",
        "agency_id": agency_id,
        "timezone": "America/Chicago",
        "grievance_days": "30",
        "grievance_day_kind": "calendar",
        "info_request_days": "15",
        "info_request_day_kind": "business",
        **overrides,
    }


def _register(client: FlaskClient, code: str, email: str) -> Any:
    return client.post(
        "/register",
        data={
            "invite_code": code,
            "name": "New Member",
            "email": email,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_admin_creates_a_chapter_whose_invite_code_lets_a_member_join(
    app: Flask, admin_client: FlaskClient
) -> None:
    response = admin_client.post("/admin/chapters/new", data=_chapter_form(app))
    assert response.status_code == 302

    with app.app_context():
        chapter = db.session.scalar(select(Chapter).where(Chapter.number == "1917"))
        assert chapter is not None
        assert chapter.timezone == "America/Chicago"
        code, chapter_id = chapter.invite_code, chapter.id
    page = admin_client.get(response.headers["Location"])
    assert code.encode() in page.data
    assert "chapter.create" in _actions(app)

    newcomer = app.test_client()
    assert _register(newcomer, code.lower(), "newcomer@example.org").status_code == 302
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
        assert member.chapter_id == chapter_id
        assert member.role == Role.MEMBER


def test_duplicate_chapter_number_is_refused_beside_the_field_keeping_what_was_typed(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        make_chapter("24")
    form = _chapter_form(app, number="24", name="Typed <name> stays", grievance_days="45")
    response = admin_client.post("/admin/chapters/new", data=form)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<small id="number-error" class="field-error">Chapter 24 already exists.' in html
    assert re.search(r'<input [^>]*aria-invalid="true"[^>]*id="number"', html)
    assert 'value="Typed &lt;name&gt; stays"' in html
    assert 'value="45"' in html
    assert '<option selected value="America/Chicago">' in html
    with app.app_context():
        assert db.session.query(Chapter).filter_by(number="24").count() == 1


def test_editing_to_another_chapters_number_is_refused(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        make_chapter("24")
        other = make_chapter("25")
        other_id = other.id
    response = admin_client.post(
        f"/admin/chapters/{other_id}", data=_chapter_form(app, number="24", name="Renamed")
    )
    assert "Chapter 24 already exists." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Chapter, other_id).number == "25"


def test_admin_changes_a_chapters_deadline_policy_and_the_old_values_are_audited(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        chapter = make_chapter("77", grievance_days=30)
        chapter_id = chapter.id
    form = _chapter_form(
        app, number="77", grievance_days="21", grievance_day_kind="business",
        info_request_days="10", info_request_day_kind="calendar",
    )  # fmt: skip
    response = admin_client.post(f"/admin/chapters/{chapter_id}", data=form)
    assert response.status_code == 302

    with app.app_context():
        chapter = db.session.get(Chapter, chapter_id)
        assert (chapter.grievance_days, chapter.grievance_day_kind) == (21, "business")
        assert (chapter.info_request_days, chapter.info_request_day_kind) == (10, "calendar")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "chapter.update"))
        assert entry.details["changed"]["grievance_days"] == [30, 21]
        assert entry.actor_id is not None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"grievance_days": "0"}, "grievance_days", "from 1 to 365"),
        ({"info_request_days": "366"}, "info_request_days", "from 1 to 365"),
        ({"grievance_days": "ten"}, "grievance_days", "Not a valid integer"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
        ({"grievance_day_kind": "lunar"}, "grievance_day_kind", "Choose calendar or business"),
        ({"agency_id": "999999"}, "agency_id", "Choose an agency from the catalogue."),
        ({"number": "   "}, "number", "Enter the chapter"),
    ],
)
def test_nonsense_chapter_values_are_refused_with_a_message_beside_the_field(
    app: Flask, admin_client: FlaskClient, overrides: dict[str, str], field: str, message: str
) -> None:
    response = admin_client.post("/admin/chapters/new", data=_chapter_form(app, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error_start = html.index(f'id="{field}-error"')
    assert message in html[error_start : error_start + 300]
    with app.app_context():
        assert db.session.query(Chapter).count() == 0


def test_regenerating_the_invite_code_makes_the_old_one_fail_at_registration(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        chapter = make_chapter("88")
        old_code, chapter_id = chapter.invite_code, chapter.id

    response = admin_client.post(f"/admin/chapters/{chapter_id}/invite-code", follow_redirects=True)
    with app.app_context():
        new_code = db.session.get(Chapter, chapter_id).invite_code
    assert new_code != old_code
    assert f"The new invite code of Chapter 88 is {new_code}." in response.get_data(as_text=True)
    assert "chapter.regenerate_invite_code" in _actions(app)

    visitor = app.test_client()
    refused = _register(visitor, old_code, "late@example.org")
    assert refused.status_code == 200
    assert "That invite code is not valid" in refused.get_data(as_text=True)
    assert _register(visitor, new_code, "late@example.org").status_code == 302


def test_chapter_list_shows_codes_and_head_counts_in_a_fixed_number_of_queries(
    app: Flask, admin_client: FlaskClient, count_queries: Any
) -> None:
    with app.app_context():
        chapter = make_chapter("501", name="Detention Docket Chapter")
        for _ in range(3):
            make_user(Role.MEMBER, chapter=chapter)
        make_user(Role.REP, covers=[chapter])
        code = chapter.invite_code

    with count_queries() as few:
        html = admin_client.get("/admin/chapters").get_data(as_text=True)
    row = html[html.index("Detention Docket Chapter") :]
    row = row[: row.index("</tr>")]
    assert code in row
    assert "<td>3</td>" in row and "<td>1</td>" in row

    with app.app_context():
        for _ in range(6):
            make_chapter()
    with count_queries() as many:
        admin_client.get("/admin/chapters")
    assert many.count == few.count
