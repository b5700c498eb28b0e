"""Request rate limits on registration, joining by invitation, password reset and the
pages an emailed link opens, with a clear message."""

import pytest

from tests.factories import make_chapter, make_member
from union.extensions import db
from union.members.services import invitation_token


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_REGISTER": "2 per hour",
        "RATELIMIT_PASSWORD_RESET": "2 per hour",
        "RATELIMIT_LOGIN": "3 per minute",
    }


def test_registration_attempts_are_limited_per_address(client, ctx):
    make_chapter()
    for _ in range(2):
        assert client.post("/register", data={"invite_code": "WRONG"}).status_code == 200
    response = client.post("/register", data={"invite_code": "WRONG"})
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)
    assert client.get("/register").status_code == 200  # reading the form is never limited


def test_password_reset_requests_are_limited(client, ctx):
    for _ in range(2):
        client.post("/password/forgot", data={"email": "someone@example.org"})
    response = client.post("/password/forgot", data={"email": "someone@example.org"})
    assert response.status_code == 429


@pytest.mark.parametrize("page", ["/join/", "/password/reset/"])
def test_trying_the_tokens_of_emailed_links_is_limited_like_trying_passwords(client, ctx, page):
    """The token in an invitation or reset link stands in for a password, so guessing
    tokens (each a 404 or a "that link has expired") pauses like guessing passwords."""
    answers = [client.get(f"{page}guess-{n}").status_code for n in range(3)]
    assert 429 not in answers
    response = client.get(f"{page}guess-3")
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)


def test_joining_by_invitation_is_limited_like_registering(client, ctx):
    chapter = make_chapter()
    member = make_member(chapter, "1001", name="Ana Lima", email="ana@example.net")
    db.session.commit()
    link = f"/join/{invitation_token(member)}"
    mismatched = {"name": "Ana Lima", "email": "ana@example.net", "password": "x" * 12}
    for _ in range(2):  # refused beside the field, and counted
        assert client.post(link, data=mismatched).status_code == 200
    response = client.post(link, data=mismatched)  # the third try within the login limit
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)
