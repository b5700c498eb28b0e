"""Bulk writing for the data generator: rows gathered per table and written in dependency
order (parents first), with COPY on PostgreSQL and executemany inserts in batches on
SQLite, each table's time kept.

The generator picks every id itself (after the largest already in the table), so children
can name their parents before anything is written; PostgreSQL's sequences are moved past
them at the end.
"""

import json
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import JSON, Connection, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from union.extensions import db

# Rows per INSERT … executemany on SQLite (COPY takes a chunk's rows in one stream).
BATCH = 5000


class BulkWriter:
    """Collects rows with ``add`` and writes them all with ``flush``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.tables = {table.name: table for table in db.metadata.sorted_tables}
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)
        self._last_id: dict[str, int] = {}

    def new_id(self, table: str) -> int:
        """The next id of ``table``, past every row already there."""
        if table not in self._last_id:
            column = self.tables[table].c.id
            self._last_id[table] = int(self.conn.scalar(select(func.max(column))) or 0)
        self._last_id[table] += 1
        return self._last_id[table]

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        """Queue a row (every row of a table must name the same columns)."""
        self.pending[table].append(row)
        return row

    def flush(self) -> None:
        """Write every queued row, parents before children."""
        for table in db.metadata.sorted_tables:
            rows = self.pending.pop(table.name, None)
            if not rows:
                continue
            started = time.perf_counter()
            if self.postgres:
                self._copy(table.name, rows)
            else:
                for start in range(0, len(rows), BATCH):
                    self.conn.execute(table.insert(), rows[start : start + BATCH])
            self.seconds[table.name] += time.perf_counter() - started
            self.rows[table.name] += len(rows)

    def _copy(self, name: str, rows: list[dict[str, Any]]) -> None:
        table = self.tables[name]
        columns = list(rows[0])
        as_json = [isinstance(table.c[c].type, JSON) for c in columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c]) if is_json and row[c] is not None else row[c]
                        for c, is_json in zip(columns, as_json, strict=True)
                    ]
                )

    def upsert(self, table: str, rows: list[dict[str, Any]], key: str, update: str) -> None:
        """INSERT … ON CONFLICT (key) DO UPDATE SET update = excluded.update."""
        if not rows:
            return
        insert = postgresql.insert if self.postgres else sqlite.insert
        stmt = insert(self.tables[table])
        stmt = stmt.on_conflict_do_update(
            index_elements=[key], set_={update: getattr(stmt.excluded, update)}
        )
        self.conn.execute(stmt, rows)

    def move_sequences(self) -> None:
        """PostgreSQL: the next id a sequence hands out comes after the generated ones."""
        if not self.postgres:
            return
        for name, last in self._last_id.items():
            self.conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                {"table": name, "last": last},
            )

    def analyze(self) -> None:
        """Planner statistics, and on PostgreSQL the visibility map too (VACUUM), as a
        database that grew over years has them and a bulk load does not: autovacuum would
        get there on its own within minutes; the benchmark should not wait for it."""
        self.conn.commit()
        if self.postgres:
            autocommit = self.conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit:
                autocommit.execute(text("VACUUM (ANALYZE)"))
        else:
            self.conn.execute(text("ANALYZE"))
            self.conn.commit()
