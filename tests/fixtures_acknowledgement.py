"""Acknowledgement fixtures: cases at a workflow stage, and acknowledgements recorded through
the acknowledgement operations.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework.acknowledgement import operations
from casework.acknowledgement.models import FactKind, Responsibility
from casework.auth.models import User
from casework.core.authz import Role
from casework.extensions import db
from casework.intake.lifecycle import office_today
from casework.intake.models import Case, CaseStage, CaseTransition

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


def move_to_stage(case: Case, stage: CaseStage, actor: Any) -> None:
    """Put a registered case at a later stage, recording the step as the lifecycle would.

    A test shortcut for the stages before the acknowledgement (the eligibility review
    and decision have their own tests); the acknowledgement's own transitions are always
    applied through the lifecycle.
    """
    db.session.add(CaseTransition(case=case, from_stage=case.stage, to_stage=stage,
                                  action="test_setup", actor_id=actor.id))
    case.stage = stage
    db.session.flush()


@pytest.fixture
def case_at_stage(app, open_case):
    """Factory: a registered case moved to `stage`; returns its id."""

    def create(stage: CaseStage = CaseStage.eligible, office_id: int | None = None,
               **case_fields: Any) -> int:
        case_id = open_case(office_id, register=True, **case_fields)
        if stage != CaseStage.registered:
            with app.app_context():
                case = db.session.get(Case, case_id)
                move_to_stage(case, stage, db.session.get(User, case.assigned_to_id))
                db.session.commit()
        return case_id

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
                operations.record_delivery(
                    acknowledgement,
                    operations.DeliveryDetails(
                        delivered_on=min(delivered_on, office_today(case)),
                        method="in_person",
                        delivered_by="Coalition liaison officer, with the caseworker"),
                    actor, None)
            db.session.commit()
            return acknowledgement.id

    return create


@pytest.fixture
def office_users(create_office, create_user):
    """Factory: an office with a caseworker and a supervisor; returns (office, cw, sv) ids."""

    def create() -> tuple[int, int, int]:
        office_id = create_office()
        return (office_id, create_user(Role.caseworker, office_id=office_id),
                create_user(Role.supervisor, office_id=office_id))

    return create
