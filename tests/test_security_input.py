"""Input that breaks databases, not people: NUL characters (PostgreSQL refuses them in
text), ids too large for an integer column, digits that are not decimal ('²'). Each is
"not found" or quietly cleaned, never a server error."""

import re

import pytest

from tests.factories import login, make_chapter, make_user
from union.auth.models import User
from union.extensions import db


def test_a_nul_typed_into_a_form_is_dropped_not_stored(client, ctx):
    user = make_user()
    login(client, user)
    response = client.post("/account", data={"name": "Ana\x00 Bee", "email": user.email,
                                              "submit": "Save"})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Ana Bee"


@pytest.mark.parametrize(
    "url",
    ["/admin/users?q=%00", "/admin/users?q=a%00b&page=%C2%B2", "/admin/audit?actor=%C2%B2",
     "/admin/audit?actor=99999999999", "/admin/audit?page=%00"],
)  # fmt: skip
def test_odd_query_arguments_are_answered(client, ctx, url):
    login(client, make_user("admin"))
    assert client.get(url).status_code == 200


_INT = re.compile(r"<int:(\w+)>")


def test_ids_too_large_for_the_database_are_not_found_on_every_route(app, client, ctx):
    login(client, make_user("admin"))
    answered = {}
    for rule in app.url_map.iter_rules():
        if not _INT.search(rule.rule):
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", lambda m: "2199023255552" if "int:" in m[0] else "x",
                     rule.rule)  # fmt: skip
        for method in sorted(rule.methods & {"GET", "POST"}):
            answered[f"{method} {url}"] = client.open(url, method=method).status_code
    assert answered and set(answered.values()) == {404}, answered


def test_member_ids_too_large_for_the_database_invite_no_one(client, ctx):
    """Found by the forms test: 2**63 ticked on the chapter's list was a 500 on SQLite."""
    chapter = make_chapter()
    login(client, make_user("rep", covers=[chapter]))
    for huge in ("9223372036854775808", "2199023255552"):
        response = client.post(
            f"/members/chapters/{chapter.id}/invite",
            data={"member_ids": huge, "selected": "Invite the ticked members"},
        )
        assert response.status_code == 302
