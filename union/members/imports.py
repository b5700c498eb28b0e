"""Importing a chapter's member list: map the file's columns, plan what would change (the
dry run), and apply the plan in bulk.

Rules:

* A row is matched to the roster by member number. New numbers are created; known ones
  are updated where a mapped column says something different. A blank cell leaves the
  stored value alone: a list without phone numbers does not erase the phones on file.
* A member on the roster but not in the file is flagged missing, never deleted; one who
  comes back is unflagged.
* A row that cannot be taken is reported with its reason and changes nothing: no member
  number or name, a malformed email, a member number or email that appears twice in the
  file, an email another member already has, an office not among the chapter's known
  offices (when it keeps a list of them), a value too long for its field.
* Importing the same file again finds nothing to change and writes nothing.

Services flush and audit; the caller (view, command, job) commits.
"""

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, select, update

from union.auth.models import is_government_address
from union.chapters.models import Chapter
from union.core import audit
from union.core.time import utcnow
from union.extensions import db
from union.members.matching import normalize_number
from union.members.models import ImportMapping, ImportRun, ImportStatus, Member
from union.members.spreadsheets import Sheet, read_path, read_sheet

# -- Steward's fields ------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    max_length: int
    # Header names people use for this field, lower-case, without punctuation.
    synonyms: tuple[str, ...]


FIELDS = (
    Field("member_number", "Member number", 32,
          ("member number", "member no", "member id", "membership number", "membership id",
           "member", "union id", "id", "number")),
    Field("name", "Name", 200, ("name", "full name", "member name", "employee name")),
    Field("first_name", "First name", 100, ("first name", "first", "given name", "firstname")),
    Field("last_name", "Last name", 100,
          ("last name", "last", "surname", "family name", "lastname")),
    Field("email", "Personal email", 254,
          ("personal email", "email", "email address", "home email",
           "personal email address", "private email")),
    Field("phone", "Phone", 40,
          ("phone", "personal phone", "mobile", "cell", "cell phone", "mobile phone",
           "telephone", "phone number")),
    Field("component", "Component", 100, ("component", "agency", "bureau", "organization")),
    Field("office", "Office", 120, ("office", "field office", "unit", "division")),
    Field("duty_station", "Duty station", 120,
          ("duty station", "post of duty", "duty location", "location", "station",
           "work location", "city")),
    Field("work_schedule", "Work schedule", 60,
          ("work schedule", "schedule", "tour of duty", "shift", "tour")),
)  # fmt: skip
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
# What a roster row stores (first and last name only make up ``name``).
STORED = ("name", "email", "phone", "component", "office", "duty_station", "work_schedule")
BATCH = 1000


class ImportProblem(ValueError):
    """An import cannot go ahead; the message is for the person."""


def _key(header: str) -> str:
    """A column name without case, spaces or punctuation: "E-mail" is "email"."""
    return re.sub(r"[^0-9a-z]+", "", header.lower())


def guess_columns(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """Steward field -> file column: the chapter's remembered choice where the file still
    has that column, else the column whose name people use for the field."""
    chosen: dict[str, str] = {}
    for name, header in (remembered or {}).items():
        if name in FIELDS_BY_NAME and header in headers and header not in chosen.values():
            chosen[name] = header
    by_key = {_key(h): h for h in reversed(headers)}  # the first of equal names wins
    for f in FIELDS:
        if f.name in chosen:
            continue
        for synonym in f.synonyms:
            header = by_key.get(_key(synonym))
            if header is not None and header not in chosen.values():
                chosen[f.name] = header
                break
    if "name" in chosen and ("first_name" in chosen or "last_name" in chosen):
        chosen.pop("first_name", None)
        chosen.pop("last_name", None)
    return chosen


def mapping_problems(columns: dict[str, str], headers: list[str]) -> dict[str, str]:
    """What is wrong with a mapping, by field (empty when it can be used)."""
    problems: dict[str, str] = {}
    if not columns.get("member_number"):
        problems["member_number"] = "Choose the column with the member number."
    if not columns.get("name") and not (columns.get("first_name") and columns.get("last_name")):
        problems["name"] = "Choose the column with the name (or both first and last name)."
    used: dict[str, str] = {}
    for name, header in columns.items():
        if not header:
            continue
        if header not in headers:
            problems[name] = f"The file has no column “{header}”."
        elif header in used:
            other = FIELDS_BY_NAME[used[header]].label
            problems[name] = f"The column “{header}” is already used for {other}."
        else:
            used[header] = name
    return problems


def normalize_office(value: str) -> str:
    return " ".join(value.split()).casefold()


def remembered_mapping(chapter: Chapter) -> ImportMapping | None:
    return db.session.get(ImportMapping, chapter.id)


def remember_mapping(chapter: Chapter, columns: dict[str, str], known_offices: list[str]) -> None:
    """Keep the chapter's mapping for its next file (audited when it changes)."""
    mapping = remembered_mapping(chapter)
    if mapping is None:
        mapping = ImportMapping(chapter_id=chapter.id, columns={}, known_offices=[])
        db.session.add(mapping)
    if mapping.columns == columns and mapping.known_offices == known_offices:
        return
    mapping.columns = dict(columns)
    mapping.known_offices = list(known_offices)
    db.session.flush()
    audit.record(
        "members.import_mapping",
        chapter,
        chapter_id=chapter.id,
        columns=columns,
        known_offices=len(known_offices),
    )


# -- the plan (dry run) ----------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    member_number: str
    name: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "member_number": self.member_number, "name": self.name,
                "reason": self.reason}  # fmt: skip


@dataclass
class Plan:
    """What importing a file would do, computed without writing anything."""

    total_rows: int = 0
    creates: list[dict[str, Any]] = field(default_factory=list)
    # (member id, member number, {field: [old, new]})
    updates: list[tuple[int, str, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: int = 0
    # (member id, member number, name) of those no longer on the list
    flag_missing: list[tuple[int, str, str]] = field(default_factory=list)
    # members on the list again after being flagged (they are also in ``updates``)
    back: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.creates or self.updates or self.flag_missing)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total_rows,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "flagged_missing": len(self.flag_missing),
            "back_on_list": self.back,
            "errors": len(self.errors),
        }


def _values(values: list[str], index: dict[str, int]) -> dict[str, str]:
    got = {name: values[i] for name, i in index.items()}
    if "name" not in got and ("first_name" in got or "last_name" in got):
        got["name"] = " ".join(p for p in (got.get("first_name"), got.get("last_name")) if p)
    got.pop("first_name", None)
    got.pop("last_name", None)
    return got


def _check_email(raw: str) -> str:
    return validate_email(raw, check_deliverability=False).normalized.lower()


@dataclass
class _Row:
    """A row that passed its own checks, with what it would change."""

    row: int
    number: str
    name: str
    values: dict[str, str]
    current: Any  # the roster row with this number, or None for a new member
    changed: dict[str, list[Any]] = field(default_factory=dict)
    refused: str = ""


def _check_row(
    got: dict[str, str], number: str, offices: dict[str, str]
) -> tuple[dict[str, str] | None, str | None]:
    """The row's values made ready to store, or the reason it cannot be taken."""
    if not number:
        return None, "No member number."
    if not got.get("name"):
        return None, "No name."
    too_long = [
        FIELDS_BY_NAME[f].label
        for f, v in (("member_number", number), *got.items())
        if len(v) > FIELDS_BY_NAME[f].max_length
    ]
    if too_long:
        return None, f"Too long: {', '.join(too_long)}."
    if got.get("email"):
        try:
            got["email"] = _check_email(got["email"])
        except EmailNotValidError:
            return None, f"“{got['email']}” is not a valid email address."
    if offices and got.get("office"):
        known = offices.get(normalize_office(got["office"]))
        if known is None:
            return None, f"Unknown office “{got['office']}”."
        got["office"] = known  # the chapter's own spelling
    return got, None


def plan_import(
    chapter: Chapter,
    sheet: Sheet,
    columns: dict[str, str],
    known_offices: list[str] | None = None,
) -> Plan:
    """Compare the file with the chapter's roster: what would be created, updated, left
    alone, flagged missing, and which rows cannot be taken and why. Writes nothing."""
    problems = mapping_problems(columns, sheet.headers)
    if problems:
        raise ImportProblem(" ".join(problems.values()))
    index = {name: sheet.headers.index(header) for name, header in columns.items() if header}
    offices = {normalize_office(o): o for o in known_offices or [] if o.strip()}
    existing = {
        row.member_number: row
        for row in db.session.execute(
            select(Member.id, Member.member_number, Member.missing,
                   *(getattr(Member, name) for name in STORED))
            .where(Member.chapter_id == chapter.id)
        )
    }  # fmt: skip

    plan = Plan(total_rows=len(sheet.rows))
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    taken: list[_Row] = []
    for row_number, raw in sheet.rows:
        got = _values(raw, index)
        number = normalize_number(got.pop("member_number", ""))
        name = got.get("name", "")
        if number and seen_numbers.setdefault(number, row_number) != row_number:
            plan.errors.append(RowError(row_number, number, name,
                f"Member number {number} is already on row {seen_numbers[number]}."))  # fmt: skip
            continue
        values, reason = _check_row(got, number, offices)
        if values is None:
            plan.errors.append(RowError(row_number, number, name, reason or ""))
            continue
        email = values.get("email")
        if email and seen_emails.setdefault(email, row_number) != row_number:
            plan.errors.append(RowError(row_number, number, name,
                f"The email {email} is already on row {seen_emails[email]}."))  # fmt: skip
            continue
        if email and is_government_address(email):
            plan.warnings.append(RowError(row_number, number, name,
                "A work (.gov/.mil) address: invitations are not sent to it."))  # fmt: skip
        current = existing.get(number)
        row = _Row(row_number, number, name, values, current)
        if current is not None:
            row.changed = {
                key: [getattr(current, key), value]
                for key, value in values.items()
                if value and getattr(current, key) != value
            }
            if current.missing:
                row.changed["missing"] = [True, False]
        taken.append(row)

    for row in _refuse_email_clashes(taken, existing):
        plan.errors.append(RowError(row.row, row.number, row.name, row.refused))
    for row in taken:
        if row.current is None:
            plan.creates.append({"chapter_id": chapter.id, "member_number": row.number,
                                 **{k: v or None for k, v in row.values.items()}})  # fmt: skip
        elif row.changed:
            plan.updates.append((row.current.id, row.number, row.changed))
            plan.back += "missing" in row.changed
        else:
            plan.unchanged += 1
    plan.errors.sort(key=lambda e: e.row)
    # A number whose row was refused is still on the list: that member is not missing.
    plan.flag_missing = [
        (row.id, row.member_number, row.name)
        for number, row in existing.items()
        if number not in seen_numbers and not row.missing
    ]
    return plan


def _refuse_email_clashes(taken: list[_Row], existing: dict[str, Any]) -> list[_Row]:
    """Rows that would give a member an email another member keeps. An email may move
    from one member to another when its old holder gets a new one in the same file (a
    swap); refusing a row can undo such a move, so this repeats until nothing changes."""
    refused: list[_Row] = []
    while True:
        holders: dict[str, list[str]] = {}
        introduced: dict[str, _Row] = {}
        for number, current in existing.items():
            if current.email:
                holders.setdefault(current.email, []).append(number)
        for row in taken:
            new = row.values.get("email") if row.current is None else (
                row.changed["email"][1] if "email" in row.changed else None
            )  # fmt: skip
            if new is None:
                continue
            introduced[row.number] = row
            if row.current is not None and row.current.email:
                holders[row.current.email].remove(row.number)
            holders.setdefault(new, []).append(row.number)
        clashes = [
            (introduced[number], [n for n in numbers if n != number])
            for numbers in holders.values()
            if len(numbers) > 1
            for number in numbers
            if number in introduced
        ]
        if not clashes:
            return refused
        for row, others in clashes:
            email = row.values["email"]
            row.refused = f"The email {email} belongs to member {others[0]}."
            refused.append(row)
            taken.remove(row)


# -- applying a plan -------------------------------------------------------------------


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_plan(
    chapter: Chapter,
    plan: Plan,
    *,
    actor: Any = None,
    run: ImportRun | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the plan in bulk, a batch at a time; ``progress(rows_done)`` is called after
    each batch (a job commits there, so a page can show how far it got). Every member
    whose record changes gets an audit entry with the old and new values; the import as
    a whole gets one with its counts. A plan that changes nothing writes nothing."""
    now = utcnow()
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        db.session.flush()
        if progress is not None:
            progress(min(done, plan.total_rows))

    for batch in _chunks(plan.creates):
        db.session.execute(
            Member.__table__.insert(),
            [{**_blank_row(), **row, "created_at": now, "updated_at": now} for row in batch],
        )
        advance(len(batch))

    # Emails that move are cleared first, so a swap never trips the unique constraint.
    moving = [member_id for member_id, _, changed in plan.updates if "email" in changed]
    for ids in _chunks(moving, 500):
        db.session.execute(
            update(Member).where(Member.id.in_(ids)).values(email=None),
            execution_options={"synchronize_session": False},
        )
    for batch in _chunks(plan.updates):
        rows = []
        for member_id, number, changed in batch:
            values = {name: new for name, (_, new) in changed.items()}
            if values.get("missing") is False:
                values["missing_since"] = None
            rows.append({"id": member_id, "updated_at": now, **values})
            audit.record(
                "member.import_update",
                _Ref(member_id),
                actor=actor,
                chapter_id=chapter.id,
                member_number=number,
                changed=changed,
                run=run.id if run else None,
            )
        _bulk_update(rows)
        advance(len(batch))

    for batch in _chunks(plan.flag_missing, 500):
        db.session.execute(
            update(Member)
            .where(Member.id.in_([member_id for member_id, _, _ in batch]))
            .values(missing=True, missing_since=now, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        for member_id, number, _ in batch:
            audit.record(
                "member.flag_missing",
                _Ref(member_id),
                actor=actor,
                chapter_id=chapter.id,
                member_number=number,
                run=run.id if run else None,
            )
        db.session.flush()
    advance(plan.unchanged + len(plan.errors))

    counts = plan.counts()
    if plan.changes_anything:
        audit.record(
            "members.import",
            run or chapter,
            actor=actor,
            chapter_id=chapter.id,
            filename=run.filename if run else None,
            **counts,
        )
    return counts


class _Ref:
    """Names a member for ``audit.record`` without loading it (a bulk import touches
    thousands)."""

    def __init__(self, member_id: int) -> None:
        self.id = member_id


_Ref.__name__ = "Member"  # the audit log names an object by its class


def _blank_row() -> dict[str, Any]:
    return dict.fromkeys(STORED) | {"missing": False, "invitation_count": 0}


def _bulk_update(rows: list[dict[str, Any]]) -> None:
    """One executemany per set of columns (rows changing the same fields go together)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    table = Member.__table__
    for keys, group in groups.items():
        stmt = (
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values({k: bindparam(k) for k in keys if k != "id"})
        )
        db.session.execute(stmt, [{**r, "_id": r["id"]} for r in group])


# -- files and runs --------------------------------------------------------------------


def import_folder() -> Path:
    folder = Path(current_app.config["MEMBER_IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(run: ImportRun) -> Path | None:
    if not run.stored_name:
        return None
    path = import_folder() / run.stored_name
    return path if path.is_file() else None


def read_run_file(run: ImportRun) -> Sheet:
    path = stored_path(run)
    if path is None:
        raise ImportProblem("The uploaded file is gone. Upload it again.")
    return read_path(path, max_rows=current_app.config["MEMBER_IMPORT_MAX_ROWS"])


def start_upload(chapter: Chapter, filename: str, data: bytes, *, actor: Any) -> ImportRun:
    """Check that the file is a member list we can read, keep it under a random name, and
    open a draft run whose columns are guessed (or remembered from the chapter's last
    import). Raises ``UnreadableFile`` with the reason."""
    sheet = read_sheet(data, filename, max_rows=current_app.config["MEMBER_IMPORT_MAX_ROWS"])
    stored_name = secrets.token_hex(16)
    (import_folder() / stored_name).write_bytes(data)
    remembered = remembered_mapping(chapter)
    run = ImportRun(
        chapter_id=chapter.id,
        created_by_id=getattr(actor, "id", None),
        filename=Path(filename or "members").name[:255],
        stored_name=stored_name,
        columns=guess_columns(sheet.headers, remembered.columns if remembered else None),
        known_offices=list(remembered.known_offices) if remembered else [],
        total_rows=len(sheet.rows),
        status=ImportStatus.DRAFT,
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "members.import_upload", run, actor=actor, filename=run.filename, rows=run.total_rows
    )
    return run


def set_run_mapping(run: ImportRun, columns: dict[str, str], known_offices: list[str]) -> None:
    """The person's mapping for this run, remembered for the chapter's next file."""
    run.columns = {k: v for k, v in columns.items() if v}
    run.known_offices = known_offices
    remember_mapping(run.chapter, run.columns, known_offices)


def confirm_run(run: ImportRun, *, actor: Any) -> None:
    """Queue a draft run for a worker (nothing is written to the roster until then)."""
    if run.status != ImportStatus.DRAFT:
        raise ImportProblem("This import was already confirmed.")
    run.status = ImportStatus.QUEUED
    audit.record("members.import_confirm", run, actor=actor, filename=run.filename)


def finish_run(run: ImportRun, plan: Plan) -> None:
    """Record what the import did on its run; its file is deleted (personal data)."""
    run.status = ImportStatus.DONE
    run.total_rows = run.processed_rows = plan.total_rows
    run.created_count = len(plan.creates)
    run.updated_count = len(plan.updates)
    run.unchanged_count = plan.unchanged
    run.missing_count = len(plan.flag_missing)
    run.error_count = len(plan.errors)
    run.errors = [error.as_dict() for error in plan.errors]
    run.finished_at = utcnow()
    delete_file(run)


def delete_file(run: ImportRun) -> None:
    """Member lists hold personal data: the upload goes once it is no longer needed."""
    path = stored_path(run)
    if path is not None:
        path.unlink(missing_ok=True)
    run.stored_name = None
