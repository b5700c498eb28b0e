"""Jinja globals and filters every template may use."""

from datetime import datetime

from flask import Flask, has_request_context, request
from flask_login import current_user

from union.core.time import as_utc, local_time


def _viewer_zone() -> str:
    """The time zone of the viewer's chapter: looked up once per request (a case with a
    long timeline shows a hundred timestamps)."""
    if has_request_context() and hasattr(request, "viewer_zone"):
        return str(request.viewer_zone)
    chapter = getattr(current_user, "chapter", None) if current_user else None
    zone = chapter.timezone if chapter else "America/New_York"
    if has_request_context():
        request.viewer_zone = zone  # type: ignore[attr-defined]
    return zone


def init_app(app: Flask) -> None:
    @app.template_filter("localtime")
    def _localtime(value: datetime | None, zone: str | None = None) -> str:
        """A timestamp in the viewer's chapter time zone, e.g. ``Mar 3, 2026 14:05 EST``."""
        if value is None:
            return ""
        if zone is None:
            zone = _viewer_zone()
        shown = local_time(as_utc(value), zone)
        return shown.strftime("%b %-d, %Y %H:%M %Z")

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"app_name": "Steward"}
