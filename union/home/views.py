from flask import render_template
from flask_login import current_user, login_required

from union.cases.queue import Viewer, start_counts
from union.home import bp


@bp.get("/")
@login_required
def index() -> str:
    start = start_counts(Viewer.of(current_user)) if current_user.is_rep else None
    return render_template("home/index.html", user=current_user, start=start)
