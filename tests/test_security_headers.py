"""Every page carries headers that keep scripts, frames and caches in check."""

import pytest

from tests.factories import login, make_user


def _policy(response) -> dict[str, str]:
    directives = response.headers["Content-Security-Policy"].split(";")
    return {d.split()[0]: " ".join(d.split()[1:]) for d in directives if d.strip()}


@pytest.mark.parametrize("url", ["/login", "/no-such-page", "/static/css/app.css"])
def test_pages_forbid_inline_script_framing_and_sniffing(client, url):
    response = client.get(url)
    policy = _policy(response)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
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


class TestBehindATLSProxy:
    """BASE_URL says http (say, a proxy added later), but the proxy says the visitor came
    over HTTPS: HSTS is sent. A visitor's own X-Forwarded-Proto, with no proxy trusted,
    changes nothing."""

    @pytest.fixture
    def app_config(self):
        return {"PROXY_COUNT": 1}

    def test_hsts_when_the_trusted_proxy_says_https(self, client):
        secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "max-age=" in secure.headers["Strict-Transport-Security"]
        assert "Strict-Transport-Security" not in client.get("/login").headers


def test_a_visitor_cannot_claim_https_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
