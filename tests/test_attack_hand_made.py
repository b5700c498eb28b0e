"""Attacks tried by hand against a running server, kept as tests: a login that sends the
person off the site (``next=``), a reset link pointing at the attacker's host (a forged
``Host`` header), and script typed into a notice showing on the pages, digest and export
that reps read."""

import re

import pytest

from tests.factories import PASSWORD, login, make_chapter, make_notice, make_user
from union.extensions import db
from union.notices.models import Notice

# Each of these is read by some browser as another site, or is not a path this app makes.
OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "/\x0b/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "%2F%2Fevil.example",
    "evil.example",
]


def test_login_never_sends_the_person_off_the_site(client, ctx):
    user = make_user()
    followed = {}
    for target in OFF_SITE:
        response = client.post(
            "/login", query_string={"next": target},
            data={"email": user.email, "password": PASSWORD},
        )  # fmt: skip
        assert response.status_code == 302, target
        followed[target] = response.headers["Location"]
        client.post("/logout")
    assert {t: loc for t, loc in followed.items() if loc != "/"} == {}


@pytest.mark.parametrize("target", ["/account", "/cases/?status=new&q=a%2Fb", "/notices/.//x"])
def test_login_follows_next_to_a_page_of_the_site(client, ctx, target):
    user = make_user()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == target


def _reset_links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+/password/reset/[^\s\"'<>]+", message.body)


def _forged_host_reset(client, sent_mail) -> None:
    make_user(email="forgetful@example.org")
    response = client.post(
        "/password/forgot",
        data={"email": "forgetful@example.org"},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil2.example"},
    )
    assert response.status_code == 302
    (message,) = sent_mail
    links = _reset_links(message)
    assert links and all(link.startswith("http://steward.test/password/reset/") for link in links)
    html = "".join(str(content) for content, _ in message.alternatives)
    assert "evil" not in message.body + html


def test_a_forged_host_header_never_reaches_the_reset_link(client, ctx, sent_mail):
    """Links in email come from BASE_URL, never from the request's ``Host``."""
    _forged_host_reset(client, sent_mail)


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self, tmp_path):
        return {"PROXY_COUNT": 1, "UPLOAD_FOLDER": str(tmp_path / "uploads")}

    def test_nor_does_a_forwarded_host_the_proxy_passes_on(self, client, ctx, sent_mail):
        _forged_host_reset(client, sent_mail)


SCRIPT = '<script>alert("stored")</script><img src=x onerror=alert(1)>"><svg onload=alert(2)>'


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


def test_script_in_a_notice_is_shown_as_text_wherever_reps_read_it(app, ctx):
    from union.digests import services as digests

    chapter = make_chapter()
    member = make_user(chapter=chapter)
    rep = make_user("rep", covers=[chapter])
    notice = make_notice(
        member, statement=SCRIPT, home_office=SCRIPT, receiving_unit=SCRIPT, duty_location=SCRIPT
    )
    notice = db.session.get(Notice, notice.id)
    digests.save_preference(
        rep, frequency="daily", hour=7, weekday=0, timezone="America/New_York",
        send_when_empty=True, actor=rep,
    )  # fmt: skip
    db.session.commit()
    reader = app.test_client()
    login(reader, rep)
    for url in (
        f"/cases/{notice.case_id}",
        f"/notices/{notice.id}",
        "/cases/",
        "/digest/preview",
        "/reports/",
        "/reports/out-on-assignment",
    ):
        response = reader.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "<svg onload" not in page, url
    case_page = reader.get(f"/cases/{notice.case_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert" in case_page  # shown, as the text the member typed
    # The export keeps what was typed (it is data) but is a download no browser renders.
    export = reader.get("/reports/export/cases.csv")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.mimetype == "text/csv" and export.headers["X-Content-Type-Options"] == "nosniff"
