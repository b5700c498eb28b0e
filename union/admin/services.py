"""Admin rules and list queries: who may log in and with which role, chapter head counts,
mail retries, and the paged lists of users, mail and the audit log.

Services flush and audit; the caller (view, command, job) commits.
"""

import json
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, union_all
from sqlalchemy.orm import defer, selectinload

from union.auth.models import Role, User
from union.auth.services import AccountError, end_all_sessions
from union.cases.services import open_cases_held
from union.chapters.models import Agency, Chapter, rep_coverage
from union.chapters.services import active_agencies
from union.core import audit
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage, OutboxStatus, retry_message
from union.extensions import db

# -- chapters --------------------------------------------------------------------------


def chapters_in_order() -> list[Chapter]:
    """Every chapter by number, each with its agency."""
    return list(db.session.scalars(select(Chapter).order_by(Chapter.number)))


def chapter_head_counts() -> dict[int, tuple[int, int]]:
    """Active members and reps of every chapter, ``{chapter_id: (members, reps)}``.

    One grouped query: member rows (a user's own chapter) and rep rows (coverage) are
    stacked, then summed per chapter, so a chapter with many of both is not multiplied out.
    """
    members = select(
        User.chapter_id.label("chapter_id"),
        literal_column("1").label("members"),
        literal_column("0").label("reps"),
    ).where(User.role == Role.MEMBER, User.active.is_(True), User.chapter_id.is_not(None))
    reps = (
        select(
            rep_coverage.c.chapter_id.label("chapter_id"),
            literal_column("0").label("members"),
            literal_column("1").label("reps"),
        )
        .join(User, User.id == rep_coverage.c.user_id)
        .where(User.role == Role.REP, User.active.is_(True))
    )
    people = union_all(members, reps).subquery()
    rows = db.session.execute(
        select(people.c.chapter_id, func.sum(people.c.members), func.sum(people.c.reps)).group_by(
            people.c.chapter_id
        )
    )
    return {chapter_id: (int(m), int(r)) for chapter_id, m, r in rows}


def agency_choices(current: Agency | None = None) -> list[tuple[int, str]]:
    """The active catalogue for a chapter's agency select; a chapter whose agency was
    retired keeps it as a choice, so editing its name does not force a new agency."""
    agencies = active_agencies()
    if current is not None and current not in agencies:
        agencies.append(current)
    return [(a.id, f"{a.label} — {a.name}{'' if a.active else ' (inactive)'}") for a in agencies]


# -- users -----------------------------------------------------------------------------


class AccessError(AccountError):
    """Access changes that break a rule; ``errors`` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def users_query(
    *, search: str | None = None, role: str | None = None, chapter_id: int | None = None
) -> Select[tuple[User]]:
    """Users by name, narrowed by a name/email search, a role, and a chapter (as member
    or as covered by a rep)."""
    stmt = select(User).order_by(User.name, User.id)
    if search:
        stmt = stmt.where(
            or_(
                User.name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
            )
        )
    if role:
        stmt = stmt.where(User.role == role)
    if chapter_id is not None:
        stmt = stmt.where(
            or_(User.chapter_id == chapter_id, User.covered_chapters.any(Chapter.id == chapter_id))
        )
    return stmt


# What the users list shows, loaded up front so the page costs the same for 5 or 500.
USER_LIST_OPTIONS = (selectinload(User.chapter), selectinload(User.covered_chapters))


def _access(user: User) -> dict[str, Any]:
    return {
        "role": str(user.role),
        "chapter": user.chapter.number if user.chapter else None,
        "covered": [c.number for c in user.covered_chapters],
        "active": bool(user.active),
    }


def update_user_access(
    user: User,
    *,
    actor: User,
    role: Role | str,
    chapter: Chapter | None,
    covered: list[Chapter],
    active: bool,
) -> set[str]:
    """Set a user's role, own chapter, covered chapters and active flag; returns the names
    of what changed (empty: nothing to do, nothing audited).

    Rules: a member belongs to a chapter; a rep covers at least one chapter; members cover
    none; an admin cannot deactivate or demote themselves (so there is always one admin
    left who can fix things). A role change or a deactivation ends every session of the
    user: their next request finds them logged out.
    """
    role = Role(role)
    errors: dict[str, str] = {}
    if user.id == actor.id:
        if not active:
            errors["active"] = (
                "You cannot deactivate your own account. Another admin can, if it must be."
            )
        if user.role == Role.ADMIN and role != Role.ADMIN:
            errors["role"] = (
                "You cannot remove your own admin role. Another admin can, if it must be."
            )
    if role == Role.MEMBER and chapter is None:
        errors["chapter_id"] = "A member belongs to a chapter: choose one."
    if role == Role.REP and not covered:
        errors["covered"] = "A rep must cover at least one chapter: tick one or more."
    errors.update(_cases_left_behind(user, role=role, covered=covered, active=active))
    if errors:
        raise AccessError(errors)

    before = _access(user)
    user.role = role
    user.chapter = chapter
    user.covered_chapters = [] if role == Role.MEMBER else sorted(covered, key=lambda c: c.number)
    user.active = active
    after = _access(user)
    changed = {name for name in before if before[name] != after[name]}
    if not changed:
        return changed

    # The user loader re-reads role and coverage on every request; rotating the token
    # anyway makes a privilege change start from a fresh login, as a deactivation must.
    sessions_ended = "role" in changed or ("active" in changed and not active)
    if sessions_ended:
        end_all_sessions(user)
    audit.record(
        "user.access_change",
        user,
        actor=actor,
        chapter_id=user.chapter_id,
        before={name: before[name] for name in sorted(changed)},
        after={name: after[name] for name in sorted(changed)},
        sessions_ended=sessions_ended,
    )
    return changed


def _cases_left_behind(
    user: User, *, role: Role, covered: list[Chapter], active: bool
) -> dict[str, str]:
    """A rep keeps their open cases until someone else has them: deactivating them,
    making them a member, or taking away a chapter whose open cases they hold is refused
    until the admin reassigns those cases."""
    if user.role not in {Role.REP, Role.ADMIN} or (active and role == Role.ADMIN):
        return {}
    held = open_cases_held(user)
    if not held:
        return {}
    kept = {c.id for c in covered} if role == Role.REP and active else set()
    lost = {chapter_id: n for chapter_id, n in held.items() if chapter_id not in kept}
    if not lost:
        return {}
    numbers = dict(db.session.execute(select(Chapter.id, Chapter.number)).all())
    count = sum(lost.values())
    where = ", ".join(f"Chapter {numbers.get(i, i)}: {n}" for i, n in sorted(lost.items()))
    message = (
        f"{user.name} has {count} open case{'s' if count != 1 else ''} assigned ({where}). "
        "Reassign them first: in Cases, filter by who they are assigned to, tick them and "
        "assign them to someone else."
    )
    if not active:
        return {"active": message}
    if role == Role.MEMBER:
        return {"role": message}
    return {"covered": message}


# -- mail ------------------------------------------------------------------------------

OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
MAIL_VIEWS = {
    "open": ("Waiting or failed", OPEN_STATUSES),
    "failed": ("Failed", (OutboxStatus.FAILED,)),
    "sent": ("Sent", (OutboxStatus.SENT,)),
}


def outbox_query(view: str) -> Select[tuple[OutboxMessage]]:
    """Messages of one of the ``MAIL_VIEWS``, newest first, without their bodies (a body
    may hold a password reset link; the admin list never needs it)."""
    _, statuses = MAIL_VIEWS[view]
    return (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([str(s) for s in statuses]))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .options(
            defer(OutboxMessage.body_text, raiseload=True),
            defer(OutboxMessage.body_html, raiseload=True),
            defer(OutboxMessage.headers, raiseload=True),
        )
    )


class MailError(ValueError):
    """The message cannot be sent again; the text is for the person."""


def retry_failed_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue with a fresh count of attempts."""
    if message.status != OutboxStatus.FAILED:
        raise MailError("Only a failed message can be sent again; this one is not failed.")
    previous = {"attempts": message.attempts, "last_error": message.last_error}
    retry_message(message)
    audit.record("outbox.retry", message, kind=message.kind, **previous)


# -- audit log -------------------------------------------------------------------------

SYSTEM_ACTOR = "system"


def audit_query(
    *, action_prefix: str | None = None, actor: str | None = None
) -> Select[tuple[AuditEntry, str | None]]:
    """Entries newest first, each with its actor's name (None for the system) from one
    outer join; ``actor`` is a user id or ``"system"``."""
    stmt = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if action_prefix:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
    if actor == SYSTEM_ACTOR:
        stmt = stmt.where(AuditEntry.actor_id.is_(None))
    elif actor and actor.isdecimal() and int(actor) <= 2**31 - 1:
        stmt = stmt.where(AuditEntry.actor_id == int(actor))
    return stmt


def audit_actor_choices() -> list[tuple[str, str]]:
    """Everyone who appears in the log, for the "who" filter."""
    actors = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None))))
        .order_by(User.name, User.id)
    )
    return [
        ("", "Anyone"),
        (SYSTEM_ACTOR, "The system (jobs, commands, anonymous)"),
        *((str(i), f"{name} ({email})") for i, name, email in actors),
    ]


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def detail_lines(details: dict[str, Any] | None) -> list[str]:
    """An entry's details as short lines, e.g. ``role: member → rep`` (plain text: the
    template escapes it)."""
    details = dict(details or {})
    lines: list[str] = []
    before, after = details.pop("before", None), details.pop("after", None)
    if isinstance(after, dict):
        for name, value in after.items():
            if isinstance(before, dict):
                lines.append(f"{name}: {_shown(before.get(name))} → {_shown(value)}")
            else:
                lines.append(f"{name}: {_shown(value)}")
    changed = details.pop("changed", None)
    if isinstance(changed, dict):
        for name, pair in changed.items():
            if isinstance(pair, list) and len(pair) == 2:
                lines.append(f"{name}: {_shown(pair[0])} → {_shown(pair[1])}")
            else:
                lines.append(f"{name}: {_shown(pair)}")
    elif changed is not None:
        lines.append(f"changed: {_shown(changed)}")
    lines.extend(f"{name}: {_shown(value)}" for name, value in details.items())
    return lines
