"""Forms for the acknowledgement, its delivery and the family's response.

Forms check shapes (a date is a date); the rules (every fact answered, the apology in
the family's language, dates in order) are the operations', which name the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from casework.acknowledgement.models import (
    DELIVERY_METHOD_LABELS,
    FACT_LABELS,
    FAMILY_RESPONSE_LABELS,
    RESPONSIBILITY_LABELS,
    FactKind,
)
from casework.acknowledgement.operations import PARTY_MAX, SOURCE_MAX, TEXT_MAX
from casework.core.forms import IsoDateField

DISCLOSED, WITHHELD = "disclosed", "withheld"


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(key.value), label) for key, label in labels.items()]


class FactForm(Form):
    """One fact of the right to know: disclosed with what was said, or withheld and why."""

    # Not required here: the operation names every unanswered fact.
    disclosure = RadioField(
        _l("Told to the family?"),
        choices=[SelectChoice(DISCLOSED, _l("Disclosed")), SelectChoice(WITHHELD, _l("Withheld"))],
        validate_choice=False,
    )
    text = TextAreaField(_l("What the family was told"),
                         validators=[Length(max=TEXT_MAX)])
    withheld_reason = TextAreaField(_l("Reason given for withholding it"),
                                    validators=[Length(max=TEXT_MAX)])

    @property
    def disclosed(self) -> bool | None:
        return {DISCLOSED: True, WITHHELD: False}.get(self.disclosure.data)


class AcknowledgementForm(FlaskForm):
    # The acknowledgement's version when editing (empty for a new one).
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    acknowledging_party = StringField(
        _l("Acknowledging party"), validators=[Length(max=PARTY_MAX)],
        description=_l("e.g. the coalition (Combined Joint Task Force – Operation Inherent "
                       "Resolve), or a member state's ministry of defence."))
    acknowledged_on = IsoDateField(_l("Date of the acknowledgement"), validators=[Optional()])
    responsibility = RadioField(_l("Responsibility"), choices=_choices(RESPONSIBILITY_LABELS),
                                validate_choice=False)
    source = StringField(
        _l("Where it was made"), validators=[Length(max=SOURCE_MAX)],
        description=_l("e.g. the monthly civilian casualty report of July 2018, or a letter "
                       "with its reference."))
    target = FormField(FactForm, label=FACT_LABELS[FactKind.target])
    location = FormField(FactForm, label=FACT_LABELS[FactKind.location])
    weapon = FormField(FactForm, label=FACT_LABELS[FactKind.weapon])
    participating_states = FormField(FactForm, label=FACT_LABELS[FactKind.participating_states])
    target_verification = FormField(FactForm, label=FACT_LABELS[FactKind.target_verification])
    civilian_precautions = FormField(FactForm,
                                     label=FACT_LABELS[FactKind.civilian_precautions])
    apology_text = TextAreaField(_l("Apology, as given to the family"),
                                 validators=[Length(max=TEXT_MAX)])

    def fact_forms(self) -> list[tuple[FactKind, FormField]]:
        return [(kind, self[kind.value]) for kind in FactKind]


class DeliveryForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    delivered_on = IsoDateField(_l("Delivered on"), validators=[Optional()])
    method = SelectField(_l("How"), choices=_choices(DELIVERY_METHOD_LABELS),
                         validate_choice=False)
    delivered_by = StringField(
        _l("Delivered by"), validators=[Length(max=PARTY_MAX)],
        description=_l("The person who delivered it and for whom they speak, e.g. “Liaison "
                       "officer of the coalition, with the Raqqa office's caseworker”."))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=TEXT_MAX)])


class FamilyResponseForm(FlaskForm):
    response = RadioField(_l("The family's response"), choices=_choices(FAMILY_RESPONSE_LABELS),
                          validate_choice=False)
    responded_on = IsoDateField(_l("Date"), validators=[Optional()])
    notes = TextAreaField(_l("What the family said"), validators=[Length(max=TEXT_MAX)])
    follow_up_on = IsoDateField(_l("Follow up on"), validators=[Optional()])
    follow_up_notes = TextAreaField(_l("Follow-up: what is planned"),
                                    validators=[Length(max=TEXT_MAX)])
