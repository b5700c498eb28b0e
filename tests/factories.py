"""Build the people and chapters a test needs, through the app's own services."""

import itertools
from typing import Any

from flask.testing import FlaskClient

from union.auth.models import Role, User
from union.auth.services import create_user
from union.chapters.models import Agency, Chapter
from union.chapters.services import create_chapter
from union.extensions import db

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
