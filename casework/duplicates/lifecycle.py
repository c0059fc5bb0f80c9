"""Duplicates' row of the case lifecycle: a duplicate claim is merged into the case it
duplicates (nothing is deleted; the case points to the surviving one).

Registered into intake's case lifecycle when the duplicates blueprint is set up;
:func:`casework.duplicates.operations.merge_cases` is the only way to apply it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from casework.core.lifecycle import Transition
from casework.intake.lifecycle import CASE_LIFECYCLE, SUPERVISORS, CaseAction, clear_deadline
from casework.intake.models.cases import OPEN_STAGES, Case, CaseStage


def has_merge_target(case: Case, actor: Any) -> Any:
    # Set by casework.duplicates.operations.merge_cases, the only way to merge.
    if case.merged_into_id is None or case.merged_into_id == case.id:
        return _l("Merge from the case's “Possible duplicates” page, choosing the case it "
                  "duplicates.")
    return None


DUPLICATES_TRANSITIONS = {
    (stage, CaseAction.merge): Transition(
        to=CaseStage.merged,
        roles=SUPERVISORS,
        preconditions=(has_merge_target,),
        reason_required=True,
        effects=(clear_deadline,),
        aside=True,
    )
    for stage in sorted(OPEN_STAGES)
}


def register_lifecycle() -> None:
    """Called when the duplicates blueprint is set up."""
    CASE_LIFECYCLE.register(
        DUPLICATES_TRANSITIONS,
        labels={CaseAction.merge: _l("Merge into the case it duplicates")},
    )
