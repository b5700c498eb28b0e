"""Roster request forms: recording a request, sending it to members, a member's answer,
the information request's letter and its course. Each field checks its own format; what
the facts must add up to is a rule of the services. Choices that come from the database
are set by the view."""

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from union.admin.forms import choices, optional_int
from union.notices.forms import Checkboxes, ChoiceRadios, MaxChars, clean_text
from union.notices.models import LONG_TEXT, MEDIUM_TEXT, SHORT_TEXT, Channel, Duty
from union.notices.storage import ACCEPT
from union.rosters.models import LETTER_TEXT, InfoRequestStatus, RosterAnswerKind
from union.rosters.services import MAX_PEOPLE

NOTES_TEXT = 20_000


def _date(label: str, **kwargs: Any) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        invalid_value_message="Enter a date like 2026-03-15 (year, month, day).",
        **kwargs,
    )


def _text(label: str, limit: int = SHORT_TEXT, **kwargs: Any) -> StringField:
    return StringField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


def _area(label: str, limit: int, **kwargs: Any) -> TextAreaField:
    return TextAreaField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


class RosterRequestForm(FlaskForm):
    chapter = SelectField("Chapter", coerce=optional_int, validate_choice=True)
    title = _text(
        "Name of the request (required)",
        description="A few words to find it by, e.g. “ERO Atlanta support roster, 40 names”.",
    )
    requested_by_name = _text("Who in management asked")
    requested_by_title = _text("Their title", description="e.g. Special Agent in Charge")
    agency_id = SelectField("Whose staff: component", coerce=optional_int)
    office = _text("Office", description="As the chapter's member list names it, if it does.")
    receiving_agency_id = SelectField("For which component", coerce=optional_int)
    receiving_unit = _text("Receiving unit", description="e.g. ERO Atlanta, a task force")
    duties = Checkboxes("Duties", Duty.choices())
    duties_other = _text("Other duties, in a few words")
    people_requested = IntegerField(
        "How many people management wants",
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_PEOPLE, message=f"Enter a whole number from 1 to {MAX_PEOPLE:,}."
            ),
        ],
    )
    duration = _text("For how long", description="e.g. 90 days, until further notice")
    starts_on = _date("Starting")
    communicated_on = _date("Date management asked")
    how_communicated = SelectField(
        "How management asked",
        choices=choices([("", "Not known"), *Channel.choices()]),
        coerce=lambda v: v or None,
    )
    reply_by = _date(
        "Reply-by date (required)",
        description="Members can answer, and change their answer, until the end of this day.",
    )
    notes = _area("Notes (reps only)", NOTES_TEXT)
    documents = MultipleFileField(
        "Attach what management sent (memo, email, screenshot)", render_kw={"accept": ACCEPT}
    )
    save = SubmitField("Save the request")

    def request_fields(self) -> dict[str, Any]:
        names = (
            "title", "requested_by_name", "requested_by_title", "agency_id", "office",
            "receiving_agency_id", "receiving_unit", "duties", "duties_other",
            "people_requested", "duration", "starts_on", "communicated_on",
            "how_communicated", "reply_by", "notes",
        )  # fmt: skip
        return {name: self[name].data for name in names if not self[name].errors}


class LinkNoticesForm(FlaskForm):
    notice_ids = Checkboxes("Members' notices about this request", [])
    references = _text(
        "Or case references",
        limit=MEDIUM_TEXT,
        description="Separated by commas or spaces, e.g. C-2026-00042 C-2026-00045.",
    )
    link = SubmitField("Link to this request")


class ConfirmForm(FlaskForm):
    """A button that does one thing (open the case, remind, close, unlink…)."""

    go = SubmitField("Go")


SEND_OFFICE, SEND_CHAPTER, SEND_CHOSEN = "office", "chapter", "chosen"


class SendForm(FlaskForm):
    to = RadioField(
        "Send it to",
        choices=choices(
            [
                (SEND_OFFICE, "The members of the offices ticked below"),
                (SEND_CHAPTER, "Everyone in the chapter with an account"),
                (SEND_CHOSEN, "The people ticked below"),
            ]
        ),
        default=SEND_OFFICE,
    )
    offices = Checkboxes("Offices", [])
    user_ids = Checkboxes("People", [])
    send = SubmitField("Send the request")


class AnswerForm(FlaskForm):
    answer = ChoiceRadios("Your answer", RosterAnswerKind.choices())
    reason = _area(
        "Why you object (required if you object)",
        LONG_TEXT,
        description="Only your stewards read this.",
    )
    comment = _area(
        "Anything else your stewards should know (optional)",
        LONG_TEXT,
        description="Only your stewards read this.",
    )
    save = SubmitField("Save my answer")


class StatusForm(FlaskForm):
    close = SubmitField("Close the request")
    reopen = SubmitField("Reopen it")


# -- the information request -----------------------------------------------------------


class ItemForm(Form):
    description = _area("What the Union asks for", LONG_TEXT, render_kw={"rows": 4})
    why = _area("Why the Union needs it", LETTER_TEXT, render_kw={"rows": 4})
    use = _area("How the Union will use it", LETTER_TEXT, render_kw={"rows": 4})
    relation = _area(
        "How that relates to its representational duties", LETTER_TEXT, render_kw={"rows": 4}
    )


class LetterForm(FlaskForm):
    addressee_name = _text("To: name")
    addressee_title = _text("To: title")
    subject = _text("Subject", limit=MEDIUM_TEXT)
    opening = _area(
        "Opening paragraphs: what management asked, and the legal basis", LETTER_TEXT,
        render_kw={"rows": 12},
    )  # fmt: skip
    closing = _area(
        "Closing paragraphs: the time to answer, and what follows if not", LETTER_TEXT,
        render_kw={"rows": 9},
    )  # fmt: skip
    signer_name = _text("Signed by")
    signer_title = _text("Their title")
    items = FieldList(FormField(ItemForm), min_entries=1)
    save = SubmitField("Save the letter")

    def letter_fields(self) -> dict[str, Any]:
        from union.rosters.letters import LETTER_FIELDS

        return {name: self[name].data for name in LETTER_FIELDS}

    def item_values(self) -> list[dict[str, Any]]:
        return [dict(entry.form.data) for entry in self.items]


NEW_CASE = "new"


class SendLetterForm(FlaskForm):
    sent_on = _date("Date it went to management")
    case = SelectField("Case it belongs to", description="Its answer deadline goes on this case.")
    record = SubmitField("Record it as sent")


class InfoStatusForm(FlaskForm):
    status = SelectField("What happened")
    happened_on = _date("On", description="Empty: today.")
    note = _area(
        "What came back, or what was said", LETTER_TEXT,
        description="For an answer: what management provided, or why it refused.",
    )  # fmt: skip
    documents = MultipleFileField("Attach what came back", render_kw={"accept": ACCEPT})
    record = SubmitField("Record it")


STATUS_CHOICES = InfoRequestStatus.choices()
