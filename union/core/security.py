"""Security headers on every response, and the session rules (``union.core.sessions``).

The CSP allows no inline script or style: every script and stylesheet is a file served
from this app (vendored, never a CDN). Pico draws its checkbox and select icons with
data: SVGs, hence ``img-src data:``. No page but the static files may be cached: pages
carry members' stories, and the public ones carry one-time tokens in their URL or form.
"""

from flask import Flask, request
from flask_login import current_user
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


def init_app(app: Flask) -> None:
    from union.core import sessions

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


def per_user_or_address() -> str:
    """Rate-limit key: the logged-in user (many members may share one address, e.g. a
    union hall's Wi-Fi), else the client's address (after the trusted proxies)."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or 'unknown'}"
