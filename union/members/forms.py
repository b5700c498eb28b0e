"""Member forms: the import's upload and column mapping, the directory's filters,
invitations, corrections, joining by invitation and the rep's verification decision.
Choices that come from the file or the database are set by the view."""

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from union.admin.forms import choices
from union.auth.forms import EMAIL_VALIDATORS, GovernmentAddressCheck, StrongPassword, clean_email
from union.members.imports import FIELDS
from union.members.services import STATUSES
from union.members.spreadsheets import ACCEPTED

NOT_IN_FILE = ""


def _strip(value: str | None) -> str | None:
    return " ".join(value.split()) if value else value


class UploadForm(FlaskForm):
    file = FileField(
        "Member list",
        validators=[FileRequired("Choose the file with the chapter's member list.")],
        description=f"{ACCEPTED}, with the column names in the first row. "
        "Nothing changes until you have seen what the import would do and confirmed it.",
    )
    submit = SubmitField("Upload and map the columns")


def _column_field(label: str, description: str) -> SelectField:
    return SelectField(
        label, default=NOT_IN_FILE, description=description,
        invalid_choice_message="Choose one of the file's columns.",
    )  # fmt: skip


class MappingForm(FlaskForm):
    """A select per Steward field, each offering the file's columns."""

    member_number = _column_field("Member number", "Required. Matches rows to members.")
    name = _column_field("Name", "Required, unless the file has first and last name apart.")
    first_name = _column_field("First name", "Only when the file has no full name.")
    last_name = _column_field("Last name", "Only when the file has no full name.")
    email = _column_field("Personal email", "Invitations go to this address.")
    phone = _column_field("Phone", "")
    component = _column_field("Component", "")
    office = _column_field("Office", "")
    duty_station = _column_field("Duty station", "")
    work_schedule = _column_field("Work schedule", "")
    known_offices = TextAreaField(
        "The chapter's offices",
        validators=[Length(max=20_000)],
        description="One per line. When you list them, a row naming another office is "
        "refused (and spelling is made the same). Leave empty to accept any office.",
    )
    submit = SubmitField("Check the file")

    def column_fields(self) -> list[Any]:
        return [self[f.name] for f in FIELDS]

    def set_headers(self, headers: list[str]) -> None:
        options = choices([(NOT_IN_FILE, "— not in the file —"), *((h, h) for h in headers)])
        for f in self.column_fields():
            f.choices = options

    def columns(self) -> dict[str, str]:
        return {f.name: self[f.name].data for f in FIELDS if self[f.name].data}

    def offices(self) -> list[str]:
        lines = (_strip(line) for line in (self.known_offices.data or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))


class ConfirmForm(FlaskForm):
    submit = SubmitField("Import now")


class DirectoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name, email or member number", validators=[Length(max=200)], filters=[_strip])
    office = SelectField("Office", default="", invalid_choice_message="Choose from the list.")
    component = SelectField("Component", default="", invalid_choice_message="Choose from the list.")
    status = SelectField(
        "Status",
        choices=choices([("", "Anyone"), *STATUSES.items()]),
        default="",
        invalid_choice_message="Choose from the list.",
    )


class InviteForm(FlaskForm):
    member_ids = SelectMultipleField("Members", coerce=int, validate_choice=False)
    selected = SubmitField("Invite the ticked members")
    everyone = SubmitField("Invite everyone who has not joined")


class InviteOneForm(FlaskForm):
    submit = SubmitField("Send an invitation")


class MemberForm(FlaskForm):
    member_number = StringField(
        "Member number",
        validators=[DataRequired("Enter the member number."), Length(max=32)],
        filters=[_strip],
    )
    name = StringField(
        "Name", validators=[DataRequired("Enter the member's name."), Length(max=200)],
        filters=[_strip],
    )  # fmt: skip
    email = EmailField(
        "Personal email",
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.org.", check_deliverability=False),
        ],
        filters=[clean_email],
    )
    phone = StringField("Phone", validators=[Length(max=40)], filters=[_strip])
    component = StringField("Component", validators=[Length(max=100)], filters=[_strip])
    office = StringField("Office", validators=[Length(max=120)], filters=[_strip])
    duty_station = StringField("Duty station", validators=[Length(max=120)], filters=[_strip])
    work_schedule = StringField("Work schedule", validators=[Length(max=60)], filters=[_strip])
    submit = SubmitField("Save corrections")

    def values(self) -> dict[str, Any]:
        return {
            name: self[name].data
            for name in ("member_number", "name", "email", "phone", "component", "office",
                         "duty_station", "work_schedule")
        }  # fmt: skip


class JoinForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[DataRequired("Enter your name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
    )
    email = EmailField(
        "Personal email",
        validators=[*EMAIL_VALIDATORS, GovernmentAddressCheck()],
        filters=[clean_email],
        description="You log in with it. Not your work address: union business belongs "
        "on personal email.",
    )
    use_government_address = BooleanField("I understand; use this government address anyway")
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), StrongPassword()],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )
    submit = SubmitField("Join")


class DecisionForm(FlaskForm):
    member_number = StringField(
        "Member number on the list (optional)",
        validators=[Length(max=32)],
        filters=[_strip],
        description="Links the account to that member's entry.",
    )
    approve = SubmitField("Approve")
    reject = SubmitField("Reject")

    def validate_member_number(self, field: Any) -> None:
        if field.data and self.reject.data:
            raise ValidationError("Leave the member number empty to reject.")
