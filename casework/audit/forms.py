"""The audit pages' filter forms (GET, so no CSRF token: they change nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from casework.audit.queries import ACTOR_KINDS
from casework.core.ids import id_from_text

# The kinds of event a reader filters by (casework.audit.queries.EVENT_KINDS).
KIND_CHOICES = [
    SelectChoice("", _l("Everything")),
    SelectChoice("changes", _l("Changes")),
    SelectChoice("reads", _l("Reads")),
    SelectChoice("refusals", _l("Refusals")),
    SelectChoice("logins", _l("Logins")),
]


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of event"), choices=KIND_CHOICES, validators=[Optional()])
    actor = StringField(
        _l("Who"), validators=[Optional(), Length(max=254)],
        description=_l("A user's email or number, or cli, system, anonymous."),
    )
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    entity_type = StringField(_l("Record type"), validators=[Optional(), Length(max=64)])
    entity_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    case_id = StringField(_l("Case"), validators=[Optional(), Length(max=40)],
                          description=_l("Its reference (RQA-2026-000014)."))
    date_from = DateField(_l("From (UTC)"), validators=[Optional()])
    date_to = DateField(_l("To (UTC)"), validators=[Optional()])
    show_reads = BooleanField(_l("List every read"))

    def validate_entity_id(self, field) -> None:
        if field.data and not self.entity_type.data:
            raise ValidationError(_l("Give the record type too."))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def actor_kind(self) -> str | None:
        value = (self.actor.data or "").strip().lower()
        return value if value in ACTOR_KINDS else None

    def case_text(self) -> str:
        return (self.case_id.data or "").strip()

    def case_number(self) -> int | None:
        """A case given by its number (as the log's links and older bookmarks give it)."""
        text = self.case_text()
        return id_from_text(text) if text.isdigit() else None


class TimelineFilterForm(FlaskForm):
    """A case's timeline: by kind of event and by person."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of event"), choices=KIND_CHOICES, validators=[Optional()])
    who = SelectField(_l("Who"), choices=[], validators=[Optional()], validate_choice=False)
    show_reads = BooleanField(_l("List every read"))

    def actor_id(self) -> int | None:
        return id_from_text(self.who.data) if (self.who.data or "").isdigit() else None
