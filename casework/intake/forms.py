"""Forms for incidents, cases, household members and losses.

Forms check types and shapes (a date is a date); the rules of the domain (an age is
possible, an incident exists) are checked by the operations, which report the field
they concern. No database look-ups here: choices are filled in by the controllers.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from casework.core.forms import (
    IsoDateField,
    MultiCheckboxField,
    VersionedForm,
    WholeNumberField,
    blank_choice,
    choices_of,
    optional_int,
)
from casework.core.ids import record_id
from casework.core.money import amount_text
from casework.intake.editing import TrackedField
from casework.intake.models.cases import (
    DELIVERY_CHANNEL_LABELS,
    LANGUAGE_LABELS,
    VULNERABILITY_LABELS,
)
from casework.intake.models.incidents import CREDIBILITY_LABELS, PARTY_ROLE_LABELS, WEAPON_LABELS
from casework.intake.models.losses import LOSS_KIND_LABELS
from casework.intake.models.persons import (
    HARM_LABELS,
    INJURY_SEVERITY_LABELS,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
)


def _choices(labels: dict, blank: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice(str(key.value), label) for key, label in labels.items()]
    return [blank_choice(), *choices] if blank else choices


class IncidentForm(FlaskForm):
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=40)])
    occurred_on = IsoDateField(_l("Date"), validators=[InputRequired()])
    occurred_time = TimeField(_l("Time (local, if known)"), validators=[Optional()])
    neighbourhood = StringField(_l("Neighbourhood"), validators=[Length(max=200)])
    city = StringField(_l("City or town"), validators=[DataRequired(), Length(max=200)])
    latitude = FloatField(_l("Latitude"), validators=[Optional()])
    longitude = FloatField(_l("Longitude"), validators=[Optional()])
    weapon = SelectField(_l("Weapon or munition"), choices=_choices(WEAPON_LABELS),
                         default="unknown")
    weapon_detail = StringField(_l("Weapon details"), validators=[Length(max=200)])
    stated_target = StringField(_l("Stated target"), validators=[Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    loaded = HiddenField()


class PartyForm(FlaskForm):
    name = StringField(_l("State or force"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=_choices(PARTY_ROLE_LABELS))


class ExternalReferenceForm(FlaskForm):
    source = StringField(_l("Source (e.g. the NGO)"),
                         validators=[DataRequired(), Length(max=200)])
    identifier = StringField(_l("Report identifier"), validators=[Length(max=200)])
    url = StringField(_l("Link"), validators=[Length(max=1000)])


class AssessmentForm(FlaskForm):
    status = SelectField(_l("Assessment"), choices=_choices(CREDIBILITY_LABELS))
    assessed_on = IsoDateField(_l("Date of the assessment"), validators=[InputRequired()])
    source = StringField(_l("Source"), validators=[DataRequired(), Length(max=500)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])


class PersonFields(Form):
    """A household member's fields (also the head of household on the new-case form)."""

    name_ar = StringField(_l("Name in Arabic script"), validators=[Length(max=200)])
    name_latin = StringField(_l("Name in Latin letters"), validators=[Length(max=200)])
    sex = SelectField(_l("Sex"), choices=_choices(SEX_LABELS, blank=True),
                      validators=[DataRequired()])
    date_of_birth = IsoDateField(_l("Date of birth"), validators=[Optional()])
    approximate_age = WholeNumberField(_l("Approximate age in years"), validators=[Optional()])
    harm = SelectField(_l("Harm"), choices=_choices(HARM_LABELS, blank=True),
                       validators=[DataRequired()])
    incident_id = SelectField(_l("Harmed in incident"), coerce=optional_int,
                              validate_choice=False)
    # Optional; the operation refuses values that are not a severity.
    injury_severity = SelectField(_l("Injury severity"),
                                  choices=_choices(INJURY_SEVERITY_LABELS, blank=True),
                                  validate_choice=False)
    has_disability = BooleanField(_l("Has a disability"))
    disability_description = StringField(_l("Disability"), validators=[Length(max=300)])
    is_payee = BooleanField(_l("Payee"))


class PersonForm(VersionedForm):
    name_ar = PersonFields.name_ar
    name_latin = PersonFields.name_latin
    sex = PersonFields.sex
    date_of_birth = PersonFields.date_of_birth
    approximate_age = PersonFields.approximate_age
    relationship_to_head = SelectField(_l("Relationship to the head of household"),
                                       choices=_choices(RELATIONSHIP_LABELS, blank=True),
                                       validators=[DataRequired()])
    harm = PersonFields.harm
    incident_id = PersonFields.incident_id
    injury_severity = PersonFields.injury_severity
    has_disability = PersonFields.has_disability
    disability_description = PersonFields.disability_description
    is_payee = PersonFields.is_payee


class CaseForm(VersionedForm):
    # Checkboxes in a list that scrolls, not a multiple select: ticking several needs no
    # Ctrl-click and no script. The operations check that each incident exists.
    incident_ids = MultiCheckboxField(_l("Incidents"), coerce=record_id, validate_choice=False)
    contact_phone = StringField(_l("Phone"), validators=[Length(max=40)])
    contact_email = StringField(_l("Email"), validators=[Length(max=254)])
    contact_notes = StringField(_l("Other ways to reach the family"),
                                validators=[Length(max=500)])
    current_address = TextAreaField(_l("Current address"), validators=[Length(max=2000)])
    preferred_language = SelectField(_l("Preferred language"),
                                     choices=choices_of((k.value, v) for k, v in LANGUAGE_LABELS.items()),
                                     default="ar")
    delivery_channel = SelectField(_l("Letters delivered by"),
                                   choices=_choices(DELIVERY_CHANNEL_LABELS),
                                   default="in_person")
    consent_given_on = IsoDateField(_l("Informed consent given on"), validators=[Optional()])
    consent_text_version = SelectField(_l("Consent text version read to the family"))
    asserted_flags = MultiCheckboxField(
        _l("Also vulnerable (what the household data does not show)"), coerce=int,
        choices=choices_of((int(flag), label) for flag, label in VULNERABILITY_LABELS.items()),
    )


class NewCaseForm(CaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    assigned_to = SelectField(_l("Assigned caseworker"), coerce=optional_int,
                              validate_choice=False)
    head = FormField(PersonFields, label=_l("Head of household"))


class LossForm(VersionedForm):
    kind = SelectField(_l("Loss"), choices=_choices(LOSS_KIND_LABELS))
    description = TextAreaField(_l("Description"), validators=[Length(max=1000)])
    estimated_value = StringField(_l("Estimated value"), validators=[Length(max=30)])
    currency = SelectField(_l("Currency"), validate_choice=False)
    incident_id = SelectField(_l("Incident"), coerce=optional_int, validate_choice=False)


class AssignForm(VersionedForm):
    assigned_to = SelectField(_l("Assigned caseworker"), coerce=optional_int,
                              validate_choice=False, validators=[InputRequired()])


class TransitionForm(VersionedForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=5000)])


class RemoveForm(VersionedForm):
    """Confirms removing a household member or a loss entered by mistake."""


# The values each edit form shows, to tell a user what someone else changed meanwhile
# (and to carry those changes into the form where the user had not touched them).
CASE_FIELDS = {
    "incidents": TrackedField(
        _l("Incidents"), lambda c: sorted(link.incident_id for link in c.incident_links),
        display=lambda c: [i.reference for i in c.incidents], field="incident_ids"),
    "contact_phone": TrackedField(_l("Phone"), lambda c: c.contact_phone),
    "contact_email": TrackedField(_l("Email"), lambda c: c.contact_email),
    "contact_notes": TrackedField(_l("Other ways to reach the family"),
                                  lambda c: c.contact_notes),
    "current_address": TrackedField(_l("Current address"), lambda c: c.current_address),
    "preferred_language": TrackedField(_l("Preferred language"), lambda c: c.preferred_language),
    "delivery_channel": TrackedField(_l("Letters delivered by"), lambda c: c.delivery_channel),
    "consent_given_on": TrackedField(_l("Informed consent given on"),
                                     lambda c: c.consent_given_on),
    "consent_text_version": TrackedField(_l("Consent text version"),
                                         lambda c: c.consent_text_version),
    "asserted_vulnerability": TrackedField(
        _l("Also vulnerable"), lambda c: sorted(int(f) for f in c.asserted_vulnerability),
        display=lambda c: [f.name for f in c.asserted_vulnerability], field="asserted_flags"),
    "assigned_to": TrackedField(
        _l("Assigned caseworker"), lambda c: c.assigned_to_id,
        display=lambda c: c.assigned_to.name if c.assigned_to else None),
    "stage": TrackedField(_l("Stage"), lambda c: c.stage),
    "household": TrackedField(_l("Household members"), lambda c: len(c.persons)),
    "losses": TrackedField(_l("Losses"), lambda c: len(c.losses)),
}

PERSON_FIELDS = {
    "name_ar": TrackedField(_l("Name in Arabic script"), lambda p: p.name_ar),
    "name_latin": TrackedField(_l("Name in Latin letters"), lambda p: p.name_latin),
    "sex": TrackedField(_l("Sex"), lambda p: p.sex),
    "date_of_birth": TrackedField(_l("Date of birth"), lambda p: p.date_of_birth),
    "approximate_age": TrackedField(_l("Approximate age"), lambda p: p.approximate_age),
    "relationship_to_head": TrackedField(_l("Relationship"), lambda p: p.relationship_to_head),
    "harm": TrackedField(_l("Harm"), lambda p: p.harm),
    "incident_id": TrackedField(
        _l("Harmed in incident"), lambda p: p.incident_id,
        display=lambda p: p.incident.reference if p.incident else None),
    "injury_severity": TrackedField(_l("Injury severity"), lambda p: p.injury_severity),
    "has_disability": TrackedField(_l("Has a disability"), lambda p: p.has_disability),
    "disability_description": TrackedField(_l("Disability"), lambda p: p.disability_description),
    "is_payee": TrackedField(_l("Payee"), lambda p: p.is_payee),
}

LOSS_FIELDS = {
    "kind": TrackedField(_l("Loss"), lambda loss: loss.kind),
    "description": TrackedField(_l("Description"), lambda loss: loss.description),
    "estimated_value": TrackedField(
        _l("Estimated value"),
        lambda loss: amount_text(loss.estimated_value_minor, loss.currency),
        display=lambda loss: f"{amount_text(loss.estimated_value_minor, loss.currency)} "
                             f"{loss.currency or ''}".strip()),
    "currency": TrackedField(_l("Currency"), lambda loss: loss.currency),
    "incident_id": TrackedField(
        _l("Incident"), lambda loss: loss.incident_id,
        display=lambda loss: loss.incident.reference if loss.incident else None),
}

INCIDENT_FIELDS = {
    "reference": TrackedField(_l("Reference"), lambda i: i.reference),
    "occurred_on": TrackedField(_l("Date"), lambda i: i.occurred_on),
    "occurred_time": TrackedField(_l("Time"), lambda i: i.occurred_time),
    "neighbourhood": TrackedField(_l("Neighbourhood"), lambda i: i.neighbourhood),
    "city": TrackedField(_l("City or town"), lambda i: i.city),
    "latitude": TrackedField(_l("Latitude"), lambda i: i.latitude),
    "longitude": TrackedField(_l("Longitude"), lambda i: i.longitude),
    "weapon": TrackedField(_l("Weapon or munition"), lambda i: i.weapon),
    "weapon_detail": TrackedField(_l("Weapon details"), lambda i: i.weapon_detail),
    "stated_target": TrackedField(_l("Stated target"), lambda i: i.stated_target),
    "description": TrackedField(_l("Description"), lambda i: i.description),
}
