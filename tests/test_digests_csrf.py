"""With CSRF protection on, as in production: the digest forms need their token; the
one-click unsubscribe link, which mail clients POST without a session, does not."""

import re

import pytest

from tests.factories import PASSWORD, make_digest_preference, make_user
from union.digests.services import preference_of
from union.extensions import db

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, path):
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def test_settings_need_their_token_and_the_one_click_link_does_not(client, ctx):
    rep = make_user("rep")
    preference = make_digest_preference(rep, "daily", hour=7)
    response = client.post(
        "/login", data={"email": rep.email, "password": PASSWORD,
                        "csrf_token": _token(client, "/login")})  # fmt: skip
    assert response.status_code == 302

    settings = {"frequency": "off", "hour": "7", "weekday": "0", "timezone": "America/Chicago"}
    assert client.post("/digest", data=settings).status_code == 400
    assert client.post("/digest/test").status_code == 400
    db.session.expire_all()
    assert preference_of(rep).frequency == "daily"

    token = _token(client, "/digest")
    assert client.post("/digest", data={**settings, "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert preference_of(rep).frequency == "off"

    # Back on; then a mail provider posts the one-click form from outside any session.
    client.post("/digest", data={**settings, "frequency": "daily", "csrf_token": token})
    outsider = type(client)(client.application)
    url = f"/digest/unsubscribe/{preference.unsubscribe_token}"
    response = outsider.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert preference_of(rep).frequency == "off"
