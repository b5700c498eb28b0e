"""The reports' pages: the dashboard, who is out on assignment, exports, and the review
of anonymized statements (with the member's own page to withdraw consent). Thin: load,
authorize, call a service, commit, render."""

from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from union.auth.models import User
from union.cases.queue import Viewer
from union.chapters.models import Chapter
from union.core.permissions import can, rep_required
from union.extensions import db
from union.notices.models import Notice, NoticeStatus
from union.reports import bp
from union.reports import statements as statement_services
from union.reports.board import build_board
from union.reports.dashboard import build_dashboard
from union.reports.exports import (
    csv_chunks,
    export_filename,
    export_records,
    file_chunks,
    record_export,
    streamed_records,
    xlsx_file,
)
from union.reports.forms import (
    ReviewForm,
    WithdrawConsentForm,
    chosen_chapter,
    queue_args,
    read_filter,
    report_args,
)
from union.reports.models import ReviewStatus

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _chapters(user: User) -> list[Chapter]:
    if user.is_admin:
        return list(db.session.scalars(select(Chapter).order_by(Chapter.number)))
    return list(user.covered_chapters)


def _download(body: Any, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Tell proxies not to buffer the stream (nginx would hold it all otherwise).
    response.headers["X-Accel-Buffering"] = "no"
    return response


# -- the dashboard and the board -------------------------------------------------------


@bp.get("/")
@rep_required
def dashboard() -> str:
    user = _me()
    chapters = _chapters(user)
    form, f = read_filter(user, chapters, request.args)
    viewer = Viewer.of(user)
    return render_template(
        "reports/dashboard.html",
        form=form,
        filter=f,
        args=report_args(f),
        queue_args=queue_args(f),
        board=build_dashboard(viewer, f),
        chapters=chapters,
        viewer=viewer,
    )


@bp.get("/out-on-assignment")
@rep_required
def board() -> str:
    user = _me()
    chapters = _chapters(user)
    form, f = read_filter(user, chapters, request.args)
    viewer = Viewer.of(user)
    return render_template(
        "reports/board.html",
        form=form,
        filter=f,
        board=build_board(user, viewer, f),
        multiple_chapters=len(chapters) > 1,
    )


# -- exports ---------------------------------------------------------------------------


def _export_setup() -> tuple[Viewer, Any]:
    user = _me()
    _, f = read_filter(user, _chapters(user), request.args)
    return Viewer.of(user), f


@bp.get("/export/cases.csv")
@rep_required
def export_csv() -> Response:
    viewer, f = _export_setup()
    record_export(viewer.user_id, "cases", "csv", f.chapter_id, filter=report_args(f))
    chunks = csv_chunks(streamed_records(db.engine, viewer, f))
    return _download(chunks, CSV_TYPE, export_filename("cases", "csv", viewer.today))


@bp.get("/export/cases.xlsx")
@rep_required
def export_xlsx() -> Response:
    viewer, f = _export_setup()
    record_export(viewer.user_id, "cases", "xlsx", f.chapter_id, filter=report_args(f))
    path = xlsx_file(export_records(db.session.connection(), viewer, f))
    return _download(file_chunks(path), XLSX_TYPE, export_filename("cases", "xlsx", viewer.today))


# -- statements: the rep's review ------------------------------------------------------


@bp.get("/statements")
@rep_required
def statements() -> str:
    user = _me()
    chapters = _chapters(user)
    chapter_id = chosen_chapter(request.args, chapters)
    scope = [chapter_id] if chapter_id else statement_services.chapter_scope(user)
    listed = statement_services.statements_for(scope)
    groups = {"to_review": [], **{s.value: [] for s in ReviewStatus}}
    for item in listed:
        groups[item.status].append(item)
    return render_template(
        "reports/statements.html",
        groups=groups,
        chapters=chapters,
        chapter_id=chapter_id,
        statuses=ReviewStatus,
    )


def _statement_or_404(notice_id: int) -> Notice:
    notice = statement_services.load_statement(notice_id)
    if notice is None or not statement_services.may_review(_me(), notice):
        abort(404)
    return notice


@bp.route("/statements/<int:notice_id>", methods=["GET", "POST"])
@rep_required
def review_statement(notice_id: int) -> Any:
    user = _me()
    notice = _statement_or_404(notice_id)
    review = statement_services.review_of(notice)
    form = ReviewForm()
    findings: list[statement_services.Finding] = []
    if request.method == "GET":
        form.text.data = statement_services.current_text(notice, review)
    elif form.validate_on_submit():
        decision = (
            ReviewStatus.APPROVED
            if form.approve.data
            else ReviewStatus.REJECTED
            if form.reject.data
            else ReviewStatus.PENDING
        )
        try:
            statement_services.save_review(notice, form.text.data, decision, actor=user)
        except statement_services.StatementProblems as problems:
            findings = problems.findings
            form.text.errors = [
                "Not approved: this still looks like it names someone. Take out what is "
                "listed above the text, then approve again."
            ]
        else:
            db.session.commit()
            words = {
                ReviewStatus.APPROVED: "approved for use",
                ReviewStatus.REJECTED: "marked not to be used",
                ReviewStatus.PENDING: "saved",
            }[decision]
            flash(f"The statement of notice {notice.id} is {words}.", "success")
            return redirect(url_for(".statements", chapter=notice.chapter_id))
    small = statement_services.office_is_small(notice)
    return render_template(
        "reports/review.html",
        notice=notice,
        review=review,
        form=form,
        findings=findings,
        may_identify=can(user, "identify", notice),
        heading=statement_services.describe(notice, small),
    ), (422 if findings else 200)


def _approved_for_request() -> tuple[list[statement_services.Approved], int | None, User]:
    user = _me()
    chapters = _chapters(user)
    chapter_id = chosen_chapter(request.args, chapters)
    approved = statement_services.approved_statements(
        statement_services.chapter_scope(user), chapter_id
    )
    return approved, chapter_id, user


DOCUMENT_TITLE = "In their own words: federal employees reassigned to immigration enforcement"


@bp.get("/statements/approved")
@rep_required
def approved_statements() -> str:
    approved, chapter_id, user = _approved_for_request()
    record_export(user.id, "statements", "html", chapter_id, statements=len(approved))
    return render_template(
        "reports/approved.html",
        approved=approved,
        chapter_id=chapter_id,
        title=DOCUMENT_TITLE,
    )


@bp.get("/statements/approved.txt")
@rep_required
def approved_statements_text() -> Response:
    approved, chapter_id, user = _approved_for_request()
    record_export(user.id, "statements", "txt", chapter_id, statements=len(approved))
    body = statement_services.as_plain_text(approved, DOCUMENT_TITLE)
    return _download(body, "text/plain; charset=utf-8", "steward-statements.txt")


# -- statements: the member's consent --------------------------------------------------


def _own_notice_or_404(notice_id: int) -> Notice:
    """The member's own submitted (or withdrawn) notice; someone else who may read it gets
    403, anyone else 404."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.is_draft:
        abort(404)
    user = _me()
    if notice.member_id != user.id:
        abort(403 if can(user, "view", notice) else 404)
    return notice


@bp.get("/statements/<int:notice_id>/consent")
@login_required
def consent(notice_id: int) -> str:
    notice = _own_notice_or_404(notice_id)
    review = statement_services.review_of(notice) if notice.consent_anonymized_use else None
    return render_template(
        "reports/consent.html",
        notice=notice,
        review=review,
        approved=review is not None and review.status == ReviewStatus.APPROVED,
        form=WithdrawConsentForm(),
        submitted=notice.status == NoticeStatus.SUBMITTED,
    )


@bp.post("/statements/<int:notice_id>/withdraw-consent")
@login_required
def withdraw_consent(notice_id: int) -> Response:
    notice = _own_notice_or_404(notice_id)
    form = WithdrawConsentForm()
    if form.validate_on_submit() and statement_services.withdraw_consent(notice, actor=_me()):
        db.session.commit()
        flash(
            "Your consent is withdrawn: your statement will not be used, and any anonymized "
            "copy of it is deleted.",
            "success",
        )
    return redirect(url_for(".consent", notice_id=notice.id))
