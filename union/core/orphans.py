"""Files in UPLOAD_FOLDER that no row names.

A file is written before the row that names it is committed, and removed when that
transaction does not commit (``union.notices.storage``). A process killed in between
(SIGKILL, the machine losing power) gets no chance to remove it: the file stays, named by
nothing. The scheduler's ``orphan-uploads`` job removes such files once they are older
than ORPHAN_UPLOAD_MINUTES, an age no request's transaction reaches, so a file whose row
is about to commit is never taken.
"""

import logging
import re
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, union

from union.extensions import db

log = logging.getLogger(__name__)

# Only names the app itself generates (``secrets.token_hex(16)``) are ever removed: a file
# an operator put in the folder is left alone.
GENERATED_NAME = re.compile(r"^[0-9a-f]{32}$")
# Tables whose stored files live in another folder than UPLOAD_FOLDER.
ELSEWHERE = {"member_import_runs"}  # MEMBER_IMPORT_FOLDER: lists waiting to be imported


def referenced_names(*, uploads_only: bool = False) -> set[str]:
    """Every stored file name a table names (any column called ``stored_name``); with
    ``uploads_only``, those of files kept in UPLOAD_FOLDER. (The sweep keeps any name any
    table knows: keeping too much is harmless, removing a file is not.)"""
    columns = [
        table.c.stored_name
        for table in db.metadata.sorted_tables
        if "stored_name" in table.c and not (uploads_only and table.name in ELSEWHERE)
    ]
    if not columns:
        return set()
    return set(db.session.scalars(union(*(select(c) for c in columns))))


def orphan_uploads(folder: Path, older_than_minutes: int) -> list[Path]:
    """Files in ``folder`` named like ours, older than that, and named by no row."""
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_minutes * 60
    candidates = [
        path
        for path in folder.iterdir()
        if GENERATED_NAME.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff
    ]
    if not candidates:
        return []
    named = referenced_names()
    return sorted(path for path in candidates if path.name not in named)


def remove_orphan_uploads() -> int:
    """Remove the upload folder's orphans; returns how many went."""
    config = current_app.config
    removed = 0
    for path in orphan_uploads(Path(config["UPLOAD_FOLDER"]), config["ORPHAN_UPLOAD_MINUTES"]):
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another scheduler took it first
        removed += 1
        log.warning("removed %s: a file no attachment or document names", path)
    return removed
