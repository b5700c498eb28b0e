"""``union digests run-once`` (the job's work, once, now) and ``union digests due``."""

from datetime import UTC, datetime

import click

from union.core.time import utcnow
from union.digests import bp
from union.digests.services import due_digests, send_due_digests
from union.extensions import db


def _instant(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use ISO 8601, e.g. 2026-11-29T12:00:00+00:00") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@bp.cli.command("run-once")
@click.option("--now", "now_text", metavar="ISO-TIME", help="Act as if it were this instant.")
@click.option("--no-send", is_flag=True, help="Queue the digests; leave sending to the outbox.")
def run_once_command(now_text: str | None, no_send: bool) -> None:
    """Queue and send the digests due now (what the scheduler's job does)."""
    run = send_due_digests(_instant(now_text), deliver=not no_send)
    db.session.commit()
    click.echo(
        f"{run.due} due: {run.queued} queued, {run.sent} sent, {run.skipped_empty} empty "
        f"skipped, {run.taken_elsewhere} taken by another process, {run.failed} failed."
    )
    for error in run.errors:
        click.echo(f"  {error}", err=True)
    if run.errors:
        raise SystemExit(1)


@bp.cli.command("due")
@click.option("--now", "now_text", metavar="ISO-TIME", help="Act as if it were this instant.")
def due_command(now_text: str | None) -> None:
    """List the (rep, period) digests due and not yet claimed."""
    due = due_digests(_instant(now_text))
    for item in due:
        click.echo(
            f"{item.email:<40} {item.period.key:<20} due {item.period.start:%Y-%m-%d %H:%M} UTC"
        )
    click.echo(f"{len(due)} digest(s) due.")
