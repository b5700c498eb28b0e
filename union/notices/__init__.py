"""Notices: a member reports a reassignment notice, attaches what they were sent, saves a
draft, submits it (opening a case) and follows it in "My notices"."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("notices", __name__)


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    from union.notices import storage

    storage.init_app(state.app)


from union.notices import views  # noqa: E402,F401  (routes register on import)
