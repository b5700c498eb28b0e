"""Admins read the audit log: newest first, filtered by action and by who did it."""

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login, make_chapter, make_user
from union.auth.models import Role, User
from union.core import audit
from union.core.audit import AuditEntry
from union.core.time import utcnow
from union.extensions import db


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    login(client, "admin@example.org")
    return client


def _entries(app: Flask, count: int, actor_email: str, action: str = "case.note") -> None:
    """``count`` entries by the user with ``actor_email``, spread over the past hours."""
    with app.app_context():
        actor = db.session.query(User).filter_by(email=actor_email).one()
        for n in range(count):
            entry = audit.record(action, None, actor=actor, n=n)
            entry.at = utcnow() - timedelta(hours=count - n)
        db.session.commit()


def test_audit_log_shows_who_did_what_newest_first(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        make_chapter("42", name="Marshals Chapter")  # recorded as the system: no one logged in
    admin_client.post("/admin/chapters/new", data={})  # refused: writes nothing
    with app.app_context():
        rep = make_user(Role.REP, email="rep@example.org", name="Reggie <Rep>")
        audit.record("case.assign", rep, actor=rep, changed={"priority": ["low", "high"]})
        db.session.commit()

    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert html.index("case.assign") < html.index("chapter.create")  # newest first
    assert "Reggie &lt;Rep&gt;" in html
    assert "<script" not in html.split("<main", 1)[1]
    assert "priority: low → high" in html
    row = html[html.index("<code>chapter.create</code>") - 400 :]
    assert "system" in row[:400]


def test_audit_log_filters_by_action_prefix_and_by_actor(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        make_user(Role.REP, email="rep@example.org", name="Reggie Rep")
        rep_id = db.session.query(User).filter_by(email="rep@example.org").one().id
    _entries(app, 2, "rep@example.org", action="case.note")
    _entries(app, 1, "admin@example.org", action="case_x.note")

    by_prefix = admin_client.get("/admin/audit?action=case.").get_data(as_text=True)
    assert by_prefix.count("<code>case.note</code>") == 2
    assert "case_x.note" not in by_prefix  # the dot and underscore are literal
    assert "<code>user.login</code>" not in by_prefix

    by_rep = admin_client.get(f"/admin/audit?actor={rep_id}").get_data(as_text=True)
    assert "of 2 entries" in by_rep
    by_system = admin_client.get("/admin/audit?actor=system").get_data(as_text=True)
    assert "user.create" in by_system and "case.note" not in by_system

    odd = admin_client.get("/admin/audit?actor=999999")
    assert odd.status_code == 200
    assert "Choose someone from the list." in odd.get_data(as_text=True)


def test_audit_log_pages_and_loads_actor_names_in_a_fixed_number_of_queries(
    app: Flask, admin_client: FlaskClient, count_queries: Any
) -> None:
    with app.app_context():
        for n in range(4):
            make_user(Role.REP, email=f"rep{n}@example.org", name=f"Rep Number {n}")
    _entries(app, 3, "rep0@example.org")
    with count_queries() as few:
        admin_client.get("/admin/audit")

    for n in range(4):
        _entries(app, 20, f"rep{n}@example.org")
    with count_queries() as many:
        first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert many.count == few.count
    with app.app_context():
        total = db.session.query(AuditEntry).count()
    assert f"Showing 1–50 of {total} entries." in first
    last_page = (total + 49) // 50
    last = admin_client.get(f"/admin/audit?page={last_page}").get_data(as_text=True)
    assert f"of {total} entries." in last
    assert f"Page {last_page} of {last_page}" in last
