"""Build the people and chapters a test needs, through the app's own services."""

import itertools
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from union.auth.models import Role, User
from union.auth.services import create_user
from union.chapters.models import Agency, Chapter
from union.chapters.services import create_chapter
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices import services as notice_services

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_chapter(number: str | None = None, **fields: Any) -> Chapter:
    agency = db.session.query(Agency).order_by(Agency.id).first()
    n = next(_seq)
    chapter = create_chapter(
        number=number or str(900 + n),
        name=fields.pop("name", f"Test chapter {n}"),
        agency_id=fields.pop("agency_id", agency.id),
        timezone=fields.pop("timezone", "America/New_York"),
        **fields,
    )
    db.session.commit()
    return chapter


def make_user(
    role: Role | str = Role.MEMBER,
    chapter: Chapter | None = None,
    covers: list[Chapter] | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_seq)
    role = Role(role)
    if role == Role.MEMBER and chapter is None:
        chapter = make_chapter()
    if role == Role.REP and not covers and chapter is None:
        chapter = make_chapter()
    user = create_user(
        email=email or f"{role.value}{n}@example.org",
        name=name or f"{role.value.title()} {n}",
        password=password,
        role=role,
        chapter=chapter,
        covered=covers,
    )
    db.session.commit()
    return user


def login(client: FlaskClient, user: User | str, password: str = PASSWORD) -> Any:
    email = user if isinstance(user, str) else user.email
    return client.post("/login", data={"email": email, "password": password})


def logout(client: FlaskClient) -> Any:
    return client.post("/logout")


# -- notices ---------------------------------------------------------------------------

DATE_FIELDS = {"notified_on", "starts_on", "ends_on", "reply_by"}

# Small files with real signatures: the app reads the type from the content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d"
    b"\xb4\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EML_BYTES = (
    b"From: Field Office Director <director@agency.example>\r\n"
    b"To: Staff <staff@agency.example>\r\n"
    b"Subject: Availability for ERO support detail\r\n"
    b"Date: Mon, 2 Mar 2026 09:14:00 -0500\r\n"
    b"\r\n"
    b"Your name was put forward. Say by Friday if you are available.\r\n"
)


def notice_answers(member: User, **overrides: Any) -> dict[str, Any]:
    """A complete notice as the form posts it (field name -> value)."""
    today = local_time(utcnow(), member.chapter.timezone).date()
    ice = db.session.scalar(db.select(Agency).where(Agency.code == "ICE-ERO"))
    answers: dict[str, Any] = {
        "kind": "detail",
        "willingness": "directed",
        "how_told": "email",
        "home_agency_id": str(member.chapter.agency_id),
        "home_office": "Atlanta Field Office",
        "receiving_agency": str(ice.id),
        "receiving_unit": "ERO Atlanta",
        "duties": ["arrests", "transport"],
        "notified_on": (today - timedelta(days=3)).isoformat(),
        "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=97)).isoformat(),
        "reply_by": (today + timedelta(days=1)).isoformat(),
        "training_status": "none",
        "training_gaps": ["use_of_force", "immigration_law"],
        "pay_items": ["none_offered"],
        "statement": "We were told by email on Friday.",
    }
    answers.update(overrides)
    return answers


def make_notice(member: User, *, submit: bool = True, **overrides: Any) -> Any:
    """A notice of ``member``, through the services: submitted (with its case), or a draft."""
    fields = {
        name: date.fromisoformat(value) if name in DATE_FIELDS and value else value
        for name, value in notice_answers(member, **overrides).items()
    }
    notice = notice_services.new_draft(member)
    notice_services.save_draft(notice, fields, actor=member)
    if submit:
        notice_services.submit_notice(notice, actor=member)
    db.session.commit()
    return notice


def make_member(chapter: Chapter, number: str | None = None, **fields: Any) -> Any:
    """A member on a chapter's imported list (no account unless ``user`` is given)."""
    from union.members.models import Member

    n = next(_seq)
    member = Member(
        chapter_id=chapter.id,
        member_number=number or f"M{n:05d}",
        name=fields.pop("name", f"Listed Member {n}"),
        email=fields.pop("email", f"listed{n}@example.net"),
        **fields,
    )
    db.session.add(member)
    db.session.commit()
    return member


# -- cases -----------------------------------------------------------------------------


def case_of(notice: Any) -> Any:
    """The case a notice is on now, read afresh."""
    from union.cases.models import Case

    db.session.expire_all()
    return db.session.get(Case, db.session.get(type(notice), notice.id).case_id)


def make_case(member: User, **overrides: Any) -> Any:
    """A case opened by a submitted notice of ``member`` (the notice's answers overridden)."""
    return case_of(make_notice(member, **overrides))


def case_form(case: Any, form: str, **fields: Any) -> dict[str, Any]:
    """What a case page form posts: its fields under the form's prefix, with the version
    of the case the page was drawn from (``case`` itself, or its version number)."""
    version = case if isinstance(case, int) else case.version
    data: dict[str, Any] = {f"{form}-version": str(version)}
    data.update({f"{form}-{name}": value for name, value in fields.items()})
    return data


def fresh(case: Any) -> Any:
    """``case`` read again from the database (what a new page would show)."""
    from union.cases.models import Case

    db.session.expire_all()
    return db.session.get(Case, case.id)


# -- digests ---------------------------------------------------------------------------


def make_digest_preference(
    rep: User,
    frequency: str = "daily",
    *,
    hour: int = 7,
    weekday: int = 0,
    timezone: str | None = None,
    send_when_empty: bool = False,
    since: Any = None,
) -> Any:
    """A rep's digest settings, in effect from ``since`` (default: a year ago, so a test
    with a frozen ``now`` finds its periods due)."""
    from datetime import UTC, datetime

    from union.digests.services import preference_of, save_preference

    save_preference(
        rep,
        frequency=frequency,
        hour=hour,
        weekday=weekday,
        timezone=timezone or (rep.covered_chapters[0].timezone if rep.covered_chapters
                              else "America/New_York"),
        send_when_empty=send_when_empty,
        now=since or datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    db.session.commit()
    return preference_of(rep)


# -- roster requests -------------------------------------------------------------------


def make_roster_request(chapter: Chapter, rep: User, **fields: Any) -> Any:
    """A roster request of ``chapter`` recorded by ``rep`` (reply-by in a week)."""
    from union.rosters import services as roster_services

    today = roster_services.chapter_today(chapter)
    ice = db.session.scalar(db.select(Agency).where(Agency.code == "ICE-ERO"))
    values: dict[str, Any] = {
        "title": "ERO Atlanta support roster",
        "requested_by_name": "Dana Pruitt",
        "requested_by_title": "Special Agent in Charge",
        "agency_id": chapter.agency_id,
        "office": "Atlanta Field Office",
        "receiving_agency_id": ice.id,
        "receiving_unit": "ERO Atlanta",
        "duties": ["arrests", "transport"],
        "people_requested": 40,
        "duration": "90 days",
        "communicated_on": today - timedelta(days=1),
        "how_communicated": "email",
        "reply_by": today + timedelta(days=7),
    }
    values.update(fields)
    roster = roster_services.new_request(chapter, actor=rep)
    roster_services.save_request(roster, values, today=today, actor=rep)
    db.session.commit()
    return roster


def send_roster_to(roster: Any, users: list[User], rep: User) -> Any:
    """Send ``roster`` to ``users`` (members of its chapter) as ``rep`` would."""
    from union.rosters import answers

    people = answers.people_by_ids(roster.chapter_id, [u.id for u in users])
    outcome = answers.send_request(roster, people, actor=rep)
    db.session.commit()
    return outcome
