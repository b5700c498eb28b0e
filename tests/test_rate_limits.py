"""Request rate limits on registration and password reset, with a clear message."""

import pytest

from tests.factories import make_chapter


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_REGISTER": "2 per hour",
        "RATELIMIT_PASSWORD_RESET": "2 per hour",
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
