"""Rules for chapters and the agency catalogue. Services flush and audit; callers commit."""

import secrets
from typing import Any

from sqlalchemy import select

from union.chapters.models import Agency, Chapter
from union.core import audit
from union.extensions import db

# No 0/O or 1/I: codes are read aloud and copied off flyers.
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# The catalogue DESIGN.md names, seeded by the migration and by demo data.
SEED_AGENCIES: list[tuple[str, str, str]] = [
    ("Treasury", "IRS-CI", "IRS Criminal Investigation"),
    ("Treasury", "IRS", "Internal Revenue Service"),
    ("DHS", "USCIS", "U.S. Citizenship and Immigration Services"),
    ("DHS", "USCIS-FDNS", "USCIS Fraud Detection and National Security"),
    ("DHS", "ICE-ERO", "ICE Enforcement and Removal Operations"),
    ("DHS", "ICE-HSI", "ICE Homeland Security Investigations"),
    ("DHS", "CBP", "U.S. Customs and Border Protection"),
    ("DOJ", "BOP", "Federal Bureau of Prisons"),
    ("DOJ", "USMS", "U.S. Marshals Service"),
    ("DOJ", "DEA", "Drug Enforcement Administration"),
    ("DOJ", "ATF", "Bureau of Alcohol, Tobacco, Firearms and Explosives"),
    ("DOJ", "FBI", "Federal Bureau of Investigation"),
    ("State", "DSS", "Diplomatic Security Service"),
]


class ChapterError(ValueError):
    """A chapter rule was broken; the message is for the person."""


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))


def _unique_invite_code() -> str:
    while True:
        code = new_invite_code()
        if db.session.scalar(select(Chapter.id).where(Chapter.invite_code == code)) is None:
            return code


POLICY_FIELDS = (
    "grievance_days",
    "grievance_day_kind",
    "info_request_days",
    "info_request_day_kind",
)
CHAPTER_FIELDS = ("number", "name", "agency_id", "timezone", *POLICY_FIELDS)


def chapter_by_number(number: str) -> Chapter | None:
    return db.session.scalar(select(Chapter).where(Chapter.number == number.strip()))


def create_chapter(**fields: Any) -> Chapter:
    """A new chapter with a fresh invite code."""
    fields["number"] = str(fields["number"]).strip()
    if chapter_by_number(fields["number"]) is not None:
        raise ChapterError(f"Chapter {fields['number']} already exists.")
    chapter = Chapter(invite_code=_unique_invite_code(), **_known(fields))
    db.session.add(chapter)
    db.session.flush()
    audit.record("chapter.create", chapter, chapter_id=chapter.id, **_known(fields))
    return chapter


def update_chapter(chapter: Chapter, **fields: Any) -> None:
    """Change a chapter's details or deadline policy; the audit entry keeps the old values."""
    fields = _known(fields)
    if "number" in fields:
        fields["number"] = str(fields["number"]).strip()
        other = chapter_by_number(fields["number"])
        if other is not None and other.id != chapter.id:
            raise ChapterError(f"Chapter {fields['number']} already exists.")
    changed = {
        name: [getattr(chapter, name), value]
        for name, value in fields.items()
        if getattr(chapter, name) != value
    }
    for name, (_, value) in changed.items():
        setattr(chapter, name, value)
    if changed:
        audit.record("chapter.update", chapter, chapter_id=chapter.id, changed=changed)


def regenerate_invite_code(chapter: Chapter) -> str:
    """A new code; the old one stops working at once (e.g. after it leaked)."""
    chapter.invite_code = _unique_invite_code()
    audit.record("chapter.regenerate_invite_code", chapter, chapter_id=chapter.id)
    return chapter.invite_code


def _known(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if key in CHAPTER_FIELDS}


# -- agency catalogue ------------------------------------------------------------------


def active_agencies() -> list[Agency]:
    return list(
        db.session.scalars(
            select(Agency).where(Agency.active.is_(True)).order_by(Agency.department, Agency.code)
        )
    )


def save_agency(
    agency: Agency | None, *, department: str, code: str, name: str, active: bool
) -> Agency:
    """Create (``agency`` None) or edit a catalogue entry; department/code stay unique."""
    department, code = department.strip(), code.strip().upper()
    clash = db.session.scalar(
        select(Agency).where(Agency.department == department, Agency.code == code)
    )
    if clash is not None and clash is not agency:
        raise ChapterError(f"{department}/{code} is already in the catalogue.")
    created = agency is None
    if agency is None:
        agency = Agency()
        db.session.add(agency)
    before = {"department": agency.department, "code": agency.code, "name": agency.name,
              "active": agency.active}  # fmt: skip
    agency.department, agency.code, agency.name, agency.active = (
        department,
        code,
        name.strip(),
        active,
    )
    db.session.flush()
    audit.record(
        "agency.create" if created else "agency.update",
        agency,
        before=None if created else before,
        after={"department": department, "code": code, "name": agency.name, "active": active},
    )
    return agency


def seed_agencies() -> int:
    """Add the catalogue entries that are missing; returns how many were added."""
    existing = {(a.department, a.code) for a in db.session.scalars(select(Agency))}
    added = 0
    for department, code, name in SEED_AGENCIES:
        if (department, code) not in existing:
            db.session.add(Agency(department=department, code=code, name=name, active=True))
            added += 1
    if added:
        db.session.flush()
        audit.record("agency.seed", None, added=added)
    return added
