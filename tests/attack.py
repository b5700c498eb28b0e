"""The attacker's-eye tests' world: two chapters, a victim with secrets planted in every
kind of record, the people who try to reach them, the forms of every page, and ways to
tell whether anything leaked or changed.

* **Markers**: unique strings planted in the victim's records (a notice's statement, a
  draft's, an internal note, names and emails…), each with the people allowed to read it.
  A page that shows a marker to anyone else leaked it.
* **Resolvers**: every URL parameter name of the app, mapped to the victim's objects. A
  route with a parameter nobody mapped fails the suite with "add a resolver", so a new
  route cannot slip past the tests.
* **Forms**: every page rendered for the people who may see it, its ``<form method=post>``
  read, so an attacker can post exactly what the real form would (with the free text
  swapped for the attacker's).
* **Snapshots**: every row of every table, compared before and after each request.

The world is built once per database backend, with its forms harvested, and copied for
each test (``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a file copy on SQLite), so the
tests can change it freely.
"""

import io
import itertools
import re
import shutil
import sqlite3
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url

from tests.conftest import Databases, _pg_admin_url, _test_config
from tests.factories import PASSWORD, PDF_BYTES, login, make_chapter, make_member, make_user
from union import create_app
from union.extensions import db

# -- who is who ----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
# The victim's own chapter is A. The attackers: a member of chapter B, another member of
# chapter A, a rep of chapter B only, a rep of chapter A (who must still not read the
# victim's draft), an admin (likewise), and the victim (who must not read reps' notes).
ROLES = (ANONYMOUS, "member", "other_member", "rep_b", "rep", "admin", "victim")
HARVESTERS = (ANONYMOUS, "victim", "rep", "victim_rep", "admin")
REPS_OF_A = {"rep", "victim_rep", "admin"}


@dataclass(frozen=True)
class Secret:
    text: str
    readers: frozenset[str]
    what: str


def _token() -> str:
    return uuid.uuid4().hex[:10]


def _secrets() -> dict[str, Secret]:
    t = _token()
    own = frozenset({"victim"})
    case_readers = frozenset({"victim", *REPS_OF_A})
    reps = frozenset(REPS_OF_A)
    return {
        "draft_statement": Secret(f"draftsecret{t}", own, "the victim's unsent draft"),
        "draft_file": Secret(f"draftmemo{t}", own, "a file on the victim's draft"),
        "statement": Secret(f"statementsecret{t}", case_readers, "the victim's notice"),
        "notice_file": Secret(f"noticememo{t}", case_readers, "a file on the victim's notice"),
        "reply": Secret(f"replysecret{t}", case_readers, "a reply to the victim"),
        "victim_name": Secret(f"Vera Victim{t}", case_readers, "the victim's name"),
        "victim_email": Secret(f"vera.{t}@example.net", case_readers, "the victim's email"),
        "note": Secret(f"internalnote{t}", reps, "a reps-only note on the case"),
        "deadline": Secret(f"deadlinetitle{t}", reps, "a deadline on the case"),
        "pending_name": Secret(f"Pat Pending{t}", reps, "a registration awaiting a rep"),
        "pending_email": Secret(f"pat.{t}@example.net", reps, "its email"),
        "roster_name": Secret(f"Rosa Roster{t}", reps, "a member on the chapter's list"),
        "roster_email": Secret(f"rosa.{t}@example.net", reps, "their email"),
        "import_name": Secret(f"Ivan Import{t}", reps, "a name in an uploaded member list"),
        "roster_title": Secret(f"rostertitle{t}", case_readers, "a roster request sent to her"),
        "roster_answer": Secret(f"rosteranswer{t}", case_readers, "the victim's answer to it"),
        "roster_file": Secret(f"rosterdoc{t}", case_readers, "a document of that request"),
    }


@dataclass
class World:
    """Ids of everything the tests reach for; identical in every copy."""

    secrets: dict[str, Secret]
    people: dict[str, int] = field(default_factory=dict)  # role -> user id
    emails: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def forbidden_for(self, role: str) -> list[Secret]:
        return [s for s in self.secrets.values() if role not in s.readers]


def build_world(app: Flask) -> World:
    """Plant the victim's records through the app's own services."""
    from union.auth.services import make_reset_token, register_member
    from union.cases import services as cases
    from union.cases.queue import CaseFilter, save_view
    from union.deadlines import ical
    from union.deadlines import services as deadlines
    from union.members.imports import start_upload
    from union.members.services import invitation_token
    from union.notices import services as notices
    from union.notices.models import Notice

    world = World(_secrets())
    s = {name: secret.text for name, secret in world.secrets.items()}
    chapter_a, chapter_b = make_chapter(), make_chapter()
    people = {
        "victim": make_user("member", chapter=chapter_a, name=s["victim_name"],
                            email=s["victim_email"]),
        "other_member": make_user("member", chapter=chapter_a),
        "member": make_user("member", chapter=chapter_b),
        "rep_b": make_user("rep", covers=[chapter_b]),
        "rep": make_user("rep", covers=[chapter_a]),
        "victim_rep": make_user("rep", covers=[chapter_a]),
        "admin": make_user("admin"),
    }  # fmt: skip
    world.people = {role: user.id for role, user in people.items()}
    world.emails = {role: user.email for role, user in people.items()}
    victim, victim_rep = people["victim"], people["victim_rep"]

    def attach(notice: Notice, name: str) -> int:
        upload = type("Upload", (), {"filename": f"{name}.pdf", "stream": io.BytesIO(PDF_BYTES)})
        assert notices.add_attachments(notice, [upload], actor=victim) == []
        return notice.attachments[-1].id

    # The victim's submitted notice (with its case and a file) and a draft (with a file).
    notice = notices.new_draft(victim)
    notices.save_draft(notice, _notice_fields(victim, s["statement"]), actor=victim)
    notice_file = attach(notice, s["notice_file"])
    case = notices.submit_notice(notice, actor=victim)
    draft = notices.new_draft(victim)
    notices.save_draft(draft, {"statement": s["draft_statement"]}, actor=victim)
    draft_file = attach(draft, s["draft_file"])
    ids = {"notice": notice.id, "draft": draft.id, "case": case.id}
    db.session.commit()

    # What reps did about it: assigned, a note, a reply (which emails the victim), a deadline.
    case = cases.load_case(ids["case"])
    notice = notices.load_notice(ids["notice"])
    cases.assign_case(case, victim_rep, actor=victim_rep)
    cases.add_comment(case, s["note"], reply=False, actor=victim_rep)
    cases.add_comment(case, s["reply"], reply=True, actor=victim_rep, notice=notice)
    deadline = deadlines.add_deadline(
        case, kind="custom", title=s["deadline"], due_on=deadlines.case_today(case) +
        timedelta(days=20), actor=victim_rep,
    )  # fmt: skip
    view, _ = save_view(victim_rep, f"view{_token()}", CaseFilter())
    feed_token = ical.new_feed(victim_rep, actor=victim_rep)
    db.session.commit()

    # The chapter's member list, an uploaded list waiting, a registration waiting.
    roster = make_member(chapter_a, name=s["roster_name"], email=s["roster_email"])
    run = start_upload(chapter_a, "list.csv", f"Member No,Name\n1,{s['import_name']}\n".encode(),
                       actor=people["rep"])  # fmt: skip
    pending = register_member(
        invite_code=chapter_a.invite_code, name=s["pending_name"], email=s["pending_email"],
        password=PASSWORD,
    )  # fmt: skip
    db.session.commit()
    world.ids.update(_rosters(world, chapter_a, people))
    world.ids.update(_digests(world, victim_rep))
    from union.core.outbox import OutboxMessage

    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.user_id == victim.id).order_by(OutboxMessage.id)
    )
    world.ids.update(
        {
            "chapter_a": chapter_a.id,
            "chapter_b": chapter_b.id,
            **ids,
            "notice_file": notice_file,
            "draft_file": draft_file,
            "deadline": deadline.id,
            "view": view.id,
            "roster": roster.id,
            "run": run.id,
            "pending": pending.id,
            "message": message.id,
            "agency": chapter_a.agency_id,
        }
    )
    world.tokens = {
        **world.tokens,
        "reset": make_reset_token(victim),
        "invitation": invitation_token(roster),
        "feed": feed_token,
    }
    return world


def _rosters(world: World, chapter: Any, people: dict[str, Any]) -> dict[str, int]:
    """A roster request of the victim's chapter, with a document, sent to the victim, her
    answer, and the union's information request about it."""
    from tests.factories import make_roster_request, send_roster_to
    from union.rosters import answers, letters
    from union.rosters import services as rosters

    s = {name: secret.text for name, secret in world.secrets.items()}
    rep, victim = people["victim_rep"], people["victim"]
    roster = make_roster_request(chapter, rep, title=s["roster_title"])
    roster = rosters.load_request(roster.id)
    upload = type(
        "Upload", (), {"filename": f"{s['roster_file']}.pdf", "stream": io.BytesIO(PDF_BYTES)}
    )
    assert rosters.add_documents(roster, [upload], actor=rep) == []
    document = roster.documents[-1].id
    db.session.commit()
    send_roster_to(rosters.load_request(roster.id), [victim], rep)
    recipient = answers.recipient_for(roster.id, victim)
    answers.give_answer(recipient, answer="objects", reason=s["roster_answer"],
                        comment=s["roster_answer"], actor=victim)  # fmt: skip
    letter = letters.start_info_request(rosters.load_request(roster.id), actor=rep)
    db.session.commit()
    return {"roster_request": roster.id, "roster_document": document, "letter": letter.id}


def _digests(world: World, rep: Any) -> dict[str, int]:
    """The victim's rep gets daily digests; one went out (a delivery row)."""
    from union.core.time import utcnow
    from union.digests import services as digests

    digests.save_preference(rep, frequency="daily", hour=7, weekday=0,
                            timezone="America/New_York", send_when_empty=True, actor=rep,
                            now=utcnow() - timedelta(days=3))  # fmt: skip
    db.session.commit()
    digests.send_due_digests(utcnow(), deliver=False)
    db.session.commit()
    preference = digests.preference_of(rep)
    world.tokens["digest"] = preference.unsubscribe_token
    from union.digests.models import DigestDelivery

    delivery = db.session.scalar(select(DigestDelivery).where(DigestDelivery.user_id == rep.id))
    assert delivery is not None, "no digest went out to plant a delivery"
    return {"delivery": delivery.id}


def _notice_fields(member: Any, statement: str) -> dict[str, Any]:
    from datetime import date

    from tests.factories import DATE_FIELDS, notice_answers

    return {
        name: date.fromisoformat(value) if name in DATE_FIELDS and value else value
        for name, value in notice_answers(member, statement=statement).items()
    }


# -- URL parameters ------------------------------------------------------------------------

# Each parameter name of the app's routes -> the victim's objects to try for it. Tokens are
# secrets: an attacker has none, so the attack walk tries forged ones (FORGED); the form
# harvest (the legitimate holders) uses the real ones.
Resolver = Callable[[World], list[Any]]
RESOLVERS: dict[str, Resolver] = {
    "chapter_id": lambda w: [w.ids["chapter_a"]],
    "user_id": lambda w: [w.people["victim"], w.ids["pending"]],
    "notice_id": lambda w: [w.ids["notice"], w.ids["draft"]],
    "attachment_id": lambda w: [w.ids["notice_file"], w.ids["draft_file"]],
    "case_id": lambda w: [w.ids["case"]],
    "deadline_id": lambda w: [w.ids["deadline"]],
    "view_id": lambda w: [w.ids["view"]],
    "member_id": lambda w: [w.ids["roster"]],
    "run_id": lambda w: [w.ids["run"]],
    "message_id": lambda w: [w.ids["message"]],
    "agency_id": lambda w: [w.ids["agency"]],
    "token": lambda w: [w.tokens["reset"], w.tokens["invitation"]],
    "feed_token": lambda w: [w.tokens["feed"]],
    "request_id": lambda w: [w.ids["roster_request"]],
    "document_id": lambda w: [w.ids["roster_document"]],
    "info_request_id": lambda w: [w.ids["letter"]],
    "delivery_id": lambda w: [w.ids["delivery"]],
    "digest_token": lambda w: [w.tokens["digest"]],
}
FORGED = ["forged-" + "a" * 40, "eyJ1IjoxfQ.forged.signature"]
SKIPPED_ENDPOINTS = {"static"}


def route_urls(app: Flask, world: World, rule: Any, *, forged_tokens: bool) -> list[str]:
    """The URLs of ``rule`` aimed at the victim's objects (every combination)."""
    choices = []
    for name in sorted(rule.arguments):
        if name not in RESOLVERS:
            pytest.fail(
                f"The route {rule.rule} ({rule.endpoint}) takes a parameter {name!r} that "
                f"the attack tests cannot fill: add a resolver for it to RESOLVERS in "
                f"{__file__}, returning the victim's object(s) (and plant one in build_world)."
            )
        values = FORGED if forged_tokens and name.endswith("token") else RESOLVERS[name](world)
        choices.append([(name, value) for value in values])
    urls = []
    with app.test_request_context():
        from flask import url_for

        for combination in itertools.product(*choices):
            urls.append(url_for(rule.endpoint, **dict(combination)))
    return urls


def routes(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED_ENDPOINTS]


# -- forms -----------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    page: str
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    enctype: str = ""
    role: str = ""  # who the page was rendered for

    def names(self) -> set[str]:
        return {f.name for f in self.fields} | {name for name, _ in self.buttons}


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.page, a.get("action") or self.page)
                self.form = Form(self.page, action, enctype=a.get("enctype", ""))
                self.forms.append(self.form)
            return
        if self.form is None or "form" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image"}:
                self.form.buttons.append((name, a.get("value", "")))
            elif kind not in {"button", "reset"}:
                self.form.fields.append(Field(name, kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            self.form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = Field(name, "select", multiple="multiple" in a)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a:
                self.select.value = value if not self.select.multiple else self.select.value
                self.select.checked = True
                if self.select.multiple:
                    self.select.value += ("\n" if self.select.value else "") + value
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_in(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


ATTACKER_TEXT = {
    "email": "attacker@example.org",
    "password": "attacker passphrase 2026",
    "url": "https://attacker.example.org/",
    "tel": "555-0100",
}


def attack_payloads(form: Form, secrets: list[str]) -> list[dict[str, Any]]:
    """What an attacker posts to ``form``'s action: every box ticked (select all the
    objects a bulk form lists), free text replaced by the attacker's (so a change shows,
    and no planted secret is echoed back as if it leaked), one variant per submit button.
    """
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.kind == "file":
            continue
        value = f.value
        if f.kind in {"checkbox", "radio"}:
            if f.kind == "radio" and (f.name in data and not f.checked):
                continue
            value = value or "y"
            data[f.name] = [*data.get(f.name, []), value] if f.kind == "checkbox" else [value]
            continue
        if f.kind == "select":
            picked = f.value.splitlines() if f.checked else f.options[:1]
            data[f.name] = picked
            continue
        if f.kind in {"text", "search", "textarea"} or any(s in value for s in secrets):
            value = ATTACKER_TEXT.get(f.kind, "attacker text")
        elif f.kind in ATTACKER_TEXT:
            value = ATTACKER_TEXT[f.kind]
        data[f.name] = [value]
    variants = [{**data, name: [value or "y"]} for name, value in form.buttons] or [data]
    return variants


def harvest(app: Flask, world: World) -> dict[str, list[Form]]:
    """Every post form of every page, as rendered for those entitled to see it, by the
    endpoint it posts to."""
    found: dict[str, list[Form]] = {}
    adapter = app.url_map.bind("steward.test")
    for role in HARVESTERS:
        client = app.test_client()
        if role != ANONYMOUS:
            assert login(client, world.emails[role]).status_code == 302, role
        for rule in routes(app):
            if "GET" not in rule.methods:
                continue
            for url in route_urls(app, world, rule, forged_tokens=False):
                try:
                    response = client.get(url)
                except Exception:  # noqa: BLE001, S112 - the walk reports it as the error it is
                    continue
                if response.status_code != 200 or "html" not in response.content_type:
                    continue
                for form in forms_in(url, response.get_data(as_text=True)):
                    path = urlsplit(form.action).path
                    try:
                        endpoint, _ = adapter.match(path, method="POST")
                    except Exception:  # noqa: BLE001, S112 - a form posting elsewhere: not ours
                        continue
                    form.role = role
                    found.setdefault(endpoint, []).append(form)
    return found


# -- snapshots -----------------------------------------------------------------------------

# Tables whose rows legitimately change when anyone at all uses the app: the audit log
# records attempts, logins are counted, a member's own submission numbers its own case.
IGNORED_TABLES = {"audit_entries", "login_attempts", "case_reference_counters"}

Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def snapshot(engine: Engine) -> Rows:
    """Every row of every table of the models, by primary key."""
    rows: Rows = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            key = [c.name for c in table.primary_key.columns]
            rows[table.name] = {
                tuple(r[k] for k in key): dict(r) for r in conn.execute(select(table)).mappings()
            }
    return rows


def _references() -> list[tuple[str, str, str, str]]:
    """(child table, column, parent table, parent column) for every foreign key."""
    return [
        (table.name, fk.parent.name, fk.column.table.name, fk.column.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
    ]


def closure(rows: Rows, roots: dict[str, set[Any]]) -> dict[str, set[tuple[Any, ...]]]:
    """The root rows (by id) and every row that refers to one of them, transitively."""
    held: dict[str, set[tuple[Any, ...]]] = {t: set() for t in rows}
    for table, ids in roots.items():
        held[table] |= {pk for pk, row in rows[table].items() if row.get("id") in ids}
    references = _references()
    changed = True
    while changed:
        changed = False
        for child, column, parent, parent_column in references:
            if child in IGNORED_TABLES:
                continue
            values = {rows[parent][pk][parent_column] for pk in held[parent]}
            for pk, row in rows[child].items():
                if pk not in held[child] and row[column] in values:
                    held[child].add(pk)
                    changed = True
    return held


def refers_to(row: dict[str, Any], table: str, rows: Rows, held: dict[str, set[Any]]) -> bool:
    for child, column, parent, parent_column in _references():
        if (
            child == table
            and row[column] is not None
            and any(rows[parent][pk][parent_column] == row[column] for pk in held[parent])
        ):
            return True
    return False


def changes(
    before: Rows,
    after: Rows,
    *,
    protected: dict[str, set[Any]] | None = None,
    allowed: dict[str, set[Any]] | None = None,
) -> list[str]:
    """Rows changed or deleted between two snapshots: those in ``protected`` (when given),
    or any but those in ``allowed``."""
    found = []
    for table, old in before.items():
        if table in IGNORED_TABLES:
            continue
        new = after.get(table, {})
        for pk, row in old.items():
            if protected is not None and pk not in protected[table]:
                continue
            if allowed is not None and pk in allowed.get(table, set()):
                continue
            if pk not in new:
                found.append(f"{table} {pk} deleted")
            elif new[pk] != row:
                diff = {k: (row[k], new[pk][k]) for k in row if new[pk].get(k) != row[k]}
                found.append(f"{table} {pk} changed: {diff}")
    return found


def additions(before: Rows, after: Rows, protected: dict[str, set[Any]]) -> list[str]:
    """New rows that refer to a ``protected`` row (a note on the victim's case, mail to
    the victim…)."""
    found = []
    for table, new in after.items():
        if table in IGNORED_TABLES:
            continue
        old = before.get(table, {})
        for pk, row in new.items():
            if pk not in old and refers_to(row, table, before, protected):
                found.append(f"{table} {pk} added, referring to the victim's records")
    return found


def any_change(before: Rows, after: Rows) -> list[str]:
    """Every row changed, deleted or added between two snapshots."""
    found = changes(before, after)
    for table, new in after.items():
        if table not in IGNORED_TABLES:
            found += [f"{table} {pk} added" for pk in new if pk not in before.get(table, {})]
    return found


def victim_roots(world: World) -> dict[str, set[Any]]:
    return {
        "users": {world.people["victim"], world.people["victim_rep"], world.ids["pending"]},
        "notices": {world.ids["notice"], world.ids["draft"]},
        "cases": {world.ids["case"]},
        "members": {world.ids["roster"]},
        "member_import_runs": {world.ids["run"]},
        "outbox_messages": {world.ids["message"]},
        "saved_views": {world.ids["view"]},
        "roster_requests": {world.ids["roster_request"]},
        "digest_deliveries": {world.ids["delivery"]},
    }


# -- the world, built once per backend and copied per test ---------------------------------


@dataclass
class Template:
    backend: str
    url: str
    folder: Path
    world: World
    forms: dict[str, list[Form]]
    databases: Databases

    def copy(self, tmp: Path, **config: Any) -> tuple[Flask, str]:
        """A fresh app on a copy of the world's database and files."""
        if self.backend == "sqlite":
            target = tmp / f"attack-{uuid.uuid4().hex[:8]}.sqlite3"
            source_db = make_url(self.url).database
            with sqlite3.connect(source_db) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            url = f"sqlite:///{target}"
        else:
            name = f"steward_test_attack_{uuid.uuid4().hex[:8]}"
            template = make_url(self.url).database
            admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            admin.dispose()
            self.databases.created.append(name)
            url = make_url(_pg_admin_url()).set(database=name).render_as_string(False)
        folder = tmp / f"files-{uuid.uuid4().hex[:8]}"
        shutil.copytree(self.folder, folder)
        return create_app(_settings(url, folder, **config)), url

    def discard(self, app: Flask, url: str) -> None:
        """Close the copy's connections and drop its database (PostgreSQL)."""
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.backend == "postgresql":
            name = make_url(url).database
            admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            self.databases.created.remove(name)


_templates: dict[str, Template] = {}


def template_for(backend: str, databases: Databases, factory: pytest.TempPathFactory) -> Template:
    """The world of ``backend``, built (and its forms harvested) once per test session."""
    if backend not in _templates or _templates[backend].databases is not databases:
        _templates[backend] = build_template(backend, databases, factory.mktemp("attack-world"))
    return _templates[backend]


def copies(template: Template, tmp: Path) -> Iterator[Callable[..., tuple[Flask, str]]]:
    """For a fixture: ``make(**config)`` gives an app on a fresh copy of the world; every
    copy is dropped when the test ends."""
    made: list[tuple[Flask, str]] = []

    def make(**config: Any) -> tuple[Flask, str]:
        made.append(template.copy(tmp, **config))
        return made[-1]

    yield make
    for app, url in made:
        template.discard(app, url)


def _settings(url: str, folder: Path, **config: Any) -> dict[str, Any]:
    return _test_config(
        url,
        UPLOAD_FOLDER=str(folder / "uploads"),
        MEMBER_IMPORT_FOLDER=str(folder / "member-imports"),
        **config,
    )


def build_template(backend: str, databases: Databases, tmp: Path) -> Template:
    from flask_migrate import upgrade

    from union.chapters.services import seed_agencies

    url = databases.fresh_url(backend, "attackworld")
    folder = tmp / "world-files"
    app = create_app(_settings(url, folder))
    with app.app_context():
        upgrade()
        seed_agencies()
        db.session.commit()
        world = build_world(app)
        db.session.remove()
    forms = harvest(app, world)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return Template(backend, url, folder, world, forms, databases)


def logged_in(app: Flask, world: World, role: str, engine: Engine | None = None) -> FlaskClient:
    """A client logged in as ``role`` (by the email the user has now, when ``engine`` is
    given: a walk may have changed it through the account form)."""
    client = app.test_client()
    if role == ANONYMOUS:
        return client
    email = world.emails[role]
    if engine is not None:
        from union.auth.models import User

        with engine.connect() as conn:
            email = conn.scalar(select(User.email).where(User.id == world.people[role]))
    response = login(client, email)
    assert response.status_code == 302, f"{role} could not log in"
    return client


def has_session(client: FlaskClient) -> bool:
    with client.session_transaction() as data:
        return "_user_id" in data


def payloads_for(template: Template, endpoint: str, url: str) -> list[dict[str, Any]]:
    """The attacker's posts for ``url``: built from the real forms of the same endpoint
    (those aimed at the same URL first), or one empty post when no page shows a form."""
    secrets = [s.text for s in template.world.secrets.values()]
    forms = template.forms.get(endpoint, [])
    same = [f for f in forms if urlsplit(f.action).path == urlsplit(url).path]
    chosen = same or forms[:1]
    seen: list[dict[str, Any]] = []
    for form in chosen:
        for payload in attack_payloads(form, secrets):
            if payload not in seen:
                seen.append(payload)
    return seen[:4] or [{}]


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle=|<style", re.IGNORECASE)


def header_problems(response: Any) -> list[str]:
    """What a response lacks of the headers every page must carry."""
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if not csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"Content-Security-Policy is {csp!r}")
    if "frame-ancestors 'none'" not in csp and headers.get("X-Frame-Options") != "DENY":
        problems.append("may be framed")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
    location = headers.get("Location")
    if location and urlsplit(location).netloc not in ("", "steward.test", "localhost"):
        problems.append(f"redirects off the site to {location}")
    if "html" in response.content_type:
        page = response.get_data(as_text=True)
        if _INLINE_SCRIPT.search(page) or _INLINE_STYLE.search(page):
            problems.append("inline script or style in the page")
    return problems


def _body_text(response: Any) -> str:
    """The body as text to search: a download that is a zip (an XLSX export) is searched
    inside; bytes that are not UTF-8 are replaced, not an error."""
    data = response.get_data()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def leaked(response: Any, secrets: list[Secret]) -> list[Secret]:
    text_ = (
        _body_text(response) + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    )
    return [s for s in secrets if s.text in text_ or s.text.lower() in text_.lower()]


def iter_requests(app: Flask, template: Template) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(endpoint, method, url, data) for every route, method and victim object: reads
    first, then writes, logging out last (so the rest of the walk stays logged in)."""
    reads, writes, last = [], [], []
    for rule in sorted(routes(app), key=lambda r: r.rule):
        for url in route_urls(app, template.world, rule, forged_tokens=True):
            if "GET" in rule.methods:
                reads.append((rule.endpoint, "GET", url, {}))
            if "POST" in rule.methods:
                target = last if rule.endpoint == "auth.logout" else writes
                for payload in payloads_for(template, rule.endpoint, url):
                    target.append((rule.endpoint, "POST", url, payload))
    yield from reads
    yield from writes
    yield from last
