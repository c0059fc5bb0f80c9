"""The audit log's filter form (GET, so no CSRF token: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from casework.audit.queries import ACTOR_KINDS


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(
        _l("Actor"), validators=[Optional(), Length(max=254)],
        description=_l("A user's email or number, or cli, system, anonymous."),
    )
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    entity_type = StringField(_l("Record type"), validators=[Optional(), Length(max=64)])
    entity_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    case_id = IntegerField(_l("Case number"), validators=[Optional(), NumberRange(min=1)])
    date_from = DateField(_l("From (UTC)"), validators=[Optional()])
    date_to = DateField(_l("To (UTC)"), validators=[Optional()])

    def validate_entity_id(self, field) -> None:
        if field.data and not self.entity_type.data:
            raise ValidationError(_l("Give the record type too."))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def actor_kind(self) -> str | None:
        value = (self.actor.data or "").strip().lower()
        return value if value in ACTOR_KINDS else None
