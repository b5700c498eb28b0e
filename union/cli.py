"""The ``union`` command: ``union db upgrade``, ``union create-user``, ``union demo-data``,
``union run``, ``union scheduler``, ``union send-mail`` (plus ``shell`` and ``routes``)."""

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from werkzeug.serving import run_simple

from union.auth.models import Role
from union.extensions import db


def _create_app() -> Flask:
    from union import create_app

    return create_app()


# Our own ``run`` replaces Flask's, so the default commands are added one by one.
main = FlaskGroup(
    name="union",
    create_app=_create_app,
    add_default_commands=False,
    help="Steward's command line: database, users, demo data, server and scheduler.",
)
main.add_command(shell_command)
main.add_command(routes_command)


def _commit_and_send() -> None:
    from union.core.outbox import send_committed

    db.session.commit()
    send_committed()


@click.command("create-user")
@click.option("--email", required=True, help="Login email (a personal address).")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.MEMBER.value,
    show_default=True,
)
@click.option("--chapter", "chapter_number", help="Chapter number: the member's chapter.")
@click.option("--covers", multiple=True, help="Chapter number a rep or admin covers (repeatable).")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user_command(
    email: str,
    name: str,
    role: str,
    chapter_number: str | None,
    covers: tuple[str, ...],
    password: str,
) -> None:
    """Create a member, rep or admin."""
    from union.auth.services import AccountError, create_user
    from union.chapters.services import chapter_by_number

    def chapter_or_fail(number: str):  # type: ignore[no-untyped-def]
        chapter = chapter_by_number(number)
        if chapter is None:
            raise click.BadParameter(f"there is no chapter {number}")
        return chapter

    chapter = chapter_or_fail(chapter_number) if chapter_number else None
    if role == Role.MEMBER and chapter is None:
        raise click.BadParameter("a member needs --chapter", param_hint="--chapter")
    try:
        user = create_user(
            email=email,
            name=name,
            password=password,
            role=Role(role),
            chapter=chapter,
            covered=[chapter_or_fail(n) for n in covers],
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    _commit_and_send()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load realistic demo chapters, agencies and people (safe to run again)."""
    from union.demo import DEMO_PASSWORD, load_demo_data

    logins = load_demo_data()
    _commit_and_send()
    click.echo(f"Demo data is loaded. Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email, note in logins:
        click.echo(f"  {role:<7} {email:<32} {note}")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Serve the app for development, with the scheduler inside when configured."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SCHEDULER_IN_PROCESS"]:
        from union.core.scheduler import start_in_process

        start_in_process(app)
    click.echo(f"Steward is serving on http://{host}:{port}  (Ctrl+C to stop)")
    # Flask refuses app.run() inside its own CLI; werkzeug's server is what it would use.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in this process (production: one or more of these)."""
    from union.core.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, blocking=True)
    click.echo("Scheduler running: " + ", ".join(j.id for j in scheduler.get_jobs()))
    scheduler.start()


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send the outbox's due messages now."""
    from union.core.outbox import deliver_pending

    click.echo(f"Sent {deliver_pending()} message(s).")


def init_app(app: Flask) -> None:
    for command in (
        create_user_command,
        demo_data_command,
        run_command,
        scheduler_command,
        send_mail_command,
    ):
        app.cli.add_command(command)
