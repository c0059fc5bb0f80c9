"""What the intake handlers share: loading with authorization, rendering, conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from flask_login import current_user

from casework.core.authz import Action, authorized
from casework.core.dates import (
    local_today,
    office_today,
    today,
)
from casework.core.money import format_amount
from casework.intake import queries
from casework.intake.editing import FieldChange, TrackedField, merge_changes, sign_snapshot
from casework.intake.lifecycle import ACTION_LABELS
from casework.intake.models.cases import (
    DELIVERY_CHANNEL_LABELS,
    LANGUAGE_LABELS,
    PRIORITY_LABELS,
    STAGE_LABELS,
    VULNERABILITY_LABELS,
    Case,
    CaseStage,
    Priority,
    VulnerabilityFlag,
)
from casework.intake.models.incidents import (
    CREDIBILITY_LABELS,
    PARTY_ROLE_LABELS,
    WEAPON_LABELS,
    Credibility,
)
from casework.intake.models.losses import LOSS_KIND_LABELS
from casework.intake.models.persons import (
    HARM_LABELS,
    INJURY_SEVERITY_LABELS,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
)

PRIORITY_CLASSES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-info",
                    4: "text-bg-secondary"}


def _label(labels: dict, value: Any) -> Any:
    return labels.get(value, value if value is not None else "")


def flag_labels(flags: VulnerabilityFlag | int | None) -> list[Any]:
    flags = VulnerabilityFlag(int(flags or 0))
    return [label for flag, label in VULNERABILITY_LABELS.items() if flag in flags]


TEMPLATE_HELPERS = {
    "stage_label": lambda value: _label(STAGE_LABELS, value),
    "priority_label": lambda value: _label(PRIORITY_LABELS, Priority(value) if value else None),
    "harm_label": lambda value: _label(HARM_LABELS, value),
    "relationship_label": lambda value: _label(RELATIONSHIP_LABELS, value),
    "sex_label": lambda value: _label(SEX_LABELS, value),
    "severity_label": lambda value: _label(INJURY_SEVERITY_LABELS, value),
    "loss_label": lambda value: _label(LOSS_KIND_LABELS, value),
    "weapon_label": lambda value: _label(WEAPON_LABELS, value),
    "party_role_label": lambda value: _label(PARTY_ROLE_LABELS, value),
    "credibility_label": lambda value: _label(CREDIBILITY_LABELS, value),
    "language_label": lambda value: _label(LANGUAGE_LABELS, value),
    "channel_label": lambda value: _label(DELIVERY_CHANNEL_LABELS, value),
    "action_label": lambda value: _label(ACTION_LABELS, value),
    "flag_labels": flag_labels,
    "priority_class": lambda value: PRIORITY_CLASSES.get(value, "text-bg-secondary"),
    "format_amount": format_amount,
    "STAGES": list(CaseStage),
    "PRIORITIES": list(Priority),
    "CREDIBILITIES": list(Credibility),
}


def render(template: str, status: int = 200, **context: Any):
    return render_template(f"intake/{template}", **TEMPLATE_HELPERS, **context), status


def load_case(case_id: int, action: Action, *, full: bool = False) -> Case:
    """The case, or 404; then 403/404 unless the user may perform the action on it."""
    return authorized(action, queries.load_case(case_id, full=full))


def case_today(case: Case) -> date:
    return office_today(case)


def stamp_form(form: Any, version: int, record: Any = None,
               fields: dict[str, TrackedField] | None = None) -> None:
    """Stamp the form with the version it edits and a snapshot of the values it shows."""
    form.version.data = version
    form.version.raw_data = None
    form.loaded.data = sign_snapshot(record, fields) if record is not None and fields else ""
    form.loaded.raw_data = None


@dataclass
class EditConflict:
    changes: list[FieldChange]
    changed_by: Any
    changed_at: Any


def conflict_after_rollback(form: Any, version_of: Any, record: Any,
                            fields: dict[str, TrackedField]) -> EditConflict:
    """After a stale save, once refusal_shown has rolled it back: what changed meanwhile
    in the record the form shows, merged into the form (see merge_changes). The form is
    re-stamped to the current version, so the user can review and save again on purpose.
    `version_of` is the record holding the version (the case, or the incident)."""
    changes = (merge_changes(form.loaded.data, record, fields, form)
               if record is not None else [])
    stamp_form(form, version_of.version, record, fields)
    return EditConflict(changes, getattr(version_of, "updated_by", None), version_of.updated_at)


def user_today() -> date:
    """Today where the user works (auditors: UTC); overdue means due before this day."""
    office = getattr(current_user, "office", None)
    return local_today(office.timezone) if office is not None else today()
