"""The forms on a candidate pair of cases: a supervisor's decision, a caseworker's flag."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

MERGE_THIS = "merge_this"
MERGE_OTHER = "merge_other"
SAME_VICTIM = "same_victim"
DISMISS = "dismiss"

DECISION_LABELS = {
    MERGE_THIS: _l("Same household: merge this case into the other one"),
    MERGE_OTHER: _l("Same household: merge the other case into this one"),
    SAME_VICTIM: _l("Different households claiming for the same person: link as one victim"),
    DISMISS: _l("Not a duplicate: do not show this pair again"),
}


class DuplicateDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[InputRequired()])
    # "<member of this case>-<member of the other case>" for each pair confirmed the same.
    pairs = SelectMultipleField(_l("Members who are the same person"), choices=[],
                                option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
                                validate_choice=True)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    other_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    other_id = HiddenField()

    def person_pairs(self) -> list[tuple[int, int]]:
        pairs = []
        for value in self.pairs.data or []:
            left, _, right = value.partition("-")
            pairs.append((int(left), int(right)))
        return pairs


class DuplicateFlagForm(FlaskForm):
    """Ask a supervisor to decide the pair (casework.duplicates.operations.flag_for_supervisor)."""

    note = StringField(_l("Note for the supervisor"), validators=[DataRequired(), Length(max=500)],
                       description=_l("Why these two cases may be the same family or claim "
                                      "the same person, in a few words."))
