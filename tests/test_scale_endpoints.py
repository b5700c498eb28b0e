"""What the load benchmark relies on in the app: a bare endpoint that touches nothing (the
ceiling every page is compared with), and a query count per response that exists only
when STEWARD_COUNT_QUERIES=1 asks for it."""

import pytest

from tests.conftest import _test_config
from tests.factories import login, make_user
from union import create_app


def test_the_bare_endpoint_answers_ok_without_database_or_session(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz/bare")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.mimetype == "text/plain"
    assert counter.count == 0
    assert "Set-Cookie" not in response.headers
    assert "X-Query-Count" not in response.headers  # no flag, no counting


@pytest.fixture
def counting_client(database_url, monkeypatch):
    monkeypatch.setenv("STEWARD_COUNT_QUERIES", "1")
    app = create_app(_test_config(database_url))
    return app.test_client()


def test_with_the_flag_every_response_says_how_many_queries_it_took(
    counting_client, client, ctx, count_queries
):
    assert counting_client.get("/healthz/bare").headers["X-Query-Count"] == "0"
    member = make_user("member")
    login(counting_client, member)
    login(client, member)
    counted = counting_client.get("/notices/")
    with count_queries() as counter:  # the same page, counted by the tests' own counter
        assert client.get("/notices/").status_code == 200
    assert counted.status_code == 200
    assert int(counted.headers["X-Query-Count"]) == counter.count > 0
