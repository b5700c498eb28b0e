"""Backups and restores: the database and the uploaded files, with a manifest that says
what was there, so a restore can prove it brought back exactly that.

``union backup DEST`` writes, into a new folder DEST:

* ``database.sqlite3`` (SQLite, copied with SQLite's online backup API while the app keeps
  serving) or ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``, taken in the
  same snapshot the manifest's counts are read in);
* ``uploads.tar``: every file of UPLOAD_FOLDER (attachments, roster documents);
* ``manifest.json``, written last (a folder without one is an unfinished backup): the
  schema revision, for every table its row count and a SHA-256 of its rows in key
  order, every file's size and SHA-256, and the checksum of the two artifacts.

``union restore SRC`` checks the artifacts against the manifest, loads the database into
an *empty* database (it refuses any other), puts the files back into UPLOAD_FOLDER, then
reads every table and file again and compares them with the manifest.
"""

import contextlib
import hashlib
import json
import os
import re
import sqlite3

# bandit B404/B603: subprocess runs pg_dump and pg_restore only, with a list of arguments
# (no shell), the program names from our own configuration.
import subprocess  # nosec B404
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, Engine, create_engine, inspect, select, text
from sqlalchemy.engine import URL

from union.extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "uploads.tar"
FORMAT = 1
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why, for the operator."""


# -- what a database holds -------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def fingerprints(conn: Connection) -> dict[str, dict[str, Any]]:
    """Each table's row count and the SHA-256 of its rows, in primary-key order."""
    found: dict[str, dict[str, Any]] = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        digest, count = hashlib.sha256(), 0
        rows = conn.execution_options(stream_results=True).execute(select(table).order_by(*order))
        for row in rows.mappings():
            line = json.dumps({k: _canonical(v) for k, v in row.items()}, sort_keys=True)
            digest.update(line.encode() + b"\n")
            count += 1
        found[table.name] = {"rows": count, "sha256": digest.hexdigest()}
    return found


def schema_revision(conn: Connection) -> str | None:
    with contextlib.suppress(Exception):
        return conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())


# -- PostgreSQL's own tools ------------------------------------------------------------


def _pg_command(url: URL, program: str) -> tuple[list[str], dict[str, str]]:
    """The program with the URL's connection (the password goes in the environment,
    never on the command line, where other users of the machine could read it)."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = [program, "--no-password"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    for key, value in url.query.items():  # sslmode=require and the like
        env[f"PG{key.upper()}"] = str(value)
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# -- backup ------------------------------------------------------------------------------


def backup(dest: Path) -> dict[str, Any]:
    """Write a backup of the database and uploaded files into ``dest`` (a new folder, or
    an empty one); returns the manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new folder.")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = db.engine
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "backend": engine.dialect.name,
        "artifacts": {},
    }
    if engine.dialect.name == "sqlite":
        artifact = dest / SQLITE_FILE
        _sqlite_copy(Path(str(engine.url.database)), artifact)
        copy = create_engine(f"sqlite:///{artifact}")
        with copy.connect() as conn:
            manifest["schema_revision"] = schema_revision(conn)
            manifest["tables"] = fingerprints(conn)
        copy.dispose()
    elif engine.dialect.name == "postgresql":
        artifact = dest / PG_FILE
        manifest.update(_pg_dump(engine, artifact))
    else:
        raise BackupError(f"no backup method for {engine.dialect.name}")
    manifest["artifacts"][artifact.name] = _sha256(artifact)
    manifest["files"] = _tar_uploads(Path(current_app.config["UPLOAD_FOLDER"]), dest / FILES)
    manifest["artifacts"][FILES] = _sha256(dest / FILES)
    manifest["missing_files"] = sorted(_named_files() - set(manifest["files"]))
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while others read and write."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _pg_dump(engine: Engine, artifact: Path) -> dict[str, Any]:
    """pg_dump in a snapshot this connection holds open, and the table counts read in
    that same snapshot: the manifest describes exactly what the dump holds."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            args, env = _pg_command(engine.url, current_app.config["PG_DUMP"])
            args += ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                     f"--file={artifact}", str(engine.url.database)]  # fmt: skip
            _run(args, env, "pg_dump")
            return {"schema_revision": schema_revision(conn), "tables": fingerprints(conn)}


def _tar_uploads(folder: Path, target: Path) -> dict[str, dict[str, Any]]:
    listed: dict[str, dict[str, Any]] = {}
    with tarfile.open(target, "w") as archive:
        for path in _files(folder):
            archive.add(path, arcname=path.name, recursive=False)
            listed[path.name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return listed


def _named_files() -> set[str]:
    """Stored names the database names (files that should be in the upload folder)."""
    from union.core.orphans import referenced_names

    return referenced_names(uploads_only=True)


# -- restore -----------------------------------------------------------------------------


def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} has no {MANIFEST}: not a backup, or an unfinished one.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} is a backup of another format ({manifest.get('format')}).")
    for name, checksum in manifest["artifacts"].items():
        if not (src / name).is_file() or _sha256(src / name) != checksum:
            raise BackupError(f"{src / name} is missing or damaged (its checksum differs).")
    return manifest


def restore(src: Path) -> dict[str, Any]:
    """Restore the backup in ``src`` into this app's (empty) database and upload folder,
    then check every table and file against the manifest; returns the manifest."""
    manifest = read_manifest(src)
    engine = db.engine
    if manifest["backend"] != engine.dialect.name:
        raise BackupError(
            f"this is a {manifest['backend']} backup; DATABASE_URL is {engine.dialect.name}."
        )
    db.session.remove()
    if inspect(engine).get_table_names():
        raise BackupError(
            "the database is not empty: restore only into a new, empty database "
            "(create it, point DATABASE_URL at it, run union restore again)."
        )
    if engine.dialect.name == "sqlite":
        engine.dispose()
        target = Path(str(engine.url.database))
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(src / SQLITE_FILE, target)
    else:
        args, env = _pg_command(engine.url, current_app.config["PG_RESTORE"])
        args += ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                 f"--dbname={engine.url.database}", str(src / PG_FILE)]  # fmt: skip
        engine.dispose()
        _run(args, env, "pg_restore")
    _untar_uploads(src / FILES, Path(current_app.config["UPLOAD_FOLDER"]), manifest["files"])
    problems = verify(manifest)
    if problems:
        raise BackupError("the restore differs from the backup: " + "; ".join(problems))
    return manifest


def _untar_uploads(archive_path: Path, folder: Path, listed: dict[str, Any]) -> None:
    """Put the files back; only plain files with plain names, never over a different one."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tarfile.open(archive_path, "r") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not _SAFE_NAME.match(member.name):
                raise BackupError(f"{archive_path} holds {member.name!r}, not one of our files.")
            if member.name not in listed:
                raise BackupError(f"{archive_path} holds {member.name}, which the manifest lacks.")
            target = folder / member.name
            source = archive.extractfile(member)
            assert source is not None
            data = source.read()
            if target.exists():
                if target.read_bytes() != data:
                    raise BackupError(f"{target} exists with other content: not overwritten.")
                continue
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)


def verify(manifest: dict[str, Any]) -> list[str]:
    """How this app's database and upload folder differ from the manifest."""
    problems = []
    with db.engine.connect() as conn:
        revision = schema_revision(conn)
        if revision != manifest["schema_revision"]:
            problems.append(f"schema revision {revision}, not {manifest['schema_revision']}")
        now = fingerprints(conn)
    for table, expected in manifest["tables"].items():
        if now.get(table) != expected:
            problems.append(f"table {table}: {now.get(table)} != {expected}")
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            problems.append(f"file {name} is missing or differs")
    return problems


# -- commands ------------------------------------------------------------------------------


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the database and the uploaded files into the new folder DEST."""
    try:
        manifest = backup(dest)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"Backed up {rows} rows in {len(manifest['tables'])} tables and "
        f"{len(manifest['files'])} files into {dest}."
    )
    if manifest["missing_files"]:
        click.echo(
            f"Warning: {len(manifest['missing_files'])} files the database names were not in "
            f"the upload folder: {', '.join(manifest['missing_files'][:10])}",
            err=True,
        )


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(src: Path) -> None:
    """Restore the backup in SRC into an empty database and the upload folder."""
    try:
        manifest = restore(src)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"Restored {rows} rows in {len(manifest['tables'])} tables and "
        f"{len(manifest['files'])} files from {src}; every table and file matches the backup."
    )
