"""What every domain's forms share: field types, the versioned form, and showing an
operation's error on the field it names."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from casework.core.errors import DomainError
from casework.extensions import db


def blank_choice() -> SelectChoice:
    return SelectChoice("", "—")


def choices_of(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value: object) -> int | None:
    if value in ("", None):
        return None
    return int(value)


class IsoDateField(DateField):
    """A date as YYYY-MM-DD (what browsers' date inputs send), with a clear message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter the date as YYYY-MM-DD, e.g. 2017-06-28.")) from error


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a whole number, e.g. 34.")) from error


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionedForm(FlaskForm):
    """Carries the version of the record the form was loaded at, and a signed snapshot
    of the values it showed (to say what changed if someone saved in between)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    loaded = HiddenField()


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
