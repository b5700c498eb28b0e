"""Configuration: defaults, then the environment (every variable is listed in README.md)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask

TRUE = {"1", "true", "yes", "on"}
# How passwords are hashed (werkzeug): slow on purpose.
SLOW_HASH = "scrypt"


class ConfigError(RuntimeError):
    """The environment asks for something the app cannot run with."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.strip().lower() in TRUE


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def smtp_settings(url: str) -> dict[str, Any]:
    """Flask-Mailman settings from ``smtp://user:pass@host:port`` (``smtps://`` for TLS
    from the start; ``?starttls=1`` to upgrade a plain connection)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError("SMTP_URL must look like smtp://user:password@host:587?starttls=1")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in TRUE
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": parts.scheme == "smtps",
        "MAIL_USE_TLS": starttls,
    }


def _development_secret(instance: Path) -> str:
    """Development keeps one generated key under instance/, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config``: defaults, then the environment, then ``test_config``."""
    instance = Path(app.instance_path)
    env = (test_config or {}).get("ENV_NAME") or os.environ.get("STEWARD_ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigError("STEWARD_ENV must be development, production or testing")
    production = env == "production"

    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    database_url = normalize_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'steward.sqlite3'}"
    )

    config: dict[str, Any] = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "BASE_URL": base_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        # Mail: console in development, SMTP when SMTP_URL is set.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "console"),
        "MAIL_FILE_PATH": os.environ.get("MAIL_FILE_PATH", str(instance / "mail")),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", f"Steward <steward@{urlsplit(base_url).hostname}>"
        ),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 20),
        "OUTBOX_SEND_AFTER_COMMIT": _flag("OUTBOX_SEND_AFTER_COMMIT", True),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_SEND_NOW_LIMIT": _int("OUTBOX_SEND_NOW_LIMIT", 25),
        "SCHEDULER_IN_PROCESS": _flag("SCHEDULER_IN_PROCESS", not production),
        # How often the scheduler sends what the outbox holds (retries, the rest).
        "OUTBOX_SWEEP_SECONDS": _int("OUTBOX_SWEEP_SECONDS", 60),
        # Digests: how often the job looks for due digests, and when a case counts as idle.
        "DIGEST_JOB_SECONDS": _int("DIGEST_JOB_SECONDS", 300),
        "DIGEST_STALE_DAYS": _int("DIGEST_STALE_DAYS", 14),
        # Anonymized statements: an office with fewer members than this (on the chapter's
        # list, or among those who reported from it) is too small to name.
        "STATEMENT_MIN_OFFICE_SIZE": _int("STATEMENT_MIN_OFFICE_SIZE", 10),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "steward_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        # Every session ends SESSION_MAX_HOURS after the password was typed, "keep me logged
        # in" or not (union.core.sessions); no remember-me cookie outlives that either.
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int("SESSION_MAX_HOURS", 12),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "WTF_CSRF_TIME_LIMIT": None,
        # Accounts. scrypt is deliberately slow; only the test suite picks a cheaper hash.
        "PASSWORD_HASH_METHOD": SLOW_HASH,
        "PASSWORD_RESET_MAX_AGE": _int("PASSWORD_RESET_MAX_AGE", 3600),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Several apps may share one Redis: each counts under its own prefix.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "steward"),
        # Redis down: count in this process's memory meanwhile rather than answer 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "20 per minute;200 per hour"),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "10 per hour"),
        "RATELIMIT_PASSWORD_RESET": os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per hour"),
        "RATELIMIT_NOTICE_SUBMIT": os.environ.get("RATELIMIT_NOTICE_SUBMIT", "60 per hour"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
        # Attachments live outside the web root, under random names.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(instance / "uploads"),
        "ATTACHMENT_MAX_BYTES": _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
        "ATTACHMENT_MAX_COUNT": _int("ATTACHMENT_MAX_COUNT", 10),
        # A file in UPLOAD_FOLDER no attachment names, older than this, is removed (a process
        # killed between writing a file and committing its row leaves one behind).
        "ORPHAN_UPLOAD_MINUTES": _int("ORPHAN_UPLOAD_MINUTES", 60),
        # Backups of a PostgreSQL database use these client programs (match the server).
        "PG_DUMP": os.environ.get("PG_DUMP", "pg_dump"),
        "PG_RESTORE": os.environ.get("PG_RESTORE", "pg_restore"),
    }
    if os.environ.get("SMTP_URL"):
        config.update(smtp_settings(os.environ["SMTP_URL"]))
    config.update(test_config or {})
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=config["SESSION_MAX_HOURS"]))
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(hours=config["SESSION_MAX_HOURS"]))
    app.config.from_mapping(config)

    if not app.config["SECRET_KEY"]:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Production refuses to start without one: "
                "generate it with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        app.config["SECRET_KEY"] = _development_secret(instance)
