"""Database wiring: SQLite pragmas and transaction mode, the audit-log guard, and a
request's end that survives a connection the server dropped."""

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from union.extensions import db

log = logging.getLogger(__name__)

# SQLite only lets one writer in at a time. A transaction that reads and then writes under
# the default DEFERRED mode can fail at once with "database is locked" when another writer
# got in between; beginning it IMMEDIATE takes the write lock up front and waits (busy
# timeout) instead. Safe requests only read, so they begin DEFERRED and never queue.
_begin_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)
_busy_timeout_ms: int = 15000


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(_busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Begin SQLite transactions DEFERRED inside this block (code that only reads)."""
    token = _begin_immediate.set(False)
    try:
        yield
    finally:
        _begin_immediate.reset(token)


def init_app(app: Flask) -> None:
    global _busy_timeout_ms
    _busy_timeout_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]

    @app.before_request
    def _choose_transaction_mode() -> None:
        _begin_immediate.set(request.method not in {"GET", "HEAD", "OPTIONS"})

    # Runs before Flask-SQLAlchemy's own teardown (registered earlier, run later). A
    # request that has its answer may still hold a transaction whose connection the
    # server dropped meanwhile (a restart): the rollback at the end then fails, and
    # without this the answer would be replaced by a 500, even after a commit (a member
    # told "error" for a notice that is stored would send it again).
    @app.teardown_appcontext
    def _end_session_whatever_the_connection(exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except (OperationalError, InterfaceError):
            log.warning("the database dropped a connection at the end of a request")
            db.session.registry.clear()  # the pool has invalidated the connection
