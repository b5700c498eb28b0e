from flask import render_template
from flask_login import current_user, login_required

from union.home import bp


@bp.get("/")
@login_required
def index() -> str:
    return render_template("home/index.html", user=current_user)
