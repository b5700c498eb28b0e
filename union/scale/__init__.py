"""A national union's data, fast, for load tests: ``union demo-data --scale N``.

N is the number of cases; 100,000 is a national union: 150 chapters, 600 reps and 20,000
members with their roster rows, about 112,000 notices, a million timeline events, deadlines
with their history, actions, roster requests with their answers and information requests,
and a daily digest for every rep. Other counts follow N (chapters as its square root, so a
bigger union has both more chapters and busier ones), never below a few of each.

Rows are written in bulk (``union.scale.bulk``), never one ORM object at a time, and every
generated account shares one password hash, computed once. The same N and seed give the
same data; dates are relative to today, so deadlines are always coming up or overdue.
It refuses to run twice on one database.
"""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from union.auth.models import Role, User, Verification
from union.chapters.models import Agency, DayKind
from union.chapters.services import INVITE_ALPHABET, seed_agencies
from union.extensions import db
from union.scale import words
from union.scale.bulk import BulkWriter

DOMAIN = "national.example.org"
ADMIN_EMAIL = f"admin@{DOMAIN}"
SEED = 2026
# Cases made (and committed) at a time: memory stays flat however large N is.
CHUNK = 2500
HISTORY_DAYS = 3 * 365


class AlreadyGenerated(RuntimeError):
    """This database already holds a generated data set."""


@dataclass(frozen=True)
class Sizes:
    """How many of each thing a data set of ``cases`` cases has."""

    cases: int
    chapters: int
    reps: int
    members: int
    roster_requests: int

    @classmethod
    def for_cases(cls, cases: int) -> "Sizes":
        if cases < 1:
            raise ValueError("the scale is a number of cases: 1 or more")
        chapters = max(3, round(150 * math.sqrt(cases / 100_000)))
        return cls(
            cases=cases,
            chapters=chapters,
            reps=4 * chapters,
            members=max(4 * chapters, cases // 5),
            roster_requests=max(chapters, cases // 200),
        )


@dataclass
class ChapterInfo:
    """A generated chapter, with the people its cases are made of."""

    id: int
    number: str
    city: str
    state: str
    zone: str
    agency_id: int
    office: str
    grievance_days: int
    grievance_kind: str
    info_days: int
    info_kind: str
    weight: float
    members: list[tuple[int, int]] = field(default_factory=list)  # (user id, roster row id)
    reps: list[tuple[int, str]] = field(default_factory=list)  # (user id, name)


@dataclass
class World:
    """Everything the stories need: the clock, the catalogue and the chapters."""

    rng: random.Random
    now: datetime
    sizes: Sizes
    password_hash: str
    agencies: dict[str, int]
    agency_names: dict[str, str]
    chapters: list[ChapterInfo] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)
    admin_id: int = 0
    rep_numbers: dict[int, int] = field(default_factory=dict)  # user id -> n of repNNNN@
    rep_zones: dict[int, str] = field(default_factory=dict)  # user id -> own chapter's zone

    @property
    def today(self) -> date:
        return self.now.date()

    def chapter(self) -> ChapterInfo:
        """A chapter, the busier ones more often."""
        return self.rng.choices(self.chapters, cum_weights=self.cum_weights)[0]

    def token(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"


@dataclass(frozen=True)
class Summary:
    """What was generated and how long each table took."""

    sizes: Sizes
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    logins: list[tuple[str, str, str]]


def generate(
    cases: int,
    *,
    seed: int = SEED,
    password: str | None = None,
    progress: Callable[[int], None] | None = None,
    analyze: bool = True,
) -> Summary:
    """Write a data set of ``cases`` cases into the app's database (committed as it goes).

    ``progress`` is called with the number of cases written so far; ``analyze`` gathers
    the planner's statistics at the end (a freshly loaded database has none)."""
    from union.deadlines.next_due import refresh as refresh_next_due
    from union.demo import DEMO_PASSWORD
    from union.scale.stories import CaseMaker, add_digest_preferences, add_roster_requests

    started = time.perf_counter()
    if db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None:
        raise AlreadyGenerated(f"this database already has a generated data set ({ADMIN_EMAIL})")
    seed_agencies()
    db.session.commit()
    catalogue = list(db.session.scalars(select(Agency)))
    taken = set(db.session.scalars(select(db.metadata.tables["chapters"].c.number)))
    db.session.remove()

    sizes = Sizes.for_cases(cases)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    world = World(
        rng=random.Random(seed),  # noqa: S311 - reproducible test data, not secrets  # nosec B311
        now=datetime.now(UTC).replace(microsecond=0),
        sizes=sizes,
        password_hash=generate_password_hash(password or DEMO_PASSWORD, method=method),
        agencies={a.code: a.id for a in catalogue},
        agency_names={a.code: a.name for a in catalogue},
    )
    with db.engine.connect() as conn:
        writer = BulkWriter(conn)
        _add_chapters(world, writer, taken)
        _add_people(world, writer)
        writer.flush()
        conn.commit()
        maker = CaseMaker(world, writer)
        for start in range(0, sizes.cases, CHUNK):
            for i in range(start, min(start + CHUNK, sizes.cases)):
                maker.add_case(i)
            writer.flush()
            conn.commit()
            if progress is not None:
                progress(min(start + CHUNK, sizes.cases))
        maker.add_drafts()
        add_roster_requests(world, writer)
        add_digest_preferences(world, writer)
        writer.flush()
        started_counters = time.perf_counter()
        maker.save_counters()
        writer.seconds["case_reference_counters"] += time.perf_counter() - started_counters
        started_next_due = time.perf_counter()
        refresh_next_due(conn)  # deadlines written in bulk, past the session that keeps it
        writer.seconds["cases.next_due_on"] = time.perf_counter() - started_next_due
        writer.move_sequences()
        conn.commit()
        if analyze:
            started_analyze = time.perf_counter()
            writer.analyze()
            conn.commit()
            writer.seconds["(analyze)"] = time.perf_counter() - started_analyze
    busiest = max(world.chapters, key=lambda c: c.weight)
    busiest_rep = world.rep_numbers[busiest.reps[0][0]]
    return Summary(
        sizes=sizes,
        rows=dict(writer.rows),
        seconds=dict(writer.seconds),
        total_seconds=time.perf_counter() - started,
        logins=[
            ("admin", ADMIN_EMAIL, "all chapters"),
            ("rep", _rep_email(1), f"covers Chapter {world.chapters[0].number}"),
            ("rep", _rep_email(busiest_rep), f"covers Chapter {busiest.number}, the busiest"),
            ("member", _member_email(1), f"Chapter {world.chapters[0].number}"),
        ],
    )


def _rep_email(n: int) -> str:
    return f"rep{n:04d}@{DOMAIN}"


def _member_email(n: int) -> str:
    return f"member{n:05d}@{DOMAIN}"


def _unique_code(rng: random.Random, used: set[str]) -> str:
    while True:
        code = "".join(rng.choice(INVITE_ALPHABET) for _ in range(10))
        if code not in used:
            used.add(code)
            return code


def _add_chapters(world: World, writer: BulkWriter, taken: set[str]) -> None:
    rng = world.rng
    numbers = [n for n in (str(x) for x in range(100, 10_000)) if n not in taken]
    codes: set[str] = set()
    for number in sorted(rng.sample(numbers, world.sizes.chapters), key=int):
        city, state, zone = rng.choice(words.CITIES)
        code, office = rng.choice(words.HOME_COMPONENTS)
        office = office.format(city=city, state=state)
        chapter = ChapterInfo(
            id=writer.new_id("chapters"),
            number=number,
            city=city,
            state=state,
            zone=zone,
            agency_id=world.agencies[code],
            office=office,
            grievance_days=rng.choice((21, 30, 30, 40, 45)),
            grievance_kind=rng.choice((DayKind.CALENDAR.value, DayKind.BUSINESS.value)),
            info_days=rng.choice((10, 15, 15, 20)),
            info_kind=DayKind.BUSINESS.value,
            # Some chapters are three or four times as busy as others.
            weight=rng.uniform(0.5, 2.0),
        )
        world.chapters.append(chapter)
        writer.add(
            "chapters",
            id=chapter.id,
            number=number,
            name=f"{world.agency_names[code]}, {office}",
            agency_id=chapter.agency_id,
            timezone=zone,
            invite_code=_unique_code(rng, codes),
            grievance_days=chapter.grievance_days,
            grievance_day_kind=chapter.grievance_kind,
            info_request_days=chapter.info_days,
            info_request_day_kind=chapter.info_kind,
            created_at=world.now - timedelta(days=HISTORY_DAYS + 30),
        )
    total = 0.0
    for chapter in world.chapters:
        total += chapter.weight
        world.cum_weights.append(total)


def _user(world: World, writer: BulkWriter, **fields: Any) -> int:
    user_id = writer.new_id("users")
    joined = world.now - timedelta(days=world.rng.randint(30, HISTORY_DAYS + 30))
    writer.add(
        "users",
        id=user_id,
        email=fields["email"],
        name=fields["name"],
        password_hash=world.password_hash,
        role=fields["role"],
        active=True,
        chapter_id=fields["chapter_id"],
        verification=Verification.VERIFIED.value,
        claimed_member_number=None,
        session_token=world.token(),
        created_at=joined,
        last_login_at=None,
        password_changed_at=joined,
    )
    return user_id


def _name(rng: random.Random) -> str:
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


def _add_people(world: World, writer: BulkWriter) -> None:
    """The admin, the reps (each covering their own chapter, some a neighbour's too) and
    the members, each with their chapter's roster row."""
    rng, sizes, chapters = world.rng, world.sizes, world.chapters
    world.admin_id = _user(
        world,
        writer,
        email=ADMIN_EMAIL,
        name="National Staff Admin",
        role=Role.ADMIN.value,
        chapter_id=None,
    )
    for n in range(1, sizes.reps + 1):
        chapter = chapters[(n - 1) % len(chapters)]
        name = _name(rng)
        rep_id = _user(
            world,
            writer,
            email=_rep_email(n),
            name=name,
            role=Role.REP.value,
            chapter_id=chapter.id,
        )
        world.rep_numbers[rep_id] = n
        world.rep_zones[rep_id] = chapter.zone
        covered = [chapter]
        if rng.random() < 0.2:  # officers covering a neighbouring chapter or two
            others = [c for c in chapters if c is not chapter]
            covered += rng.sample(others, k=min(rng.randint(1, 2), len(others)))
        for c in covered:
            c.reps.append((rep_id, name))
            writer.add("rep_coverage", user_id=rep_id, chapter_id=c.id)
    for n in range(1, sizes.members + 1):
        # Every chapter gets members; the rest go where the work is.
        chapter = chapters[n - 1] if n <= len(chapters) else world.chapter()
        name = _name(rng)
        email = _member_email(n)
        user_id = _user(
            world, writer, email=email, name=name, role=Role.MEMBER.value, chapter_id=chapter.id
        )
        row_id = writer.new_id("members")
        joined = world.now - timedelta(days=rng.randint(1, HISTORY_DAYS))
        writer.add(
            "members",
            id=row_id,
            chapter_id=chapter.id,
            member_number=f"{chapter.number}-{n:06d}",
            name=name,
            email=email,
            phone=f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            component=None,
            office=chapter.office,
            duty_station=f"{chapter.city}, {chapter.state}",
            work_schedule=rng.choice(("5/8", "4/10", "5-4/9", None)),
            user_id=user_id,
            missing=False,
            missing_since=None,
            invited_at=joined - timedelta(days=3),
            invitation_count=1,
            joined_at=joined,
            created_at=joined - timedelta(days=30),
            updated_at=joined,
        )
        chapter.members.append((user_id, row_id))
