"""Abuse limits: logins, registrations, reset requests and notice writes are rate limited
with a clear page; the limits are settings; and with Redis they hold across processes
(a limit counted in each gunicorn worker's memory would let N workers allow N times it)."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import PASSWORD, login, make_chapter, make_user, notice_answers
from tests.servers import Browser, free_port, process_env


@pytest.fixture
def app_config(tmp_path):
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "RATELIMIT_LOGIN": "3 per minute",
        "RATELIMIT_NOTICE_SUBMIT": "2 per hour",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }


def _wrong_login(client, n: int):
    return client.post("/login", data={"email": f"nobody{n}@example.org", "password": "x" * 12})


def test_login_attempts_are_limited_per_address_with_a_clear_page(client, ctx):
    for n in range(3):
        assert _wrong_login(client, n).status_code == 200
    response = _wrong_login(client, 99)
    assert response.status_code == 429
    assert "Too many tries in a short time" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/login").status_code == 200  # reading the form is never limited


def test_notice_writes_are_limited_per_member_not_per_address(app, ctx):
    chapter = make_chapter()
    first, second = make_user(chapter=chapter), make_user(chapter=chapter)
    one, two = app.test_client(), app.test_client()  # same address: 127.0.0.1
    login(one, first)
    login(two, second)
    draft = {**notice_answers(first), "save_draft": "Save draft"}
    assert one.post("/notices/new", data=draft).status_code == 302
    assert one.post("/notices/new", data=draft).status_code == 302
    refused = one.post("/notices/new", data=draft)
    assert refused.status_code == 429
    assert "Too many tries" in refused.get_data(as_text=True)
    assert two.post("/notices/new", data=draft).status_code == 302


class TestRedisDown:
    """Redis unreachable: limits fall back to this process's memory; pages keep working."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}"}

    def test_logins_still_answer_and_are_still_limited(self, client, ctx):
        statuses = [_wrong_login(client, n).status_code for n in range(5)]
        assert 500 not in statuses
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


# -- across processes: two gunicorn workers sharing Redis ---------------------------------


def _attempt(base_url: str, n: int) -> int:
    browser = Browser(base_url)
    reply = browser.submit("/login", {"email": f"guess{n}@example.org", "password": "x" * 12})
    if reply.status == 429:
        # The limiter's page, not the account lockout's (that one re-renders the form).
        assert "Too many tries in a short time" in reply.text
    return reply.status


@pytest.mark.slow
def test_a_login_limit_holds_across_two_gunicorn_workers_with_redis(
    app, database_url, redis_url, processes, tmp_path
):
    url, prefix = redis_url
    env = process_env(
        database_url,
        tmp_path / "uploads",
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_LOGIN="6 per minute",
    )
    server = processes.gunicorn(env, workers=2)
    assert len(server.worker_pids()) == 2

    statuses: list[int] = []
    with ThreadPoolExecutor(max_workers=6) as pool:
        # Requests go to whichever worker accepts first: keep trying (bounded) until both
        # have answered. A worker counting on its own would allow its first six.
        for _burst in range(8):
            start = len(statuses)
            statuses += pool.map(lambda n: _attempt(server.url, n), range(start, start + 12))
            if len(server.workers_that_answered("/login")) == 2:
                break
    assert len(server.workers_that_answered("/login")) == 2, "one worker took every request"
    assert statuses.count(200) == 6, statuses
    assert statuses.count(429) == len(statuses) - 6, statuses


# -- a session cookie is not a way round the login's lockout -----------------------------


def _change_password(client, current: str):
    new = "a fresh long passphrase"
    return client.post(
        "/account/password",
        data={"pw-current_password": current, "pw-password": new, "pw-confirm": new},
    )


def test_guessing_the_password_through_the_change_form_pauses_like_a_login(app, client, ctx):
    """Someone at a member's unlocked computer cannot try passwords on the account page
    any faster than on the login page: wrong ones count as failed logins."""
    user = make_user()
    login(client, user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for n in range(limit):
        page = _change_password(client, f"guess number {n}").get_data(as_text=True)
        assert "current password is not right" in page
    paused = _change_password(client, PASSWORD)  # even the right one, now
    assert paused.status_code == 429
    assert "changing it is paused" in paused.get_data(as_text=True)
    assert login(app.test_client(), user).status_code == 429  # and the login page agrees
