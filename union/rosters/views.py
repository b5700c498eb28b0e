"""Roster request pages: the reps' list (with what members' notices propose), recording a
request, its page (documents, linked notices, the collective case, the tally, reminders),
sending it to members; and the member's side: what was sent to them, and their answer.
Thin: load, authorize, validate, call a service, commit, redirect."""

import re
from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from union.admin.forms import choices
from union.auth.models import User
from union.cases import services as case_services
from union.chapters.models import Agency, Chapter
from union.core.pagination import page_arg, paginate
from union.core.permissions import can, ensure_can, rep_required
from union.extensions import db
from union.notices import services as notice_services
from union.notices import storage
from union.notices.models import Notice
from union.rosters import answers, bp, letters, services
from union.rosters.forms import (
    SEND_CHAPTER,
    SEND_OFFICE,
    AnswerForm,
    ConfirmForm,
    LinkNoticesForm,
    RosterRequestForm,
    SendForm,
    StatusForm,
)
from union.rosters.models import RosterAnswerKind, RosterDocument, RosterRequest, RosterStatus
from union.rosters.services import RosterProblems

# Answers close at midnight after the reply-by day; people read "until 23:59" more easily.
LAST_MINUTE = timedelta(minutes=1)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def load_or_404(request_id: int, *, for_update: bool = False) -> RosterRequest:
    """The request, if the user works its chapter: 404 otherwise (ids cannot be probed)."""
    found = services.load_request(request_id, for_update=for_update)
    if found is None:
        abort(404)
    ensure_can(_me(), "edit", found)
    return found


def as_id(value: str | None) -> int | None:
    """A row id typed in a URL or form: plain digits a database integer holds, else None
    ("²" is a digit to Python, and 2**40 is too big for PostgreSQL's integer)."""
    return int(value) if value and re.fullmatch(r"[0-9]{1,9}", value) else None


def show_problems(form: Any, problems: dict[str, str]) -> None:
    """Put each problem beside its field (or at the form's top when it has none)."""
    for name, message in problems.items():
        target = form
        for part in name.split("-"):
            target = _child(target, part)
            if target is None:
                break
        if target is not None and hasattr(target, "errors") and not isinstance(target, dict):
            target.errors = [*list(target.errors or []), message]
        else:
            form.form_errors.append(message)


def _child(node: Any, part: str) -> Any:
    if part.isdigit() and hasattr(node, "entries"):
        index = int(part)
        return node.entries[index].form if index < len(node.entries) else None
    if hasattr(node, "_fields") and part in node._fields:
        return node[part]
    return None


# -- the list --------------------------------------------------------------------------


@bp.get("/")
@rep_required
def index() -> str:
    user = _me()
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in RosterStatus)}:
        status = None
    page = paginate(
        services.requests_query(user, status), page_arg(), options=services.LIST_OPTIONS
    )
    counts = answers.tallies([r.id for r in page.items])
    return render_template(
        "rosters/index.html",
        page=page,
        tallies={r.id: answers.tally_of(counts.get(r.id, {})) for r in page.items},
        status=status,
        statuses=list(RosterStatus),
        proposed=services.proposed_notices(user),
        filters={"status": status} if status else {},
    )


# -- recording -------------------------------------------------------------------------


def _agencies(*kept: int | None) -> list[Agency]:
    """The active catalogue, plus any retired entry the request already names."""
    keep = [i for i in kept if i is not None]
    return list(
        db.session.scalars(
            select(Agency)
            .where(or_(Agency.active.is_(True), Agency.id.in_(keep)))
            .order_by(Agency.department, Agency.code)
        )
    )


def _request_form(roster: RosterRequest | None, data: dict[str, Any] | None) -> RosterRequestForm:
    user = _me()
    form = RosterRequestForm(data=data)
    kept = (data or {}).get("agency_id"), (data or {}).get("receiving_agency_id")
    agencies = [(a.id, f"{a.label} — {a.name}") for a in _agencies(*kept)]
    form.agency_id.choices = choices([("", "Not known"), *agencies])
    form.receiving_agency_id.choices = choices([("", "Not known"), *agencies])
    if roster is None:
        form.chapter.choices = choices(
            (c.id, f"{c.label} — {c.name}") for c in services.chapters_of(user)
        )
    else:
        del form.chapter
    return form


def _data_of(roster: RosterRequest) -> dict[str, Any]:
    data = {name: getattr(roster, name) for name in services.FIELDS}
    data["duties"] = [d.duty for d in roster.duties]
    return data


def _notice_to_record() -> Notice | None:
    """The member's notice a new request is recorded from (``?notice_id=``), if the rep
    may see it and it is of a kind that proposes one."""
    notice_id = as_id(request.args.get("notice_id"))
    if notice_id is None:
        return None
    notice = notice_services.load_notice(notice_id)
    if notice is None or not can(_me(), "view", notice) or notice.is_draft:
        abort(404)
    if notice.kind not in {k.value for k in services.ROSTER_KINDS}:
        return None
    return notice


@bp.route("/new", methods=["GET", "POST"])
@rep_required
def new() -> str | Response:
    user = _me()
    notice = _notice_to_record()
    data = services.fields_from_notice(notice) if notice is not None else {}
    if notice is not None:
        data["chapter"] = notice.chapter_id
    elif user.chapter_id and user.covers(user.chapter_id):
        data["chapter"] = user.chapter_id
    form = _request_form(None, data or None)
    if request.method == "POST" and form.validate():
        chapter = db.session.get(Chapter, form.chapter.data)
        if chapter is None or not user.covers(chapter.id):
            abort(404)
        roster = services.new_request(chapter, actor=user)
        fields = form.request_fields()
        try:
            services.save_request(roster, fields, today=services.chapter_today(chapter), actor=user)
        except RosterProblems as problem:
            show_problems(form, problem.problems)
            db.session.rollback()
        else:
            refused = _attach(roster, form)
            if notice is not None and notice.chapter_id == chapter.id:
                services.link_notices(roster, [notice], actor=user)
            db.session.commit()
            _say_refused(refused)
            flash(f"The roster request “{roster.title}” is recorded.", "success")
            return redirect(url_for(".show", request_id=roster.id))
    return render_template("rosters/form.html", form=form, roster=None, notice=notice)


def _attach(roster: RosterRequest, form: RosterRequestForm) -> list[str]:
    uploads = [f for f in form.documents.data or [] if f and f.filename]
    return services.add_documents(roster, uploads, actor=_me()) if uploads else []


def _say_refused(refused: list[str]) -> None:
    for message in refused:
        flash(message, "error")


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@rep_required
def edit(request_id: int) -> str | Response:
    user = _me()
    roster = load_or_404(request_id, for_update=request.method == "POST")
    form = _request_form(roster, _data_of(roster))
    if request.method == "POST" and form.validate():
        removing = [i for v in request.form.getlist("remove_document") if (i := as_id(v))]
        try:
            services.save_request(
                roster,
                form.request_fields(),
                today=services.chapter_today(roster.chapter),
                actor=user,
            )
        except RosterProblems as problem:
            show_problems(form, problem.problems)
        else:
            for document_id in removing:
                services.remove_document(roster, document_id, actor=user)
            refused = _attach(roster, form)
            db.session.commit()
            _say_refused(refused)
            flash("The request is saved.", "success")
            return redirect(url_for(".show", request_id=roster.id))
    return render_template("rosters/form.html", form=form, roster=roster, notice=None)


# -- the request's page ----------------------------------------------------------------


def _render_show(roster: RosterRequest, link_form: LinkNoticesForm | None = None) -> str:
    chapter = roster.chapter
    link_form = link_form or LinkNoticesForm(formdata=None)
    candidates = services.candidate_notices(roster)
    link_form.notice_ids.choices = choices((n.id, str(n.id)) for n in candidates)
    people = answers.recipients(roster)
    today = services.chapter_today(chapter)
    info_requests = letters.info_requests_of(roster)
    notices = services.linked_notices(roster)
    user = _me()
    return render_template(
        "rosters/show.html",
        roster=roster,
        chapter=chapter,
        tally=answers.tally(roster),
        recipients=people,
        waiting=[r for r in people if r.answer is None],
        answers_open=services.answers_open(roster, chapter),
        answers_until=services.answers_close_at(roster, chapter) - LAST_MINUTE,
        notices=notices,
        candidates=candidates,
        may_identify={n.id: can(user, "identify", n) for n in [*notices, *candidates]},
        link_form=link_form,
        confirm=ConfirmForm(formdata=None),
        status_form=StatusForm(formdata=None),
        info_requests=info_requests,
        shown_status={i.id: letters.shown_status(i, today) for i in info_requests},
        ulp_pending={i.id: letters.pending_ulp_last_day(i, today) for i in info_requests},
        answer_kinds=list(RosterAnswerKind),
        today=today,
    )


@bp.get("/<int:request_id>")
@rep_required
def show(request_id: int) -> str:
    return _render_show(load_or_404(request_id))


@bp.get("/<int:request_id>/documents/<int:document_id>")
@rep_required
def document(request_id: int, document_id: int) -> Response:
    roster = load_or_404(request_id)
    found = services.document_of(roster, document_id)
    if found is None:
        abort(404)
    return send_document(found)


def send_document(found: RosterDocument) -> Response:
    """A stored file as a download that no browser will render or sniff."""
    path = storage.path_of(found.stored_name)
    if not path.is_file():
        current_app.logger.error("roster document %s has no file at %s", found.id, path)
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


@bp.post("/<int:request_id>/notices")
@rep_required
def link_notices(request_id: int) -> str | Response:
    user = _me()
    roster = load_or_404(request_id, for_update=True)
    form = LinkNoticesForm()
    candidates = services.candidate_notices(roster)
    form.notice_ids.choices = choices((n.id, str(n.id)) for n in candidates)
    if form.validate():
        chosen = [n for n in candidates if str(n.id) in (form.notice_ids.data or [])]
        references = [r for r in re.split(r"[\s,;]+", form.references.data or "") if r]
        by_reference, unknown = case_services.notices_of_references(roster.chapter_id, references)
        if unknown:
            form.references.errors = [
                f"No case of this chapter has the reference {', '.join(unknown)}."
            ]
            return _render_show(roster, form)
        found = {n.id: n for n in [*chosen, *by_reference] if can(user, "view", n)}
        try:
            added = services.link_notices(roster, list(found.values()), actor=user)
        except RosterProblems as problem:
            form.notice_ids.errors = list(problem.problems.values())
            return _render_show(roster, form)
        db.session.commit()
        flash(f"{len(added)} notice{'s' if len(added) != 1 else ''} linked.", "success")
    return redirect(url_for(".show", request_id=request_id, _anchor="notices"))


@bp.post("/<int:request_id>/notices/<int:notice_id>/unlink")
@rep_required
def unlink_notice(request_id: int, notice_id: int) -> Response:
    roster = load_or_404(request_id, for_update=True)
    if ConfirmForm().validate() and services.unlink_notice(roster, notice_id, actor=_me()):
        db.session.commit()
        flash("The notice is no longer linked to this request.", "success")
    return redirect(url_for(".show", request_id=request_id, _anchor="notices"))


@bp.post("/<int:request_id>/case")
@rep_required
def open_case(request_id: int) -> Response:
    roster = load_or_404(request_id, for_update=True)
    if not ConfirmForm().validate():
        return redirect(url_for(".show", request_id=request_id))
    try:
        outcome = services.open_collective_case(
            roster, today=services.chapter_today(roster.chapter), actor=_me()
        )
    except (RosterProblems, case_services.CaseProblems) as problem:
        db.session.rollback()
        for message in problem.problems.values():
            flash(message, "error")
        return redirect(url_for(".show", request_id=request_id, _anchor="case"))
    db.session.commit()
    moved = len(outcome.linked)
    flash(
        f"Case {outcome.case.reference} is open for this request, with {moved} "
        f"notice{'s' if moved != 1 else ''} linked into it.",
        "success",
    )
    for message in outcome.left_out:
        flash(message, "warning")
    return redirect(url_for(".show", request_id=request_id, _anchor="case"))


@bp.post("/<int:request_id>/status")
@rep_required
def change_status(request_id: int) -> Response:
    roster = load_or_404(request_id, for_update=True)
    form = StatusForm()
    if form.validate():
        try:
            if form.close.data:
                services.close_request(roster, actor=_me())
                message = "The request is closed: members can no longer answer or change it."
            else:
                services.reopen_request(roster, actor=_me())
                message = "The request is open again."
        except RosterProblems as problem:
            for text in problem.problems.values():
                flash(text, "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for(".show", request_id=request_id))


# -- sending and reminding -------------------------------------------------------------


def _send_form(roster: RosterRequest, formdata: Any = None) -> tuple[SendForm, list[Any]]:
    form = SendForm(formdata=formdata) if formdata is not None else SendForm()
    known = answers.offices(roster.chapter_id)
    form.offices.choices = choices(
        (o.name, f"{o.name}: {o.with_account} with an account"
                 + (f", {o.without_account} without one yet" if o.without_account else ""))
        for o in known
    )  # fmt: skip
    people = answers.chapter_people(roster.chapter_id)
    have = {r.user_id for r in answers.recipients(roster)}
    form.user_ids.choices = choices(
        (p.user.id, p.user.name + (f" ({p.office})" if p.office else "")
                    + (": has it already" if p.user.id in have else ""))
        for p in people
    )  # fmt: skip
    if formdata is None and request.method == "GET" and roster.office:
        wanted = roster.office.strip().casefold()
        form.offices.data = [o.name for o in known if o.name.casefold() == wanted]
    return form, people


@bp.route("/<int:request_id>/send", methods=["GET", "POST"])
@rep_required
def send(request_id: int) -> str | Response:
    roster = load_or_404(request_id, for_update=request.method == "POST")
    form, people = _send_form(roster)
    if request.method == "POST" and form.validate():
        if form.to.data == SEND_OFFICE:
            chosen = answers.people_of_offices(roster.chapter_id, form.offices.data or [])
            if not form.offices.data:
                form.offices.errors = ["Tick at least one office."]
        elif form.to.data == SEND_CHAPTER:
            chosen = people
        else:
            ids = [i for v in form.user_ids.data or [] if (i := as_id(v))]
            chosen = answers.people_by_ids(roster.chapter_id, ids)
            if not ids:
                form.user_ids.errors = ["Tick at least one person."]
        if not form.offices.errors and not form.user_ids.errors:
            try:
                outcome = answers.send_request(roster, chosen, actor=_me())
            except RosterProblems as problem:
                form.form_errors.extend(problem.problems.values())
            else:
                db.session.commit()
                _say_sent(outcome)
                return redirect(url_for(".show", request_id=roster.id, _anchor="answers"))
    return render_template("rosters/send.html", form=form, roster=roster, people=people)


def _say_sent(outcome: answers.SendOutcome) -> None:
    sent, already = len(outcome.sent), len(outcome.already)
    if sent:
        flash(
            f"Sent to {sent} member{'s' if sent != 1 else ''}: each gets an email with a link "
            "to answer in Steward.",
            "success",
        )
    if already:
        flash(
            f"{already} of them had it already and {'was' if already == 1 else 'were'} not "
            "sent it again.",
            "info" if sent else "warning",
        )


@bp.post("/<int:request_id>/remind")
@rep_required
def remind(request_id: int) -> Response:
    roster = load_or_404(request_id, for_update=True)
    if ConfirmForm().validate():
        try:
            outcome = answers.remind(roster, actor=_me())
        except RosterProblems as problem:
            for text in problem.problems.values():
                flash(text, "error")
        else:
            db.session.commit()
            n = len(outcome.reminded)
            if n:
                flash(
                    f"Reminded {n} member{'s' if n != 1 else ''} who had not answered.", "success"
                )
            if outcome.recently:
                flash(
                    f"{len(outcome.recently)} reminded less than an hour ago "
                    f"{'was' if len(outcome.recently) == 1 else 'were'} not reminded again.",
                    "info",
                )
    return redirect(url_for(".show", request_id=request_id, _anchor="answers"))


# -- the member's side -----------------------------------------------------------------


@bp.get("/mine")
@login_required
def mine() -> str:
    sent = answers.member_requests(_me())
    return render_template(
        "rosters/mine.html",
        sent=sent,
        open={
            r.id: services.answers_open(r.roster_request, r.roster_request.chapter) for r in sent
        },
    )


@bp.route("/<int:request_id>/answer", methods=["GET", "POST"])
@login_required
def answer(request_id: int) -> str | Response:
    user = _me()
    recipient = answers.recipient_for(request_id, user, for_update=request.method == "POST")
    if recipient is None:
        roster = services.load_request(request_id)
        if roster is not None and can(user, "view", roster):
            return redirect(url_for(".show", request_id=request_id))
        abort(404)
    ensure_can(user, "answer", recipient)
    roster = recipient.roster_request
    latest = recipient.history[-1] if recipient.history else None
    data = (
        {"answer": latest.answer, "reason": latest.reason, "comment": latest.comment}
        if latest
        else None
    )
    form = AnswerForm(data=data)
    is_open = services.answers_open(roster, roster.chapter)
    if request.method == "POST" and form.validate():
        try:
            answers.give_answer(
                recipient,
                answer=form.answer.data,
                reason=form.reason.data,
                comment=form.comment.data,
                actor=user,
            )
        except RosterProblems as problem:
            show_problems(form, problem.problems)
            is_open = services.answers_open(roster, roster.chapter)
        else:
            db.session.commit()
            flash(
                "Your answer is saved. You can change it until the end of the reply-by date.",
                "success",
            )
            return redirect(url_for(".answer", request_id=request_id))
    return render_template(
        "rosters/answer.html",
        roster=roster,
        recipient=recipient,
        form=form,
        is_open=is_open,
        answers_until=services.answers_close_at(roster, roster.chapter) - LAST_MINUTE,
        locked=None if is_open else answers.locked_message(roster, recipient),
    )
