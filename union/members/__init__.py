"""Membership: the chapter's member list imported from its spreadsheet, invitations to
join, verification of who registers, and the member directory reps work from."""

import os

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("members", __name__)


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    config = state.app.config
    # Where uploaded member lists wait between upload and import (deleted afterwards).
    config.setdefault(
        "MEMBER_IMPORT_FOLDER",
        os.environ.get("MEMBER_IMPORT_FOLDER") or f"{state.app.instance_path}/member-imports",
    )
    # A confirmed web import runs in a thread of the web process, so the request returns
    # at once; the scheduler's sweep picks up any the thread did not finish. Tests run
    # imports themselves, so no thread outlives a test.
    config.setdefault("MEMBER_IMPORT_THREAD", not state.app.testing)
    config.setdefault("MEMBER_IMPORT_MAX_ROWS", 100_000)
    config.setdefault("MEMBER_INVITATION_MAX_AGE", 14 * 24 * 3600)


from union.members import jobs, views  # noqa: E402,F401  (routes and jobs register on import)
