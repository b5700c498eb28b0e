"""Account rules: registration, login throttling, password resets, profile changes.

Services flush and audit; the caller (view, command, job) commits.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from union.auth.models import LoginAttempt, Role, User, Verification, new_session_token
from union.chapters.models import Chapter
from union.core import audit
from union.core.outbox import queue_email
from union.core.time import utcnow
from union.extensions import db


class AccountError(ValueError):
    """A rule about accounts was broken; the message is for the person."""


class MembershipRejected(AccountError):
    """The right password, but a rep found this person is not a member of the chapter."""


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def chapter_by_invite_code(code: str) -> Chapter | None:
    return db.session.scalar(select(Chapter).where(Chapter.invite_code == code.strip().upper()))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.MEMBER,
    chapter: Chapter | None = None,
    covered: list[Chapter] | None = None,
    actor: User | None = None,
) -> User:
    """A new account. Reps and admins may cover chapters; a rep must cover at least one."""
    email = email.strip().lower()
    if user_by_email(email) is not None:
        raise AccountError("An account with this email already exists.")
    if role == Role.REP and not (covered or chapter):
        raise AccountError("A rep must cover at least one chapter.")
    user = User(email=email, name=name.strip(), role=role, chapter=chapter)
    user.set_password(password)
    if role == Role.REP:
        user.covered_chapters = list(covered or [chapter])
    elif role == Role.ADMIN:
        user.covered_chapters = list(covered or [])
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create", user, actor=actor, chapter_id=user.chapter_id, role=str(role), email=email
    )
    return user


def register_member(
    *, invite_code: str, name: str, email: str, password: str, member_number: str | None = None
) -> User:
    """Someone joins their chapter with its invite code. When the chapter's member list
    has them (by email or member number) they are verified at once; otherwise they wait,
    pending, for a rep to approve them."""
    chapter = chapter_by_invite_code(invite_code)
    if chapter is None:
        raise AccountError("That invite code is not valid. Check it with your steward.")
    # Imported here: the members package builds on accounts, not the other way round.
    from union.members.matching import verify_registration

    user = create_user(email=email, name=name, password=password, chapter=chapter)
    matched = verify_registration(user, chapter, member_number)
    audit.record("user.register", user, actor=user, chapter_id=chapter.id, on_list=matched)
    return user


# -- logging in ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    minutes: int
    reason: str


def _recent_failures(column: InstrumentedAttribute[str], value: str, since: datetime) -> int:
    """Failures since ``since`` and since the last success for the same account or address."""
    key = column == value
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(key, LoginAttempt.succeeded.is_(True))
    )
    since = max(since, last_success) if last_success else since
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(key, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    )


def login_lockout(email: str, ip_address: str) -> Lockout | None:
    """Whether logins for this account or from this address are paused, and for how long."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    window_start = utcnow() - window
    minutes = math.ceil(window.total_seconds() / 60)
    if (
        _recent_failures(LoginAttempt.email, email.strip().lower(), window_start)
        >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    ):
        return Lockout(minutes, "account")
    if (
        _recent_failures(LoginAttempt.ip_address, ip_address, window_start)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        return Lockout(minutes, "address")
    return None


def authenticate(email: str, password: str, ip_address: str) -> User | None:
    """The user if the email and password match an active account; every try is recorded.
    Raises ``MembershipRejected`` for the right password of a rejected registration."""
    email = email.strip().lower()
    user = user_by_email(email)
    ok = user is not None and user.check_password(password) and user.active
    rejected = ok and user is not None and user.verification == Verification.REJECTED
    db.session.add(LoginAttempt(email=email, ip_address=ip_address, succeeded=ok and not rejected))
    if rejected:
        db.session.flush()
        raise MembershipRejected(
            "Your chapter's stewards could not confirm that you are a member, so this "
            "account cannot log in. If you are a member, contact your chapter."
        )
    if not ok:
        db.session.flush()
        return None
    user.last_login_at = utcnow()
    audit.record("user.login", user, actor=user)
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of ``user``."""
    user.session_token = new_session_token()


# -- password reset --------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes (by this link or otherwise), the
    # fingerprint no longer matches and the link is dead. That makes it single-use.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link is for, or None if it is forged, expired or already used."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("p") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address. Says nothing either way,
    so the form cannot be used to find out who has an account."""
    user = user_by_email(email)
    if user is None or not user.active:
        audit.record("user.password_reset_requested", None, actor=None, email_known=False)
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_email(
        "password-reset",
        user.email,
        "Reset your Steward password",
        "password_reset",
        user=user,
        token=make_reset_token(user),
        minutes=minutes,
    )
    audit.record("user.password_reset_requested", user, actor=None, email_known=True)


def reset_password(user: User, password: str) -> None:
    user.set_password(password)
    audit.record("user.password_reset", user, actor=user)


# -- one's own account -----------------------------------------------------------------


def update_profile(user: User, *, name: str, email: str) -> None:
    email = email.strip().lower()
    if email != user.email:
        other = user_by_email(email)
        if other is not None and other.id != user.id:
            raise AccountError("Another account already uses this email.")
    changed = {
        field: [getattr(user, field), value]
        for field, value in (("name", name.strip()), ("email", email))
        if getattr(user, field) != value
    }
    if not changed:
        return
    user.name = name.strip()
    user.email = email
    audit.record("user.update_profile", user, changed=list(changed))


def change_password(user: User, current: str, new: str, ip_address: str) -> None:
    """Set a new password once the current one is typed right. A wrong one counts as a
    failed login of the account (and address), so someone holding a session cookie gets
    no more guesses here than on the login page (``login_lockout``)."""
    if not user.check_password(current):
        db.session.add(LoginAttempt(email=user.email, ip_address=ip_address, succeeded=False))
        db.session.flush()
        raise AccountError("Your current password is not right.")
    user.set_password(new)
    audit.record("user.change_password", user)
