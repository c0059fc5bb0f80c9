"""The supervisors' queues: cases awaiting a decision (highest priority, then oldest, first;
own office; keyset pages; overdue flags) and the "to reconsider" queue, which new
evidence and changed incident assessments fill and reopening empties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from casework.auth.models import User
from casework.core.authz import Role
from casework.core.dates import office_today
from casework.core.models import utcnow
from casework.eligibility import operations, queries
from casework.eligibility.models import (
    EligibilityDecision,
    ReconsiderationEntry,
    Review,
)
from casework.eligibility.queries import QueueKind
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.models import (
    Case,
    CaseStage,
)
from casework.intake.models.incidents import Incident
from tests.conftest import is_postgresql, login
from tests.evidence_samples import pdf
from tests.fixtures_eligibility import WorkflowCase
from tests.fixtures_evidence import upload
from tests.fixtures_intake import case_version


def _client(app, user_id: int):
    client = app.test_client()
    login(client, app, user_id)
    return client


def _set(app, case_id: int, **columns) -> None:
    with app.app_context():
        case = db.session.get(Case, case_id)
        for name, value in columns.items():
            setattr(case, name, value)
        db.session.commit()


def _references(html: str, ids: list[int], app) -> list[str]:
    with app.app_context():
        refs = {db.session.get(Case, i).reference: i for i in ids}
    positions = sorted((html.index(ref), ref) for ref in refs if ref in html)
    return [ref for _, ref in positions]


@pytest.fixture
def recommended_case(app, workflow_case):
    def make(office_id: int, priority: int) -> WorkflowCase:
        people = workflow_case(CaseStage.under_review, office_id=office_id)
        with app.app_context():
            case = db.session.get(Case, people.case_id)
            caseworker = db.session.get(User, people.caseworker_id)
            review = db.session.scalar(select(Review).where(Review.case_id == case.id))
            operations.record_findings(case, [
                operations.FindingInput(c.id, "met") for c in review.criteria_version.criteria
            ], caseworker, None)
            operations.recommend(case, "eligible", "Met.", caseworker, None)
            case.priority = priority
            db.session.commit()
        return people

    return make


def test_the_decision_queue_lists_the_office_s_recommended_cases_by_priority_then_age(
        app, create_office, workflow_case, recommended_case):
    office_id = create_office()
    normal_old = recommended_case(office_id, 4)
    urgent_new = recommended_case(office_id, 1)
    high = recommended_case(office_id, 2)
    urgent_newer = recommended_case(office_id, 1)
    not_recommended = workflow_case(CaseStage.under_review, office_id=office_id)
    elsewhere = recommended_case(create_office(), 1)
    supervisor = _client(app, normal_old.supervisor_id)
    html = supervisor.get("/eligibility/queue").get_data(as_text=True)
    expected = [urgent_new, urgent_newer, high, normal_old]
    listed = _references(html, [p.case_id for p in (*expected, not_recommended, elsewhere)], app)
    with app.app_context():
        assert listed == [db.session.get(Case, p.case_id).reference for p in expected]


def test_the_decision_queue_pages_by_key(app, create_office, recommended_case):
    office_id = create_office()
    made = [recommended_case(office_id, priority) for priority in (3, 1, 2, 1, 3)]
    with app.app_context():
        supervisor = db.session.get(User, made[0].supervisor_id)
        seen, after = [], None
        while True:
            queue = queries.decision_queue(supervisor, QueueKind.decisions, after, date.today(),
                                           size=2)
            seen += [(case.priority, case.id) for case in queue.page.items]
            assert len(queue.page.items) <= 2
            after = queue.page.next_after
            if after is None:
                break
        assert seen == sorted((c.priority, c.id) for c in
                              (db.session.get(Case, p.case_id) for p in made))


def test_overdue_cases_are_flagged_and_can_be_listed_alone(app, create_office,
                                                          recommended_case):
    office_id = create_office()
    late = recommended_case(office_id, 3)
    on_time = recommended_case(office_id, 3)
    with app.app_context():
        today = office_today(db.session.get(Case, late.case_id))
    _set(app, late.case_id, due_on=today - timedelta(days=1))
    _set(app, on_time.case_id, due_on=today + timedelta(days=10))
    supervisor = _client(app, late.supervisor_id)
    html = supervisor.get("/eligibility/queue").get_data(as_text=True)
    assert html.count("data-overdue") == 1
    overdue_only = supervisor.get("/eligibility/queue?overdue=1").get_data(as_text=True)
    assert _references(overdue_only, [late.case_id, on_time.case_id], app) == [
        _reference(app, late.case_id)]


def _reference(app, case_id: int) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).reference


def test_registration_starts_the_eligibility_decision_deadline(app, workflow_case):
    people = workflow_case(CaseStage.registered)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        assert case.due_on == office_today(case) + timedelta(days=60)


def test_the_appeals_list_shows_cases_in_appeal_with_their_original_decider(
        app, workflow_case):
    people = workflow_case(CaseStage.appeal)
    html = _client(app, people.other_supervisor_id).get(
        "/eligibility/queue?kind=appeals").get_data(as_text=True)
    assert _reference(app, people.case_id) in html
    with app.app_context():
        decider = db.session.get(User, people.supervisor_id).name
    assert f"decided first by {decider}" in html
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        # Lodging the appeal started its decision deadline.
        assert case.due_on == office_today(case) + timedelta(days=60)


def test_the_queue_reads_its_order_from_an_index(app, create_office, recommended_case):
    office_id = create_office()
    people = recommended_case(office_id, 2)
    with app.app_context():
        supervisor = db.session.get(User, people.supervisor_id)
        statement = (select(Case).where(
            Case.office_id == supervisor.office_id, Case.stage == CaseStage.under_review)
            .order_by(Case.priority, Case.id).limit(51))
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if is_postgresql():
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))
        else:
            plan = "\n".join(str(row) for row in db.session.execute(
                text(f"EXPLAIN QUERY PLAN {sql}")))
        if is_postgresql():
            # The planner picks one of the (…stage, priority, id) indexes; either way the
            # rows come in queue order, with no sort.
            assert "Index Scan using ix_cases_" in plan and "Sort" not in plan, plan
        else:
            assert "ix_cases_office_id_stage_priority_id" in plan
            assert "TEMP B-TREE" not in plan.upper()


# The "to reconsider" queue


def test_new_evidence_on_an_ineligible_case_puts_it_in_the_queue_with_what_changed(
        app, workflow_case, evidence_root):
    people = workflow_case(CaseStage.ineligible)
    reviewing = workflow_case(CaseStage.under_review, office_id=people.office_id)
    caseworker = _client(app, people.caseworker_id)
    assert upload(caseworker, people.case_id, pdf("New statement"),
                  title="Witness statement of a neighbour").status_code == 302
    assert upload(_client(app, reviewing.caseworker_id), reviewing.case_id,
                  pdf("Other")).status_code == 302
    with app.app_context():
        entries = list(db.session.scalars(select(ReconsiderationEntry)))
        assert [(e.case_id, e.trigger, e.case_stage, e.status) for e in entries] == [
            (people.case_id, "new_evidence", "ineligible", "open")]
        assert entries[0].evidence.title == "Witness statement of a neighbour"
    html = _client(app, people.supervisor_id).get("/eligibility/reconsider").get_data(
        as_text=True)
    assert "Witness statement of a neighbour" in html
    assert _reference(app, people.case_id) in html
    assert _reference(app, reviewing.case_id) not in html


def test_new_evidence_on_a_closed_case_puts_it_in_the_queue(app, workflow_case,
                                                            evidence_root):
    people = workflow_case(CaseStage.eligible)
    _set(app, people.case_id, stage=CaseStage.closed)
    upload(_client(app, people.caseworker_id), people.case_id, pdf("Late"))
    with app.app_context():
        assert db.session.scalar(select(ReconsiderationEntry.case_stage)) == "closed"


def test_the_entry_is_written_in_the_same_transaction_as_the_evidence(app, workflow_case,
                                                                       evidence_root):
    people = workflow_case(CaseStage.ineligible)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        evidence = Evidence(
            case_id=case.id, kind="other", title="x", original_filename="x.pdf",
            media_type="application/pdf", size_bytes=1, sha256="0" * 64)
        db.session.add(evidence)
        db.session.flush()
        operations.queue_for_new_evidence(case, evidence)
        assert db.session.scalar(select(func.count()).select_from(ReconsiderationEntry)) == 1
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ReconsiderationEntry)) == 0


def _assess(app, supervisor_id: int, incident_id: int, status: str):
    client = _client(app, supervisor_id)
    return client.post(f"/incidents/{incident_id}/assessments", data={
        "status": status, "assessed_on": date(2018, 7, 1).isoformat(),
        "source": "Coalition monthly civilian casualty report, July 2018"})


def test_an_assessment_changed_to_credible_queues_every_affected_case_of_the_incident(
        app, workflow_case, create_incident, create_office):
    incident_id = create_incident()
    ineligible = workflow_case(CaseStage.ineligible, incident_ids=[incident_id])
    elsewhere = workflow_case(CaseStage.ineligible, incident_ids=[incident_id])
    workflow_case(CaseStage.eligible, incident_ids=[incident_id])
    closed_ineligible = workflow_case(CaseStage.ineligible, incident_ids=[incident_id])
    _set(app, closed_ineligible.case_id, stage=CaseStage.closed)
    closed_eligible = workflow_case(CaseStage.eligible, incident_ids=[incident_id])
    _set(app, closed_eligible.case_id, stage=CaseStage.closed)
    workflow_case(CaseStage.ineligible)  # a case of another incident
    response = _assess(app, ineligible.supervisor_id, incident_id, "credible")
    assert response.status_code == 302
    with app.app_context():
        entries = list(db.session.scalars(select(ReconsiderationEntry).order_by(
            ReconsiderationEntry.case_id)))
        assert sorted(e.case_id for e in entries) == sorted(
            [ineligible.case_id, elsewhere.case_id, closed_ineligible.case_id])
        assert {(e.trigger, e.previous_credibility, e.new_credibility, e.incident_id)
                for e in entries} == {("assessment_changed", "pending", "credible", incident_id)}
        reference = db.session.get(Incident, incident_id).reference
    html = _client(app, ineligible.supervisor_id).get("/eligibility/reconsider").get_data(
        as_text=True)
    assert f"The official assessment of incident {reference} changed from" in html
    # Each office sees its own cases only.
    assert _reference(app, elsewhere.case_id) not in html


@pytest.mark.parametrize(("first", "second", "queued"), [
    ("non_credible", "credible", 1),
    ("non_credible", "reopened", 1),
    ("credible", "credible", 0),
    ("credible", "non_credible", 0),
    ("pending", "non_credible", 0),
])
def test_only_a_change_to_credible_or_reopened_queues_cases(app, workflow_case,
                                                            create_incident, first, second,
                                                            queued):
    incident_id = create_incident()
    people = workflow_case(CaseStage.ineligible, incident_ids=[incident_id])
    if first != "pending":
        client = _client(app, people.supervisor_id)
        client.post(f"/incidents/{incident_id}/assessments", data={
            "status": first, "assessed_on": "2017-09-01", "source": "Monthly report"})
        with app.app_context():
            db.session.execute(ReconsiderationEntry.__table__.delete())
            db.session.commit()
    assert _assess(app, people.supervisor_id, incident_id, second).status_code == 302
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(ReconsiderationEntry)) == queued


def test_a_supervisor_reopens_from_the_queue_and_earlier_decisions_stay(
        app, workflow_case, evidence_root):
    people = workflow_case(CaseStage.ineligible)
    caseworker = _client(app, people.caseworker_id)
    upload(caseworker, people.case_id, pdf("Statement"), title="New statement")
    upload(caseworker, people.case_id, pdf("Photo"), title="Photo of the site")
    supervisor = _client(app, people.supervisor_id)
    html = supervisor.get("/eligibility/reconsider").get_data(as_text=True)
    assert html.count("data-reopen-form") == 2
    with app.app_context():
        version = db.session.get(Case, people.case_id).version
        decisions_before = [(d.id, d.outcome, d.reasons, d.decided_by_id) for d in
                            db.session.scalars(select(EligibilityDecision))]
    response = supervisor.post(f"/cases/{people.case_id}/actions/reopen",
                               data={"version": version, "reason": "A new witness."})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        assert case.stage == CaseStage.reopened
        assert {e.status for e in db.session.scalars(select(ReconsiderationEntry))} == {
            "reopened"}
        assert [(d.id, d.outcome, d.reasons, d.decided_by_id) for d in db.session.scalars(
            select(EligibilityDecision))] == decisions_before
    assert "Nothing to reconsider." in supervisor.get("/eligibility/reconsider").get_data(
        as_text=True)
    # Back towards review: a new round, starting from the earlier findings.
    response = caseworker.post(f"/cases/{people.case_id}/actions/start_review",
                               data={"version": case_version(app, people.case_id)})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        assert case.stage == CaseStage.under_review
        assert case.due_on == office_today(case) + timedelta(days=60)
        rounds = list(db.session.scalars(select(Review).order_by(Review.round)))
        assert [(r.round, r.opened_because, r.status) for r in rounds] == [
            (1, "first_review", "decided"), (2, "reopened", "open")]
        assert len(rounds[1].findings) == len(rounds[0].findings)



def test_caseworkers_cannot_reopen(app, workflow_case):
    people = workflow_case(CaseStage.ineligible)
    response = _client(app, people.caseworker_id).post(
        f"/cases/{people.case_id}/actions/reopen",
        data={"version": case_version(app, people.case_id), "reason": "Please."})
    assert response.status_code == 409
    assert _reference(app, people.case_id)
    with app.app_context():
        assert db.session.get(Case, people.case_id).stage == CaseStage.ineligible


def test_a_supervisor_dismisses_an_entry_with_a_reason(app, workflow_case, evidence_root):
    people = workflow_case(CaseStage.ineligible)
    upload(_client(app, people.caseworker_id), people.case_id, pdf("Dup"), title="Duplicate")
    with app.app_context():
        entry_id = db.session.scalar(select(ReconsiderationEntry.id))
    supervisor = _client(app, people.supervisor_id)
    response = supervisor.post(f"/eligibility/reconsider/{entry_id}/dismiss",
                               data={"reason": " "})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ReconsiderationEntry, entry_id).status == "open"
    response = supervisor.post(f"/eligibility/reconsider/{entry_id}/dismiss",
                               data={"reason": "The same statement as in the file already."})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(ReconsiderationEntry, entry_id)
        assert (entry.status, entry.resolved_by_id) == ("dismissed", people.supervisor_id)
        assert db.session.get(Case, people.case_id).stage == CaseStage.ineligible
    assert supervisor.post(f"/eligibility/reconsider/{entry_id}/dismiss",
                           data={"reason": "Again."}).status_code == 409


def test_the_reconsider_queue_pages_oldest_first_within_the_office(app, workflow_case,
                                                                    create_user):
    people = workflow_case(CaseStage.ineligible)
    outsider_id = create_user(Role.supervisor)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        for _ in range(5):
            db.session.add(ReconsiderationEntry(
                case_id=case.id, office_id=case.office_id, trigger="new_evidence",
                case_stage="ineligible", created_at=utcnow(), status="open"))
        db.session.commit()
        supervisor = db.session.get(User, people.supervisor_id)
        first = queries.reconsider_queue(supervisor, None, size=3)
        second = queries.reconsider_queue(supervisor, first.next_after, size=3)
        ids = [e.id for e in first.items + second.items]
        assert ids == sorted(ids) and len(ids) == 5 and second.next_after is None
        outsider = db.session.get(User, outsider_id)
        assert queries.reconsider_queue(outsider, None).items == []
