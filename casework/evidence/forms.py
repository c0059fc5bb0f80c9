"""Forms to upload and withdraw evidence. File content and size are checked by the operation."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from casework.evidence.filetypes import ACCEPTED
from casework.evidence.models import EVIDENCE_KIND_LABELS
from casework.evidence.operations import (
    DESCRIPTION_MAX,
    REASON_MAX,
    TITLE_MAX,
    WITNESS_CONTACT_MAX,
    WITNESS_NAME_MAX,
)
from casework.intake.models.persons import Person

NO_PERSON = ""
# A hint for the browser's file picker only: the server reads the content.
ACCEPT_ATTRIBUTE = ",".join(
    sorted({file_type.media_type for file_type in ACCEPTED} | {f".{t.extension}" for t in ACCEPTED})
)


class EvidenceUploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose the file to upload."))])
    kind = SelectField(
        _l("Kind of evidence"),
        choices=[SelectChoice(kind.value, label) for kind, label in EVIDENCE_KIND_LABELS.items()],
        validators=[InputRequired()],
    )
    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Give the evidence a title.")), Length(max=TITLE_MAX)],
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)]
    )
    person_id = SelectField(_l("Household member it concerns"), default=NO_PERSON)
    witness_name = StringField(
        _l("Witness name"), validators=[Optional(), Length(max=WITNESS_NAME_MAX)]
    )
    witness_contact = StringField(
        _l("Witness contact"), validators=[Optional(), Length(max=WITNESS_CONTACT_MAX)]
    )
    identity_protected = BooleanField(_l("Protect the witness's identity"))

    def set_persons(self, persons: Iterable[Person]) -> None:
        self.person_id.choices = [SelectChoice(NO_PERSON, _l("None in particular"))] + [
            SelectChoice(str(person.id), person.display_name or f"#{person.id}")
            for person in persons
        ]

    @property
    def selected_person_id(self) -> int | None:
        value = self.person_id.data
        return int(value) if value and value != NO_PERSON else None


class WithdrawEvidenceForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this evidence withdrawn?"),
        validators=[
            InputRequired(_l("Say why this evidence is withdrawn.")),
            Length(max=REASON_MAX),
        ],
    )
