"""The ``union`` command: ``union db upgrade``, ``union create-user``, ``union demo-data``,
``union import-members``, ``union run``, ``union scheduler``, ``union send-mail`` (plus
``shell`` and ``routes``)."""

from pathlib import Path

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
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    metavar="N",
    help="Instead: a national data set of N cases for load tests (100000: 150 chapters, "
    "600 reps, 20,000 members), written in bulk. Once per database.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="With --scale.")
@with_appcontext
def demo_data_command(scale: int | None, seed: int) -> None:
    """Load realistic demo chapters, agencies and people (safe to run again)."""
    from union.demo import DEMO_PASSWORD, load_demo_data

    if scale is not None:
        _generate_scale(scale, seed)
        return
    logins = load_demo_data()
    _commit_and_send()
    click.echo(f"Demo data is loaded. Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email, note in logins:
        click.echo(f"  {role:<7} {email:<32} {note}")


def _generate_scale(cases: int, seed: int) -> None:
    from union.demo import DEMO_PASSWORD
    from union.scale import AlreadyGenerated, Sizes, generate

    sizes = Sizes.for_cases(cases)
    click.echo(
        f"Generating {sizes.cases:,} cases: {sizes.chapters} chapters, {sizes.reps} reps, "
        f"{sizes.members:,} members, {sizes.roster_requests:,} roster requests (seed {seed})."
    )
    with click.progressbar(length=cases, label="Cases", show_pos=True) as bar:
        try:
            summary = generate(cases, seed=seed, progress=lambda done: bar.update(done - bar.pos))
        except AlreadyGenerated as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"{'table':<32} {'rows':>10} {'seconds':>8}")
    for table, rows in sorted(summary.rows.items(), key=lambda item: -item[1]):
        click.echo(f"{table:<32} {rows:>10,} {summary.seconds.get(table, 0):>8.1f}")
    for table, seconds in summary.seconds.items():
        if table not in summary.rows:
            click.echo(f"{table:<32} {'':>10} {seconds:>8.1f}")
    click.echo(
        f"Done in {summary.total_seconds:.0f} s. Logins (password for all: {DEMO_PASSWORD}):"
    )
    for role, email, note in summary.logins:
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


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chapter", "chapter_number", required=True, help="Chapter number.")
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Use COLUMN of the file for FIELD (repeatable; FIELD= leaves it out). Otherwise "
    "the chapter's last mapping, or a guess from the column names.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", is_flag=True, help="Import without asking for confirmation.")
@with_appcontext
def import_members_command(
    file: Path, chapter_number: str, overrides: tuple[str, ...], dry_run: bool, yes: bool
) -> None:
    """Import a chapter's member list from CSV or XLSX (dry run first, then confirm)."""
    from union.chapters.services import chapter_by_number
    from union.members import imports
    from union.members.matching import match_pending
    from union.members.models import ImportRun, ImportStatus
    from union.members.spreadsheets import UnreadableFile, read_path

    chapter = chapter_by_number(chapter_number)
    if chapter is None:
        raise click.BadParameter(f"there is no chapter {chapter_number}", param_hint="--chapter")
    try:
        sheet = read_path(file, max_rows=current_app.config["MEMBER_IMPORT_MAX_ROWS"])
    except UnreadableFile as error:
        raise click.ClickException(f"{file.name}: {error}") from error
    remembered = imports.remembered_mapping(chapter)
    columns = imports.guess_columns(sheet.headers, remembered.columns if remembered else None)
    for override in overrides:
        name, _, header = override.partition("=")
        if name not in imports.FIELDS_BY_NAME:
            known = ", ".join(imports.FIELDS_BY_NAME)
            raise click.BadParameter(f"no field {name!r}; fields: {known}", param_hint="--map")
        columns[name] = header
    columns = {name: header for name, header in columns.items() if header}
    click.echo(f"{file.name}: {len(sheet.rows)} rows; columns: {', '.join(sheet.headers)}")
    for f in imports.FIELDS:
        click.echo(f"  {f.label:<15} <- {columns.get(f.name, '(not in the file)')}")
    problems = imports.mapping_problems(columns, sheet.headers)
    if problems:
        raise click.ClickException(" ".join(problems.values()) + " Use --map FIELD=COLUMN.")
    offices = remembered.known_offices if remembered else []
    plan = imports.plan_import(chapter, sheet, columns, offices)
    counts = plan.counts()
    click.echo(
        f"Would add {counts['created']}, update {counts['updated']}, leave "
        f"{counts['unchanged']} as they are, flag {counts['flagged_missing']} missing; "
        f"{counts['errors']} rows cannot be taken."
    )
    for error in plan.errors:
        where = f"row {error.row}" if error.row else "row"
        click.echo(f"  {where}: {error.member_number or '-'} {error.name or '-'}: {error.reason}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if not plan.changes_anything:
        click.echo("Nothing to change: the list on file already says the same.")
        return
    if not yes:
        click.confirm(f"Import into {chapter.label}?", abort=True)
    run = ImportRun(chapter_id=chapter.id, filename=file.name, columns=columns,
                    known_offices=offices, status=ImportStatus.RUNNING)  # fmt: skip
    db.session.add(run)
    with click.progressbar(length=max(plan.total_rows, 1), label="Importing") as bar:
        imports.apply_plan(chapter, plan, run=run, progress=lambda done: bar.update(done - bar.pos))
    imports.remember_mapping(chapter, columns, offices)
    matched = match_pending(chapter)
    imports.finish_run(run, plan)
    _commit_and_send()
    click.echo(
        f"Imported into {chapter.label}: {counts['created']} added, {counts['updated']} "
        f"updated, {counts['unchanged']} unchanged, {counts['flagged_missing']} flagged "
        f"missing, {counts['errors']} rows refused"
        + (f"; {matched} waiting registrations verified." if matched else ".")
    )


@click.command("run-job")
@click.argument("name")
@with_appcontext
def run_job_command(name: str) -> None:
    """Run one scheduled job once, now (e.g. ``union run-job orphan-uploads``)."""
    from union.core.scheduler import registered_jobs, run_job

    jobs = {j.name: j for j in registered_jobs()}
    if name not in jobs:
        raise click.BadParameter(f"no job {name!r}; the jobs are {', '.join(sorted(jobs))}")
    run_job(current_app._get_current_object(), jobs[name])  # type: ignore[attr-defined]
    click.echo(f"Ran {name}.")


def init_app(app: Flask) -> None:
    from union.backup import backup_command, restore_command

    for command in (
        backup_command,
        restore_command,
        run_job_command,
        create_user_command,
        demo_data_command,
        import_members_command,
        run_command,
        scheduler_command,
        send_mail_command,
    ):
        app.cli.add_command(command)
