"""The rep's digest settings form."""

from functools import cache

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from union.admin.forms import choices
from union.core.time import us_timezone_choices
from union.digests.models import WEEKDAYS, DigestFrequency


@cache
def _zones() -> tuple[list[tuple[str, str]], frozenset[str]]:
    """The time zone options, read once (listing the zone database takes a while)."""
    choices = us_timezone_choices()
    return choices, frozenset(zone for zone, _ in choices)


# The selects need no "required" validator: a value that is not one of their options is
# refused anyway (and a required select would need an empty first option to be valid HTML).
class DigestPreferenceForm(FlaskForm):
    frequency = RadioField(
        "How often",
        choices=choices((f.value, f.label) for f in DigestFrequency),
        validators=[InputRequired("Choose off, daily or weekly.")],
    )
    hour = SelectField(
        "At what time",
        choices=choices((h, f"{h:02d}:00") for h in range(24)),
        coerce=int,
        description="On the clock of the time zone below.",
    )
    weekday = SelectField(
        "On which day (weekly digests)",
        choices=choices(enumerate(WEEKDAYS)),
        coerce=int,
    )
    timezone = SelectField(
        "Time zone",
        validate_choice=False,  # validate_timezone says it in words
        description="Your chapter's, unless you are somewhere else.",
    )
    send_when_empty = BooleanField("Send the digest even when there is nothing new")
    submit = SubmitField("Save digest settings")

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(_zones()[0])

    def validate_timezone(self, field: SelectField) -> None:
        if (field.data or "") not in _zones()[1]:
            raise ValidationError("Choose a time zone from the list, e.g. America/Chicago.")


class SendTestForm(FlaskForm):
    submit = SubmitField("Send me a test digest")


class UnsubscribeForm(FlaskForm):
    """The confirm button of the unsubscribe page (the one-click POST needs no form)."""

    submit = SubmitField("Turn off my digest")


class ResendForm(FlaskForm):
    submit = SubmitField("Send again")
