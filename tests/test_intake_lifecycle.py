"""The case lifecycle table, tested without HTTP, then through the case page."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.core.authz import Role
from casework.core.dates import office_today
from casework.core.errors import InvalidInput
from casework.core.lifecycle import StaleRecord, TransitionRefused
from casework.extensions import db
from casework.intake.lifecycle import (
    CASE_LIFECYCLE,
    CASE_TRANSITIONS,
    DEFAULT_DEADLINE_DAYS,
    CaseAction,
    apply_case_transition,
    case_offers,
)
from casework.intake.models import Case, CaseIncident, CaseStage, CaseTransition, Person
from casework.intake.models.cases import FINAL_STAGES, OPEN_STAGES
from tests.fixtures_intake import case_stage, case_version, person


def test_every_stage_of_the_design_exists():
    assert [stage.value for stage in CaseStage] == [
        "intake", "registered", "under_review", "eligible", "ineligible", "appeal", "reopened",
        "acknowledged", "compensation", "closed", "withdrawn", "merged",
    ]
    assert {CaseStage.closed, CaseStage.withdrawn, CaseStage.merged} == FINAL_STAGES


def test_intake_rows_register_from_intake_and_withdraw_from_every_open_stage(app_context):
    assert CASE_TRANSITIONS[(CaseStage.intake, CaseAction.register)].to == CaseStage.registered
    withdraw_from = {stage for (stage, action) in CASE_TRANSITIONS if action == CaseAction.withdraw}
    assert withdraw_from == set(OPEN_STAGES)
    for stage in FINAL_STAGES:
        assert (stage, CaseAction.withdraw) not in CASE_TRANSITIONS
    # Every requirement of registration holds for a complete case, as intake leaves it.
    case = _complete_case()
    assert CASE_LIFECYCLE.refusals(case, CaseAction.register, _actor(Role.caseworker)) == []
    assert all(t.reason_required for (s, a), t in CASE_TRANSITIONS.items()
               if a == CaseAction.withdraw)


def _actor(role: Role, user_id: int = 1):
    return SimpleNamespace(id=user_id, role=role)


def _complete_case(stage: CaseStage = CaseStage.intake) -> Case:
    """A transient case with every registration requirement met (no database)."""
    case = Case(stage=stage, version=1, contact_phone="+963 944 000 111", assigned_to_id=7,
                consent_given_on=date(2026, 1, 5), consent_recorded_by_id=7,
                consent_text_version="2026-01")
    case.incident_links = [CaseIncident(incident_id=1)]
    case.persons = [Person(relationship_to_head="head", harm="killed", incident_id=1,
                           name_ar="أحمد")]
    return case


def test_each_combination_is_allowed_exactly_when_the_table_says(app_context):
    """Every (stage, action, role), generated from the table itself (one test, so that the
    per-test database cleanup is not repeated for each of the hundreds of combinations)."""
    checked = 0
    for stage in CaseStage:
        for action in CaseAction:
            for role in Role:
                case, actor = _complete_case(stage), _actor(role)
                refusals = [str(r) for r in CASE_LIFECYCLE.refusals(case, action, actor)]
                transition = CASE_TRANSITIONS.get((stage, action))
                where = f"{stage.value} {action.value} {role.value}: {refusals}"
                if transition is None:
                    assert len(refusals) == 1 and "is not possible at stage" in refusals[0], where
                elif role not in transition.roles:
                    assert len(refusals) == 1 and "Your role may not" in refusals[0], where
                else:
                    # Allowed by the table: only its own preconditions may stand in the way.
                    unmet = [str(r) for check in transition.preconditions
                             if (r := check(case, actor))]
                    assert refusals == unmet, where
                checked += 1
    assert checked == len(CaseStage) * len(CaseAction) * len(Role)


def test_registration_lists_everything_missing(app_context):
    case = Case(stage=CaseStage.intake, version=1)
    case.incident_links = []
    case.persons = [Person(relationship_to_head="son", harm="killed", incident_id=None,
                           name_latin="Omar")]
    refusals = [str(r) for r in CASE_LIFECYCLE.refusals(case, CaseAction.register,
                                                         _actor(Role.caseworker))]
    assert any("at least one incident" in r for r in refusals)
    assert any("head of household" in r for r in refusals)
    assert any("in which incident each victim" in r and "Omar" in r for r in refusals)
    assert any("reach the family" in r for r in refusals)
    assert any("informed consent" in r for r in refusals)
    assert any("Assign the case" in r for r in refusals)


def test_registration_needs_a_harm_or_a_loss_and_a_single_head(app_context):
    case = _complete_case()
    case.persons = [Person(relationship_to_head="head", harm="unharmed"),
                    Person(relationship_to_head="head", harm="unharmed")]
    case.losses = []
    refusals = [str(r) for r in CASE_LIFECYCLE.refusals(case, CaseAction.register,
                                                         _actor(Role.supervisor))]
    assert any("Only one member can be the head" in r for r in refusals)
    assert any("killed, injured or missing, or one loss" in r for r in refusals)


def test_offers_are_what_the_role_may_do_from_the_stage_with_blockers(app_context):
    case = _complete_case()
    case.consent_given_on = None
    offers = {offer.action: offer for offer in case_offers(case, _actor(Role.caseworker))}
    assert {CaseAction.register, CaseAction.withdraw} <= set(offers)
    assert all(Role.caseworker in offer.transition.roles for offer in offers.values())
    assert not offers[CaseAction.register].allowed
    assert "informed consent" in str(offers[CaseAction.register].refusals[0])
    assert offers[CaseAction.withdraw].allowed
    assert case_offers(case, _actor(Role.auditor)) == []
    assert case_offers(case, _actor(Role.admin)) == []
    assert case_offers(_complete_case(CaseStage.withdrawn), _actor(Role.caseworker)) == []


def test_register_moves_the_case_records_the_step_and_starts_the_decision_deadline(
        app, open_case):
    case_id = open_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, case.assigned_to_id)
        version = case.version
        step = apply_case_transition(case, CaseAction.register, actor, expected_version=version)
        db.session.commit()
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.registered
        assert case.version > version
        assert case.registered_at is not None
        assert case.due_on == office_today(case) + timedelta(
            days=DEFAULT_DEADLINE_DAYS["eligibility_decision"])
        recorded = db.session.get(CaseTransition, step.id)
        assert (recorded.case_id, recorded.from_stage, recorded.to_stage, recorded.action,
                recorded.actor_id) == (case_id, CaseStage.intake, CaseStage.registered,
                                       "register", actor.id)


def test_deadlines_are_configuration(app, open_case, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_DEADLINE_DAYS", {"eligibility_decision": 10})
    case_id = open_case(register=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_on == office_today(case) + timedelta(days=10)


def test_withdraw_requires_a_reason_and_keeps_it(app, open_case):
    case_id = open_case(register=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, case.assigned_to_id)
        with pytest.raises(InvalidInput):
            apply_case_transition(case, CaseAction.withdraw, actor,
                                  expected_version=case.version, reason="  ")
        db.session.rollback()
        apply_case_transition(case, CaseAction.withdraw, actor, expected_version=case.version,
                              reason="The family asked to withdraw the claim.")
        db.session.commit()
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.withdrawn and case.due_on is None
        assert case.transitions[-1].reason == "The family asked to withdraw the claim."
        with pytest.raises(TransitionRefused, match="not possible at stage"):
            apply_case_transition(case, CaseAction.withdraw, actor,
                                  expected_version=case.version, reason="again")


def test_a_stale_version_is_refused_and_changes_nothing(app, open_case):
    case_id = open_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, case.assigned_to_id)
        with pytest.raises(StaleRecord):
            apply_case_transition(case, CaseAction.register, actor,
                                  expected_version=case.version - 1)
        db.session.rollback()
        assert db.session.get(Case, case_id).stage == CaseStage.intake
        assert db.session.scalar(select(func.count(CaseTransition.id))) == 0


def test_a_role_outside_the_table_is_refused(app, open_case, create_user):
    case_id = open_case()
    auditor_id = create_user(Role.auditor)
    with app.app_context():
        case = db.session.get(Case, case_id)
        auditor = db.session.get(User, auditor_id)
        with pytest.raises(TransitionRefused, match="Your role may not"):
            apply_case_transition(case, CaseAction.register, auditor,
                                  expected_version=case.version)


# Through the case page


def _owner_client(app, login_as, case_id):
    with app.app_context():
        office_id = db.session.get(Case, case_id).office_id
    return login_as(Role.caseworker, office_id=office_id)


def test_the_case_page_offers_register_with_what_is_missing(app, open_case, login_as):
    case_id = open_case(consent=False)
    html = _owner_client(app, login_as, case_id).get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-offer="register"' in html and 'data-offer="withdraw"' in html
    assert "informed consent" in html
    assert "disabled" in html.split('data-offer="register"')[1].split("</form>")[0]


def test_a_disallowed_action_answers_409_with_the_reason(app, open_case, login_as):
    case_id = open_case(consent=False)
    client = _owner_client(app, login_as, case_id)
    version = case_version(app, case_id)
    response = client.post(f"/cases/{case_id}/actions/register", data={"version": version})
    assert response.status_code == 409
    assert "informed consent" in response.get_data(as_text=True)
    assert case_stage(app, case_id) == CaseStage.intake


def test_registering_through_the_page(app, open_case, login_as):
    case_id = open_case()
    client = _owner_client(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/actions/register",
                           data={"version": case_version(app, case_id)})
    assert response.status_code == 302
    assert case_stage(app, case_id) == CaseStage.registered
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-transition="register"' in html
    assert 'data-offer="register"' not in html


def test_a_stale_form_answers_409_and_names_who_changed_the_case(app, open_case, login_as):
    case_id = open_case()
    client = _owner_client(app, login_as, case_id)
    stale = case_version(app, case_id)
    client.post(f"/cases/{case_id}/persons/new",
                data={**person(), "version": stale})
    response = client.post(f"/cases/{case_id}/actions/register", data={"version": stale})
    assert response.status_code == 409
    assert "changed by" in response.get_data(as_text=True)
    assert case_stage(app, case_id) == CaseStage.intake


def test_withdraw_without_a_reason_is_refused_with_a_message(app, open_case, login_as):
    case_id = open_case()
    client = _owner_client(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/actions/withdraw",
                           data={"version": case_version(app, case_id), "reason": ""},
                           follow_redirects=True)
    assert "Give a reason" in response.get_data(as_text=True)
    assert case_stage(app, case_id) == CaseStage.intake


def test_an_unknown_action_is_404(app, open_case, login_as):
    case_id = open_case()
    client = _owner_client(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/actions/approve",
                           data={"version": case_version(app, case_id)})
    assert response.status_code == 404
