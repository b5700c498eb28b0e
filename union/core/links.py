"""Absolute links for email and feeds, built from BASE_URL (there is no request in a job)."""

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The full URL of ``endpoint`` under the configured ``BASE_URL``."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def mail_domain() -> str:
    """The app's own domain, for Message-IDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
