"""Demo data: a few realistic chapters with their reps and members, and an admin.

Idempotent: people and chapters are matched by email and number, so running it again
adds only what is missing. Every address is on example.org; nobody here is real.
"""

from sqlalchemy import select

from union.auth.models import Role, User
from union.auth.services import create_user, user_by_email
from union.cases.demo import load_demo_cases
from union.chapters.models import Agency, Chapter, DayKind
from union.chapters.services import chapter_by_number, create_chapter, seed_agencies
from union.digests.demo import load_demo_digests
from union.extensions import db
from union.rosters.demo import load_demo_rosters

# Published demo logins, demo data only (bandit B105 and ruff S105: accepted).
DEMO_PASSWORD = "solidarity-forever-2026"  # noqa: S105  # nosec B105

CHAPTERS = [
    # number, name, agency (department, code), time zone, grievance days/kind
    ("247", "IRS Criminal Investigation, Atlanta Field Office", ("Treasury", "IRS-CI"),
     "America/New_York", 30, DayKind.CALENDAR),
    ("3012", "USCIS Fraud Detection and National Security, Dallas", ("DHS", "USCIS-FDNS"),
     "America/Chicago", 21, DayKind.BUSINESS),
    ("1147", "Federal Correctional Complex, Victorville", ("DOJ", "BOP"),
     "America/Los_Angeles", 40, DayKind.CALENDAR),
    ("88", "Diplomatic Security Service, Washington", ("State", "DSS"),
     "America/New_York", 30, DayKind.BUSINESS),
]  # fmt: skip

PEOPLE = [
    # role, email, name, chapter, chapters covered
    (Role.ADMIN, "admin@example.org", "Dana Whitfield (national staff)", None, []),
    (Role.REP, "steward247@example.org", "Marcus Bell", "247", ["247"]),
    (Role.REP, "steward3012@example.org", "Rosa Delgado", "3012", ["3012"]),
    (Role.REP, "officer1147@example.org", "Kevin Tran", "1147", ["1147", "88"]),
    (Role.MEMBER, "tanya.brooks@example.org", "Tanya Brooks", "247", []),
    (Role.MEMBER, "luis.romero@example.org", "Luis Romero", "247", []),
    (Role.MEMBER, "grace.okafor@example.org", "Grace Okafor", "3012", []),
    (Role.MEMBER, "sam.whitaker@example.org", "Sam Whitaker", "1147", []),
    (Role.MEMBER, "nadia.haddad@example.org", "Nadia Haddad", "88", []),
]


def _agency(department: str, code: str) -> Agency:
    return db.session.scalars(
        select(Agency).where(Agency.department == department, Agency.code == code)
    ).one()


def load_demo_data() -> list[tuple[str, str, str]]:
    """Create what is missing; returns (role, email, note) for each demo login."""
    seed_agencies()
    for number, name, (department, code), zone, days, kind in CHAPTERS:
        if chapter_by_number(number) is None:
            create_chapter(
                number=number,
                name=name,
                agency_id=_agency(department, code).id,
                timezone=zone,
                grievance_days=days,
                grievance_day_kind=kind,
            )
    logins = []
    for role, email, name, chapter_number, covers in PEOPLE:
        user: User | None = user_by_email(email)
        if user is None:
            create_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                chapter=chapter_by_number(chapter_number) if chapter_number else None,
                covered=[chapter_by_number(n) for n in covers],
            )
        where = f"Chapter {chapter_number}" if chapter_number else "all chapters"
        if role == Role.REP:
            where = "covers " + ", ".join(f"Chapter {n}" for n in covers)
        logins.append((role.value, email, where))
    load_demo_cases()
    load_demo_digests()
    load_demo_rosters()
    chapter = chapter_by_number("247")
    if isinstance(chapter, Chapter):
        logins.append(("invite", chapter.invite_code, "Chapter 247's invite code, for /register"))
    return logins
