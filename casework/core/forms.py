"""Forms for offices, and mapping operation errors back onto forms."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from casework.core.errors import DomainError
from casework.extensions import db

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


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show an operation's error on the field it names, else above the form."""
    for name in (error.field, f"{error.field}_id"):
        if name and name in form:
            form[name].errors = [*form[name].errors, error.message]
            return
    form.form_errors.append(error.message)


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Roll the failed change back and show its error on the form: nothing half-written."""
    db.session.rollback()
    attach_error(form, error)
