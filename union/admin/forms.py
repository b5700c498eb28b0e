"""Admin forms: chapters and their deadline policy, user access, the agency catalogue, and
the filters of the admin lists. Choices that come from the database are set by the view."""

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from union.auth.models import Role
from union.chapters.models import DayKind
from union.core.time import is_valid_timezone, us_timezone_choices


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Options for a select, radio or checkbox group from ``(value, label)`` pairs."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def optional_int(value: Any) -> int | None:
    """Coerce a select's value: the empty choice ("any", "none") is None."""
    if value is None or value in ("", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as checkboxes (easier than ctrl-click, and works on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


DAY_KIND_CHOICES = [
    (DayKind.CALENDAR.value, "Calendar days"),
    (DayKind.BUSINESS.value, "Business days (federal holidays and weekends skipped)"),
]
DAYS_MESSAGE = "Enter a whole number of days from 1 to 365."
ROLE_CHOICES = [
    (Role.MEMBER.value, "Member"),
    (Role.REP.value, "Rep (steward, chapter officer)"),
    (Role.ADMIN.value, "Admin"),
]


def _days_field(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(DAYS_MESSAGE), NumberRange(min=1, max=365, message=DAYS_MESSAGE)],
        description=description,
    )


def _day_kind_field(label: str) -> RadioField:
    return RadioField(
        label,
        choices=choices(DAY_KIND_CHOICES),
        invalid_choice_message="Choose calendar or business days.",
    )


class ChapterForm(FlaskForm):
    number = StringField(
        "Chapter number",
        validators=[DataRequired("Enter the chapter's number."), Length(max=16)],
        filters=[_strip],
        description="As the union numbers it, e.g. 24 or 1917.",
    )
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the chapter's name."), Length(max=200)],
        filters=[_strip],
    )
    agency_id = SelectField(
        "Employer agency",
        coerce=int,
        invalid_choice_message="Choose an agency from the catalogue.",
    )
    # Checked against every zone this machine knows, not only the listed ones, so the
    # message below is what a forged or stale value gets.
    timezone = SelectField(
        "Time zone",
        choices=choices(us_timezone_choices()),
        validate_choice=False,
        description="Deadlines and digests follow the chapter's local time.",
    )
    grievance_days = _days_field(
        "Days to file a grievance", "Counted from the day the member was notified."
    )
    grievance_day_kind = _day_kind_field("Grievance days are")
    info_request_days = _days_field(
        "Days management has to answer an information request",
        "Counted from the day the union sent the request.",
    )
    info_request_day_kind = _day_kind_field("Information request days are")
    submit = SubmitField("Save chapter")

    def validate_timezone(self, field: Any) -> None:
        if not field.data or not is_valid_timezone(field.data):
            raise ValidationError("Choose a time zone from the list.")

    def chapter_fields(self) -> dict[str, Any]:
        """The values the chapter services take, by name."""
        return {
            name: getattr(self, name).data
            for name in (
                "number",
                "name",
                "agency_id",
                "timezone",
                "grievance_days",
                "grievance_day_kind",
                "info_request_days",
                "info_request_day_kind",
            )
        }


class UserAccessForm(FlaskForm):
    role = RadioField(
        "Role", choices=choices(ROLE_CHOICES), invalid_choice_message="Choose a role."
    )
    chapter_id = SelectField(
        "Member of chapter",
        coerce=optional_int,
        invalid_choice_message="Choose a chapter from the list.",
        description="The chapter whose member this person is.",
    )
    covered = MultiCheckboxField(
        "Chapters covered",
        coerce=int,
        invalid_choice_message="Choose chapters from the list.",
        description="Whose cases this person works. A rep covers at least one; "
        "admins see every chapter anyway; members cover none.",
    )
    active = BooleanField("Active: can log in")
    submit = SubmitField("Save access")


class AgencyForm(FlaskForm):
    department = StringField(
        "Department",
        validators=[DataRequired("Enter the department, e.g. DHS."), Length(max=64)],
        filters=[_strip],
    )
    code = StringField(
        "Component code",
        validators=[DataRequired("Enter the component's code, e.g. ICE-ERO."), Length(max=32)],
        filters=[_strip],
        description="Short, as members say it; stored in capitals.",
    )
    name = StringField(
        "Full name",
        validators=[DataRequired("Enter the component's full name."), Length(max=200)],
        filters=[_strip],
    )
    active = BooleanField(
        "Active: offered when chapters are created or edited",
        default=True,
    )
    submit = SubmitField("Save agency")


# -- list filters (GET forms: nothing changes, so no CSRF token) -----------------------


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or email", validators=[Length(max=200)], filters=[_strip])
    role = SelectField(
        "Role",
        choices=choices([("", "Any role"), *ROLE_CHOICES]),
        default="",
        invalid_choice_message="Choose a role from the list.",
    )
    chapter = SelectField(
        "Chapter",
        coerce=optional_int,
        invalid_choice_message="Choose a chapter from the list.",
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(
        "Action starts with",
        validators=[Length(max=64)],
        filters=[_strip],
        description="For example chapter. or user.login",
    )
    actor = SelectField("Who", default="", invalid_choice_message="Choose someone from the list.")
