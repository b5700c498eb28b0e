"""Security headers on every response, and the session rules (``union.core.sessions``).

The CSP allows no inline script or style: every script and stylesheet is a file served
from this app (vendored, never a CDN). Pico draws its checkbox and select icons with
data: SVGs, hence ``img-src data:``. No page but the static files may be cached: pages
carry members' stories, and the public ones carry one-time tokens in their URL or form.
"""

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, current_app, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


NUL = "\x00"
# The largest id a database integer holds (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


class CleanRequest(Request):
    """Form fields and query arguments without NUL characters. A NUL is never part of
    what a person typed, PostgreSQL refuses it in text (a 500 for a stray %00), and a
    form that echoes it back would carry it on; files are left as sent."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any(NUL in k or NUL in v for k, v in form.items(multi=True)):
            self.__dict__["form"] = _without_nul(self.parameter_storage_class, form)

    @cached_property
    def args(self) -> Any:
        args = super().args
        if any(NUL in k or NUL in v for k, v in args.items(multi=True)):
            return _without_nul(self.parameter_storage_class, args)
        return args


def _without_nul(storage: Any, values: Any) -> Any:
    return storage([(k.replace(NUL, ""), v.replace(NUL, "")) for k, v in values.items(multi=True)])


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: only numbers a database id can be, so /notices/99999999999 is
    "not found" rather than an error from PostgreSQL about an integer out of range."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    from union.core import sessions

    # Before any blueprint adds its routes: the converter is chosen as a rule is added.
    app.url_map.converters["int"] = IdConverter
    app.request_class = CleanRequest
    sessions.init_app(app)
    https = app.config["BASE_URL"].startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("X-Permitted-Cross-Domain-Policies", "none")
        if https or request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages about members must not linger in a shared computer's cache.
        if request.endpoint != "static" and "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        return response


def configured_limit(setting: str) -> Callable[[], str]:
    """A Flask-Limiter limit read from the app's ``setting`` when a request comes, so a
    deployment (or a test) sets it in its environment, e.g. ``RATELIMIT_LOGIN``."""
    return lambda: current_app.config[setting]


def per_user_or_address() -> str:
    """Rate-limit key: the logged-in user (many members may share one address, e.g. a
    union hall's Wi-Fi), else the client's address (after the trusted proxies)."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or 'unknown'}"
