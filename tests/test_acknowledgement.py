"""The acknowledgement and apology: facts disclosed or withheld, the apology in the family's
language, delivery (which acknowledges the case in the same transaction), the family's
responses; then compensation, closing and withdrawal through the case lifecycle."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.acknowledgement import operations
from casework.acknowledgement.models import (
    Acknowledgement,
    AcknowledgementFact,
    FactKind,
    FamilyResponse,
    Responsibility,
)
from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.compensation.lifecycle import payments_reconciled
from casework.core.authz import Role
from casework.core.errors import Conflict, InvalidInput
from casework.core.lifecycle import TransitionRefused
from casework.extensions import db
from casework.intake.lifecycle import (
    CASE_TRANSITIONS,
    CaseAction,
    apply_case_transition,
    case_offers,
)
from casework.intake.models import Case, CaseStage, CaseTransition
from casework.intake.models.cases import OPEN_STAGES
from casework.referrals.lifecycle import referrals_finished_or_declined
from tests.conftest import login
from tests.fixtures_acknowledgement import (
    APOLOGY_AR,
    APOLOGY_EN,
    acknowledgement_details,
    fact_details,
)

DELIVERY = operations.DeliveryDetails(
    delivered_on=date(2026, 1, 20), method="in_person",
    delivered_by="Coalition liaison officer, with the Raqqa office's caseworker")


def _case_and_actor(case_id: int) -> tuple[Case, User]:
    case = db.session.get(Case, case_id)
    return case, db.session.get(User, case.assigned_to_id)


# Recording the acknowledgement


def test_each_fact_is_kept_as_disclosed_with_its_text_or_withheld_with_the_reason(
        app, case_at_stage, record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    acknowledgement_id = record_acknowledgement(case_id)
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        assert [fact.kind for fact in acknowledgement.facts] == list(FactKind)
        by_kind = {fact.kind: fact for fact in acknowledgement.facts}
        target = by_kind[FactKind.target]
        assert target.disclosed and target.text.startswith("A Daesh fighting position")
        assert target.withheld_reason is None
        verification = by_kind[FactKind.target_verification]
        assert not verification.disclosed and verification.text is None
        assert verification.withheld_reason == "Classified for operational security."
        assert acknowledgement.responsibility == Responsibility.accepted
        assert acknowledgement.apology_text == APOLOGY_AR
        assert acknowledgement.apology_language == "ar"
        # Recording alone does not acknowledge the case: delivery does.
        assert acknowledgement.case.stage == CaseStage.eligible
        assert not acknowledgement.is_delivered


def test_every_fact_must_be_answered_and_a_withheld_fact_needs_its_reason(
        app, case_at_stage):
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        facts = [f for f in fact_details() if f.kind != FactKind.weapon]
        with pytest.raises(InvalidInput) as error:
            operations.record_acknowledgement(case, acknowledgement_details(facts=facts), actor)
        assert error.value.field == "weapon.disclosed"
        facts = fact_details(withheld=set())
        facts[0].text = "  "
        with pytest.raises(InvalidInput) as error:
            operations.record_acknowledgement(case, acknowledgement_details(facts=facts), actor)
        assert error.value.field == "target.text"
        facts = fact_details()
        facts[-1].withheld_reason = ""
        with pytest.raises(InvalidInput) as error:
            operations.record_acknowledgement(case, acknowledgement_details(facts=facts), actor)
        assert error.value.field == "civilian_precautions.withheld_reason"
        assert "No reason was given" in error.value.message
        db.session.rollback()
        assert db.session.scalar(select(func.count(Acknowledgement.id))) == 0


def test_the_database_refuses_a_fact_both_disclosed_and_withheld(app, case_at_stage,
                                                                  record_acknowledgement):
    acknowledgement_id = record_acknowledgement(case_at_stage(CaseStage.eligible))
    with app.app_context():
        fact = db.session.scalar(select(AcknowledgementFact).where(
            AcknowledgementFact.acknowledgement_id == acknowledgement_id,
            AcknowledgementFact.kind == FactKind.target))
        fact.withheld_reason = "Classified."
        with pytest.raises(Exception, match="(?i)check"):
            db.session.flush()
        db.session.rollback()


def test_the_apology_is_recorded_in_the_family_language(app, case_at_stage):
    arabic_case = case_at_stage(CaseStage.eligible, preferred_language="ar")
    english_case = case_at_stage(CaseStage.eligible, preferred_language="en")
    with app.app_context():
        case, actor = _case_and_actor(arabic_case)
        with pytest.raises(InvalidInput, match="Arabic") as error:
            operations.record_acknowledgement(
                case, acknowledgement_details(apology_text=APOLOGY_EN), actor)
        assert error.value.field == "apology_text"
        db.session.rollback()
        case, actor = _case_and_actor(english_case)
        acknowledgement = operations.record_acknowledgement(
            case, acknowledgement_details(apology_text=APOLOGY_EN), actor)
        assert acknowledgement.apology_language == "en"
        # No apology at all is recorded as such (e.g. responsibility not accepted).
        without = operations.record_acknowledgement(
            case, acknowledgement_details(apology_text="",
                                          responsibility=Responsibility.not_accepted), actor)
        assert without.apology_text is None and without.apology_language is None


def test_an_ex_gratia_acknowledgement_is_recorded_without_admission_of_wrongdoing(
        app, case_at_stage, record_acknowledgement):
    acknowledgement_id = record_acknowledgement(
        case_at_stage(CaseStage.eligible), responsibility="ex_gratia",
        acknowledging_party="Department of Defense of a member state")
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        assert acknowledgement.responsibility == Responsibility.ex_gratia


@pytest.mark.parametrize("stage", [CaseStage.registered, CaseStage.under_review,
                                   CaseStage.ineligible, CaseStage.appeal, CaseStage.closed])
def test_an_acknowledgement_waits_for_the_case_to_be_eligible(app, case_at_stage, stage):
    case_id = case_at_stage(stage)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        with pytest.raises(Conflict, match="once the case is eligible"):
            operations.record_acknowledgement(case, acknowledgement_details(), actor)


def test_dates_are_checked_against_the_incident_today_and_each_other(app, case_at_stage,
                                                                      record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        with pytest.raises(InvalidInput, match="older than the incident"):
            operations.record_acknowledgement(
                case, acknowledgement_details(acknowledged_on=date(2016, 1, 1)), actor)
        with pytest.raises(InvalidInput, match="future"):
            operations.record_acknowledgement(
                case, acknowledgement_details(acknowledged_on=date.today() + timedelta(days=3)),
                actor)
    acknowledgement_id = record_acknowledgement(case_id)
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        with pytest.raises(InvalidInput, match="before the acknowledgement"):
            operations.record_delivery(acknowledgement, operations.DeliveryDetails(
                delivered_on=date(2018, 1, 1), method="letter", delivered_by="Post"),
                None, None)


# Delivery acknowledges the case


def test_recording_delivery_acknowledges_the_case_in_the_same_transaction(
        app, case_at_stage, record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    acknowledgement_id = record_acknowledgement(case_id)
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        actor = db.session.get(User, acknowledgement.case.assigned_to_id)
        actor_id = actor.id
        operations.record_delivery(acknowledgement, DELIVERY, actor,
                                   acknowledgement.version)
        assert acknowledgement.case.stage == CaseStage.acknowledged
        # Rolled back together: neither the delivery nor the stage change stays.
        db.session.rollback()
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        assert not acknowledgement.is_delivered
        assert acknowledgement.case.stage == CaseStage.eligible
        operations.record_delivery(acknowledgement, DELIVERY, actor, acknowledgement.version)
        db.session.commit()
        events_before = db.session.scalar(select(func.max(AuditEvent.id)))

    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.acknowledged
        step = case.transitions[-1]
        assert (step.action, step.from_stage, step.to_stage, step.actor_id) == (
            "acknowledge", CaseStage.eligible, CaseStage.acknowledged, actor_id)
        # Audited: the delivery and the stage change, about this case, in one commit.
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.id <= events_before,
            AuditEvent.entity_type.in_(["acknowledgements", "cases", "case_transitions"]),
        ).order_by(AuditEvent.id)).all()
        delivered = [e for e in events if e.entity_type == "acknowledgements"
                     and "delivered_on" in json.loads(e.payload)["changes"]]
        moved = [e for e in events if e.entity_type == "case_transitions"
                 and e.action == "create"
                 and json.loads(e.payload)["changes"]["action"]["new"] == "acknowledge"]
        assert len(delivered) == 1 and len(moved) == 1
        staged = [e for e in events if e.entity_type == "cases" and e.action == "update"
                  and "stage" in json.loads(e.payload)["changes"]]
        assert json.loads(staged[-1].payload)["changes"]["stage"]["new"] == "acknowledged"
        # The facts are audited on the case too (their rows carry no case column).
        fact_events = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "acknowledgement_facts", AuditEvent.case_id == case_id))
        assert fact_events == len(FactKind)


def test_delivery_is_recorded_once_and_a_delivered_acknowledgement_is_kept_as_delivered(
        app, case_at_stage, record_acknowledgement):
    acknowledgement_id = record_acknowledgement(case_at_stage(CaseStage.eligible),
                                                delivered_on=date(2026, 1, 20))
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        with pytest.raises(Conflict, match="already recorded"):
            operations.record_delivery(acknowledgement, DELIVERY, None, None)
        with pytest.raises(Conflict, match="kept as delivered"):
            operations.update_acknowledgement(acknowledgement, acknowledgement_details(),
                                              None, None)


def test_the_acknowledge_action_needs_a_delivered_acknowledgement(app, case_at_stage,
                                                                   record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    record_acknowledgement(case_id)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        offers = {offer.action: offer for offer in case_offers(case, actor)}
        assert "delivery" in str(offers[CaseAction.acknowledge].refusals[0])
        with pytest.raises(TransitionRefused, match="delivery"):
            apply_case_transition(case, CaseAction.acknowledge, actor,
                                  expected_version=case.version)


def test_family_responses_are_appended_with_their_follow_up(app, case_at_stage,
                                                             record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    pending = record_acknowledgement(case_id)
    delivered = record_acknowledgement(case_id, delivered_on=date(2026, 1, 20))
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, pending)
        with pytest.raises(Conflict, match="delivery first"):
            operations.record_family_response(acknowledgement, operations.ResponseDetails(
                response="accepted", responded_on=date(2026, 1, 21)), None)
        acknowledgement = db.session.get(Acknowledgement, delivered)
        actor = db.session.get(User, acknowledgement.case.assigned_to_id)
        with pytest.raises(InvalidInput, match="comes after the response"):
            operations.record_family_response(acknowledgement, operations.ResponseDetails(
                response="wants_meeting", responded_on=date(2026, 1, 21),
                follow_up_on=date(2026, 1, 20)), actor)
        operations.record_family_response(acknowledgement, operations.ResponseDetails(
            response="wants_meeting", responded_on=date(2026, 1, 21),
            notes="The father wants to meet the officer who delivered it.",
            follow_up_on=date(2026, 2, 3), follow_up_notes="Meeting at the Raqqa office."),
            actor)
        operations.record_family_response(acknowledgement, operations.ResponseDetails(
            response="accepted", responded_on=date(2026, 1, 22)), actor)
        db.session.commit()
        responses = db.session.scalars(select(FamilyResponse).order_by(FamilyResponse.id)).all()
        assert [r.response for r in responses] == ["wants_meeting", "accepted"]
        assert responses[0].follow_up_on == date(2026, 2, 3)
        assert db.session.get(Acknowledgement, delivered).latest_response.response == "accepted"


# Compensation before or after the acknowledgement


def test_compensation_waits_for_the_acknowledgement_by_default(app, case_at_stage):
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        with pytest.raises(TransitionRefused, match="compensation before acknowledgement"):
            apply_case_transition(case, CaseAction.start_compensation, actor,
                                  expected_version=case.version)


def test_compensation_may_start_first_when_the_rule_allows_and_delivery_keeps_that_stage(
        app, case_at_stage, record_acknowledgement, monkeypatch):
    monkeypatch.setitem(app.config, "COMPENSATION_BEFORE_ACKNOWLEDGEMENT", True)
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        apply_case_transition(case, CaseAction.start_compensation, actor,
                              expected_version=case.version)
        db.session.commit()
    # The acknowledgement comes later; its delivery does not move the case back.
    acknowledgement_id = record_acknowledgement(case_id, delivered_on=date(2026, 1, 20))
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
        assert acknowledgement.is_delivered
        assert acknowledgement.case.stage == CaseStage.compensation


def test_compensation_starts_from_acknowledged_whatever_the_rule(app, case_at_stage,
                                                                  record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    record_acknowledgement(case_id, delivered_on=date(2026, 1, 20))
    with app.app_context():
        case, actor = _case_and_actor(case_id)
        assert case.stage == CaseStage.acknowledged
        apply_case_transition(case, CaseAction.start_compensation, actor,
                              expected_version=case.version)
        db.session.commit()
        assert db.session.get(Case, case_id).stage == CaseStage.compensation


# Closing and withdrawing


def test_closing_is_for_supervisors_with_a_note_once_payments_and_referrals_are_settled(
        app, case_at_stage, create_user):
    # Closing's conditions are registered by the domains that own them.
    closing_requirements = (payments_reconciled, referrals_finished_or_declined)
    closable = {stage for (stage, action) in CASE_TRANSITIONS if action == CaseAction.close}
    assert closable == {CaseStage.acknowledged, CaseStage.compensation}
    for stage in closable:
        transition = CASE_TRANSITIONS[(stage, CaseAction.close)]
        assert transition.roles == {Role.supervisor}
        assert transition.reason_required
        assert transition.preconditions == closing_requirements
    case_id = case_at_stage(CaseStage.compensation)
    with app.app_context():
        office_id = db.session.get(Case, case_id).office_id
    supervisor_id = create_user(Role.supervisor, office_id=office_id)
    with app.app_context():
        case, caseworker = _case_and_actor(case_id)
        # Nothing to reconcile or finish yet: the later issues fill these checks in.
        assert payments_reconciled(case, caseworker) is None
        assert referrals_finished_or_declined(case, caseworker) is None
        with pytest.raises(TransitionRefused, match="Your role may not"):
            apply_case_transition(case, CaseAction.close, caseworker,
                                  expected_version=case.version, reason="Paid in full.")
        supervisor = db.session.get(User, supervisor_id)
        with pytest.raises(InvalidInput):
            apply_case_transition(case, CaseAction.close, supervisor,
                                  expected_version=case.version, reason=" ")
        db.session.rollback()
        case = db.session.get(Case, case_id)
        apply_case_transition(case, CaseAction.close, supervisor, expected_version=case.version,
                              reason="Compensation paid in full; the family was informed.")
        db.session.commit()
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.closed and case.due_on is None
        assert case.transitions[-1].reason.startswith("Compensation paid in full")


@pytest.mark.parametrize("stage", sorted(OPEN_STAGES - {CaseStage.intake}))
def test_the_family_can_withdraw_from_every_open_stage_with_a_reason(
        app, case_at_stage, stage):
    case_id = case_at_stage(stage)
    with app.app_context():
        case = db.session.get(Case, case_id)
        caseworker_id, version = case.assigned_to_id, case.version
    client = app.test_client()
    login(client, app, caseworker_id)
    url = f"/cases/{case_id}/actions/withdraw"
    response = client.post(url, data={"version": version, "reason": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).stage == stage
    response = client.post(url, data={"version": version,
                                      "reason": "The family asked to end the claim."})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.withdrawn
        assert case.transitions[-1].reason == "The family asked to end the claim."
        assert db.session.scalar(select(func.count(CaseTransition.id)).where(
            CaseTransition.case_id == case_id, CaseTransition.action == "withdraw")) == 1
