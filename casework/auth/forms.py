"""Forms for login, TOTP, own account, user and office administration."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from casework.core.i18n import ROLE_LABELS

ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Six digits."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    office_id = SelectField(_l("Office"), coerce=int, choices=[])
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(max=1024)]
    )


class ResetPasswordForm(FlaskForm):
    """An admin's reset of another user's password (confirmed by submitting it)."""

    temporary_password = StringField(
        _l("Temporary password"), validators=[Optional(), Length(max=1024)])


class ResetTotpForm(FlaskForm):
    """An admin's reset of another user's two-step login (confirmed by submitting it)."""


class LanguageForm(FlaskForm):
    lang = StringField(validators=[DataRequired(), Length(max=8)])
    next = StringField(validators=[Optional(), Length(max=2000)])


TIMEZONE_CHOICES = sorted(available_timezones())


class OfficeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES, default="Asia/Damascus")


class NewOfficeForm(OfficeForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2,10}$", message=_l("2 to 10 letters, e.g. RQA.")),
        ],
    )
