"""Every page carries headers that keep scripts, frames and caches in check."""

import pytest

from tests.factories import login, make_user


def test_pages_forbid_inline_script_framing_and_sniffing(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests


def test_no_page_has_inline_script_or_style(client, ctx):
    user = make_user("admin")
    login(client, user)
    for url in ("/", "/account", "/admin/chapters", "/admin/users"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page, url


def test_logged_in_pages_are_not_cached(client, ctx):
    login(client, make_user())
    assert client.get("/").headers["Cache-Control"] == "no-store"


class TestBehindHTTPS:
    @pytest.fixture
    def app_config(self):
        return {"BASE_URL": "https://steward.example.org"}

    def test_hsts_when_served_over_https(self, client):
        assert "max-age=" in client.get("/login").headers["Strict-Transport-Security"]
