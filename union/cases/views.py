"""The rep's case pages: the queue with its filters, saved views and bulk changes, and the
case page with its actions. Thin: load, authorize, validate, call a service, commit,
redirect."""

from typing import Any
from urllib.parse import parse_qsl

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from union.admin.forms import choices
from union.auth.models import User
from union.cases import bp, services
from union.cases.concerns import concern_counts
from union.cases.forms import (
    REPLY,
    ActionForm,
    AssignForm,
    BulkForm,
    CommentForm,
    DeleteViewForm,
    LinkForm,
    PriorityForm,
    QueueFilterForm,
    SaveViewForm,
    SplitForm,
    StatusForm,
    record_id,
)
from union.cases.models import Case, CaseStatus, SavedView
from union.cases.queue import (
    SORTS,
    CaseFilter,
    Viewer,
    deadlines_available,
    delete_view,
    queue_page_query,
    queue_rows,
    save_view,
    saved_views,
    status_counts,
    status_matches,
)
from union.cases.services import CaseProblems, StaleCase
from union.cases.timeline import describe_for_rep, shows_body
from union.chapters.models import Chapter
from union.core.pagination import page_arg, paginate
from union.core.permissions import can, ensure_can, rep_required
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices.models import Notice


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _chapters(user: User) -> list[Chapter]:
    if user.is_admin:
        return list(db.session.scalars(select(Chapter).order_by(Chapter.number)))
    return list(user.covered_chapters)


# -- the queue -------------------------------------------------------------------------


def _filter_form(
    user: User, formdata: Any, chapters: list[Chapter], people: list[User]
) -> QueueFilterForm:
    form = QueueFilterForm(formdata=formdata)
    form.offer(user, chapters, people)
    return form


def _back_to_queue(query: str | None) -> Response:
    """To the queue with the filter of ``query`` (re-read, so only a real filter)."""
    return redirect(url_for("cases.queue", **_filter_of(query).args()))


def _filter_of(query: str | None) -> CaseFilter:
    """The filter a query string names, read as the queue reads it (nonsense dropped)."""
    user = _me()
    chapters = _chapters(user)
    args = MultiDict(parse_qsl(query or "", keep_blank_values=False))
    people = services.assignable_people([c.id for c in chapters])
    return _filter_form(user, args, chapters, people).case_filter()


@bp.get("/")
@rep_required
def queue() -> str:
    user = _me()
    chapters = _chapters(user)
    people = services.assignable_people([c.id for c in chapters])
    form = _filter_form(user, request.args, chapters, people)
    f = form.case_filter()
    viewer = Viewer.of(user)
    counts = status_counts(viewer, f)
    total = sum(n for status, n in counts.items() if status_matches(f.status, status))
    page = paginate(queue_page_query(viewer, f), page_arg(), scalars=False, total=total)
    bulk = BulkForm(formdata=None, back=f.query_string(), prefix="bulk")
    _bulk_choices(bulk, user, people)
    return render_template(
        "cases/queue.html",
        form=form,
        filter=f,
        page=page,
        rows=queue_rows(page.items, chapters),
        chapter_labels={c.id: c.label for c in chapters},
        counts=counts,
        views=saved_views(user.id),
        save_form=SaveViewForm(formdata=None, query=f.query_string(), prefix="view"),
        delete_form=DeleteViewForm(formdata=None, prefix="forget"),
        bulk=bulk,
        deadlines=deadlines_available(),
        statuses=list(CaseStatus),
        multiple_chapters=len(chapters) > 1,
        sort_label=SORTS.get(f.sort, SORTS["newest"]),
        zone=viewer.zone,
    )


def _bulk_choices(bulk: BulkForm, user: User, people: list[User]) -> None:
    bulk.rep.choices = choices(
        [("", "Nobody (unassign)"), (user.id, "Me"),
         *((p.id, p.name) for p in people if p.id != user.id)]
    )  # fmt: skip
    bulk.status.choices = choices([("", "Choose…"), *((s.value, s.label) for s in CaseStatus)])


@bp.post("/bulk")
@rep_required
def bulk() -> Response:
    user = _me()
    form = BulkForm(prefix="bulk")
    _bulk_choices(form, user, services.assignable_people([c.id for c in _chapters(user)]))
    form.validate()
    ids = form.case_ids.data or []
    problems = [e for f in (form.action, form.rep, form.status, form.note) for e in f.errors]
    if not ids:
        problems.insert(0, "Tick the cases to change first.")
    action = form.action.data
    rep = None
    if action == services.BulkAction.ASSIGN and form.rep.data:
        rep_id = record_id(form.rep.data)
        rep = db.session.get(User, rep_id) if rep_id is not None else None
        if rep is None:
            problems.append("Choose who to assign them to from the list.")
    if action == services.BulkAction.STATUS and not form.status.data:
        problems.append("Choose the new status.")
    if action == services.BulkAction.NOTE and not form.note.data:
        problems.append("Write the note.")
    if problems:
        flash("Nothing was changed. " + " ".join(problems), "error")
        return _back_to_queue(form.back.data)

    outcome = services.bulk_update(
        ids, action=action, actor=user, status=form.status.data, rep=rep, note=form.note.data
    )
    db.session.commit()
    if outcome.done:
        flash(f"Done for {len(outcome.done)} case{'s' if len(outcome.done) != 1 else ''}: "
              f"{', '.join(outcome.done)}.", "success")  # fmt: skip
    if outcome.refused:
        reasons = "; ".join(f"{ref}: {why}" for ref, why in outcome.refused)
        flash(f"Not done for {len(outcome.refused)}: {reasons}", "warning")
    return _back_to_queue(form.back.data)


@bp.post("/views")
@rep_required
def save_saved_view() -> Response:
    user = _me()
    form = SaveViewForm(prefix="view")
    if not form.validate():
        flash("The view was not saved. " + " ".join(form.name.errors), "error")
        return _back_to_queue(form.query.data)
    f = _filter_of(form.query.data)
    view, created = save_view(user, form.name.data, f)
    db.session.commit()
    flash(f"View “{view.name}” {'saved' if created else 'updated'}.", "success")
    return redirect(url_for("cases.queue", **f.args()))


@bp.post("/views/<int:view_id>/delete")
@rep_required
def delete_saved_view(view_id: int) -> Response:
    view = db.get_or_404(SavedView, view_id)
    ensure_can(_me(), "delete", view)
    form = DeleteViewForm(prefix="forget")
    if form.validate():
        delete_view(view, actor=_me())
        db.session.commit()
        flash(f"View “{view.name}” deleted.", "success")
    return redirect(url_for("cases.queue"))


# -- the case page ---------------------------------------------------------------------


def _case_or_404(case_id: int, *, for_update: bool = False) -> Case:
    """The case, if the user works its chapter; 404 for any other (ids cannot be probed)."""
    case = services.load_case(case_id, for_update=for_update)
    if case is None:
        abort(404)
    ensure_can(_me(), "edit", case)
    return case


FORMS = {
    "status": StatusForm,
    "assign": AssignForm,
    "priority": PriorityForm,
    "comment": CommentForm,
    "action": ActionForm,
    "link": LinkForm,
}


def _page_forms(case: Case, posted: dict[str, Any]) -> dict[str, Any]:
    """Every form of the case page, drawn from the case's current version; a posted one
    keeps what the rep typed (its version is brought up to date only by a refusal)."""
    forms = {
        name: posted.get(name) or cls(formdata=None, prefix=name, version=case.version)
        for name, cls in FORMS.items()
    }
    if "priority" not in posted:
        forms["priority"].priority.data = case.priority
    if "assign" not in posted:
        forms["assign"].rep.data = str(case.assigned_rep_id or "")
    return forms


def _set_choices(
    case: Case,
    forms: dict[str, Any],
    notices: list[Notice],
    suggestions: list[Notice],
    may_identify: dict[int, bool],
) -> None:
    forms["status"].status.choices = choices(
        (s.value, s.label) for s in services.next_statuses(case.status)
    )
    people = services.assignable_people([case.chapter_id])
    forms["assign"].rep.choices = choices([("", "Nobody"), *((p.id, p.name) for p in people)])
    standing = [n for n in notices if n.status == "submitted"]
    forms["comment"].to.choices = choices(
        [("", "Every member on this case" if len(standing) > 1 else "The member"),
         *((n.id, _member_label(n, may_identify[n.id])) for n in standing)]
    )  # fmt: skip
    forms["link"].notice_ids.choices = choices(
        (n.id, n.case.reference if n.case else "") for n in suggestions
    )


def _member_label(notice: Notice, identified: bool) -> str:
    reference = f"notice #{notice.id}"
    if identified:
        return f"{notice.member.name} ({reference})"
    return f"The member of {reference} (confidential)"


def _render_case(
    case: Case, posted: dict[str, Any] | None = None, *, status: int = 200, stale: bool = False
) -> tuple[str, int]:
    user = _me()
    notices = services.case_notices(case)
    suggestions = services.duplicate_suggestions(case, notices) if case.is_open else []
    # Confidential members are named to the chapter's own reps only (the notices' rule).
    may_identify = {n.id: can(user, "identify", n) for n in [*notices, *suggestions]}
    forms = _page_forms(case, posted or {})
    _set_choices(case, forms, notices, suggestions, may_identify)
    splits = {n.id: SplitForm(formdata=None, prefix=f"split{n.id}", version=case.version)
              for n in notices}  # fmt: skip
    concerns = concern_counts([case.id]).get(case.id, {})
    events = services.timeline(case)
    identified_members = {n.member_id for n in notices if may_identify[n.id]}
    return (
        render_template(
            "cases/show.html",
            case=case,
            notices=notices,
            notice_by_id={n.id: n for n in notices},
            collective=services.collective_summary(notices, concerns),
            suggestions=suggestions,
            events=events,
            actions=services.case_actions(case),
            forms=forms,
            splits=splits,
            may_identify=may_identify,
            identified_members=identified_members,
            describe=describe_for_rep,
            shows_body=shows_body,
            stale=stale,
            latest=events[-1] if events else None,
            **_deadline_panel(case),
        ),
        status,
    )


def _deadline_panel(case: Case) -> dict[str, Any]:
    """The deadlines feature's panel for this case, when that feature is installed."""
    try:
        from union.deadlines.views import deadline_panel_context
    except ImportError:
        return {"deadline_panel": False}
    return {"deadline_panel": True, **deadline_panel_context(case)}


@bp.get("/<int:case_id>")
@rep_required
def show(case_id: int) -> tuple[str, int]:
    return _render_case(_case_or_404(case_id))


def _posted(name: str) -> Any:
    return FORMS[name](prefix=name)


def _save(case: Case, name: str, form: Any, change: Any, success: str, anchor: str) -> Any:
    """Validate ``form``, make the change, commit, and go back to the case; or show the
    case again with the form as posted and why it was refused (409 when stale)."""
    if form.validate():
        try:
            message = change()
            db.session.commit()
        except StaleCase:
            db.session.rollback()
            return _stale(case.id, name, form)
        except StaleDataError:
            db.session.rollback()
            return _stale(case.id, name, form)
        except CaseProblems as problems:
            for field_name, text in problems.problems.items():
                if field_name in form:
                    form[field_name].errors = [*form[field_name].errors, text]
                else:
                    form.form_errors.append(text)
        else:
            flash(message or success, "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor=anchor))
    return _render_case(case, {name: form})


def _stale(case_id: int, name: str, form: Any) -> tuple[str, int]:
    case = services.load_case(case_id)
    if case is None:
        abort(404)
    # The page now shows this version: sending the form again is a decision made on it.
    form.version.data = case.version
    form.version.raw_data = [str(case.version)]
    return _render_case(case, {name: form}, status=409, stale=True)


@bp.post("/<int:case_id>/status")
@rep_required
def change_status(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("status")
    form.status.choices = choices((s.value, s.label) for s in CaseStatus)

    def change() -> str:
        services.change_status(
            case, form.status.data, actor=_me(), expected_version=form.version.data
        )
        return f"{case.reference} is now {case.status_label.lower()}."

    return _save(case, "status", form, change, "", "actions")


@bp.post("/<int:case_id>/assign")
@rep_required
def assign(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("assign")
    form.rep.choices = choices([("", "Nobody")])
    form.rep.validate_choice = False
    me = _me()

    def change() -> str:
        if form.take.data:
            rep: User | None = me
        elif form.rep.data:
            rep_id = record_id(form.rep.data)
            rep = db.session.get(User, rep_id) if rep_id is not None else None
            if rep is None:
                raise CaseProblems({"rep": "Choose someone from the list."})
        else:
            rep = None
        event = services.assign_case(case, rep, actor=me, expected_version=form.version.data)
        if event is None:
            return "Nothing changed: the case was assigned that way already."
        who = "you" if rep is me else rep.name if rep else "nobody"
        return f"{case.reference} is assigned to {who}."

    return _save(case, "assign", form, change, "", "actions")


@bp.post("/<int:case_id>/priority")
@rep_required
def set_priority(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("priority")

    def change() -> str:
        event = services.set_priority(
            case, form.priority.data, actor=_me(), expected_version=form.version.data
        )
        if event is None:
            return "Nothing changed: the case had that priority already."
        return f"{case.reference} is now {case.priority_label.lower()} priority."

    return _save(case, "priority", form, change, "", "actions")


@bp.post("/<int:case_id>/comments")
@rep_required
def comment(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("comment")

    def change() -> str:
        reply = form.visibility.data == REPLY
        notice = None
        if reply and form.to.data:
            notice_id = record_id(form.to.data)
            notice = db.session.get(Notice, notice_id) if notice_id is not None else None
            if notice is None or notice.case_id != case.id:
                raise CaseProblems({"to": "That notice is not part of this case."})
        services.add_comment(
            case,
            form.body.data,
            reply=reply,
            notice=notice,
            actor=_me(),
            expected_version=form.version.data,
        )
        if reply:
            return "Your reply is on the case; the member is told by email that it is waiting."
        return "Your note is on the case (reps only)."

    return _save(case, "comment", form, change, "", "timeline")


@bp.post("/<int:case_id>/actions")
@rep_required
def record_action(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("action")

    def change() -> str:
        action = services.record_action(
            case,
            kind=form.kind.data,
            taken_on=form.taken_on.data,
            step=form.step.data,
            note=form.note.data,
            today=local_time(utcnow(), case.chapter.timezone).date(),
            actor=_me(),
            expected_version=form.version.data,
        )
        return f"Recorded: {action.label}, {action.taken_on:%b %-d, %Y}."

    return _save(case, "action", form, change, "", "actions")


@bp.post("/<int:case_id>/link")
@rep_required
def link(case_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    form = _posted("link")

    def change() -> str:
        ids = form.notice_ids.data or []
        if any(record_id(i) is None for i in ids):
            raise CaseProblems({"notice_ids": "A notice ticked is not of this chapter."})
        picked = list(
            db.session.scalars(
                select(Notice).where(Notice.id.in_(ids), Notice.chapter_id == case.chapter_id)
            )
        )
        references = (form.references.data or "").replace(",", " ").split()
        by_reference, unknown = services.notices_of_references(case.chapter_id, references)
        if unknown:
            raise CaseProblems(
                {
                    "references": "No case of this chapter has the reference "
                    + ", ".join(unknown)
                    + "."
                }  # fmt: skip
            )
        if len(picked) != len(set(ids)):
            raise CaseProblems({"notice_ids": "A notice ticked is not of this chapter."})
        notices = list({n.id: n for n in [*picked, *by_reference]}.values())
        if not notices:
            raise CaseProblems({"link": "Tick a suggestion or enter a case reference."})
        linked = services.link_notices(
            case, notices, actor=_me(), expected_version=form.version.data
        )
        return (
            f"{len(linked)} notice{'s' if len(linked) != 1 else ''} linked into {case.reference}."
        )

    return _save(case, "link", form, change, "", "notices")


@bp.post("/<int:case_id>/notices/<int:notice_id>/split")
@rep_required
def split(case_id: int, notice_id: int) -> Any:
    case = _case_or_404(case_id, for_update=True)
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.case_id != case.id:
        abort(404)
    form = SplitForm(prefix=f"split{notice.id}")
    if not form.validate():
        flash("The page was out of date: nothing was split. Try again.", "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="notices"))
    try:
        new_case = services.split_notice(
            case,
            notice,
            year=local_time(utcnow(), case.chapter.timezone).year,
            actor=_me(),
            expected_version=form.version.data,
        )
        db.session.commit()
    except (StaleCase, StaleDataError):
        db.session.rollback()
        fresh = services.load_case(case_id)
        assert fresh is not None
        return _render_case(fresh, status=409, stale=True)
    except CaseProblems as problems:
        flash(" ".join(problems.problems.values()), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="notices"))
    flash(f"The notice is split out into a case of its own: {new_case.reference}.", "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="notices"))
