"""Referrals' condition on the case lifecycle: a case closes once every rehabilitation
referral is completed, declined or without response.

Registered when the referrals blueprint is set up. Referrals arrive with the
rehabilitation issue, which fills in :func:`referrals_finished_or_declined`; until then
a case has no referrals, so nothing stands in the way of closing it.
"""

from __future__ import annotations

from typing import Any

from casework.intake.lifecycle import CASE_LIFECYCLE, CaseAction
from casework.intake.models.cases import Case


def referrals_finished_or_declined(case: Case, actor: Any) -> Any:
    """Every rehabilitation referral of the case is completed, declined or without response.
    Extension point: the Rehabilitation issue, which brings referrals, fills this in; until
    then a case has no referrals, so nothing stands in the way (None)."""
    return None


def register_lifecycle() -> None:
    """Called when the referrals blueprint is set up."""
    CASE_LIFECYCLE.require(CaseAction.close, referrals_finished_or_declined)
