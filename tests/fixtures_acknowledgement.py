"""Acknowledgement fixtures: cases taken to a workflow stage, and acknowledgements recorded,
through the real operations (the eligibility workflow's fixtures for the stages before)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from casework.acknowledgement import operations
from casework.acknowledgement.models import FactKind, Responsibility
from casework.auth.models import User
from casework.core.dates import office_today
from casework.extensions import db
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
)
from casework.intake.models import Case, CaseStage

APOLOGY_AR = ("نعتذر لكم عن مقتل ابنكم محمد في الغارة على حي البدو في ٢٨ حزيران ٢٠١٧، "
              "ونقرّ بأن الغارة أصابت مدنيين.")
APOLOGY_EN = ("We apologise for the death of your son Mohammed in the strike on al-Badu on "
              "28 June 2017, and acknowledge that the strike harmed civilians.")

WITHHELD = {FactKind.target_verification, FactKind.civilian_precautions}


def fact_details(withheld: set[FactKind] = WITHHELD) -> list[operations.FactDetails]:
    """All six facts: disclosed, except those in `withheld` (withheld with a reason)."""
    texts = {
        FactKind.target: "A Daesh fighting position in the building next door.",
        FactKind.location: "al-Badu, Raqqa: the building at 35.9521 N, 39.0079 E.",
        FactKind.weapon: "An air-dropped guided bomb.",
        FactKind.participating_states: "United States: carried out the strike; "
                                       "United Kingdom: surveillance.",
        FactKind.target_verification: "Aerial surveillance over two days.",
        FactKind.civilian_precautions: "None stated.",
    }
    return [
        operations.FactDetails(kind=kind, disclosed=False,
                               withheld_reason="Classified for operational security.")
        if kind in withheld else
        operations.FactDetails(kind=kind, disclosed=True, text=texts[kind])
        for kind in FactKind
    ]


def acknowledgement_details(**fields: Any) -> operations.AcknowledgementDetails:
    """A coalition acknowledgement accepting responsibility, with an Arabic apology."""
    return operations.AcknowledgementDetails(**{
        "acknowledging_party": "Combined Joint Task Force – Operation Inherent Resolve "
                               "(the coalition)",
        "acknowledged_on": date(2018, 7, 26),
        "responsibility": Responsibility.accepted,
        "source": "Monthly civilian casualty report, July 2018",
        "apology_text": APOLOGY_AR,
        "facts": fact_details(),
        **fields,
    })


DELIVERY = operations.DeliveryDetails(
    delivered_on=None, method="in_person",
    delivered_by="Coalition liaison officer, with the caseworker")


def deliver(acknowledgement, actor: Any, on: date | None = None) -> None:
    case = acknowledgement.case
    on = min(on, office_today(case)) if on else office_today(case)
    operations.record_delivery(
        acknowledgement, replace(DELIVERY, delivered_on=on), actor, None)


# Stages after eligibility, each reached from the one before by its lifecycle step.
AFTER_ELIGIBLE = (CaseStage.acknowledged, CaseStage.compensation, CaseStage.closed)


@pytest.fixture
def case_at_stage(app, workflow_case):
    """Factory: a case of a new office (caseworker, two supervisors) taken to `stage` through
    the real operations: the eligibility workflow, then the acknowledgement delivered,
    compensation started, the case closed. Returns the case id."""

    def create(stage: CaseStage = CaseStage.eligible, office_id: int | None = None,
               **case_fields: Any) -> int:
        people = workflow_case(CaseStage.eligible if stage in AFTER_ELIGIBLE else stage,
                               office_id=office_id, **case_fields)
        if stage in AFTER_ELIGIBLE:
            with app.app_context():
                case = db.session.get(Case, people.case_id)
                caseworker = db.session.get(User, people.caseworker_id)
                acknowledgement = operations.record_acknowledgement(
                    case, acknowledgement_details(), caseworker)
                deliver(acknowledgement, caseworker)
                if stage != CaseStage.acknowledged:
                    apply_case_transition(case, CaseAction.start_compensation, caseworker,
                                          expected_version=None)
                if stage == CaseStage.closed:
                    apply_case_transition(
                        case, CaseAction.close, db.session.get(User, people.supervisor_id),
                        expected_version=None, reason="Compensation paid and reconciled.")
                db.session.commit()
        return people.case_id

    return create


@pytest.fixture
def record_acknowledgement(app):
    """Factory: an acknowledgement of the case (committed), delivered when `delivered_on`
    is given; returns its id."""

    def create(case_id: int, *, delivered_on: date | None = None,
               **fields: Any) -> int:
        with app.app_context():
            case = db.session.get(Case, case_id)
            actor = db.session.get(User, case.assigned_to_id)
            acknowledgement = operations.record_acknowledgement(
                case, acknowledgement_details(**fields), actor)
            if delivered_on is not None:
                deliver(acknowledgement, actor, delivered_on)
            db.session.commit()
            return acknowledgement.id

    return create
