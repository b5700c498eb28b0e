"""Case forms: the queue's filter (a GET form: the filter lives in the URL), bulk changes,
saved views, and the case page's forms. Every case page form carries the version of the
case it was drawn from, so a save over someone else's newer change is refused. Choices
that come from the database are set by the view."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from union.admin.forms import choices
from union.cases.concerns import Concern
from union.cases.models import MAX_GRIEVANCE_STEP, CaseActionKind, CasePriority
from union.cases.queue import (
    DUE_FILTERS,
    MINE,
    SORTS,
    STATUS_FILTERS,
    UNASSIGNED,
    VIEW_NAME_LENGTH,
    CaseFilter,
)
from union.chapters.services import active_agencies
from union.core.security import MAX_ID
from union.core.widgets import SelectField
from union.notices.forms import MaxChars, clean_text
from union.notices.models import NoticeKind

COMMENT_TEXT = 10_000


def record_id(value: Any) -> int | None:
    """A posted id (a person, a notice) as a number a database id can be, else None:
    "²" passes ``str.isdigit`` and 2**40 is a number, but neither is an id."""
    text = str(value or "")
    if not (text.isascii() and text.isdecimal()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


SEARCH_TEXT = 200
NOTE = "note"
REPLY = "reply"


def _date(label: str, **kwargs: Any) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        invalid_value_message="Enter a date like 2026-03-15 (year, month, day).",
        **kwargs,
    )


class QueueFilterForm(FlaskForm):
    """The queue's filter, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        "Search",
        validators=[MaxChars(SEARCH_TEXT)],
        filters=[clean_text],
        description="A reference, unit, office, place or words of a statement.",
    )
    status = SelectField("Status", choices=choices(STATUS_FILTERS.items()), default="open")
    # Every select defaults to "" (any), which its choices always offer.
    chapter = SelectField("Chapter", default="")
    home = SelectField("Home component", default="")
    receiving = SelectField("Sent to component", default="")
    kind = SelectField(
        "Kind of notice", choices=choices([("", "Any kind"), *NoticeKind.choices()]), default=""
    )
    concern = SelectField(
        "Concern",
        choices=choices([("", "Any concern"), *((c.value, c.label) for c in Concern)]),
        default="",
    )
    assigned = SelectField("Assigned to", default="")
    due = SelectField("Due", choices=choices([("", "Any time"), *DUE_FILTERS.items()]), default="")
    opened_from = _date("Opened on or after")
    opened_to = _date("Opened on or before")
    sort = SelectField("Sort by", choices=choices(SORTS.items()), default="newest")

    def value(self, name: str) -> Any:
        """A field's value if it is valid, else None (a bad value filters nothing)."""
        f = self[name]
        return None if f.errors or f.data in ("", None) else f.data

    def offer(self, user: Any, chapters: list[Any], people: list[Any]) -> None:
        """The options ``user`` may choose from (``chapters``, the catalogue's components,
        ``people`` who may hold the cases), then the URL read against them. A bad date is
        shown empty with its error: a date input can only hold a date."""
        self.chapter.choices = choices(
            [("", "All chapters" if user.is_admin else "All your chapters"),
             *((c.id, f"{c.label} — {c.name}") for c in chapters)]
        )  # fmt: skip
        agencies = [("", "Any component"), *((a.id, a.label) for a in active_agencies())]
        self.home.choices = choices(agencies)
        self.receiving.choices = choices(agencies)
        self.assigned.choices = choices(
            [("", "Anyone"), (MINE, "Me"), (UNASSIGNED, "Nobody yet"),
             *((p.id, p.name) for p in people if p.id != user.id)]
        )  # fmt: skip
        self.validate()
        for name in ("opened_from", "opened_to"):
            if self[name].errors:
                self[name].raw_data = []

    def case_filter(self) -> CaseFilter:
        """The filter the form reads (what it could not read filters nothing; no status
        means the form's default one)."""

        def number(name: str) -> int | None:
            # "²" or 2**40 are no id (PostgreSQL refuses the latter).
            return record_id(self.value(name))

        return CaseFilter(
            status=self.value("status") or self.status.default,
            chapter_id=number("chapter"),
            home_agency_id=number("home"),
            receiving_agency_id=number("receiving"),
            kind=self.value("kind"),
            concern=self.value("concern"),
            assigned=self.value("assigned"),
            due=self.value("due"),
            opened_from=self.value("opened_from"),
            opened_to=self.value("opened_to"),
            q=self.value("q"),
            sort=self.value("sort") or "newest",
        )


class BulkForm(FlaskForm):
    case_ids = SelectMultipleField("Cases", coerce=int, validate_choice=False)
    action = RadioField(
        "With the ticked cases",
        choices=choices(
            [("assign", "Assign them"), ("status", "Change their status"), ("note", "Add a note")]
        ),
        validators=[InputRequired("Choose what to do with the ticked cases.")],
    )
    # Each case checks these itself (who may work it, where the workflow lets it go).
    rep = SelectField("Assign to", validate_choice=False)
    status = SelectField("New status", validate_choice=False)
    note = TextAreaField("Internal note", validators=[MaxChars(COMMENT_TEXT)], filters=[clean_text])
    back = HiddenField()
    apply = SubmitField("Apply to the ticked cases")


class SaveViewForm(FlaskForm):
    name = StringField(
        "Name this view",
        validators=[
            # After trimming: a name of only spaces is no name.
            DataRequired("Give the view a name."),
            Length(max=VIEW_NAME_LENGTH, message=f"At most {VIEW_NAME_LENGTH} characters."),
        ],
        filters=[clean_text],
        description="For example: Overdue contract cases, ERO Atlanta.",
    )
    query = HiddenField()
    save = SubmitField("Save view")


class DeleteViewForm(FlaskForm):
    delete = SubmitField("Delete")


# -- the case page ---------------------------------------------------------------------


class CaseForm(FlaskForm):
    """A form of the case page: it says which version of the case it was drawn from."""

    version = IntegerField(
        widget=HiddenField.widget,
        validators=[InputRequired("This form is out of date: reload the page.")],
    )


class StatusForm(CaseForm):
    # The service checks the value against the workflow and says why it is refused.
    status = SelectField("Move to", validate_choice=False)
    change = SubmitField("Change status")


class AssignForm(CaseForm):
    rep = SelectField("Assign to")
    assign = SubmitField("Assign")
    take = SubmitField("Take it myself")


class PriorityForm(CaseForm):
    priority = SelectField("Priority", choices=choices((p.value, p.label) for p in CasePriority))
    set_priority = SubmitField("Set priority")


class CommentForm(CaseForm):
    visibility = RadioField(
        "Who reads it",
        choices=choices(
            [
                (NOTE, "Internal note: reps of the chapter only"),
                (REPLY, "Reply to the member: they read it on their notice page"),
            ]
        ),
        default=NOTE,
        validators=[InputRequired("Choose who reads it.")],
    )
    to = SelectField("Reply to", validate_choice=False)
    body = TextAreaField(
        "Text",
        validators=[MaxChars(COMMENT_TEXT)],
        filters=[clean_text],
        render_kw={"rows": 5},
        description="A reply's member gets an email that a reply is waiting; the email "
        "never contains the text.",
    )
    post = SubmitField("Add to the case")


class ActionForm(CaseForm):
    kind = SelectField(
        "What was done",
        choices=choices([("", "Choose…"), *((k.value, k.label) for k in CaseActionKind)]),
        validate_choice=False,
    )
    step = IntegerField(
        "Grievance step",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_GRIEVANCE_STEP, message="Enter a step from 1 to 5."),
        ],
        description="For a grievance only.",
        invalid_value_message="Enter the step as a number, like 1.",
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_GRIEVANCE_STEP},
    )
    taken_on = _date("Date done")
    note = TextAreaField(
        "Note (reps only)",
        validators=[MaxChars(COMMENT_TEXT)],
        filters=[clean_text],
        render_kw={"rows": 3},
    )
    record = SubmitField("Record action")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LinkForm(CaseForm):
    notice_ids = CheckboxList("Likely the same notice", coerce=int, validate_choice=False)
    references = StringField(
        "Or link whole cases by reference",
        validators=[MaxChars(2000)],
        filters=[clean_text],
        description="One or more references of this chapter's open cases, like "
        "C-2026-00042, separated by commas or spaces.",
    )
    link = SubmitField("Link into this case")


class SplitForm(CaseForm):
    split = SubmitField("Split out into a case of its own")
