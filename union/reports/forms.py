"""The reports' filter (the case queue's own, read from the URL) and the statement
review form."""

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from union.admin.forms import choices
from union.auth.models import User
from union.cases import services as case_services
from union.cases.forms import QueueFilterForm
from union.cases.queue import ALL, OPEN, STATUS_FILTERS, CaseFilter
from union.chapters.models import Chapter
from union.notices.forms import MaxChars, clean_text
from union.notices.models import STATEMENT_TEXT


class ReportFilterForm(QueueFilterForm):
    """The case queue's filter. One difference: with no status in the URL the reports
    take every status (the picture is of everything reported, not only open work)."""

    status = SelectField("Status", choices=choices(STATUS_FILTERS.items()), default=ALL)


def read_filter(
    user: User, chapters: list[Chapter], args: MultiDict[str, str]
) -> tuple[ReportFilterForm, CaseFilter]:
    """The filter the URL asks for, read as the queue reads it (nonsense filters nothing),
    and its form with the options ``user`` may choose from."""
    form = ReportFilterForm(formdata=args)
    form.offer(user, chapters, case_services.assignable_people([c.id for c in chapters]))
    return form, form.case_filter()


def report_args(f: CaseFilter) -> dict[str, str]:
    """The filter as the reports' URL arguments: like the queue's, but "open" is said and
    "all" (the reports' default) is not."""
    args = f.args()
    if f.status == OPEN:
        args["status"] = OPEN
    elif f.status == ALL:
        args.pop("status", None)
    return args


def queue_args(f: CaseFilter) -> dict[str, str]:
    """The same filter as the case queue's URL arguments (its default is "open")."""
    args = f.args()
    if f.status == ALL:
        args["status"] = ALL
    return args


class ReviewForm(FlaskForm):
    text = TextAreaField(
        "Anonymized statement",
        validators=[InputRequired("The anonymized text cannot be empty."),
                    MaxChars(STATEMENT_TEXT)],
        filters=[clean_text],
        description=(
            "Bracketed words like [name] or [number] replace what was taken out. Edit "
            "freely; it is checked again for names, emails, phone and employee numbers "
            "when you approve it."
        ),
    )  # fmt: skip
    approve = SubmitField("Approve for use")
    save = SubmitField("Save, decide later")
    reject = SubmitField("Do not use")


class WithdrawConsentForm(FlaskForm):
    withdraw = SubmitField("Withdraw my consent")


def chosen_chapter(args: MultiDict[str, str], chapters: list[Chapter]) -> int | None:
    """The chapter the URL names, if the user may choose it."""
    value: Any = args.get("chapter", "")
    ids = {c.id for c in chapters}
    # isdigit() alone lets "²" through, which int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    return int(value) if int(value) in ids else None
