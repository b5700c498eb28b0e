"""Account forms: register, log in, reset a password, edit one's own account."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from union.auth.models import is_government_address

COMMON_PASSWORDS = {
    "password", "password1", "password123", "1234567890", "12345678910", "qwertyuiop",
    "letmein123", "iloveyou12", "unionstrong", "solidarity", "welcome123", "federal123",
}  # fmt: skip


class StrongPassword:
    """At least 10 characters, not a well-known password, not one character repeated."""

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: FlaskForm, field: Any) -> None:
        value = field.data or ""
        if len(value) < 10:
            raise ValidationError("Use at least 10 characters; a short sentence works well.")
        if len(value) > 256:
            raise ValidationError("Use at most 256 characters.")
        if value.lower() in COMMON_PASSWORDS or len(set(value)) < 4:
            raise ValidationError("That password is too easy to guess; choose another.")
        email = getattr(form, self.email_field).data if self.email_field else None
        if email and value.lower() == email.strip().lower():
            raise ValidationError("Your password must not be your email address.")


def clean_email(value: str | None) -> str | None:
    return value.strip().lower() if value else value


class GovernmentAddressCheck:
    """Union business belongs on personal email: a .gov or .mil address needs the person
    to confirm, with the ``confirm_field`` checkbox, that they mean it."""

    def __init__(self, confirm_field: str = "use_government_address") -> None:
        self.confirm_field = confirm_field

    def __call__(self, form: FlaskForm, field: Any) -> None:
        confirmed = getattr(form, self.confirm_field).data
        if field.data and is_government_address(field.data) and not confirmed:
            raise ValidationError(
                "This is a government address. Union business belongs on personal "
                "email and devices: management can read work mail. Use a personal "
                "address, or tick the box below to keep this one."
            )


EMAIL_VALIDATORS = [
    DataRequired("Enter your email address."),
    Length(max=254),
    Email("Enter an email address like name@example.org.", check_deliverability=False),
]


class RegisterForm(FlaskForm):
    invite_code = StringField(
        "Chapter invite code",
        validators=[DataRequired("Enter the invite code your chapter gave you."), Length(max=32)],
        filters=[lambda v: v.strip().upper() if v else v],
        description="Your chapter's stewards hand this out, e.g. on a flyer or by text.",
    )
    name = StringField(
        "Your name",
        validators=[DataRequired("Enter your name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
    )
    email = EmailField(
        "Personal email",
        validators=[*EMAIL_VALIDATORS, GovernmentAddressCheck()],
        filters=[clean_email],
        description="Not your work address: union business belongs on personal email.",
    )
    use_government_address = BooleanField("I understand; use this government address anyway")
    member_number = StringField(
        "Member number (optional)",
        validators=[Length(max=32)],
        filters=[lambda v: v.strip() if v else v],
        description="From your union card. With it (or the email the union has for you) "
        "your chapter can confirm your membership at once.",
    )
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
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[clean_email])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[clean_email])
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a password."), StrongPassword(email_field=None)],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )
    submit = SubmitField("Set password")


class AccountForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter your name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
    )
    email = EmailField(
        "Personal email",
        validators=[*EMAIL_VALIDATORS, GovernmentAddressCheck()],
        filters=[clean_email],
    )
    use_government_address = BooleanField("I understand; use this government address anyway")
    submit = SubmitField("Save")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a password."), StrongPassword(email_field=None)],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )
    submit = SubmitField("Change password")
