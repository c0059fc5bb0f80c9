"""Acknowledgement's row of the case lifecycle: an eligible case is acknowledged when the
acknowledgement and apology reached the family.

Recording the delivery applies the row (casework.acknowledgement.operations.record_delivery);
registered into intake's case lifecycle when acknowledgement's blueprint is set up.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from casework.acknowledgement.models import Acknowledgement
from casework.core.lifecycle import Transition
from casework.extensions import db
from casework.intake.lifecycle import CASE_LIFECYCLE, CASE_WORKERS, CaseAction, clear_deadline
from casework.intake.models.cases import Case, CaseStage


def has_delivered_acknowledgement(case: Case, actor: Any) -> Any:
    """The case is acknowledged when the acknowledgement and apology reached the family."""
    delivered = case.id is not None and db.session.scalar(select(exists().where(
        Acknowledgement.case_id == case.id, Acknowledgement.delivered_on.is_not(None))))
    if not delivered:
        return _l("Record the acknowledgement and apology, then their delivery to the family.")
    return None


ACKNOWLEDGEMENT_TRANSITIONS = {
    (CaseStage.eligible, CaseAction.acknowledge): Transition(
        to=CaseStage.acknowledged,
        roles=CASE_WORKERS,
        preconditions=(has_delivered_acknowledgement,),
        effects=(clear_deadline,),
        awaited=_l("the acknowledgement and apology, and their delivery to the family"),
    ),
}


def register_lifecycle() -> None:
    """Called when acknowledgement's blueprint is set up."""
    CASE_LIFECYCLE.register(
        ACKNOWLEDGEMENT_TRANSITIONS,
        labels={CaseAction.acknowledge: _l("Acknowledge (when the apology is delivered)")},
        # Applied by recording the delivery of the acknowledgement and apology.
        pages={CaseAction.acknowledge: "acknowledgement.new"},
    )
