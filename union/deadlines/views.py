"""Deadline pages and actions on a case, and the rep's calendar feed. Thin: load,
authorize, validate, call a service, commit, redirect."""

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from union.auth.models import User
from union.cases.models import Case
from union.chapters.models import Chapter
from union.core.permissions import ensure_can, rep_required
from union.deadlines import bp, ical, services
from union.deadlines.forms import POLICY_KINDS, DeadlineActionForm, DeadlineForm, EditDeadlineForm
from union.deadlines.models import Deadline, DeadlineKind
from union.deadlines.services import DeadlineProblems
from union.extensions import db, limiter


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _load_case(case_id: int, *, for_update: bool = False) -> Case:
    """The case, if the user works its chapter: 404 otherwise (ids cannot be probed)."""
    query = db.select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update()
    case = db.session.scalars(query).one_or_none()
    if case is None:
        abort(404)
    ensure_can(_user(), "edit", case)
    return case


def _load(case_id: int, deadline_id: int, *, for_update: bool = False) -> tuple[Case, Deadline]:
    case = _load_case(case_id, for_update=for_update)
    deadline = services.load_deadline(case, deadline_id)
    if deadline is None:
        abort(404)
    return case, deadline


def case_page(case_id: int) -> str:
    """Back to the case page, at its deadlines."""
    return url_for("cases.show", case_id=case_id, _anchor="deadlines")


def deadline_panel_context(case: Case) -> dict[str, Any]:
    """What templates/deadlines/_case_panel.html needs, for the case page to ``**`` into
    its render_template: deadlines, the detail clock, the add form, today, notes where the
    chapter's policy changed since a deadline was counted."""
    chapter = db.session.get(Chapter, case.chapter_id)
    assert chapter is not None
    deadlines = services.case_deadlines(case)
    return {
        "deadlines": deadlines,
        "detail_clock": services.detail_clock(case),
        "deadline_form": DeadlineForm(formdata=None),
        "deadline_today": services.chapter_today(chapter),
        "deadline_policy_notes": {
            d.id: note for d in deadlines if (note := services.policy_note(d, chapter))
        },
    }


# -- on a case -------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/deadlines")
@rep_required
def add(case_id: int) -> str | Response:
    case = _load_case(case_id, for_update=True)
    form = DeadlineForm()
    if form.validate_on_submit():
        kind = DeadlineKind(form.kind.data)
        fields: dict[str, Any] = {"kind": kind, "title": form.title.data}
        if form.due_on.data is not None:
            fields["due_on"] = form.due_on.data
        else:
            days, day_kind, source = form.days.data, form.day_kind.data, None
            if days is None and kind.value in POLICY_KINDS:
                days, day_kind = services.policy_count(case, kind) or (None, None)
                source = services.POLICY
            fields.update(
                days=days,
                day_kind=day_kind,
                counted_from=form.counted_from.data,
                after=f"{form.counted_from.data.isoformat()}",
                source=source,
            )
        try:
            deadline = services.add_deadline(case, actor=_user(), **fields)
        except DeadlineProblems as problems:
            _attach(form, problems)
        else:
            db.session.commit()
            flash(f"Deadline added: {deadline.title}, due {deadline.due_on:%b %-d, %Y}.", "success")
            return redirect(case_page(case.id))
    return render_template("deadlines/add.html", case=case, form=form, case_url=case_page(case.id))


@bp.route("/cases/<int:case_id>/deadlines/<int:deadline_id>", methods=["GET", "POST"])
@rep_required
def edit(case_id: int, deadline_id: int) -> str | Response:
    case, deadline = _load(case_id, deadline_id, for_update=request.method == "POST")
    form = EditDeadlineForm(obj=deadline)
    if form.validate_on_submit():
        moved = form.due_on.data != deadline.due_on
        if moved and not form.change.data:
            form.change.errors.append("Say whether the new date is an extension or a correction.")
        else:
            try:
                changed = services.edit_deadline(
                    deadline,
                    kind=form.kind.data,
                    title=form.title.data,
                    due_on=form.due_on.data,
                    extension=form.change.data == "extension",
                    reason=form.reason.data,
                    actor=_user(),
                )
            except DeadlineProblems as problems:
                _attach(form, problems)
            else:
                db.session.commit()
                flash("Deadline saved." if changed else "Nothing changed.", "success")
                return redirect(case_page(case.id))
    chapter = db.session.get(Chapter, case.chapter_id)
    assert chapter is not None
    return render_template(
        "deadlines/edit.html",
        case=case,
        deadline=deadline,
        form=form,
        case_url=case_page(case.id),
        deadline_today=services.chapter_today(chapter),
        policy_note=services.policy_note(deadline, chapter),
    )


@bp.post("/cases/<int:case_id>/deadlines/<int:deadline_id>/close")
@rep_required
def close(case_id: int, deadline_id: int) -> Response:
    _case, deadline = _load(case_id, deadline_id, for_update=True)
    if DeadlineActionForm().validate_on_submit() and services.close_deadline(
        deadline, actor=_user()
    ):
        db.session.commit()
        flash(f"Deadline closed: {deadline.title}.", "success")
    return redirect(case_page(case_id))


@bp.post("/cases/<int:case_id>/deadlines/<int:deadline_id>/reopen")
@rep_required
def reopen(case_id: int, deadline_id: int) -> Response:
    _case, deadline = _load(case_id, deadline_id, for_update=True)
    if DeadlineActionForm().validate_on_submit() and services.reopen_deadline(
        deadline, actor=_user()
    ):
        db.session.commit()
        flash(f"Deadline reopened: {deadline.title}.", "success")
    return redirect(case_page(case_id))


def _attach(form: Any, problems: DeadlineProblems) -> None:
    for name, message in problems.problems.items():
        field = getattr(form, name, None)
        (field.errors if field is not None else form.form_errors).append(message)


# -- the calendar feed -----------------------------------------------------------------


@bp.get("/calendar/<feed_token>.ics")
@limiter.limit("60 per minute")
def calendar_feed(feed_token: str) -> Response:
    """The feed itself: no login (calendar apps cannot log in), the secret address is the
    key. A wrong or revoked address is simply not found."""
    user = ical.feed_owner(feed_token)
    if user is None:
        abort(404)
    body = ical.render_calendar(ical.deadline_events(ical.feed_deadlines(user)))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="steward-deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/account/calendar-feed")
@rep_required
def new_feed() -> str | Response:
    if not DeadlineActionForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    token = ical.new_feed(_user())
    db.session.commit()
    # Shown this once: only its hash is kept. Not redirected, so it never sits in a cookie.
    response = make_response(
        render_template("deadlines/feed_created.html", feed_url=ical.feed_url(token))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/calendar-feed/revoke")
@rep_required
def revoke_feed() -> Response:
    if DeadlineActionForm().validate_on_submit() and ical.revoke_feeds(_user()):
        db.session.commit()
        flash("Your calendar feed is turned off. Its address no longer works.", "success")
    return redirect(url_for("auth.account", _anchor="calendar-heading"))


# -- for templates ---------------------------------------------------------------------


@bp.app_template_filter("deadline_date")
def _deadline_date(value: Any) -> str:
    """``Mar 3, 2026``."""
    return "" if value is None else f"{value:%b %-d, %Y}"


@bp.app_context_processor
def _deadline_helpers() -> dict[str, Any]:
    # Plain functions of their arguments: no queries from templates.
    return {
        "deadline_urgency": services.urgency,
        "deadline_days_left": services.days_left_text,
        "deadline_extension": services.last_extension,
        "describe_deadline_event": services.describe_deadline_event,
    }
