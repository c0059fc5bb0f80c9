"""What every domain's forms share: field types, the versioned form, and showing an
operation's error on the field it names (or, for a stale save, what changed meanwhile)."""

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from casework.core.errors import DomainError
from casework.core.ids import optional_record_id
from casework.core.lifecycle import StaleRecord


def blank_choice() -> SelectChoice:
    return SelectChoice("", "—")


def choices_of(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value: object) -> int | None:
    """A select's chosen id (None for the empty choice); ValueError, which the field shows,
    for what is not an id a record can have."""
    return optional_record_id(value)


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


class EditRefusal:
    """The `on_refusal` of an edit form (see casework.core.transaction.refusal_shown).

    Called after the rollback: when the record was saved by someone else meanwhile
    (StaleRecord), `conflict` becomes what `what_changed()` says about it, read from the
    saved state; any other error is shown on the form by `show` (at its field)."""

    def __init__(self, form: FlaskForm, what_changed: Callable[[], Any],
                 show: Callable[[FlaskForm, DomainError], None] = attach_error):
        self.form = form
        self.what_changed = what_changed
        self.show = show
        self.conflict: Any = None

    def __call__(self, error: DomainError) -> None:
        if isinstance(error, StaleRecord):
            self.conflict = self.what_changed()
        else:
            self.show(self.form, error)
