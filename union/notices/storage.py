"""Attachments on disk: the type is read from the content, never the name; files are
stored under UPLOAD_FOLDER with random names and removed again if the transaction that
added them does not commit."""

import email
import hashlib
import logging
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from email import policy as email_policy
from pathlib import Path
from typing import IO

import filetype
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from union.extensions import db

log = logging.getLogger(__name__)

# What a member may attach: the type (as read from the content) and the name endings it
# may have. A name that says one type over content of another is refused as disguised.
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".eml": "message/rfc822",
}
TYPE_NAMES = {
    "application/pdf": "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "text/plain": "plain text",
    "message/rfc822": "an email (.eml)",
}
ACCEPT = ",".join([*EXTENSIONS, *dict.fromkeys(EXTENSIONS.values())])
ALLOWED_SUMMARY = "PDF, PNG, JPEG, plain text (.txt) or saved email (.eml)"
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


class UploadRefused(ValueError):
    """A file we will not keep; the message, for the member, names the file and why."""


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def clean_filename(name: str) -> str:
    """The member's file name, safe to show and to offer as a download name: no folders,
    no control or direction-changing characters, no characters file systems reject."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(
        ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"/\\|?*'
    )
    name = name.strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 149 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:150]
    return name


def sniff(data: bytes, text_type: str = "text/plain") -> str | None:
    """The content's type: a known binary format by its signature, else UTF-8 text without
    NUL bytes (``text_type``: "message/rfc822" asks for email headers too), else None."""
    kind = filetype.guess(data)
    if kind is not None:
        return str(kind.mime)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if text_type == "message/rfc822":
        return "message/rfc822" if _looks_like_email(text) else "text/plain"
    return "text/plain"


def _looks_like_email(text: str) -> bool:
    message = email.message_from_string(text, policy=email_policy.default)
    headers = {name.lower() for name in message}
    return "from" in headers and bool(headers & {"subject", "date"})


def check_upload(filename: str, stream: IO[bytes], max_bytes: int) -> CheckedUpload:
    """Read and check one uploaded file; raises ``UploadRefused`` with the reason."""
    name = clean_filename(filename or "")
    shown = name or "The file"
    expected = EXTENSIONS.get(Path(name).suffix.lower())
    if expected is None:
        raise UploadRefused(f"{shown}: we take only {ALLOWED_SUMMARY} files.")
    data = stream.read(max_bytes + 1)
    if not data:
        raise UploadRefused(f"{shown} is empty.")
    if len(data) > max_bytes:
        raise UploadRefused(f"{shown} is larger than {megabytes(max_bytes)}, the limit per file.")
    found = sniff(data, expected)
    if found != expected:
        if expected == "message/rfc822" and found == "text/plain":
            why = "it has no email headers (From, Subject, Date)"
        elif found in TYPE_NAMES:
            why = f"its content is {TYPE_NAMES[found]}"
        else:
            why = "its content is something else"
        raise UploadRefused(
            f"{shown} is named like {TYPE_NAMES[expected]} but {why}. "
            f"Attach the original file ({ALLOWED_SUMMARY})."
        )
    return CheckedUpload(filename=name, content_type=expected, data=data)


# -- on disk ---------------------------------------------------------------------------


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored_name: str) -> Path:
    """Where a stored file is; only names we generated are accepted."""
    if not _STORED_NAME.match(stored_name):
        raise ValueError("not a stored attachment name")
    return upload_folder() / stored_name


def store(data: bytes) -> str:
    """Write ``data`` under a new random name; the file goes away again unless the
    current transaction commits."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    db.session.info.setdefault("uploads_written", []).append(path)
    return stored_name


def remove_after_commit(stored_name: str) -> None:
    """Delete the file once the transaction that dropped its row has committed."""
    db.session.info.setdefault("uploads_doomed", []).append(path_of(stored_name))


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # a leftover file is harmless; say so and go on
            log.warning("could not remove attachment file %s: %s", path, exc)


@event.listens_for(Session, "after_commit")
def _uploads_committed(session: Session) -> None:
    session.info.pop("uploads_written", None)
    _unlink(session.info.pop("uploads_doomed", []))


@event.listens_for(Session, "after_transaction_end")
def _uploads_not_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # Still listed here means the transaction ended without a commit: the rows are gone,
    # so the files they named go too; files meant for deletion stay.
    _unlink(session.info.pop("uploads_written", []))
    session.info.pop("uploads_doomed", None)
