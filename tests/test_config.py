"""Configuration from the environment, as the README documents it."""

import pytest

from union import create_app
from union.config import ConfigError, normalize_database_url, smtp_settings


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("STEWARD_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_development_creates_a_secret_key_once_and_keeps_it(monkeypatch, tmp_path):
    import union

    monkeypatch.setattr(union, "ROOT", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("STEWARD_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_are_embedded_sqlite_console_mail_and_scheduler_in_process(monkeypatch):
    for name in ("DATABASE_URL", "SMTP_URL", "MAIL_BACKEND", "SCHEDULER_IN_PROCESS", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STEWARD_ENV", "development")
    config = create_app({"SECRET_KEY": "x"}).config
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/steward.sqlite3")
    assert config["MAIL_BACKEND"] == "console"
    assert config["SCHEDULER_IN_PROCESS"] is True
    assert config["BASE_URL"] == "http://127.0.0.1:5000"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_production_defaults_run_no_scheduler_in_web_workers(monkeypatch):
    monkeypatch.setenv("STEWARD_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("BASE_URL", "https://steward.example.org")
    monkeypatch.delenv("SCHEDULER_IN_PROCESS", raising=False)
    config = create_app().config
    assert config["SCHEDULER_IN_PROCESS"] is False
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True


def test_smtp_url_configures_the_smtp_backend():
    settings = smtp_settings("smtp://mailer:p%40ss@mail.example.org:587?starttls=1")
    assert settings == {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "mail.example.org",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "p@ss",
        "MAIL_USE_SSL": False,
        "MAIL_USE_TLS": True,
    }
    assert smtp_settings("smtps://mail.example.org")["MAIL_PORT"] == 465
    with pytest.raises(ConfigError):
        smtp_settings("http://mail.example.org")


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x") == "sqlite:///x"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from union.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
