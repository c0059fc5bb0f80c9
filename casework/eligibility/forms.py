"""Forms of the eligibility workflow.

Field names are stable (the browser tests and no-JavaScript use rely on them):
findings are `finding_<criterion id>`, `note_<criterion id>`, `evidence_<criterion id>`;
decisions `outcome` and `reasons`; every form that changes the case carries `version`.
Choices are filled in by the controllers; the operations check the domain's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from casework.core.forms import (
    IsoDateField,
    MultiCheckboxField,
    VersionedForm,
)
from casework.core.ids import record_id
from casework.eligibility.models.decisions import APPEAL_OUTCOME_LABELS, DECISION_OUTCOME_LABELS
from casework.eligibility.models.reviews import (
    ACTIVITY_KIND_LABELS,
    FINDING_LABELS,
    RECOMMENDATION_LABELS,
)

TEXT_MAX = 5000


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(key.value), label) for key, label in labels.items()]


class FindingsForm(VersionedForm):
    """The open round's checklist; the fields per criterion are added by `findings_form`."""


def findings_form(criteria: Iterable[Any], evidence_choices: list[SelectChoice],
                  **kwargs: Any) -> FindingsForm:
    """A findings form for this checklist: a finding, a note and linked evidence each."""

    class ChecklistForm(FindingsForm):
        pass

    for criterion in criteria:
        # The criterion's title heads its card; the radios are its finding.
        setattr(ChecklistForm, f"finding_{criterion.id}", RadioField(
            _l("Finding"), choices=_choices(FINDING_LABELS), validate_choice=False,
            validators=[Optional()]))
        setattr(ChecklistForm, f"note_{criterion.id}", TextAreaField(
            _l("Note"), validators=[Optional(), Length(max=TEXT_MAX)]))
        setattr(ChecklistForm, f"evidence_{criterion.id}", MultiCheckboxField(
            _l("Evidence it rests on"), coerce=record_id, choices=evidence_choices,
            validate_choice=False))
    return ChecklistForm(**kwargs)


class ActivityForm(FlaskForm):
    kind = RadioField(_l("What was done"), choices=_choices(ACTIVITY_KIND_LABELS),
                      default="field_visit", validators=[InputRequired()])
    occurred_on = IsoDateField(_l("When"), validators=[InputRequired()])
    place = StringField(_l("Where"), validators=[InputRequired(), Length(max=300)])
    participants = TextAreaField(_l("Who took part (staff, witnesses, survivors)"),
                                 validators=[InputRequired(), Length(max=TEXT_MAX)])
    identity_protected = BooleanField(
        _l("Protect the identity of who took part (only the assigned caseworker and the "
           "office's supervisors see it)"))
    summary = TextAreaField(_l("Summary of what was found"),
                            validators=[InputRequired(), Length(max=TEXT_MAX)])
    evidence = MultiCheckboxField(_l("Linked evidence"), coerce=record_id, validate_choice=False)


class RecommendationForm(VersionedForm):
    recommendation = RadioField(_l("Recommendation"), choices=_choices(RECOMMENDATION_LABELS),
                                validators=[InputRequired()])
    reasons = TextAreaField(_l("Reasons (kept in the case history)"),
                            validators=[Length(max=TEXT_MAX)])


class DecisionForm(VersionedForm):
    outcome = RadioField(_l("Decision"), choices=_choices(DECISION_OUTCOME_LABELS),
                         validators=[InputRequired()])
    reasons = TextAreaField(
        _l("Reasons; for more information, what is requested (it becomes a letter to the "
           "family)"), validators=[Length(max=TEXT_MAX)])


class DeliveryForm(FlaskForm):
    delivered_on = IsoDateField(_l("Date the family received the decision letter"),
                                validators=[InputRequired()])


class AppealForm(VersionedForm):
    lodged_on = IsoDateField(_l("Date the family lodged the appeal"),
                             validators=[InputRequired()])
    grounds = TextAreaField(_l("Grounds of the appeal"),
                            validators=[Length(max=TEXT_MAX)])
    evidence = MultiCheckboxField(_l("New evidence the appeal rests on"), coerce=record_id,
                                  validate_choice=False)


class AppealDecisionForm(VersionedForm):
    outcome = RadioField(_l("Appeal decision"), choices=_choices(APPEAL_OUTCOME_LABELS),
                         validators=[InputRequired()])
    reasons = TextAreaField(_l("Reasons (kept in the case history)"),
                            validators=[Length(max=TEXT_MAX)])


class DismissReconsiderationForm(FlaskForm):
    reason = TextAreaField(_l("Why the case is not reopened"),
                           validators=[Length(max=TEXT_MAX)])


# Arabic fields are typed right to left, English ones left to right, whatever the page's
# language.
ARABIC_INPUT = {"lang": "ar", "dir": "rtl"}
ENGLISH_INPUT = {"lang": "en", "dir": "ltr"}


class CriterionFields(Form):
    """One criterion of the checklist form: a title in at least one of the two languages."""

    code = StringField(_l("Code (stable across versions)"), validators=[Length(max=40)])
    title_ar = StringField(_l("Criterion in Arabic"), validators=[Length(max=300)],
                           render_kw=ARABIC_INPUT)
    title_en = StringField(_l("Criterion in English"), validators=[Length(max=300)],
                           render_kw=ENGLISH_INPUT)
    guidance_ar = TextAreaField(_l("Guidance for caseworkers in Arabic"),
                                validators=[Length(max=TEXT_MAX)], render_kw=ARABIC_INPUT)
    guidance_en = TextAreaField(_l("Guidance for caseworkers in English"),
                                validators=[Length(max=TEXT_MAX)], render_kw=ENGLISH_INPUT)

    def is_blank(self) -> bool:
        """Whether the row was left empty (and is dropped from the new version)."""
        return not any((field.data or "").strip() for field in self)


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionFields), min_entries=1)
    note = TextAreaField(_l("What changed, and why"), validators=[Length(max=TEXT_MAX)])
