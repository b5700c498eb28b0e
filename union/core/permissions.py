"""Who may do what. Views load an object, then ask ``ensure_can`` before touching it."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])

# One policy per kind of object: policy(user, action, obj) -> may the user do it?
_policies: dict[type, Callable[[Any, str, Any], bool]] = {}


def policy(
    model: type,
) -> Callable[[Callable[[Any, str, Any], bool]], Callable[[Any, str, Any], bool]]:
    """Register the access rule for ``model`` (used as a decorator by each feature)."""

    def register(rule: Callable[[Any, str, Any], bool]) -> Callable[[Any, str, Any], bool]:
        _policies[model] = rule
        return rule

    return register


def can(user: Any, action: str, obj: Any) -> bool:
    """Whether ``user`` may perform ``action`` ("view", "edit", …) on ``obj``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    rule = _policies.get(type(obj))
    if rule is None:
        raise LookupError(f"no access policy for {type(obj).__name__}")
    return rule(user, action, obj)


def ensure_can(user: Any, action: str, obj: Any) -> None:
    """Abort unless allowed: 404 when the user may not even see the object (so ids cannot
    be probed), 403 when they can see it but not do this."""
    if can(user, action, obj):
        return
    if action != "view" and can(user, "view", obj):
        abort(403)
    abort(404)


def role_required(*roles: str) -> Callable[[F], F]:
    """Only logged-in users with one of ``roles`` (admins always pass)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles and not current_user.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = role_required("admin")
rep_required = role_required("rep")
