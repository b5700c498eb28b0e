"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL`` or the server on 127.0.0.1:5432; each test
session works in a database of its own (created here, dropped at the end), so runs never
see each other's rows. Set ``STEWARD_REQUIRE_POSTGRES=1`` (``.ci/run`` does) to fail
instead of skipping when no server answers.
"""

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from union import create_app
from union.core.db import read_only_transactions
from union.extensions import db

_UPLOADS = tempfile.mkdtemp(prefix="steward-test-uploads-")
atexit.register(shutil.rmtree, _UPLOADS, ignore_errors=True)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _postgres_unavailable_reason() -> str | None:
    try:
        engine = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        return f"PostgreSQL not reachable at {make_url(_pg_admin_url()).render_as_string()}: {exc}"
    return None


class Databases:
    """The session's databases: a SQLite file and a PostgreSQL database of its own."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_skip_reason = _postgres_unavailable_reason()
        self.created: list[str] = []
        self.migrated: set[str] = set()

    def fresh_url(self, backend: str, label: str = "main") -> str:
        """A new, empty database of ``backend``."""
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / f'{label}-{uuid.uuid4().hex[:8]}.sqlite3'}"
        self.require_postgres()
        name = f"steward_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)

    def require_postgres(self) -> None:
        if self.pg_skip_reason is None:
            return
        if os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here. {self.pg_skip_reason}")
        pytest.skip(f"PostgreSQL leg skipped. {self.pg_skip_reason}")

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_report_header(config: pytest.Config) -> list[str]:
    reason = _postgres_unavailable_reason()
    if reason is None:
        url = make_url(_pg_admin_url()).render_as_string()
        return [f"PostgreSQL leg: ON ({url}; a fresh database per run)"]
    if os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1":
        return [f"PostgreSQL leg: REQUIRED but unavailable, its tests will FAIL. {reason}"]
    return [f"PostgreSQL leg: SKIPPED. {reason}. Set TEST_DATABASE_URL to run it."]


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, databases: Databases) -> str:
    """The database backend this test runs on; every database test runs on both."""
    if request.param == "postgresql":
        databases.require_postgres()
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, databases: Databases) -> str:
    """The session's migrated database for ``backend`` (migrated once, emptied per test)."""
    url = databases.fresh_url(backend)
    app = create_app(_test_config(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _test_config(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": "http://steward.test",
        "MAIL_BACKEND": "locmem",
        "MAIL_DEFAULT_SENDER": "Steward <steward@steward.test>",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SCHEDULER_IN_PROCESS": False,
        "SQLITE_BUSY_TIMEOUT_MS": 15000,
        # Never the checkout's instance/uploads: a tests' own folder, removed at the end.
        "UPLOAD_FOLDER": _UPLOADS,
        # scrypt costs 0.2 s a hash: fine for a login, too slow for hundreds of test users.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **overrides,
    }


def _empty_database() -> None:
    """Delete every row (children first); the seeded agency catalogue is put back."""
    from union.chapters.services import seed_agencies

    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    seed_agencies()
    db.session.commit()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override this (or update it) in a test module to change the app's configuration."""
    return {}


class Client(FlaskClient):
    """A test client that ends the test's own transaction around every request, so the
    request sees what the test wrote and the test then sees what the request wrote."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():
            db.session.commit()
        response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.commit()
        return response


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(_test_config(database_url, **app_config))
    app.test_client_class = Client
    with app.app_context():
        _empty_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask, database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app context for the test's own code (factories, services, checks).

    It belongs to a twin of ``app`` on the same database. Were it ``app``'s own, every
    request made with ``client`` would reuse it (Flask reuses a pushed context of the same
    app), sharing ``g`` and the SQLAlchemy session between requests, so one request's
    logged-in user would leak into the next.
    """
    twin = create_app(_test_config(database_url, **app_config))
    # The test's session stays open across requests; on SQLite an IMMEDIATE transaction
    # would hold the write lock and make every request wait. Tests write one at a time.
    with twin.app_context(), read_only_transactions():
        yield twin
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sent_mail(app: Flask) -> list[Any]:
    """Messages delivered through the locmem backend (the outbox's last step)."""
    outbox: list[Any] = []
    app.extensions["mailman"].outbox = outbox
    return outbox


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[Any]:
    """``with count_queries() as counter:`` counts the SQL statements run inside."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if (
                not statement.lstrip()
                .upper()
                .startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"))
            ):
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    yield counting


# -- a real SMTP server on loopback ------------------------------------------------------


class Inbox:
    """What a real SMTP server on 127.0.0.1 received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Any = None

    @property
    def messages(self) -> list[Any]:
        return self.inbox.messages

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """An aiosmtpd server on loopback; ``stop()``/``start()`` it to simulate an outage."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_config(smtp_server: SMTPServer) -> dict[str, Any]:
    """App settings that send mail over SMTP to ``smtp_server``."""
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 5,
    }


# -- real processes: gunicorn, `union` commands, Redis (tests/servers.py) ----------------


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Any]:
    """Start gunicorn and ``union`` processes (``processes.gunicorn(env)``…); every one is
    stopped when the test ends, and their logs are under ``tmp_path/process-logs``."""
    from tests.servers import Processes

    started = Processes(tmp_path / "process-logs")
    yield started
    started.stop_all()


@pytest.fixture
def redis_url() -> Iterator[tuple[str, str]]:
    """``(url, key_prefix)``: Redis on loopback and a prefix of this test's own. Skipped
    when Redis does not answer; ``STEWARD_REQUIRE_REDIS=1`` (CI) makes that a failure."""
    from tests.servers import redis_or_skip

    yield from redis_or_skip()
