"""Reading a member list as people export it: CSV from any spreadsheet or membership
system (comma, semicolon or tab; UTF-8 with or without BOM, UTF-16, or Windows-1252),
or an Excel workbook (.xlsx, its first sheet).

The first non-blank row holds the column names; blank rows are skipped; every value comes
back as a string with its whitespace tidied.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import filetype

DELIMITERS = (",", ";", "\t")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Office's pre-2007 binary files (.xls) start with this.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCEPTED = "CSV (.csv, .txt) or Excel (.xlsx)"


class UnreadableFile(ValueError):
    """The file is not a member list we can read; the message says why, for the person."""


@dataclass(frozen=True)
class Sheet:
    """A member list: its column names and its rows, each with the row number a person
    sees in their spreadsheet (the header is row 1)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def preview(self, count: int = 5) -> list[list[str]]:
        return [values for _, values in self.rows[:count]]


def tidy(value: Any) -> str:
    """A cell as text: one space between words, no surrounding space, and unicode in one
    normal form, so "José" typed on a Mac and on Windows compares equal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps every number as a float: 1042.0 is member 1042
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | datetime):
        value = value.isoformat()
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def read_sheet(data: bytes, filename: str = "", *, max_rows: int = 100_000) -> Sheet:
    """Read a CSV or XLSX member list from its bytes (the content decides, not the name)."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if data.startswith(OLE_SIGNATURE):
        raise UnreadableFile(
            "This is an old-style Excel (.xls) workbook. Save it as .xlsx or CSV and upload that."
        )
    kind = filetype.guess(data)
    if kind is not None and kind.mime == XLSX_MIME or _is_xlsx_zip(data):
        return _read_xlsx(data, max_rows)
    if kind is not None and kind.mime != "text/plain":
        hint = " Save it as .xlsx or CSV." if kind.extension in {"xls", "zip", "ods"} else ""
        raise UnreadableFile(
            f"This is {kind.extension.upper()} content, not a member list we can read."
            f"{hint} Use {ACCEPTED}."
        )
    return _read_csv(_decode(data), max_rows)


def read_path(path: Path, *, max_rows: int = 100_000) -> Sheet:
    return read_sheet(path.read_bytes(), path.name, max_rows=max_rows)


# -- CSV -------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Text from the bytes: UTF-16 when it says so, else UTF-8 (BOM or not), else the
    Windows code page older Excel versions save CSV in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("The file says it is UTF-16 text but is not.") from exc
    if b"\x00" in data:
        raise UnreadableFile(f"This is not a text file. Use {ACCEPTED}.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "The file's characters could not be read. Save it again as “CSV UTF-8” "
        "(Excel: File › Save As › CSV UTF-8)."
    )


def _delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most columns."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


def _read_csv(text: str, max_rows: int) -> Sheet:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _sheet(((reader.line_num, row) for row in reader), max_rows)
    except csv.Error as exc:
        raise UnreadableFile(
            f"The CSV file is malformed near line {reader.line_num}: {exc}."
        ) from exc


# -- XLSX ------------------------------------------------------------------------------


def _is_xlsx_zip(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise UnreadableFile(f"The Excel file could not be opened ({exc}).") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = (
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        return _sheet(rows, max_rows)
    finally:
        workbook.close()


# -- both ------------------------------------------------------------------------------


def _sheet(raw: Iterator[tuple[int, list[Any]]], max_rows: int) -> Sheet:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, raw_values in raw:
        values = [tidy(v) for v in raw_values]
        if not any(values):
            continue  # blank lines, and rows of empty cells, mean nothing
        if headers is None:
            headers = _headers(values)
            continue
        if len(rows) >= max_rows:
            raise UnreadableFile(f"The file has more than {max_rows:,} rows; split it.")
        width = len(headers)
        rows.append((number, (values + [""] * width)[:width]))
    if headers is None:
        raise UnreadableFile("The file has no rows.")
    return Sheet(headers=headers, rows=rows)


def _headers(values: list[str]) -> list[str]:
    """Column names as given; a blank one is named by its position, a repeated one gets
    a number, so every column can be told apart on the mapping form."""
    while values and not values[-1]:
        values = values[:-1]
    seen: dict[str, int] = {}
    headers = []
    for position, value in enumerate(values, start=1):
        name = value or f"Column {position}"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return headers
