"""Admins keep the agency catalogue: add, edit, retire, and no duplicates."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import login, make_chapter, make_user
from union.auth.models import Role
from union.chapters.models import Agency
from union.core.audit import AuditEntry
from union.extensions import db


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    return client


def _agency(department: str, code: str) -> Agency | None:
    return db.session.scalar(
        select(Agency).where(Agency.department == department, Agency.code == code)
    )


def test_admin_adds_an_agency_to_the_catalogue(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post(
        "/admin/agencies/new",
        data={"department": " DHS ", "code": "fps", "name": "Federal Protective Service",
              "active": "y"},
        follow_redirects=True,
    )  # fmt: skip
    assert "DHS/FPS is saved." in response.get_data(as_text=True)
    assert "Federal Protective Service" in admin_client.get("/admin/agencies").get_data(
        as_text=True
    )
    with app.app_context():
        agency = _agency("DHS", "FPS")
        assert agency is not None and agency.active
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agency.create"))
        assert entry.object_id == agency.id
        assert entry.details["after"]["code"] == "FPS"


def test_admin_renames_and_retires_an_agency_which_leaves_the_chapter_form(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        agency_id = _agency("DOJ", "USMS").id
    response = admin_client.post(
        f"/admin/agencies/{agency_id}",
        data={"department": "DOJ", "code": "USMS", "name": "United States Marshals Service"},
    )
    assert response.status_code == 302

    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        assert agency.name == "United States Marshals Service"
        assert agency.active is False
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agency.update"))
        assert entry.details["before"]["active"] is True
        assert entry.details["after"]["active"] is False
    new_chapter_page = admin_client.get("/admin/chapters/new").get_data(as_text=True)
    assert f'value="{agency_id}"' not in new_chapter_page


def test_a_chapter_of_a_retired_agency_can_still_be_edited(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        agency = _agency("State", "DSS")
        chapter = make_chapter("61", agency_id=agency.id)
        agency.active = False
        db.session.commit()
        chapter_id, agency_id = chapter.id, agency.id
    page = admin_client.get(f"/admin/chapters/{chapter_id}").get_data(as_text=True)
    assert f'<option selected value="{agency_id}">State/DSS' in page
    assert "(inactive)" in page


def test_duplicate_department_and_code_is_refused_beside_the_code(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        before = db.session.query(Agency).count()
        bop_id = _agency("DOJ", "BOP").id
    typed = {"department": "DOJ", "code": "dea", "name": "A second <DEA>", "active": "y"}

    created = admin_client.post("/admin/agencies/new", data=typed)
    edited = admin_client.post(f"/admin/agencies/{bop_id}", data=typed)

    for response in (created, edited):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert (
            '<small id="code-error" class="field-error">DOJ/DEA is already in the catalogue.'
            in (html)
        )
        assert 'value="A second &lt;DEA&gt;"' in html
    with app.app_context():
        assert db.session.query(Agency).count() == before
        assert _agency("DOJ", "BOP").name == "Federal Bureau of Prisons"


def test_agency_fields_are_required(admin_client: FlaskClient) -> None:
    html = admin_client.post(
        "/admin/agencies/new", data={"department": "", "code": " ", "name": ""}
    ).get_data(as_text=True)
    assert "Enter the department" in html
    assert "Enter the component&#39;s code" in html
    assert "Enter the component&#39;s full name" in html
