"""The union's information request pages: start one from a roster request, edit its
letter, print it (A4 or Letter), record it as sent (with its case and answer deadline),
and follow its course. Thin: load, authorize, validate, call a service, commit,
redirect."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from union.admin.forms import choices
from union.cases.models import OPEN_STATUSES, Case
from union.core.permissions import ensure_can, rep_required
from union.extensions import db
from union.rosters import bp, letters, services
from union.rosters.forms import (
    NEW_CASE,
    ConfirmForm,
    InfoStatusForm,
    LetterForm,
    SendLetterForm,
)
from union.rosters.models import DocumentRole, InfoRequest, RosterRequest
from union.rosters.services import RosterProblems
from union.rosters.views import _me, load_or_404, show_problems

PAPERS = {"letter": "US Letter", "a4": "A4"}
# The cases offered when recording a letter as sent (the latest first).
CASE_CHOICES = 200


def _load(
    request_id: int, info_request_id: int, *, for_update: bool = False
) -> tuple[RosterRequest, InfoRequest]:
    roster = load_or_404(request_id, for_update=for_update)
    info_request = letters.load_info_request(roster, info_request_id, for_update=for_update)
    if info_request is None:
        abort(404)
    ensure_can(_me(), "edit", info_request)
    return roster, info_request


def _back(roster: RosterRequest, info_request: InfoRequest, anchor: str | None = None) -> Response:
    return redirect(
        url_for(
            ".info_request",
            request_id=roster.id,
            info_request_id=info_request.id,
            _anchor=anchor,
        )
    )


@bp.post("/<int:request_id>/info-requests")
@rep_required
def start_info_request(request_id: int) -> Response:
    roster = load_or_404(request_id, for_update=True)
    if not ConfirmForm().validate():
        return redirect(url_for(".show", request_id=request_id))
    info_request = letters.start_info_request(roster, actor=_me())
    db.session.commit()
    flash(
        "A draft letter is ready, filled from the request. Read it, edit each item's need, "
        "then print it.",
        "success",
    )
    return _back(roster, info_request)


# -- the information request's page ----------------------------------------------------


def _letter_form(info_request: InfoRequest, formdata: Any = None) -> LetterForm:
    if formdata is not None:
        return LetterForm(formdata=formdata)
    data: dict[str, Any] = {n: getattr(info_request, n) for n in letters.LETTER_FIELDS}
    data["items"] = [{p: getattr(i, p) for p in letters.ITEM_PARTS} for i in info_request.items]
    form = LetterForm(formdata=None, data=data)
    form.items.append_entry()  # room for one more item
    return form


def _case_choices(roster: RosterRequest) -> list[Any]:
    cases = db.session.scalars(
        select(Case)
        .where(Case.chapter_id == roster.chapter_id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(CASE_CHOICES)
    )
    collective = roster.case_id if roster.case and roster.case.is_open else None
    listed = [
        (
            c.id,
            c.reference + (" — the collective case of this request" if c.id == collective else ""),
        )
        for c in cases
    ]
    if collective is not None:
        listed.sort(key=lambda pair: pair[0] != collective)
    return choices([*listed, (NEW_CASE, "Open a new case for it")])


def _send_form(roster: RosterRequest, formdata: Any = None) -> SendLetterForm:
    form = (
        SendLetterForm(formdata=formdata) if formdata is not None else SendLetterForm(formdata=None)
    )
    form.case.choices = _case_choices(roster)
    if formdata is None:
        form.case.data = str(roster.case_id) if roster.case and roster.case.is_open else NEW_CASE
        form.sent_on.data = services.chapter_today(roster.chapter)
    return form


def _status_form(info_request: InfoRequest, formdata: Any = None) -> InfoStatusForm:
    form = (
        InfoStatusForm(formdata=formdata) if formdata is not None else InfoStatusForm(formdata=None)
    )
    form.status.choices = choices(
        [("", "Choose…"), *((s.value, s.label) for s in letters.next_states(info_request.status))]
    )
    return form


def _render(
    roster: RosterRequest,
    info_request: InfoRequest,
    *,
    letter_form: LetterForm | None = None,
    send_form: SendLetterForm | None = None,
    status_form: InfoStatusForm | None = None,
) -> str:
    today = services.chapter_today(roster.chapter)
    return render_template(
        "rosters/info_request.html",
        roster=roster,
        info_request=info_request,
        chapter=roster.chapter,
        letter=letters.facts(roster),
        letter_form=letter_form or (_letter_form(info_request) if info_request.is_draft else None),
        send_form=send_form or (_send_form(roster) if info_request.is_draft else None),
        status_form=status_form or _status_form(info_request),
        confirm=ConfirmForm(formdata=None),
        shown=letters.shown_status(info_request, today),
        overdue_unmarked=letters.is_overdue_unmarked(info_request, today),
        ulp_pending=letters.pending_ulp_last_day(info_request, today),
        today=today,
        papers=PAPERS,
        answer_documents=[d for d in info_request.documents if d.role == DocumentRole.ANSWER],
    )


@bp.route("/<int:request_id>/info-requests/<int:info_request_id>", methods=["GET", "POST"])
@rep_required
def info_request(request_id: int, info_request_id: int) -> str | Response:
    roster, found = _load(request_id, info_request_id, for_update=request.method == "POST")
    if request.method == "GET":
        return _render(roster, found)
    if not found.is_draft:
        flash("The letter was sent: it stays as it was sent.", "error")
        return _back(roster, found)
    form = _letter_form(found, request.form)
    if form.validate():
        try:
            changed = letters.save_letter(
                found, fields=form.letter_fields(), items=form.item_values(), actor=_me()
            )
        except RosterProblems as problem:
            show_problems(form, problem.problems)
        else:
            db.session.commit()
            flash("The letter is saved." if changed else "Nothing changed.", "success")
            return _back(roster, found, "letter")
    return _render(roster, found, letter_form=form)


@bp.get("/<int:request_id>/info-requests/<int:info_request_id>/letter")
@rep_required
def letter(request_id: int, info_request_id: int) -> str:
    roster, found = _load(request_id, info_request_id)
    paper = request.args.get("paper", "letter")
    if paper not in PAPERS:
        paper = "letter"
    return render_template(
        "rosters/letter.html",
        roster=roster,
        info_request=found,
        chapter=roster.chapter,
        paper=paper,
        papers=PAPERS,
        dated=found.sent_on or services.chapter_today(roster.chapter),
        long_date=letters.long_date,
    )


@bp.post("/<int:request_id>/info-requests/<int:info_request_id>/send")
@rep_required
def send_info_request(request_id: int, info_request_id: int) -> str | Response:
    roster, found = _load(request_id, info_request_id, for_update=True)
    form = _send_form(roster, request.form)
    if form.validate():
        case = None
        if form.case.data != NEW_CASE:
            case = db.session.get(Case, int(form.case.data))
        try:
            letters.send_info_request(
                found,
                sent_on=form.sent_on.data,
                case=case,
                today=services.chapter_today(roster.chapter),
                actor=_me(),
            )
        except RosterProblems as problem:
            db.session.rollback()
            roster, found = _load(request_id, info_request_id)
            form.case.choices = _case_choices(roster)
            show_problems(form, problem.problems)
        else:
            db.session.commit()
            assert found.case is not None and found.due_on is not None
            flash(
                f"Recorded as sent. Management's answer is due {letters.long_date(found.due_on)}: "
                f"the deadline is on case {found.case.reference}.",
                "success",
            )
            return _back(roster, found)
    return _render(roster, found, send_form=form)


@bp.post("/<int:request_id>/info-requests/<int:info_request_id>/status")
@rep_required
def info_request_status(request_id: int, info_request_id: int) -> str | Response:
    roster, found = _load(request_id, info_request_id, for_update=True)
    form = _status_form(found, request.form)
    if form.validate():
        user = _me()
        clock_before = found.ulp_deadline_id
        try:
            change = letters.change_status(
                found,
                form.status.data or None,
                happened_on=form.happened_on.data,
                note=form.note.data,
                today=services.chapter_today(roster.chapter),
                actor=user,
            )
        except RosterProblems as problem:
            db.session.rollback()
            roster, found = _load(request_id, info_request_id)
            form.status.choices = _status_form(found).status.choices
            show_problems(form, problem.problems)
        else:
            uploads = [f for f in form.documents.data or [] if f and f.filename]
            refused = services.add_documents(
                roster, uploads, actor=user, role=DocumentRole.ANSWER, info_request=found
            ) if uploads else []  # fmt: skip
            db.session.commit()
            for message in refused:
                flash(message, "error")
            flash(f"Recorded: {change.status_label.lower()}.", "success")
            if found.ulp_deadline is not None and clock_before is None and found.case:
                flash(
                    "The last day to file an unfair labor practice charge is "
                    f"{letters.long_date(found.ulp_deadline.due_on)}: it is a deadline on "
                    f"case {found.case.reference}.",
                    "info",
                )
                if not found.case.is_open:
                    # A closed case's deadlines leave the queue and the digests.
                    flash(
                        f"Case {found.case.reference} is {found.case.status_label.lower()}: "
                        "reopen it so this deadline is in the queue and the digests.",
                        "warning",
                    )
            return _back(roster, found, "course")
    return _render(roster, found, status_form=form)
