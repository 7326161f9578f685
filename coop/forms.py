"""The platform's forms (Flask-WTF: every form carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length

from coop.models import ROLE_LABELS

REQUIRED = "Please fill this in."


class SignInForm(FlaskForm):
    login = StringField(
        "E-mail address or username",
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class JoinForm(FlaskForm):
    display_name = StringField(
        "Your name",
        validators=[DataRequired(REQUIRED), Length(max=120)],
        description="What should people in Carecoop call you?",
        render_kw={"autocomplete": "name"},
    )
    username = StringField(
        "Username",
        validators=[DataRequired(REQUIRED), Length(max=64)],
        description="You can sign in with this or with your e-mail address. "
        "Lower-case letters, numbers, dots, dashes and underscores.",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(REQUIRED)],
        description="At least 12 characters. A few unrelated words together work well.",
        render_kw={"autocomplete": "new-password"},
    )


class InviteForm(FlaskForm):
    display_name = StringField("Their name", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        "Their e-mail address",
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    # SelectChoice, not (value, label) tuples: wtforms 3.3 deprecates tuples, and warnings are
    # errors in the tests.
    role = SelectField(
        "Their role", choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()]
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Your current password",
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "Your new password",
        validators=[DataRequired(REQUIRED)],
        description="At least 12 characters. Changing it signs you out on every other device.",
        render_kw={"autocomplete": "new-password"},
    )


class ResetRequestForm(FlaskForm):
    login = StringField(
        "E-mail address or username",
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(REQUIRED)],
        description="At least 12 characters. A few unrelated words together work well.",
        render_kw={"autocomplete": "new-password"},
    )


class TokenForm(FlaskForm):
    name = StringField(
        "What is this token for?",
        validators=[DataRequired(REQUIRED), Length(max=80)],
        description="For example: “my calendar script”.",
    )
    scope = SelectField(
        "What may it do?",
        choices=[
            SelectChoice("read", "Read only"),
            SelectChoice("read-write", "Read and change things"),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: just the CSRF token."""


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    actor = StringField("Who (username)")
    action = StringField("What (action, e.g. user.created)")
    object_type = StringField("Kind of record")
    object_id = StringField("Record number", render_kw={"inputmode": "numeric"})
    since = StringField("From (YYYY-MM-DD)", render_kw={"placeholder": "2026-01-31"})
    until = StringField("To (YYYY-MM-DD)", render_kw={"placeholder": "2026-12-31"})
