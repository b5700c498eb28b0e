"""Jinja globals and filters every template may use."""

from datetime import datetime

from flask import Flask
from flask_login import current_user

from union.core.time import as_utc, local_time


def init_app(app: Flask) -> None:
    @app.template_filter("localtime")
    def _localtime(value: datetime | None, zone: str | None = None) -> str:
        """A timestamp in the viewer's chapter time zone, e.g. ``Mar 3, 2026 14:05 EST``."""
        if value is None:
            return ""
        if zone is None:
            chapter = getattr(current_user, "chapter", None) if current_user else None
            zone = chapter.timezone if chapter else "America/New_York"
        shown = local_time(as_utc(value), zone)
        return shown.strftime("%b %-d, %Y %H:%M %Z")

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"app_name": "Steward"}
