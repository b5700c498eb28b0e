"""Member rules: who may see the roster, the directory's search, corrections, invitations
and the verification queue. (Importing lives in ``imports``; matching registrations to
the list in ``matching``.)

Services flush and audit; the caller (view, command, job) commits.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from union.auth.models import Role, User, Verification, is_government_address
from union.auth.services import AccountError, create_user, end_all_sessions
from union.chapters.models import Chapter
from union.core import audit
from union.core.links import external_url
from union.core.outbox import queue_email
from union.core.permissions import policy
from union.core.security import MAX_ID
from union.core.time import utcnow
from union.extensions import db
from union.members.imports import FIELDS_BY_NAME
from union.members.matching import link, normalize_number
from union.members.models import ImportRun, Member
from union.notices.models import Notice, NoticeStatus


class MemberError(ValueError):
    """A member rule was broken; ``errors`` maps form fields to messages for the person."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


# -- who may do what -------------------------------------------------------------------


@policy(Member)
def _member_rule(user: Any, action: str, member: Member) -> bool:
    """Reps of the member's chapter (and admins) see, correct and invite them; nobody
    else sees the roster, members included."""
    return action in {"view", "edit", "invite"} and user.covers(member.chapter_id)


@policy(ImportRun)
def _import_rule(user: Any, action: str, run: ImportRun) -> bool:
    return action in {"view", "edit"} and user.covers(run.chapter_id)


def chapters_of(user: User) -> list[Chapter]:
    """The chapters whose roster ``user`` works: every chapter for an admin."""
    if user.is_admin:
        return list(db.session.scalars(select(Chapter).order_by(Chapter.number)))
    return list(user.covered_chapters)


# -- the directory ---------------------------------------------------------------------

STATUSES = {
    "joined": "Joined",
    "not_joined": "Not joined",
    "invited": "Invited, not joined",
    "not_invited": "Never invited",
    "missing": "Missing from the last list",
}


def directory_query(
    chapter_id: int,
    *,
    search: str | None = None,
    office: str | None = None,
    component: str | None = None,
    status: str | None = None,
) -> Select[tuple[Member]]:
    """The chapter's members by name, narrowed by a search (name, email or member number)
    and by office, component and where they stand (joined, invited, missing…)."""
    stmt = select(Member).where(Member.chapter_id == chapter_id)
    if search:
        stmt = stmt.where(
            or_(
                Member.name.icontains(search, autoescape=True),
                Member.email.icontains(search, autoescape=True),
                Member.member_number.icontains(search, autoescape=True),
            )
        )
    if office:
        stmt = stmt.where(Member.office == office)
    if component:
        stmt = stmt.where(Member.component == component)
    if status == "joined":
        stmt = stmt.where(Member.user_id.is_not(None))
    elif status == "not_joined":
        stmt = stmt.where(Member.user_id.is_(None))
    elif status == "invited":
        stmt = stmt.where(Member.user_id.is_(None), Member.invited_at.is_not(None))
    elif status == "not_invited":
        stmt = stmt.where(Member.user_id.is_(None), Member.invited_at.is_(None))
    elif status == "missing":
        stmt = stmt.where(Member.missing.is_(True))
    return stmt.order_by(Member.name, Member.member_number)


def filter_choices(chapter_id: int) -> tuple[list[str], list[str]]:
    """The offices and components the chapter's members are in (for the filters), in one
    query."""
    rows = db.session.execute(
        select(Member.office, Member.component)
        .where(Member.chapter_id == chapter_id)
        .group_by(Member.office, Member.component)
    ).all()
    offices = sorted({o for o, _ in rows if o}, key=str.casefold)
    components = sorted({c for _, c in rows if c}, key=str.casefold)
    return offices, components


def roster_counts(chapter_id: int) -> dict[str, int]:
    """How many members the chapter has, joined, invited and missing (one query)."""
    row = db.session.execute(
        select(
            func.count(),
            func.count(Member.user_id),
            func.count(Member.invited_at),
            func.sum(case((Member.missing.is_(True), 1), else_=0)),
        ).where(Member.chapter_id == chapter_id)
    ).one()
    return {"members": row[0], "joined": row[1], "invited": row[2], "missing": int(row[3] or 0)}


def load_member(member_id: int) -> Member | None:
    """A member with what their page shows (chapter and account), or None."""
    return db.session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(joinedload(Member.chapter), joinedload(Member.user))
    )


def notices_of(member: Member) -> list[Notice]:
    """The notices the member has submitted in this chapter (what a rep of the chapter
    sees), newest first, each with its case."""
    if member.user_id is None:
        return []
    return list(
        db.session.scalars(
            select(Notice)
            .where(
                Notice.member_id == member.user_id,
                Notice.chapter_id == member.chapter_id,
                Notice.status != NoticeStatus.DRAFT,
            )
            .options(joinedload(Notice.case))
            .order_by(Notice.submitted_at.desc(), Notice.id.desc())
        )
    )


# -- corrections -----------------------------------------------------------------------

EDITABLE = (
    "member_number",
    "name",
    "email",
    "phone",
    "component",
    "office",
    "duty_station",
    "work_schedule",
)


def update_member(member: Member, *, actor: User, **values: Any) -> dict[str, list[Any]]:
    """Correct a member's details; returns what changed (audited with old and new
    values). Member numbers and emails stay unique within the chapter."""
    values = {k: (" ".join(v.split()) if isinstance(v, str) else v) or None
              for k, v in values.items() if k in EDITABLE}  # fmt: skip
    if values.get("member_number"):
        values["member_number"] = normalize_number(values["member_number"])
    if values.get("email"):
        values["email"] = values["email"].lower()
    errors: dict[str, str] = {}
    for name in ("member_number", "email"):
        value = values.get(name)
        if value and value != getattr(member, name):
            other = db.session.scalar(
                select(Member).where(
                    Member.chapter_id == member.chapter_id,
                    getattr(Member, name) == value,
                    Member.id != member.id,
                )
            )
            if other is not None:
                label = FIELDS_BY_NAME[name].label
                errors[name] = f"{label} {value} is already {other.name}'s."
    if not values.get("member_number"):
        errors["member_number"] = "Enter the member number."
    if not values.get("name"):
        errors["name"] = "Enter the member's name."
    if errors:
        raise MemberError(errors)
    changed = {
        name: [getattr(member, name), value]
        for name, value in values.items()
        if getattr(member, name) != value
    }
    for name, (_, value) in changed.items():
        setattr(member, name, value)
    if changed:
        db.session.flush()
        audit.record("member.update", member, actor=actor, changed=changed)
    return changed


# -- invitations -----------------------------------------------------------------------

# "Invite everyone" skips those invited this recently: pressing it twice sends nothing new.
BULK_COOLDOWN = timedelta(days=1)
SKIP_REASONS = {
    "joined": "already joined",
    "no_email": "no personal email on file",
    "government": "only a work (.gov/.mil) address on file",
    "missing": "missing from the last list",
    "recent": "invited less than a day ago",
}


@dataclass
class Invitations:
    sent: list[Member] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def not_invited(self) -> str:
        """Who was left out and why, e.g. "2 already joined; 1 no personal email on file"."""
        return "; ".join(f"{n} {SKIP_REASONS[reason]}" for reason, n in self.skipped.items())

    def summary(self) -> str:
        said = f"{len(self.sent)} invitation{'s' if len(self.sent) != 1 else ''} queued."
        return f"{said} Not invited: {self.not_invited()}." if self.skipped else said


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="member-invitation")


def invitation_token(member: Member) -> str:
    return _serializer().dumps({"m": member.id, "n": member.invitation_count})


def member_for_invitation(token: str) -> Member | None:
    """The member an invitation link is for; None when forged, expired, superseded by a
    newer invitation, already used (they joined), or they left the list."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["MEMBER_INVITATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    member = db.session.scalar(
        select(Member).where(Member.id == data["m"]).options(joinedload(Member.chapter))
    )
    if (
        member is None
        or member.invitation_count != data.get("n")
        or member.user_id is not None
        or member.missing
    ):
        return None
    return member


def why_not_invitable(member: Member) -> str | None:
    if member.user_id is not None:
        return "joined"
    if member.missing:
        return "missing"
    if not member.email:
        return "no_email"
    if is_government_address(member.email):
        return "government"
    return None


def invite(
    chapter: Chapter, members: list[Member], *, actor: User, bulk: bool = False
) -> Invitations:
    """Email each member a link to join (through the outbox). ``bulk`` ("invite everyone")
    leaves out those invited within the last day. Each invitation voids the previous one."""
    result = Invitations()
    now = utcnow()
    days = current_app.config["MEMBER_INVITATION_MAX_AGE"] // 86400
    for member in members:
        reason = why_not_invitable(member)
        recent = member.invited_at is not None and now - member.invited_at < BULK_COOLDOWN
        if reason is None and bulk and recent:
            reason = "recent"
        if reason is not None:
            result.skip(reason)
            continue
        member.invitation_count += 1
        member.invited_at = now
        assert member.email is not None
        queue_email(
            "member-invitation",
            member.email,
            f"Join {chapter.label} of the union on Steward",
            "member_invitation",
            key=f"member-{member.id}-{member.invitation_count}",
            member=member,
            chapter=chapter,
            link=external_url("members.join", token=invitation_token(member)),
            days=days,
        )
        audit.record(
            "member.invite",
            member,
            actor=actor,
            chapter_id=chapter.id,
            invitation=member.invitation_count,
        )
        result.sent.append(member)
    db.session.flush()
    return result


def members_to_invite_all(chapter_id: int) -> list[Member]:
    """Everyone on the list who has never logged in (never joined)."""
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.chapter_id == chapter_id, Member.user_id.is_(None))
            .order_by(Member.id)
        )
    )


def members_by_ids(chapter_id: int, ids: list[int]) -> list[Member]:
    """The chapter's members among ``ids`` (ids of other chapters are ignored, and so are
    numbers no id can be: 2**63 is an error in SQLite, not "no such member")."""
    ids = [i for i in ids if 0 < i <= MAX_ID][:5000]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Member).where(Member.chapter_id == chapter_id, Member.id.in_(ids))
        )
    )


def join_by_invitation(member: Member, *, name: str, email: str, password: str) -> User:
    """The invited member makes their account: verified and linked to the list at once."""
    user = create_user(email=email, name=name, password=password, chapter=member.chapter)
    link(member, user, how="invitation", actor=user)
    audit.record("user.register", user, actor=user, chapter_id=member.chapter_id, via="invitation")
    return user


# -- the verification queue ------------------------------------------------------------


def pending_query(chapter_ids: list[int]) -> Select[tuple[User]]:
    """People who registered with an invite code the list did not confirm, oldest first."""
    return (
        select(User)
        .where(
            User.chapter_id.in_(chapter_ids),
            User.role == Role.MEMBER,
            User.verification == Verification.PENDING,
        )
        .options(joinedload(User.chapter))
        .order_by(User.created_at, User.id)
    )


def name_matches(users: list[User]) -> dict[int, list[Member]]:
    """Unlinked members with the same name (any case) in the user's chapter, by user id:
    a hint for the rep (one query for the whole page)."""
    if not users:
        return {}
    wanted = {(u.chapter_id, u.name.casefold()) for u in users}
    rows = db.session.scalars(
        select(Member).where(
            Member.user_id.is_(None),
            or_(
                *(
                    and_(Member.chapter_id == chapter_id, func.lower(Member.name) == name)
                    for chapter_id, name in wanted
                )
            ),
        )
    )
    by_key: dict[tuple[int, str], list[Member]] = {}
    for member in rows:
        by_key.setdefault((member.chapter_id, member.name.casefold()), []).append(member)
    return {u.id: by_key.get((u.chapter_id or 0, u.name.casefold()), []) for u in users}


def may_decide(actor: User, user: User) -> bool:
    return user.role == Role.MEMBER and actor.covers(user.chapter_id)


def approve(user: User, *, actor: User, member_number: str | None = None) -> Member | None:
    """A rep confirms the person is a member; with a member number, their account is
    also linked to that entry on the list."""
    member = None
    if member_number:
        member = db.session.scalar(
            select(Member).where(
                Member.chapter_id == user.chapter_id,
                Member.member_number == normalize_number(member_number),
            )
        )
        if member is None:
            raise MemberError({"member_number": "No member of the chapter has that number."})
        if member.user_id is not None and member.user_id != user.id:
            raise MemberError({"member_number": "That member already has an account."})
    before = user.verification
    user.verification = Verification.VERIFIED
    if member is not None and member.user_id is None:
        link(member, user, how="rep", actor=actor)
    audit.record(
        "user.verify",
        user,
        actor=actor,
        chapter_id=user.chapter_id,
        before=before,
        member_number=member.member_number if member else None,
    )
    return member


def reject(user: User, *, actor: User) -> None:
    """A rep finds the person is not a member: they are logged out and cannot log in."""
    if user.id == actor.id:
        raise AccountError("You cannot reject your own account.")
    before = user.verification
    user.verification = Verification.REJECTED
    end_all_sessions(user)
    audit.record("user.reject", user, actor=actor, chapter_id=user.chapter_id, before=before)
