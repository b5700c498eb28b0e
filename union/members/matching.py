"""Who is on the list: matching a person who registers with the chapter's invite code to
the imported member list, by member number or email.

Kept apart from the rest of the members package so account registration can use it
without importing the member pages.
"""

from sqlalchemy import func, or_, select

from union.auth.models import Role, User, Verification
from union.chapters.models import Chapter
from union.core import audit
from union.core.time import utcnow
from union.extensions import db
from union.members.models import Member


def normalize_number(value: str) -> str:
    """Member numbers compare without case or surrounding space."""
    return value.strip().upper()


def find_on_list(chapter_id: int, email: str | None, member_number: str | None) -> Member | None:
    """The unlinked, current roster entry this email or member number points to; None when
    nothing matches, or when the two point to different members (a rep decides then)."""
    conditions = []
    if email:
        conditions.append(Member.email == email.strip().lower())
    if member_number and normalize_number(member_number):
        conditions.append(Member.member_number == normalize_number(member_number))
    if not conditions:
        return None
    found = list(
        db.session.scalars(
            select(Member).where(
                Member.chapter_id == chapter_id,
                Member.user_id.is_(None),
                Member.missing.is_(False),
                or_(*conditions),
            )
        )
    )
    return found[0] if len(found) == 1 else None


def link(member: Member, user: User, *, how: str, actor: User | None) -> None:
    """Tie the account to its roster entry: the person is a verified member now."""
    member.user_id = user.id
    member.joined_at = member.joined_at or utcnow()
    user.verification = Verification.VERIFIED
    db.session.flush()
    audit.record(
        "member.join",
        member,
        actor=actor,
        chapter_id=member.chapter_id,
        user_id=user.id,
        matched_by=how,
    )


def verify_registration(user: User, chapter: Chapter, member_number: str | None) -> bool:
    """A new account registered with the chapter's invite code: verified at once when the
    list has them, otherwise pending until a rep approves. Returns whether matched."""
    user.claimed_member_number = normalize_number(member_number or "")[:32] or None
    member = find_on_list(chapter.id, user.email, member_number)
    if member is None:
        user.verification = Verification.PENDING
        return False
    how = "email" if member.email == user.email else "member_number"
    link(member, user, how=how, actor=user)
    return True


def match_pending(chapter: Chapter) -> int:
    """After an import: people waiting for approval whom the new list now names are
    verified and linked. Returns how many."""
    pending = list(
        db.session.scalars(
            select(User).where(
                User.chapter_id == chapter.id,
                User.role == Role.MEMBER,
                User.verification == Verification.PENDING,
            )
        )
    )
    matched = 0
    for user in pending:
        member = find_on_list(chapter.id, user.email, user.claimed_member_number)
        if member is not None:
            how = "email" if member.email == user.email else "member_number"
            link(member, user, how=f"import ({how})", actor=None)
            audit.record("user.verify", user, actor=None, chapter_id=chapter.id, by="import")
            matched += 1
    return matched


def roster_entry_of(user: User) -> Member | None:
    return db.session.scalar(select(Member).where(Member.user_id == user.id))


def count_pending(chapter_ids: list[int]) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.chapter_id.in_(chapter_ids), User.verification == Verification.PENDING)
    )
