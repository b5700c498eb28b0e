"""Member pages for reps: the directory, a member's page and corrections, invitations,
importing the chapter's list, and the verification queue; and the join page an invited
member opens. Thin: load, authorize, validate, call a service, commit, redirect."""

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from union.admin.forms import choices
from union.auth.models import User, is_government_address
from union.auth.services import AccountError
from union.chapters.models import Chapter
from union.core.pagination import page_arg, paginate
from union.core.permissions import ensure_can, rep_required
from union.core.security import configured_limit
from union.extensions import db, limiter
from union.members import bp, imports, jobs, services
from union.members.forms import (
    ConfirmForm,
    DecisionForm,
    DirectoryFilterForm,
    InviteForm,
    InviteOneForm,
    JoinForm,
    MappingForm,
    MemberForm,
    UploadForm,
)
from union.members.matching import count_pending
from union.members.models import ImportRun, ImportStatus, Member
from union.members.spreadsheets import UnreadableFile


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _chapter_or_404(chapter_id: int) -> Chapter:
    """A chapter the current rep covers; 404 for any other (ids cannot be probed)."""
    chapter = db.get_or_404(Chapter, chapter_id)
    if not current_user.covers(chapter.id):
        abort(404)
    return chapter


def _member_or_404(member_id: int, action: str = "view") -> Member:
    member = services.load_member(member_id)
    if member is None:
        abort(404)
    ensure_can(current_user, action, member)
    return member


def _run_or_404(run_id: int, action: str = "view") -> ImportRun:
    run = db.get_or_404(ImportRun, run_id)
    ensure_can(current_user, action, run)
    return run


# -- the directory ---------------------------------------------------------------------


@bp.get("/members")
@rep_required
def index() -> str | Response:
    chapters = services.chapters_of(_me())
    if len(chapters) == 1:
        return redirect(url_for("members.directory", chapter_id=chapters[0].id))
    return render_template("members/index.html", chapters=chapters)


@bp.get("/members/chapters/<int:chapter_id>")
@rep_required
def directory(chapter_id: int) -> str:
    chapter = _chapter_or_404(chapter_id)
    form = DirectoryFilterForm(formdata=request.args)
    offices, components = services.filter_choices(chapter.id)
    form.office.choices = choices([("", "Any office"), *((o, o) for o in offices)])
    form.component.choices = choices([("", "Any component"), *((c, c) for c in components)])
    form.validate()
    chosen = {
        name: form[name].data if not form[name].errors else None
        for name in ("q", "office", "component", "status")
    }
    page = paginate(
        services.directory_query(
            chapter.id,
            search=chosen["q"],
            office=chosen["office"],
            component=chosen["component"],
            status=chosen["status"],
        ),
        page_arg(),
    )
    return render_template(
        "members/directory.html",
        chapter=chapter,
        form=form,
        page=page,
        filters={k: v for k, v in chosen.items() if v},
        counts=services.roster_counts(chapter.id),
        invite_form=InviteForm(),
        pending=count_pending([chapter.id]),
    )


@bp.post("/members/chapters/<int:chapter_id>/invite")
@rep_required
def invite_many(chapter_id: int) -> Response:
    chapter = _chapter_or_404(chapter_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("The invitation form was not valid; nothing was sent.", "error")
        return redirect(url_for("members.directory", chapter_id=chapter.id))
    if form.everyone.data:
        members, bulk = services.members_to_invite_all(chapter.id), True
    else:
        members, bulk = services.members_by_ids(chapter.id, form.member_ids.data or []), False
        if not members:
            flash("Tick the members to invite first.", "error")
            return redirect(url_for("members.directory", chapter_id=chapter.id))
    result = services.invite(chapter, members, actor=_me(), bulk=bulk)
    db.session.commit()
    flash(result.summary(), "success" if result.sent else "info")
    return redirect(url_for("members.directory", chapter_id=chapter.id))


# -- one member ------------------------------------------------------------------------


@bp.get("/members/<int:member_id>")
@rep_required
def member(member_id: int) -> str:
    member = _member_or_404(member_id)
    return render_template(
        "members/member.html",
        member=member,
        invite_form=InviteOneForm(),
        cannot_invite=services.why_not_invitable(member),
        skip_reasons=services.SKIP_REASONS,
        government_email=bool(member.email and is_government_address(member.email)),
        notices=services.notices_of(member),
    )


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@rep_required
def edit_member(member_id: int) -> str | Response:
    member = _member_or_404(member_id, "edit")
    form = MemberForm(obj=member)
    if form.validate_on_submit():
        try:
            changed = services.update_member(member, actor=_me(), **form.values())
        except services.MemberError as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            db.session.commit()
            flash(
                f"{member.name}'s details are saved." if changed else "Nothing changed.",
                "success" if changed else "info",
            )
            return redirect(url_for("members.member", member_id=member.id))
    return render_template("members/edit.html", form=form, member=member)


@bp.post("/members/<int:member_id>/invite")
@rep_required
def invite_one(member_id: int) -> Response:
    member = _member_or_404(member_id, "invite")
    if InviteOneForm().validate_on_submit():
        result = services.invite(member.chapter, [member], actor=_me())
        db.session.commit()
        if result.sent:
            flash(f"An invitation to join is on its way to {member.email}.", "success")
        else:
            flash(f"Not invited: {result.not_invited()}.", "error")
    return redirect(url_for("members.member", member_id=member.id))


# -- importing the list ----------------------------------------------------------------


@bp.route("/members/chapters/<int:chapter_id>/import", methods=["GET", "POST"])
@rep_required
def upload(chapter_id: int) -> str | Response:
    chapter = _chapter_or_404(chapter_id)
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        try:
            run = imports.start_upload(chapter, file.filename or "", file.read(), actor=_me())
        except UnreadableFile as error:
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("members.map_columns", run_id=run.id))
    recent = db.session.scalars(
        db.select(ImportRun)
        .where(ImportRun.chapter_id == chapter.id, ImportRun.status != ImportStatus.DISCARDED)
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
        .limit(10)
    ).all()
    return render_template("members/upload.html", form=form, chapter=chapter, recent=recent)


def _draft_sheet(run: ImportRun) -> Any:
    """The run's file, or a redirect when the run is past its draft or the file is gone."""
    if run.status != ImportStatus.DRAFT:
        return redirect(url_for("members.import_status", run_id=run.id))
    try:
        return imports.read_run_file(run)
    except (imports.ImportProblem, UnreadableFile) as error:
        flash(str(error), "error")
        return redirect(url_for("members.upload", chapter_id=run.chapter_id))


@bp.route("/members/imports/<int:run_id>/columns", methods=["GET", "POST"])
@rep_required
def map_columns(run_id: int) -> str | Response:
    run = _run_or_404(run_id, "edit")
    sheet = _draft_sheet(run)
    if isinstance(sheet, Response):
        return sheet
    form = MappingForm(
        data={**run.columns, "known_offices": "\n".join(run.known_offices)}
        if request.method == "GET"
        else None
    )
    form.set_headers(sheet.headers)
    if form.validate_on_submit():
        problems = imports.mapping_problems(form.columns(), sheet.headers)
        for name, message in problems.items():
            form[name].errors.append(message)
        if not problems:
            imports.set_run_mapping(run, form.columns(), form.offices())
            db.session.commit()
            return redirect(url_for("members.review", run_id=run.id))
    return render_template(
        "members/columns.html",
        form=form,
        run=run,
        headers=sheet.headers,
        preview=sheet.preview(),
    )


@bp.route("/members/imports/<int:run_id>/review", methods=["GET", "POST"])
@rep_required
def review(run_id: int) -> str | Response:
    run = _run_or_404(run_id, "edit")
    form = ConfirmForm()
    if form.validate_on_submit() and run.status == ImportStatus.DRAFT:
        imports.confirm_run(run, actor=_me())
        db.session.commit()
        if current_app.config["MEMBER_IMPORT_THREAD"]:
            jobs.start_in_thread(current_app._get_current_object(), run.id)  # type: ignore[attr-defined]
        return redirect(url_for("members.import_status", run_id=run.id))
    sheet = _draft_sheet(run)
    if isinstance(sheet, Response):
        return sheet
    try:
        plan = imports.plan_import(run.chapter, sheet, run.columns, run.known_offices)
    except imports.ImportProblem as error:
        flash(str(error), "error")
        return redirect(url_for("members.map_columns", run_id=run.id))
    return render_template("members/review.html", run=run, plan=plan, form=form, shown=500)


@bp.get("/members/imports/<int:run_id>")
@rep_required
def import_status(run_id: int) -> str:
    run = _run_or_404(run_id)
    refresh = run.is_active and request.args.get("refresh") != "off"
    return render_template("members/status.html", run=run, refresh=refresh)


# -- verification ----------------------------------------------------------------------


@bp.get("/members/verification")
@rep_required
def verification() -> str:
    return _verification_page()


def _verification_page(failed: DecisionForm | None = None, user_id: int | None = None) -> str:
    chapter_ids = [c.id for c in services.chapters_of(_me())]
    page = paginate(services.pending_query(chapter_ids), page_arg())
    forms = {user.id: DecisionForm(prefix=f"u{user.id}", formdata=None) for user in page.items}
    if failed is not None and user_id in forms:
        forms[user_id] = failed
    return render_template(
        "members/verification.html",
        page=page,
        forms=forms,
        matches=services.name_matches(page.items),
    )


@bp.post("/members/verification/<int:user_id>")
@rep_required
def decide(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    if not services.may_decide(_me(), user):
        abort(404)
    if user.verification != "pending":
        flash(f"{user.name} was already {user.verification}.", "info")
        return redirect(url_for("members.verification"))
    form = DecisionForm(prefix=f"u{user.id}")
    if not (form.validate_on_submit() and (form.approve.data or form.reject.data)):
        if not form.errors:
            flash("Choose approve or reject.", "error")
            return redirect(url_for("members.verification"))
        return _verification_page(form, user.id)
    try:
        if form.approve.data:
            services.approve(user, actor=_me(), member_number=form.member_number.data)
        else:
            services.reject(user, actor=_me())
    except services.MemberError as error:
        form.member_number.errors.append(error.errors["member_number"])
        return _verification_page(form, user.id)
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("members.verification"))
    db.session.commit()
    flash(f"{user.name} is {user.verification}.", "success")
    return redirect(url_for("members.verification"))


# -- joining by invitation -------------------------------------------------------------


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_LOGIN"))  # a token in the address is a password
@limiter.limit(configured_limit("RATELIMIT_REGISTER"), methods=["POST"], scope="join")
def join(token: str) -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        flash("You are logged in already.", "info")
        return redirect(url_for("home.index"))
    member = services.member_for_invitation(token)
    if member is None:
        return render_template("members/join_invalid.html"), 404
    form = JoinForm(name=member.name, email=member.email)
    if form.validate_on_submit():
        try:
            user = services.join_by_invitation(
                member, name=form.name.data, email=form.email.data, password=form.password.data
            )
        except AccountError as error:
            form.email.errors.append(f"{error} Log in with it instead.")
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(f"Welcome to {member.chapter.label}. Your account is ready.", "success")
            return redirect(url_for("home.index"))
    show_gov = bool(form.email.data and is_government_address(form.email.data))
    return render_template("members/join.html", form=form, member=member, show_gov_confirm=show_gov)
