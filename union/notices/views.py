"""A member's notice pages. Thin: load, authorize, validate, call a service, commit,
redirect."""

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from union.auth.models import User
from union.chapters.models import Agency
from union.core.permissions import can, ensure_can
from union.core.security import configured_limit, per_user_or_address
from union.extensions import db, limiter
from union.notices import bp, services, storage
from union.notices.forms import DiscardForm, NoticeForm, UpdateForm, WithdrawForm
from union.notices.models import Notice
from union.notices.services import OTHER_AGENCY, NoticeProblems


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _load(notice_id: int, action: str, *, for_update: bool = False) -> Notice:
    """The notice, if the user may ``action`` it; 404 when they may not even see it."""
    notice = services.load_notice(notice_id, for_update=for_update)
    if notice is None:
        abort(404)
    ensure_can(_user(), action, notice)
    return notice


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    # The browser sent more than the server reads at all: nothing of it arrived, so the
    # form cannot be shown again filled in. Say what happened and how to go on.
    limit = storage.megabytes(current_app.config["MAX_CONTENT_LENGTH"] or 0)
    return render_template("notices/too_large.html", limit=limit), 413


# -- my notices ------------------------------------------------------------------------


@bp.get("/")
@login_required
def mine() -> str:
    return render_template("notices/mine.html", notices=services.member_notices(_user()))


# -- the form: new, draft, submit ------------------------------------------------------


# Saving and submitting share one budget per member, whatever the notice.
_notice_writes = limiter.shared_limit(
    configured_limit("RATELIMIT_NOTICE_SUBMIT"),
    scope="notice-submit",
    key_func=per_user_or_address,
    methods=["POST"],
)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@_notice_writes
def new() -> str | Response:
    user = _user()
    if user.chapter is None:
        flash("Your account is not in a chapter yet, so there is no one to send a notice to. "
              "Ask your steward to add you.", "error")  # fmt: skip
        return redirect(url_for("home.index"))
    return _notice_form(services.new_draft(user))


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@login_required
@_notice_writes
def edit(notice_id: int) -> str | Response:
    notice = _load(notice_id, "edit", for_update=request.method == "POST")
    return _notice_form(notice)


def _agencies(notice: Notice) -> list[Agency]:
    """The active catalogue, plus any retired entry the draft already names."""
    kept = [i for i in (notice.home_agency_id, notice.receiving_agency_id) if i is not None]
    return list(
        db.session.scalars(
            select(Agency)
            .where(or_(Agency.active.is_(True), Agency.id.in_(kept)))
            .order_by(Agency.department, Agency.code)
        )
    )


def _answers_of(notice: Notice) -> dict[str, Any]:
    """The draft's answers as the form shows them."""
    answers: dict[str, Any] = {name: getattr(notice, name) for name in services.COLUMNS}
    answers.update({name: getattr(notice, name) for name in services.GROUPS})
    if notice.home_agency_id is not None:
        answers["home_agency_id"] = str(notice.home_agency_id)
    if notice.receiving_agency_id is not None:
        answers["receiving_agency"] = str(notice.receiving_agency_id)
    elif notice.receiving_agency_other:
        answers["receiving_agency"] = OTHER_AGENCY
    return answers


def _notice_form(notice: Notice) -> str | Response:
    user = _user()
    form = NoticeForm(data=_answers_of(notice))
    form.set_agencies(_agencies(notice))
    if request.method != "POST":
        return _render_form(form, notice)

    form.validate()
    removing = [int(v) for v in request.form.getlist("remove_attachment") if v.isdecimal()]
    uploads = [f for f in form.attachments.data or [] if f and f.filename]
    if notice.id is not None or uploads or not form.is_blank():
        # Whatever button was pressed, keep what is valid: a refused field or file never
        # costs the member the rest of what they entered.
        services.save_draft(notice, form.notice_fields(), actor=user)
        for attachment_id in removing:
            services.remove_attachment(notice, attachment_id, actor=user)
        refused = services.add_attachments(notice, uploads, actor=user)
        form.attachments.errors = [*form.attachments.errors, *refused]

    if form.submit.data:
        problems = services.submission_problems(notice, services.local_today(notice))
        _show_problems(form, problems)
        if not _has_errors(form):
            case = services.submit_notice(notice, actor=user)
            # Everything the answer says is read before the commit, which expires it: a
            # read after it could meet a dropped connection and tell the member "not
            # saved" about a notice that is.
            said = (
                f"Your notice is submitted. Its reference is {case.reference}. "
                f"A receipt is on its way to {user.email}."
            )
            shown = url_for(".show", notice_id=notice.id)
            db.session.commit()
            flash(said, "success")
            return redirect(shown)

    notice_id = notice.id  # read before the commit expires it (as above)
    db.session.commit()
    if notice_id is None:  # a blank new form: there is nothing to keep yet
        if not _has_errors(form):
            flash("There is nothing to save yet: answer a question or attach a file.", "info")
        return _render_form(form, notice, tried_to_submit=bool(form.submit.data))
    if not _has_errors(form):
        flash("Your draft is saved. Come back to it any time from “My notices”.", "success")
        return redirect(url_for(".edit", notice_id=notice_id))
    notice = services.load_notice(notice_id) or notice  # the commit expired it
    return _render_form(form, notice, tried_to_submit=bool(form.submit.data))


def _render_form(form: NoticeForm, notice: Notice, tried_to_submit: bool = False) -> str:
    config = current_app.config
    return render_template(
        "notices/form.html",
        form=form,
        notice=notice,
        tried_to_submit=tried_to_submit,
        limits={
            "count": config["ATTACHMENT_MAX_COUNT"],
            "size": storage.megabytes(config["ATTACHMENT_MAX_BYTES"]),
        },
    )


def _show_problems(form: NoticeForm, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = [message]


def _has_errors(form: Any) -> bool:
    return any(field.errors for field in form)


@bp.route("/<int:notice_id>/discard", methods=["GET", "POST"])
@login_required
def discard(notice_id: int) -> str | Response:
    notice = _load(notice_id, "discard", for_update=request.method == "POST")
    form = DiscardForm()
    if form.validate_on_submit():
        services.discard_draft(notice, actor=_user())
        db.session.commit()
        flash("The draft is deleted.", "success")
        return redirect(url_for(".mine"))
    return render_template("notices/discard.html", form=form, notice=notice)


# -- a submitted notice ----------------------------------------------------------------


@bp.get("/<int:notice_id>")
@login_required
def show(notice_id: int) -> str | Response:
    notice = _load(notice_id, "view")
    if notice.is_draft:
        return redirect(url_for(".edit", notice_id=notice.id))
    return _show(notice, UpdateForm(formdata=None))


def _show(notice: Notice, update_form: UpdateForm, status: int = 200) -> Any:
    user = _user()
    return (
        render_template(
            "notices/show.html",
            notice=notice,
            timeline=services.member_timeline(notice),
            update_form=update_form,
            may_update=can(user, "update", notice),
            may_withdraw=can(user, "withdraw", notice),
            may_identify=can(user, "identify", notice),
            is_member=notice.member_id == user.id,
            describe_event=services.describe_event,
        ),
        status,
    )


@bp.post("/<int:notice_id>/updates")
@login_required
def add_update(notice_id: int) -> Any:
    notice = _load(notice_id, "update", for_update=True)
    form = UpdateForm()
    if form.validate():
        try:
            services.add_update(
                notice,
                kind=form.update_kind.data,
                new_date=form.new_date.data,
                body=form.body.data,
                actor=_user(),
            )
        except NoticeProblems as error:
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash("Your update is added to the case.", "success")
            return redirect(url_for(".show", notice_id=notice.id, _anchor="timeline"))
    return _show(notice, form)


@bp.route("/<int:notice_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(notice_id: int) -> str | Response:
    notice = _load(notice_id, "withdraw", for_update=request.method == "POST")
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw_notice(notice, reason=form.reason.data, actor=_user())
        db.session.commit()
        flash(f"Your notice {notice.case.reference} is withdrawn.", "success")
        return redirect(url_for(".show", notice_id=notice.id))
    return render_template("notices/withdraw.html", form=form, notice=notice)


@bp.get("/<int:notice_id>/attachments/<int:attachment_id>")
@login_required
def attachment(notice_id: int, attachment_id: int) -> Response:
    notice = _load(notice_id, "view")
    found = services.attachment_of(notice, attachment_id)
    if found is None:
        abort(404)
    path = storage.path_of(found.stored_name)
    if not path.is_file():
        current_app.logger.error("attachment %s has no file at %s", found.id, path)
        abort(404)
    response = send_file(
        path,
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
