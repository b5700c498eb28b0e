"""The notice form, a member's update, and the withdrawal confirmation.

Every field here checks only its own format (a date is a date, text fits, a choice is
one of the options), so a draft can be saved half done. What a notice needs before it is
submitted (required answers, dates that make sense) is a rule of the service:
``services.submission_problems``.
"""

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from union.chapters.models import Agency
from union.notices.models import (
    LONG_TEXT,
    MEDIUM_TEXT,
    SHORT_TEXT,
    STATEMENT_TEXT,
    Answer,
    Channel,
    Duty,
    NoticeKind,
    PayItem,
    TrainingGap,
    TrainingStatus,
    UpdateKind,
    Willingness,
)
from union.notices.services import OTHER_AGENCY
from union.notices.storage import ACCEPT

# Control characters other than tab and newline have no place in what a person types
# (and PostgreSQL refuses NUL outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str | None) -> str | None:
    """Trim, use \\n for new lines, drop control characters; empty becomes None."""
    if value is None:
        return None
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value or None


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def options(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class MaxChars(Length):
    """At most ``max`` characters, saying how many were typed so trimming is easy."""

    def __init__(self, max: int) -> None:  # noqa: A002 - the name Length uses
        super().__init__(max=max)

    def __call__(self, form: FlaskForm, field: Any) -> None:
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(
                f"Use at most {self.max:,} characters: this has {length:,}. "
                "Shorten it; what you typed is kept below."
            )


class ChoiceRadios(RadioField):
    """Radio buttons where choosing none is allowed (a draft may leave it for later)."""

    def __init__(self, label: str, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(label, choices=options(choices), coerce=_optional_str, **kwargs)

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is not None:
            super().pre_validate(form)


class Checkboxes(SelectMultipleField):
    """A group of checkboxes: tick any."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(label, choices=options(choices), **kwargs)

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value or []]


def _date(label: str, **kwargs: Any) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        invalid_value_message="Enter a date like 2026-03-15 (year, month, day).",
        **kwargs,
    )


def _text(label: str, limit: int = SHORT_TEXT, **kwargs: Any) -> StringField:
    return StringField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


def _area(label: str, limit: int = LONG_TEXT, **kwargs: Any) -> TextAreaField:
    return TextAreaField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


def _answer(label: str) -> ChoiceRadios:
    return ChoiceRadios(label, Answer.choices())


REQUIRED = {"required": True}


class NoticeForm(FlaskForm):
    # What happened
    kind = ChoiceRadios("What were you told? (required)", NoticeKind.choices())
    willingness = ChoiceRadios("Were you directed, or asked? (required)", Willingness.choices())
    how_told = ChoiceRadios("How were you told? (required)", Channel.choices())
    # Where from and where to
    home_agency_id = SelectField(
        "Your component (required)", coerce=_optional_str, render_kw=REQUIRED
    )
    home_office = _text(
        "Your office or post of duty", description="For example: Atlanta Field Office."
    )
    receiving_agency = SelectField(
        "Component you are sent to (required)", coerce=_optional_str, render_kw=REQUIRED
    )
    receiving_agency_other = _text(
        "If another component, which one", description="Only if you chose “Other” above."
    )
    receiving_unit = _text(
        "Unit, task force or office you are sent to",
        description="For example: ERO Atlanta, Fugitive Operations.",
    )
    # Duties
    duties = Checkboxes("Duties you are asked to do (tick all that apply)", Duty.choices())
    duties_other = _text("Other duties, in a few words")
    # Dates
    notified_on = _date("Date you were told (required)", render_kw=REQUIRED)
    starts_on = _date("Start date")
    ends_on = _date("End date")
    expected_length = _text(
        "Or how long it is expected to last",
        description="For example: 90 days, until further notice.",
    )
    reply_by = _date(
        "Reply-by date", description="If you were asked to answer by a date, which one."
    )
    # Place
    duty_location = _text("Where the work is", description="City, facility or site.")
    travel = _answer("Does it require travel?")
    relocation = _answer("Does it require you to relocate?")
    remote_to_onsite = _answer("Are you moved from remote or telework to on-site?")
    coworkers_count = IntegerField(
        "How many coworkers got the same notice?",
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message="Enter a number from 0 to 100,000."),
        ],
        description="Your best guess; 0 if only you.",
        invalid_value_message="Enter a whole number, like 12.",
        render_kw={"inputmode": "numeric", "min": 0, "max": 100000},
    )
    # Concerns: training
    training_status = ChoiceRadios(
        "Training you were given for it (required)", TrainingStatus.choices()
    )
    training_gaps = Checkboxes("Training that is missing", TrainingGap.choices())
    training_other = _text("Other training that is missing", MEDIUM_TEXT)
    # Concerns: pay
    pay_items = Checkboxes("Pay you were offered for it", PayItem.choices())
    # Concerns: contract
    contract_articles = _text(
        "Contract articles this may break",
        MEDIUM_TEXT,
        description="If you know them. For example: Article 9 (details), Article 47 (telework).",
    )
    union_notified_before = _answer("Was the union told before it began?")
    telework_affected = _answer("Does it affect your telework agreement?")
    outside_position_description = _answer("Are the duties outside your position description?")
    # Concerns: safety, hardship
    safety_health = _area("Safety and health concerns")
    personal_hardship = _area(
        "Personal hardship", description="Childcare, medical, family, distance from home…"
    )
    # The member's words and consents
    statement = _area(
        "What happened, in your own words",
        STATEMENT_TEXT,
        description=f"Up to {STATEMENT_TEXT:,} characters.",
        render_kw={"rows": 10},
    )
    consent_contact = BooleanField("The union may contact me about this notice")
    consent_anonymized_use = BooleanField(
        "The union may use my statement anonymized (no name, nothing that identifies me), "
        "for example in front of lawmakers"
    )
    confidential = BooleanField("Keep my identity confidential")
    attachments = MultipleFileField(
        "Attach the memo, email or screenshot", render_kw={"accept": ACCEPT}
    )

    submit = SubmitField("Submit notice")
    save_draft = SubmitField("Save draft")

    CHOICE_GROUPS = ("duties", "training_gaps", "pay_items")
    NOT_COLUMNS = ("csrf_token", "attachments", "submit", "save_draft", "receiving_agency")

    def set_agencies(self, agencies: list[Agency]) -> None:
        catalogue = [(str(a.id), f"{a.label} — {a.name}") for a in agencies]
        self.home_agency_id.choices = options([("", "Choose your component…"), *catalogue])
        self.receiving_agency.choices = options(
            [("", "Choose a component…"), *catalogue, (OTHER_AGENCY, "Other (type it below)")]
        )

    def notice_fields(self) -> dict[str, Any]:
        """What the member entered, as the service takes it; fields in error are left out
        (the stored draft keeps its previous value for them)."""
        fields: dict[str, Any] = {}
        for name, field in self._fields.items():
            if name in self.NOT_COLUMNS or field.errors:
                continue
            fields[name] = field.data
        if not self.receiving_agency.errors:
            fields["receiving_agency"] = self.receiving_agency.data
        return fields

    def is_blank(self) -> bool:
        """Nothing entered at all (the home component is filled in for the member)."""
        return not any(
            value not in (None, "", [], False)
            for name, value in self.notice_fields().items()
            if name != "home_agency_id"
        )


class UpdateForm(FlaskForm):
    update_kind = ChoiceRadios("What changed? (required)", UpdateKind.choices())
    new_date = _date("New date", description="If a date changed: the new one.")
    body = _area("Tell us more", LONG_TEXT)
    post_update = SubmitField("Add update")


class WithdrawForm(FlaskForm):
    reason = _area(
        "Why are you withdrawing it? (optional)",
        2000,
        description="Your stewards see this on the case.",
    )
    withdraw = SubmitField("Withdraw notice")


class DiscardForm(FlaskForm):
    discard = SubmitField("Delete this draft")
