"""SQL both databases understand for what the reports count: the local calendar day of a
stored UTC timestamp, in a time zone named by a column (a chapter's)."""

import sqlite3
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_date(FunctionElement[Any]):  # noqa: N801 - reads as the SQL function it is
    """``local_date(timestamp, zone)``: the calendar day ``timestamp`` falls on in the IANA
    zone ``zone``. PostgreSQL does it itself; SQLite gets a Python function (below)."""

    type = Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_postgresql(element: local_date, compiler: Any, **kw: Any) -> str:
    stamp, zone = list(element.clauses)
    return (
        f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(stamp, **kw)}) AS DATE)"
    )


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: Any, **kw: Any) -> str:
    stamp, zone = list(element.clauses)
    return f"steward_local_date({compiler.process(stamp, **kw)}, {compiler.process(zone, **kw)})"


@lru_cache(maxsize=4096)
def _sqlite_local_date(stamp: str | None, zone: str | None) -> str | None:
    """SQLite stores UTC timestamps as naive text: read it as UTC, give the zone's day."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone or "UTC")).date().isoformat()


@event.listens_for(Engine, "connect")
def _sqlite_functions(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "steward_local_date", 2, _sqlite_local_date, deterministic=True
        )
