"""Steward: the union's app for reassignment notices, cases, roster requests and digests."""

import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from union import config as config_module
from union.extensions import csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    config_module.load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _register_error_pages(app)

    from union import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from union import models  # noqa: F401  (every model registered before the mappers configure)
    from union.core import db as core_db
    from union.core import jobs  # noqa: F401  (registers the core's scheduled jobs)
    from union.core.outbox import send_committed

    db.init_app(app)
    core_db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.after_request
    def _send_committed_mail(response):  # type: ignore[no-untyped-def]
        send_committed()
        return response

    from union.core.querycount import init_app as init_querycount
    from union.core.security import init_app as init_security
    from union.core.templating import init_app as init_templating

    init_templating(app)
    init_security(app)
    init_querycount(app)  # only under STEWARD_COUNT_QUERIES=1 (the load benchmark)


def _register_blueprints(app: Flask) -> None:
    from union.admin import bp as admin_bp
    from union.auth import bp as auth_bp
    from union.cases import bp as cases_bp
    from union.deadlines import bp as deadlines_bp
    from union.digests import bp as digests_bp
    from union.health import bp as health_bp
    from union.home import bp as home_bp
    from union.members import bp as members_bp
    from union.notices import bp as notices_bp
    from union.reports import bp as reports_bp
    from union.rosters import bp as rosters_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(members_bp)
    app.register_blueprint(notices_bp, url_prefix="/notices")
    app.register_blueprint(cases_bp, url_prefix="/cases")
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(rosters_bp, url_prefix="/roster-requests")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(digests_bp)


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if error.code is None or error.code < 400:
            return error
        return render_template("errors/error.html", error=error), error.code

    @app.errorhandler(500)
    def _server_error(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return render_template("errors/error.html", error=None), 500

    # The database went away under the request (a restart, a failover; SQLite's lock
    # held past the busy timeout): nothing of the request was saved, and trying again in
    # a moment works (the pool checks connections before use). Say so, not "error".
    # Any other database error (a broken constraint) is a bug: a 500, logged as one.
    @app.errorhandler(DBAPIError)
    def _database_unavailable(error: DBAPIError):  # type: ignore[no-untyped-def]
        unavailable = isinstance(error, OperationalError | InterfaceError)
        if not (unavailable or error.connection_invalidated):
            raise error
        app.logger.warning(
            "database unavailable during %s %s", request.method, request.path, exc_info=error
        )
        db.session.rollback()
        page = render_template("errors/error.html", error=None, database_unavailable=True)
        return page, 503, {"Retry-After": "5"}
