"""Admin pages: chapters, users and roles, the agency catalogue, mail, the audit log.

Thin: load (404 if missing), validate, call a service, commit, flash, redirect.
"""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from union.admin import bp, services
from union.admin.forms import (
    AgencyForm,
    AuditFilterForm,
    ChapterForm,
    UserAccessForm,
    UserFilterForm,
    choices,
)
from union.auth.models import User
from union.chapters import services as chapter_services
from union.chapters.models import Agency, Chapter
from union.core.outbox import OutboxMessage
from union.core.pagination import page_arg, paginate
from union.core.permissions import admin_required
from union.extensions import db


def _filters(**values: Any) -> dict[str, Any]:
    """The filters worth carrying in pager links (the empty ones are left out)."""
    return {name: value for name, value in values.items() if value not in (None, "")}


def _current_admin() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# -- chapters --------------------------------------------------------------------------


@bp.get("/chapters")
@admin_required
def chapters() -> str:
    return render_template(
        "admin/chapters.html",
        chapters=services.chapters_in_order(),
        head_counts=services.chapter_head_counts(),
    )


@bp.route("/chapters/new", methods=["GET", "POST"])
@admin_required
def new_chapter() -> str | Response:
    form = ChapterForm(
        timezone="America/New_York",
        grievance_days=30,
        grievance_day_kind="calendar",
        info_request_days=15,
        info_request_day_kind="business",
    )
    form.agency_id.choices = choices(services.agency_choices())
    if form.validate_on_submit():
        try:
            chapter = chapter_services.create_chapter(**form.chapter_fields())
        except chapter_services.ChapterError as error:
            form.number.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"{chapter.label} is created. Its invite code is {chapter.invite_code}.",
                "success",
            )
            return redirect(url_for("admin.edit_chapter", chapter_id=chapter.id))
    return render_template("admin/chapter_form.html", form=form, chapter=None)


@bp.route("/chapters/<int:chapter_id>", methods=["GET", "POST"])
@admin_required
def edit_chapter(chapter_id: int) -> str | Response:
    chapter = db.get_or_404(Chapter, chapter_id)
    form = ChapterForm(obj=chapter)
    form.agency_id.choices = choices(services.agency_choices(chapter.agency))
    if form.validate_on_submit():
        try:
            chapter_services.update_chapter(chapter, **form.chapter_fields())
        except chapter_services.ChapterError as error:
            form.number.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{chapter.label} is saved.", "success")
            return redirect(url_for("admin.chapters"))
    return render_template("admin/chapter_form.html", form=form, chapter=chapter)


@bp.post("/chapters/<int:chapter_id>/invite-code")
@admin_required
def regenerate_invite_code(chapter_id: int) -> Response:
    chapter = db.get_or_404(Chapter, chapter_id)
    code = chapter_services.regenerate_invite_code(chapter)
    db.session.commit()
    flash(
        f"The new invite code of {chapter.label} is {code}. The old code no longer works.",
        "success",
    )
    return redirect(url_for("admin.edit_chapter", chapter_id=chapter.id))


# -- users -----------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users() -> str:
    form = UserFilterForm(formdata=request.args)
    all_chapters = services.chapters_in_order()
    form.chapter.choices = choices([("", "Any chapter"), *((c.id, c.label) for c in all_chapters)])
    form.validate()
    search = form.q.data if not form.q.errors else None
    role = form.role.data if not form.role.errors else None
    chapter_id = form.chapter.data if not form.chapter.errors else None
    page = paginate(
        services.users_query(search=search, role=role, chapter_id=chapter_id),
        page_arg(),
        options=services.USER_LIST_OPTIONS,
    )
    return render_template(
        "admin/users.html",
        form=form,
        page=page,
        filters=_filters(q=search, role=role, chapter=chapter_id),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserAccessForm(obj=user, covered=[c.id for c in user.covered_chapters])
    all_chapters = services.chapters_in_order()
    form.chapter_id.choices = choices(
        [("", "No chapter"), *((c.id, c.label) for c in all_chapters)]
    )
    form.covered.choices = choices((c.id, f"{c.label} — {c.name}") for c in all_chapters)
    if form.validate_on_submit():
        by_id = {c.id: c for c in all_chapters}
        try:
            changed = services.update_user_access(
                user,
                actor=_current_admin(),
                role=form.role.data,
                chapter=by_id.get(form.chapter_id.data),
                covered=[by_id[i] for i in dict.fromkeys(form.covered.data)],
                active=form.active.data,
            )
        except services.AccessError as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            db.session.commit()
            if not changed:
                flash(f"Nothing changed for {user.name}.", "info")
            elif "active" in changed and not user.active:
                flash(f"{user.name} is deactivated and logged out everywhere.", "success")
            elif "role" in changed:
                flash(f"{user.name} is now {user.role}; their sessions were ended.", "success")
            else:
                flash(f"{user.name}'s access is saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, is_self=user.id == current_user.id
    )


# -- agency catalogue ------------------------------------------------------------------


@bp.get("/agencies")
@admin_required
def agencies() -> str:
    rows = db.session.scalars(select(Agency).order_by(Agency.department, Agency.code)).all()
    return render_template("admin/agencies.html", agencies=rows)


@bp.route("/agencies/new", methods=["GET", "POST"])
@admin_required
def new_agency() -> str | Response:
    return _agency_form(None)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin_required
def edit_agency(agency_id: int) -> str | Response:
    return _agency_form(db.get_or_404(Agency, agency_id))


def _agency_form(agency: Agency | None) -> str | Response:
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        try:
            saved = chapter_services.save_agency(
                agency,
                department=form.department.data,
                code=form.code.data,
                name=form.name.data,
                active=form.active.data,
            )
        except chapter_services.ChapterError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{saved.label} is saved.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency)


# -- mail ------------------------------------------------------------------------------


@bp.get("/mail")
@admin_required
def outbox() -> str:
    view = request.args.get("status", "open")
    if view not in services.MAIL_VIEWS:
        view = "open"
    page = paginate(services.outbox_query(view), page_arg())
    return render_template(
        "admin/outbox.html",
        page=page,
        view=view,
        views=services.MAIL_VIEWS,
        filters=_filters(status=None if view == "open" else view),
    )


@bp.post("/mail/<int:message_id>/retry")
@admin_required
def retry_mail(message_id: int) -> Response:
    message = db.get_or_404(OutboxMessage, message_id)
    try:
        services.retry_failed_message(message)
    except services.MailError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"The message to {message.recipient} is queued again; "
            "the sender tries it within a minute.",
            "success",
        )
    return redirect(url_for("admin.outbox"))


# -- audit log -------------------------------------------------------------------------


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    form = AuditFilterForm(formdata=request.args)
    form.actor.choices = choices(services.audit_actor_choices())
    form.validate()
    action = form.action.data if not form.action.errors else None
    actor = form.actor.data if not form.actor.errors else None
    page = paginate(
        services.audit_query(action_prefix=action, actor=actor), page_arg(), scalars=False
    )
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        filters=_filters(action=action, actor=actor),
        detail_lines=services.detail_lines,
    )
