"""`flask demo seed` leaves demo cases at every stage of the lifecycle, taken there through
the real operations by the demo users who would act."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.acknowledgement.models import Acknowledgement, FamilyResponse, Responsibility
from casework.audit.models import AuditEvent
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.demo.cli import DEMO_USERS
from casework.eligibility.models import Appeal, EligibilityDecision, Review
from casework.extensions import db
from casework.intake.models import Case, CaseStage, CaseTransition
from tests.conftest import login

PASSWORD = "demo-pass-2026-x"


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "supervisor.b@demo.casework" in result.output


def _user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def test_demo_seed_leaves_a_case_at_every_stage_through_the_real_workflow(app):
    _seed(app)
    with app.app_context():
        stages = dict(db.session.execute(
            select(Case.stage, func.count(Case.id)).join(Office)
            .where(Office.code == "RQA").group_by(Case.stage)).all())
        # Every stage in the Raqqa office alone, so its users see the whole workflow.
        assert set(stages) == set(CaseStage), set(CaseStage) - set(stages)

        caseworker = _user_id("caseworker@demo.casework")
        supervisor = _user_id("supervisor@demo.casework")
        second = _user_id("supervisor.b@demo.casework")
        assert db.session.get(User, second).role == Role.supervisor
        # Recommendations by the caseworker, decisions by the supervisor, appeals decided by
        # the other supervisor of the office: never the one whose decision is appealed.
        reviews = db.session.scalars(select(Review).where(Review.recommended_by_id.is_not(None)))
        assert {r.recommended_by_id for r in reviews if r.case_id in _rqa_cases()} == {caseworker}
        decisions = db.session.scalars(select(EligibilityDecision)).all()
        assert {d.outcome.value for d in decisions} == {"eligible", "ineligible"}
        assert supervisor in {d.decided_by_id for d in decisions}
        appeals = db.session.scalars(select(Appeal)).all()
        assert {a.outcome.value if a.outcome else None for a in appeals} == {
            "upheld", "dismissed", None}
        for appeal in appeals:
            assert appeal.decided_by_id in (None, second)
            assert appeal.decided_by_id != appeal.decision.decided_by_id

        acknowledgements = db.session.scalars(select(Acknowledgement)).all()
        assert {a.responsibility for a in acknowledgements} == {
            Responsibility.accepted, Responsibility.ex_gratia}
        assert any(not a.is_delivered for a in acknowledgements)
        assert all(any(not f.disclosed for f in a.facts) for a in acknowledgements)
        assert {r.response.value for r in db.session.scalars(select(FamilyResponse))} >= {
            "accepted", "wants_meeting"}
        for acknowledgement in acknowledgements:
            stage = acknowledgement.case.stage
            assert (stage == CaseStage.eligible) == (not acknowledgement.is_delivered)

        # The closed case went all the way, step by step, each step by a person.
        closed = db.session.scalar(select(Case).where(Case.stage == CaseStage.closed))
        assert [t.action for t in closed.transitions] == [
            "register", "start_review", "recommend", "decide_eligible", "acknowledge",
            "start_compensation", "close"]
        assert closed.transitions[-1].actor_id == supervisor
        assert db.session.scalar(select(func.count(CaseTransition.id)).where(
            CaseTransition.actor_id.is_(None))) == 0
        # And the audit trail holds every step.
        steps = db.session.scalar(select(func.count(CaseTransition.id)))
        audited = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "case_transitions", AuditEvent.action == "create"))
        assert audited == steps


def _rqa_cases() -> set[int]:
    return set(db.session.scalars(select(Case.id).join(Office).where(Office.code == "RQA")))


def test_demo_case_pages_open_for_each_rqa_role(app):
    _seed(app)
    with app.app_context():
        case_ids = sorted(_rqa_cases())
        acknowledgement_ids = list(db.session.scalars(select(Acknowledgement.id)))
        users = [_user_id(email) for email, _name, _role, office in DEMO_USERS
                 if office == "RQA" or email == "auditor@demo.casework"]
    for user_id in users:
        client = app.test_client()
        login(client, app, user_id, password=PASSWORD)
        for case_id in case_ids:
            assert client.get(f"/cases/{case_id}").status_code == 200, (user_id, case_id)
        for acknowledgement_id in acknowledgement_ids:
            assert client.get(f"/acknowledgements/{acknowledgement_id}").status_code in (
                200, 404)
