"""Queries per request, for the load benchmark (``bench/run_bench.py``).

With ``STEWARD_COUNT_QUERIES=1`` in the environment every response carries an
``X-Query-Count`` header: the SQL statements the request ran (transaction control and
SQLite pragmas left out, as the tests' ``count_queries`` does). Without the flag nothing
is registered, so it costs nothing.
"""

import os
from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.wrappers import Response

FLAG = "STEWARD_COUNT_QUERIES"
HEADER = "X-Query-Count"
_NOT_COUNTED = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def enabled() -> bool:
    return os.environ.get(FLAG) == "1"


def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if has_request_context() and not statement.lstrip()[:9].upper().startswith(_NOT_COUNTED):
        g.query_count = g.get("query_count", 0) + 1


def init_app(app: Flask) -> None:
    if not enabled():
        return
    if not event.contains(Engine, "before_cursor_execute", _count):
        event.listen(Engine, "before_cursor_execute", _count)

    @app.after_request
    def _query_count_header(response: Response) -> Response:
        response.headers[HEADER] = str(g.get("query_count", 0))
        return response
