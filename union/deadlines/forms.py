"""Adding a deadline to a case, and changing one (a correction, or an agreed extension)."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from union.chapters.models import DayKind
from union.core.widgets import SelectField
from union.deadlines.models import KIND_LABELS, REASON_LENGTH, TITLE_LENGTH, DeadlineKind
from union.notices.forms import MaxChars, clean_text, options

DATE_FORMAT_MESSAGE = "Enter a date like 2026-03-15 (year, month, day)."


def _date(label: str, required: bool = False, **kwargs: Any) -> DateField:
    first = InputRequired(message=f"Enter the {label.lower()}.") if required else Optional()
    return DateField(label, validators=[first], invalid_value_message=DATE_FORMAT_MESSAGE, **kwargs)


def _text(label: str, limit: int, **kwargs: Any) -> StringField:
    return StringField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


def _area(label: str, limit: int, **kwargs: Any) -> TextAreaField:
    return TextAreaField(label, validators=[MaxChars(limit)], filters=[clean_text], **kwargs)


KIND_CHOICES = options([(kind.value, label) for kind, label in KIND_LABELS.items()])
DAY_KIND_CHOICES = options(
    [
        (DayKind.CALENDAR.value, "Calendar days"),
        (DayKind.BUSINESS.value, "Business days (no weekends or federal holidays)"),
    ]
)
# Kinds the chapter's policy counts, when the rep gives only the day to count from.
POLICY_KINDS = {DeadlineKind.GRIEVANCE.value, DeadlineKind.INFO_REQUEST.value}
MAX_DAYS = 3650


class DeadlineForm(FlaskForm):
    """A new deadline: a due date, or a number of days counted from a date."""

    kind = SelectField("What is due", choices=KIND_CHOICES, default=DeadlineKind.CUSTOM.value)
    title = _text(
        "Title",
        TITLE_LENGTH,
        description="Shown in the calendar feed with the case reference. "
        "Leave empty to use the kind. No member names here.",
    )
    due_on = _date("Due date", description="Either a due date, or the days to count below.")
    days = IntegerField(
        "Days to count",
        validators=[Optional(), NumberRange(min=0, max=MAX_DAYS, message="Enter 0 to 3650.")],
    )
    day_kind = SelectField("Count in", choices=DAY_KIND_CHOICES, default=DayKind.CALENDAR.value)
    counted_from = _date(
        "Counted from",
        description="The day of the event (not counted). For a grievance window or an "
        "information request answer, this alone counts the chapter's policy.",
    )
    add = SubmitField("Add deadline")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "deadline")  # its fields share the case page
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        has_count = self.days.data is not None or self.counted_from.data is not None
        if self.due_on.data is not None and has_count:
            self.due_on.errors.append("Enter a due date or days to count, not both.")
            return False
        if self.due_on.data is not None:
            return True
        if self.counted_from.data is None:
            self.counted_from.errors.append(
                "Enter a due date, or the day to count from."
                if self.days.data is None
                else "Enter the day to count from."
            )
            return False
        if self.days.data is None and self.kind.data not in POLICY_KINDS:
            self.days.errors.append("Enter how many days to count.")
            return False
        return True


class EditDeadlineForm(FlaskForm):
    kind = SelectField("What is due", choices=KIND_CHOICES)
    title = _text("Title", TITLE_LENGTH, description="No member names here.")
    due_on = _date("Due date", required=True)
    change = RadioField(
        "If the date changes, why?",
        choices=options(
            [
                ("extension", "An agreed extension: the original date is kept in the history"),
                ("correction", "A correction: the date was entered wrong"),
            ]
        ),
        validators=[Optional()],
    )
    reason = _area(
        "Reason",
        REASON_LENGTH,
        description="Required for an extension: who agreed, and when.",
    )
    save = SubmitField("Save deadline")


class DeadlineActionForm(FlaskForm):
    """Close or reopen: the button and its CSRF token."""
