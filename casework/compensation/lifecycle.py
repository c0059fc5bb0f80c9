"""Compensation's rows of the case lifecycle: starting compensation, and what closing a
case waits for (every payment reconciled).

Registered into intake's case lifecycle when compensation's blueprint is set up.
Awards and payments arrive with the compensation issue, which fills in
:func:`payments_reconciled`; until then a case has no payments, so nothing stands in
the way of closing it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.core.lifecycle import Transition
from casework.intake.lifecycle import CASE_LIFECYCLE, CASE_WORKERS, CaseAction, clear_deadline
from casework.intake.models.cases import Case, CaseStage


def compensation_may_precede_acknowledgement(case: Case, actor: Any) -> Any:
    """The rule COMPENSATION_BEFORE_ACKNOWLEDGEMENT (default False) lets compensation start
    on an eligible case before the acknowledgement is delivered."""
    if not current_app.config.get("COMPENSATION_BEFORE_ACKNOWLEDGEMENT", False):
        return _l("Compensation starts once the acknowledgement and apology are delivered "
                  "(the rule “compensation before acknowledgement” is off).")
    return None


def payments_reconciled(case: Case, actor: Any) -> Any:
    """Every payment of the case is reconciled (or rejected, cancelled, failed and not
    reissued). Extension point: the Compensation issue, which brings payments, fills this
    in; until then a case has no payments, so nothing stands in the way (None)."""
    return None


COMPENSATION_TRANSITIONS = {
    (CaseStage.acknowledged, CaseAction.start_compensation): Transition(
        to=CaseStage.compensation,
        roles=CASE_WORKERS,
        effects=(clear_deadline,),
    ),
    (CaseStage.eligible, CaseAction.start_compensation): Transition(
        to=CaseStage.compensation,
        roles=CASE_WORKERS,
        preconditions=(compensation_may_precede_acknowledgement,),
        effects=(clear_deadline,),
    ),
}


def register_lifecycle() -> None:
    """Called when compensation's blueprint is set up."""
    CASE_LIFECYCLE.register(COMPENSATION_TRANSITIONS,
                            labels={CaseAction.start_compensation: _l("Start compensation")})
    CASE_LIFECYCLE.require(CaseAction.close, payments_reconciled)
