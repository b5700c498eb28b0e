"""No state-changing request works without the form's own token.

Every POST route of the app (from its URL map, so new ones are included), aimed at the
victim's objects with the fields its real form has, is posted without a token, with a
forged one and with a token from someone else's session, by a visitor and by people
logged in: each is refused with 400 and nothing in the database changes. Then the same
request with the right token gets through, so the refusals were the token's doing.
"""

import re

import pytest
from sqlalchemy import create_engine

from tests import attack
from tests.factories import PASSWORD
from union.extensions import csrf

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Views that take no CSRF token, each with the reason it is safe. Anything else exempt
# fails the suite.
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients post without a token. The secret in the
    # address authenticates, and all the post can do is turn that rep's digest off.
    "union.digests.views.unsubscribe": "digests.unsubscribe",
}


@pytest.fixture
def template(backend, databases, tmp_path_factory):
    return attack.template_for(backend, databases, tmp_path_factory)


@pytest.fixture
def world_copy(template, tmp_path):
    yield from attack.copies(template, tmp_path)


def _token(client, path="/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def _log_in(app, email: str):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(client)}
    )
    assert response.status_code == 302, "login with its token must work"
    return client


def _without(data: dict, name: str = "csrf_token") -> dict:
    return {k: v for k, v in data.items() if k != name}


def test_no_view_is_exempt_from_csrf_protection_but_the_listed_ones(app):
    assert set(csrf._exempt_views) == set(EXEMPT)
    assert not csrf._exempt_blueprints


def test_production_configuration_keeps_csrf_on(monkeypatch):
    from union import create_app

    monkeypatch.setenv("STEWARD_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert create_app().config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize("role", [attack.ANONYMOUS, "victim", "rep", "admin"])
def test_every_post_route_refuses_a_request_without_a_valid_token(template, world_copy, role):
    app, url = world_copy(WTF_CSRF_ENABLED=True)
    world = template.world
    client = app.test_client() if role == attack.ANONYMOUS else _log_in(app, world.emails[role])
    someone_else = _token(app.test_client())  # valid, but for another browser's session

    engine = create_engine(url)
    before = attack.snapshot(engine)
    accepted, tried = [], 0
    for endpoint, method, target, data in attack.iter_requests(app, template):
        if method != "POST":
            continue
        for token in (None, "forged-token", someone_else):
            payload = _without(data) if token is None else {**_without(data), "csrf_token": token}
            response = client.post(target, data=payload)
            tried += 1
            if endpoint in EXEMPT.values():
                if response.status_code != 404:  # a forged secret in the address
                    accepted.append(f"POST {target} ({endpoint}): {response.status_code}")
            elif response.status_code != 400:
                accepted.append(f"POST {target} ({endpoint}) with token {token!r}: "
                                f"{response.status_code}")  # fmt: skip
            elif "CSRF" not in response.get_data(as_text=True):
                accepted.append(f"POST {target} ({endpoint}): 400, but not for the token")
    after = attack.snapshot(engine)
    engine.dispose()

    assert tried > 60
    assert accepted == [], "\n".join(accepted)
    assert attack.changes(before, after) == []
    # The same kind of request with the session's own token goes through.
    if role != attack.ANONYMOUS:
        response = client.post("/logout", data={"csrf_token": _token(client, "/account")})
        assert response.status_code == 302
