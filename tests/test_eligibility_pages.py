"""The eligibility pages through HTTP: access per role and office on every route, then the
workflow as the office works it (review, recommendation, decision, delivery, appeal)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from casework.auth import operations as auth_operations
from casework.auth.models import User
from casework.core.authz import Role
from casework.core.dates import local_today, office_today
from casework.core.models import utcnow
from casework.eligibility import operations
from casework.eligibility.models import (
    Appeal,
    CriteriaVersion,
    EligibilityDecision,
    InformationRequest,
    ReconsiderationEntry,
    Review,
    ReviewActivity,
)
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.models import (
    Case,
    CaseStage,
    CaseTransition,
)
from tests.conftest import login
from tests.evidence_samples import pdf
from tests.fixtures_dates import day_text, visible_text
from tests.fixtures_eligibility import case_decisions
from tests.fixtures_evidence import upload
from tests.fixtures_intake import case_stage, case_version

# Who asks: own office, another office, or a role without case reach.
KINDS = ["caseworker", "supervisor", "other_caseworker", "other_supervisor", "auditor", "admin"]


@pytest.fixture
def client_for(app, create_user, create_office):
    """Factory: a logged-in client for a kind of user relative to an office."""
    elsewhere = {}

    def make(kind: str, people=None):
        if kind == "caseworker":
            user_id = people.caseworker_id
        elif kind == "supervisor":
            user_id = people.supervisor_id
        elif kind == "other_decider":
            user_id = people.other_supervisor_id
        elif kind.startswith("other_"):
            office_id = elsewhere.setdefault("office", create_office())
            user_id = create_user(Role(kind.removeprefix("other_")), office_id=office_id)
        else:
            user_id = create_user(Role(kind))
        client = app.test_client()
        login(client, app, user_id)
        client.user_id = user_id
        return client

    return make


def _criteria_ids(app, case_id: int) -> list[int]:
    with app.app_context():
        review = db.session.scalars(select(Review).where(Review.case_id == case_id)
                                    .order_by(Review.round.desc())).first()
        return [criterion.id for criterion in review.criteria_version.criteria]




# Access: every route, every kind of user.

CASE_ROUTES = {
    # route: {kind: expected status}; unlisted kinds of the own office get 200.
    "GET /cases/{case}/review": {"other_caseworker": 404, "other_supervisor": 404,
                                 "auditor": 200, "admin": 403},
    "GET /cases/{case}/review/activities/new": {"other_caseworker": 404,
                                                "other_supervisor": 404, "auditor": 403,
                                                "admin": 403},
    "GET /cases/{case}/recommend": {"other_caseworker": 404, "other_supervisor": 404,
                                    "auditor": 403, "admin": 403},
    "GET /cases/{case}/decide": {"caseworker": 403, "other_caseworker": 403,
                                 "other_supervisor": 404, "auditor": 403, "admin": 403},
    "GET /cases/{case}/decisions/{decision}/delivery": {
        "other_caseworker": 404, "other_supervisor": 404, "auditor": 403, "admin": 403},
    "GET /cases/{case}/appeal": {"other_caseworker": 404, "other_supervisor": 404,
                                 "auditor": 403, "admin": 403},
    "GET /cases/{case}/appeal/decide": {"caseworker": 403, "other_caseworker": 403,
                                        "other_supervisor": 404, "auditor": 403,
                                        "admin": 403},
    "POST /cases/{case}/review/findings": {"other_caseworker": 404, "other_supervisor": 404,
                                           "auditor": 403, "admin": 403},
    "POST /cases/{case}/review/activities/new": {"other_caseworker": 404,
                                                 "other_supervisor": 404, "auditor": 403,
                                                 "admin": 403},
    "POST /cases/{case}/recommend": {"other_caseworker": 404, "other_supervisor": 404,
                                     "auditor": 403, "admin": 403},
    "POST /cases/{case}/decide": {"caseworker": 403, "other_caseworker": 403,
                                  "other_supervisor": 404, "auditor": 403, "admin": 403},
    "POST /cases/{case}/decisions/{decision}/delivery": {
        "other_caseworker": 404, "other_supervisor": 404, "auditor": 403, "admin": 403},
    "POST /cases/{case}/appeal": {"other_caseworker": 404, "other_supervisor": 404,
                                  "auditor": 403, "admin": 403},
    "POST /cases/{case}/appeal/decide": {"caseworker": 403, "other_caseworker": 403,
                                         "other_supervisor": 404, "auditor": 403,
                                         "admin": 403},
    "POST /eligibility/reconsider/{entry}/dismiss": {
        "caseworker": 403, "other_caseworker": 403, "other_supervisor": 404, "auditor": 403,
        "admin": 403},
}
OTHER_ROUTES = {
    "GET /eligibility/queue": {"supervisor": 200, "other_supervisor": 200},
    "GET /eligibility/queue?kind=appeals": {"supervisor": 200, "other_supervisor": 200},
    "GET /eligibility/reconsider": {"supervisor": 200, "other_supervisor": 200},
    "GET /eligibility/criteria": {"admin": 200},
    "GET /eligibility/criteria/edit": {"admin": 200},
    "GET /eligibility/criteria/versions/{version}": {"admin": 200},
    "POST /eligibility/criteria/edit": {"admin": 200},
}


@pytest.fixture
def ineligible_case(app, workflow_case):
    """An ineligible case with a delivered decision and an open "to reconsider" entry."""
    people = workflow_case(CaseStage.ineligible)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        decision = case_decisions(case)[-1]
        entry = ReconsiderationEntry(
            case_id=case.id, office_id=case.office_id, trigger="new_evidence",
            case_stage="ineligible", created_at=utcnow(), status="open")
        db.session.add(entry)
        db.session.commit()
        people.decision_id, people.entry_id = decision.id, entry.id
        people.version_id = db.session.scalar(select(func.max(CriteriaVersion.id)))
    return people


@pytest.mark.parametrize("route", sorted(CASE_ROUTES), ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_case_routes_answer_each_role_and_office(app, route, kind, ineligible_case,
                                                 client_for):
    people = ineligible_case
    expected = CASE_ROUTES[route].get(kind, 200)
    method, path = route.split(" ")
    url = path.format(case=people.case_id, decision=people.decision_id, entry=people.entry_id)
    client = client_for(kind, people)
    before = case_version(app, people.case_id)
    response = client.open(url, method=method, data={})
    if method == "POST" and expected == 200:
        # Allowed through, then refused on the case: nothing was filled in.
        assert response.status_code in (200, 302, 400, 409), response.status_code
    else:
        assert response.status_code == expected, (route, kind, response.status_code)
    assert case_version(app, people.case_id) == before
    with app.app_context():
        assert db.session.get(ReconsiderationEntry, people.entry_id).status == "open"


@pytest.mark.parametrize("route", sorted(OTHER_ROUTES), ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_queue_and_criteria_routes_answer_each_role(app, route, kind, ineligible_case,
                                                    client_for):
    expected = OTHER_ROUTES[route].get(kind, 403)
    method, path = route.split(" ")
    client = client_for(kind, ineligible_case)
    response = client.open(path.format(version=ineligible_case.version_id), method=method,
                           data={})
    assert response.status_code == expected


def test_admins_see_no_case_in_the_queues_and_supervisors_only_their_office(
        app, ineligible_case, client_for):
    mine = client_for("supervisor", ineligible_case).get("/eligibility/reconsider")
    theirs = client_for("other_supervisor", ineligible_case).get("/eligibility/reconsider")
    with app.app_context():
        reference = db.session.get(Case, ineligible_case.case_id).reference
    assert reference in mine.get_data(as_text=True)
    assert reference not in theirs.get_data(as_text=True)


# The workflow through the pages.


def _findings(criteria: list[int], value: str = "met", **extra) -> dict:
    data = {f"finding_{criterion}": value for criterion in criteria}
    data.update({f"note_{criterion}": "Checked." for criterion in criteria})
    data.update(extra)
    return data


def test_caseworker_reviews_and_recommends_then_a_supervisor_decides(app, workflow_case,
                                                                      client_for):
    people = workflow_case(CaseStage.registered)
    caseworker = client_for("caseworker", people)
    case_id = people.case_id
    page = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-offer="start_review"' in page
    response = caseworker.post(f"/cases/{case_id}/actions/start_review",
                               data={"version": case_version(app, case_id)})
    assert response.status_code == 302
    assert case_stage(app, case_id) == CaseStage.under_review

    criteria = _criteria_ids(app, case_id)
    review_page = caseworker.get(f"/cases/{case_id}/review").get_data(as_text=True)
    for criterion in criteria:
        assert f'name="finding_{criterion}"' in review_page
    response = caseworker.post(f"/cases/{case_id}/review/findings",
                               data=_findings(criteria, version=case_version(app, case_id)))
    assert response.status_code == 302
    response = caseworker.post(f"/cases/{case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Every criterion is met.",
        "version": case_version(app, case_id)})
    assert response.status_code == 302

    supervisor = client_for("supervisor", people)
    queue = supervisor.get("/eligibility/queue").get_data(as_text=True)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    assert reference in queue
    case_page = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    for outcome in ("eligible", "ineligible", "more_information"):
        assert f'href="/cases/{case_id}/decide?outcome={outcome}"' in case_page
    decide_page = supervisor.get(f"/cases/{case_id}/decide?outcome=ineligible").get_data(
        as_text=True)
    assert re.search(r'<input checked[^>]*value="ineligible"', decide_page)
    response = supervisor.post(f"/cases/{case_id}/decide", data={
        "outcome": "eligible", "reasons": "", "version": case_version(app, case_id)})
    assert response.status_code == 302
    assert case_stage(app, case_id) == CaseStage.eligible
    with app.app_context():
        decision = db.session.scalar(select(EligibilityDecision))
        assert (decision.outcome, decision.decided_by_id) == ("eligible", people.supervisor_id)
        review = db.session.get(Review, decision.review_id)
        assert review.recommended_by_id == people.caseworker_id
        assert [t.action for t in db.session.get(Case, case_id).transitions] == [
            "register", "start_review", "recommend", "decide_eligible"]
    assert reference not in supervisor.get("/eligibility/queue").get_data(as_text=True)


def test_a_recommender_promoted_to_supervisor_cannot_decide_409(app, workflow_case,
                                                                client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    case_id = people.case_id
    caseworker.post(f"/cases/{case_id}/review/findings",
                    data=_findings(_criteria_ids(app, case_id), version=case_version(app, case_id)))
    caseworker.post(f"/cases/{case_id}/recommend", data={
        "recommendation": "ineligible", "reasons": "Not verified.",
        "version": case_version(app, case_id)})
    with app.app_context():
        user = db.session.get(User, people.caseworker_id)
        user.role = Role.supervisor
        secret = pyotp.random_base32()
        auth_operations.enrol_totp(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
        db.session.commit()
    promoted = client_for("caseworker", people)
    response = promoted.post(f"/cases/{case_id}/decide", data={
        "outcome": "ineligible", "reasons": "Not verified.", "version": case_version(app, case_id)})
    assert response.status_code == 409
    assert "You recommended this decision" in response.get_data(as_text=True)
    assert case_stage(app, case_id) == CaseStage.under_review


def test_a_supervisor_cannot_recommend_409(app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    supervisor = client_for("supervisor", people)
    supervisor.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        _criteria_ids(app, people.case_id), version=case_version(app, people.case_id)))
    response = supervisor.post(f"/cases/{people.case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Fine.",
        "version": case_version(app, people.case_id)})
    assert response.status_code == 409
    assert "Your role may not" in response.get_data(as_text=True)


def test_a_decision_needs_a_recommendation_first_409(app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    response = client_for("supervisor", people).post(f"/cases/{people.case_id}/decide", data={
        "outcome": "eligible", "version": case_version(app, people.case_id)})
    assert response.status_code == 409
    assert "recommendation comes first" in response.get_data(as_text=True)


def test_recommending_needs_every_criterion_answered(app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    first, *_rest = _criteria_ids(app, people.case_id)
    caseworker.post(f"/cases/{people.case_id}/review/findings",
                    data={f"finding_{first}": "unknown",
                          "version": case_version(app, people.case_id)})
    response = caseworker.post(f"/cases/{people.case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Fine.",
        "version": case_version(app, people.case_id)})
    assert response.status_code == 409
    assert "3 missing" in response.get_data(as_text=True)


def test_an_ineligible_decision_without_reasons_is_refused_and_changes_nothing(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    caseworker.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        _criteria_ids(app, people.case_id), "not_met", version=case_version(app, people.case_id)))
    caseworker.post(f"/cases/{people.case_id}/recommend", data={
        "recommendation": "ineligible", "reasons": "Harm not documented.",
        "version": case_version(app, people.case_id)})
    response = client_for("supervisor", people).post(f"/cases/{people.case_id}/decide", data={
        "outcome": "ineligible", "reasons": "  ", "version": case_version(app, people.case_id)})
    assert response.status_code == 200
    assert "Give a reason" in response.get_data(as_text=True)
    assert case_stage(app, people.case_id) == CaseStage.under_review
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EligibilityDecision)) == 0


def test_a_stale_decision_form_answers_409_and_changes_nothing(app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    caseworker.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        _criteria_ids(app, people.case_id), version=case_version(app, people.case_id)))
    loaded = case_version(app, people.case_id)
    caseworker.post(f"/cases/{people.case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Fine.", "version": loaded})
    response = client_for("supervisor", people).post(f"/cases/{people.case_id}/decide", data={
        "outcome": "eligible", "version": loaded})
    assert response.status_code == 409
    assert "changed by" in response.get_data(as_text=True)
    assert case_stage(app, people.case_id) == CaseStage.under_review


def test_the_generic_stage_route_refuses_actions_recorded_on_their_own_page(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    response = client_for("supervisor", people).post(
        f"/cases/{people.case_id}/actions/decide_eligible",
        data={"version": case_version(app, people.case_id), "reason": "x"})
    assert response.status_code == 409
    assert case_stage(app, people.case_id) == CaseStage.under_review


def test_more_information_returns_the_case_to_the_caseworker_with_a_request(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    case_id = people.case_id
    caseworker.post(f"/cases/{case_id}/review/findings", data=_findings(
        _criteria_ids(app, case_id), "unknown", version=case_version(app, case_id)))
    caseworker.post(f"/cases/{case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Probably.", "version": case_version(app, case_id)})
    response = client_for("supervisor", people).post(f"/cases/{case_id}/decide", data={
        "outcome": "more_information",
        "reasons": "Please send the death certificate of Mohammed.",
        "version": case_version(app, case_id)})
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalar(select(InformationRequest))
        assert request.request_text == "Please send the death certificate of Mohammed."
        assert request.language == "ar"
        rounds = list(db.session.scalars(select(Review).order_by(Review.round)))
        assert [(r.round, r.status, r.opened_because) for r in rounds] == [
            (1, "decided", "first_review"), (2, "open", "more_information")]
        assert request.review_id == rounds[1].id
        # The new round starts from the previous findings; the previous round is unchanged.
        assert [f.value for f in rounds[1].findings] == ["unknown"] * 4
        assert rounds[0].recommendation == "eligible"
    assert case_stage(app, case_id) == CaseStage.under_review
    page = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Please send the death certificate of Mohammed." in page
    # The caseworker answers in the new round, and recommends again.
    response = caseworker.post(f"/cases/{case_id}/review/findings", data=_findings(
        _criteria_ids(app, case_id), version=case_version(app, case_id)))
    assert response.status_code == 302


def _decide_ineligible(app, people, client_for):
    caseworker = client_for("caseworker", people)
    case_id = people.case_id
    caseworker.post(f"/cases/{case_id}/review/findings", data=_findings(
        _criteria_ids(app, case_id), "not_met", version=case_version(app, case_id)))
    caseworker.post(f"/cases/{case_id}/recommend", data={
        "recommendation": "ineligible", "reasons": "Not verified.",
        "version": case_version(app, case_id)})
    client_for("supervisor", people).post(f"/cases/{case_id}/decide", data={
        "outcome": "ineligible", "reasons": "The incident is assessed non-credible.",
        "version": case_version(app, case_id)})
    assert case_stage(app, case_id) == CaseStage.ineligible
    return caseworker


def test_an_appeal_is_recorded_within_the_window_and_decided_by_another_supervisor(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = _decide_ineligible(app, people, client_for)
    case_id = people.case_id
    with app.app_context():
        decision_id = db.session.scalar(select(EligibilityDecision.id))
        today = office_today(db.session.get(Case, case_id))
    # No appeal before the decision letter's delivery is recorded.
    response = caseworker.post(f"/cases/{case_id}/appeal", data={
        "grounds": "A neighbour saw the strike.", "lodged_on": today.isoformat(),
        "version": case_version(app, case_id)})
    assert response.status_code == 409
    assert "delivered" in response.get_data(as_text=True)
    response = caseworker.post(f"/cases/{case_id}/decisions/{decision_id}/delivery",
                               data={"delivered_on": today.isoformat()})
    assert response.status_code == 302
    with app.app_context():
        decision = db.session.get(EligibilityDecision, decision_id)
        assert decision.appeal_due_on == today + timedelta(days=60)
        assert db.session.get(Case, case_id).due_on == decision.appeal_due_on

    response = caseworker.post(f"/cases/{case_id}/appeal", data={
        "grounds": "A neighbour saw the strike.", "lodged_on": today.isoformat(),
        "version": case_version(app, case_id)})
    assert response.status_code == 302
    assert case_stage(app, case_id) == CaseStage.appeal

    original = client_for("supervisor", people)
    response = original.post(f"/cases/{case_id}/appeal/decide", data={
        "outcome": "upheld", "reasons": "I was wrong.", "version": case_version(app, case_id)})
    assert response.status_code == 409
    assert "You made the decision under appeal" in response.get_data(as_text=True)
    assert case_stage(app, case_id) == CaseStage.appeal

    queue = client_for("other_decider", people)
    assert "data-queue=\"appeals\"" in queue.get("/eligibility/queue?kind=appeals").get_data(
        as_text=True)
    response = queue.post(f"/cases/{case_id}/appeal/decide", data={
        "outcome": "upheld", "reasons": "The witness statement is consistent.",
        "version": case_version(app, case_id)})
    assert response.status_code == 302
    assert case_stage(app, case_id) == CaseStage.under_review
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert (appeal.outcome, appeal.decided_by_id) == ("upheld", people.other_supervisor_id)
        # The ineligible decision stays in the history; a new round is open.
        assert [d.outcome for d in db.session.scalars(select(EligibilityDecision))] == [
            "ineligible"]
        assert [r.opened_because for r in db.session.scalars(
            select(Review).order_by(Review.round))] == ["first_review", "appeal_upheld"]
    page = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-appeal-outcome="upheld"' in page and 'data-outcome="ineligible"' in page


def test_a_dismissed_appeal_leaves_the_case_ineligible_and_cannot_be_lodged_again(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.appeal)
    response = client_for("other_decider", people).post(
        f"/cases/{people.case_id}/appeal/decide",
        data={"outcome": "dismissed", "reasons": "No new facts.",
              "version": case_version(app, people.case_id)})
    assert response.status_code == 302
    assert case_stage(app, people.case_id) == CaseStage.ineligible
    with app.app_context():
        today = office_today(db.session.get(Case, people.case_id))
    response = client_for("caseworker", people).post(f"/cases/{people.case_id}/appeal", data={
        "grounds": "Again.", "lodged_on": today.isoformat(),
        "version": case_version(app, people.case_id)})
    assert response.status_code == 409
    assert "already appealed" in response.get_data(as_text=True)


def _closed_window(app, people, client_for, delivered_days_ago):
    """An ineligible decision whose letter was delivered `delivered_days_ago` days ago."""
    caseworker = _decide_ineligible(app, people, client_for)
    with app.app_context():
        decision = db.session.scalar(select(EligibilityDecision))
        # The decision was made long ago (a test double for time passing).
        decision.decided_at = utcnow() - timedelta(days=delivered_days_ago + 10)
        db.session.commit()
        today = office_today(db.session.get(Case, people.case_id))
        decision_id = decision.id
    delivered = today - timedelta(days=delivered_days_ago)
    response = caseworker.post(f"/cases/{people.case_id}/decisions/{decision_id}/delivery",
                               data={"delivered_on": delivered.isoformat()})
    assert response.status_code == 302
    return caseworker, today


def test_an_appeal_lodged_after_the_window_is_refused(app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    # Delivered 61 days ago: the 60-day window closed yesterday.
    caseworker, today = _closed_window(app, people, client_for, 61)
    response = caseworker.post(f"/cases/{people.case_id}/appeal", data={
        "grounds": "Late.", "lodged_on": today.isoformat(),
        "version": case_version(app, people.case_id)})
    assert response.status_code == 200
    yesterday = day_text(today - timedelta(days=1))
    assert f"The appeal window closed on {yesterday}: an appeal lodged after it is late." \
        in response.get_data(as_text=True)
    assert case_stage(app, people.case_id) == CaseStage.ineligible
    # The case lists show the ineligible case overdue: its window has passed.
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        assert case.is_overdue(today)
        assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_an_appeal_lodged_in_time_is_recorded_after_the_window(app, workflow_case, client_for):
    """Timeliness is judged by the day the family lodged it (a letter by post arrives
    later), not by the day it is recorded."""
    people = workflow_case(CaseStage.under_review)
    caseworker, today = _closed_window(app, people, client_for, 61)
    lodged = today - timedelta(days=1)
    response = caseworker.post(f"/cases/{people.case_id}/appeal", data={
        "grounds": "Posted on the last day.", "lodged_on": lodged.isoformat(),
        "version": case_version(app, people.case_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert case_stage(app, people.case_id) == CaseStage.appeal
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.lodged_on == lodged
        # The day it was recorded where the office is.
        recorded = day_text(local_today(
            db.session.get(Case, people.case_id).office.timezone, appeal.recorded_at))
        name = appeal.recorded_by.name
    # Whoever decides the appeal sees both days: when the family lodged it, when it was recorded.
    both = f"{day_text(lodged)}, recorded {recorded} by {name}"
    assert f"Lodged on {day_text(lodged)}, recorded on {recorded} by {name}" in \
        visible_text(caseworker.get(f"/cases/{people.case_id}"))
    assert both in visible_text(client_for("supervisor", people).get(
        f"/cases/{people.case_id}/appeal/decide"))


def test_no_appeal_is_recorded_once_the_recording_time_has_passed(app, workflow_case,
                                                                   client_for):
    people = workflow_case(CaseStage.under_review)
    # Window (60 days) and recording time (30 more) both over.
    caseworker, today = _closed_window(app, people, client_for, 91)
    closed = (today - timedelta(days=31)).isoformat()
    assert "The appeal window closed on" in caseworker.get(
        f"/cases/{people.case_id}/appeal").get_data(as_text=True)
    response = caseworker.post(f"/cases/{people.case_id}/appeal", data={
        "grounds": "Late.", "lodged_on": closed,
        "version": case_version(app, people.case_id)})
    assert response.status_code == 409
    last = day_text(today - timedelta(days=1))
    assert (f"The appeal window closed on {day_text(date.fromisoformat(closed))}, and an appeal "
            f"lodged in time could be recorded until {last}.") in response.get_data(as_text=True)
    assert case_stage(app, people.case_id) == CaseStage.ineligible


def test_the_appeal_window_is_configuration(app, workflow_case, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_DEADLINE_DAYS", {"appeal_window": 30})
    workflow_case(CaseStage.ineligible)
    with app.app_context():
        decision = db.session.scalar(select(EligibilityDecision))
        assert decision.appeal_due_on == decision.delivered_on + timedelta(days=30)


def test_the_delivery_date_is_recorded_once_and_not_in_the_future(app, workflow_case,
                                                                   client_for):
    people = workflow_case(CaseStage.eligible)
    caseworker = client_for("caseworker", people)
    with app.app_context():
        decision_id = db.session.scalar(select(EligibilityDecision.id))
        today = office_today(db.session.get(Case, people.case_id))
    url = f"/cases/{people.case_id}/decisions/{decision_id}/delivery"
    response = caseworker.post(url, data={"delivered_on": (today + timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert "cannot be in the future" in response.get_data(as_text=True)
    assert caseworker.post(url, data={"delivered_on": today.isoformat()}).status_code == 302
    response = caseworker.post(url, data={"delivered_on": today.isoformat()})
    assert response.status_code == 409
    with app.app_context():
        decision = db.session.get(EligibilityDecision, decision_id)
        # An eligible decision has no appeal window.
        assert (decision.delivered_on, decision.appeal_due_on) == (today, None)


def test_review_activities_keep_protected_identities_from_other_readers(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    caseworker = client_for("caseworker", people)
    with app.app_context():
        today = office_today(db.session.get(Case, people.case_id))
    response = caseworker.post(f"/cases/{people.case_id}/review/activities/new", data={
        "kind": "witness_interview", "occurred_on": today.isoformat(),
        "place": "al-Mashlab, Raqqa", "participants": "Witness Khalid S.",
        "identity_protected": "y", "summary": "Saw the aircraft at dawn."})
    assert response.status_code == 302
    with app.app_context():
        activity = db.session.scalar(select(ReviewActivity))
        assert activity.review_id is not None and activity.identity_protected
    assert "Witness Khalid S." in caseworker.get(
        f"/cases/{people.case_id}/review").get_data(as_text=True)
    assert "Witness Khalid S." in client_for("supervisor", people).get(
        f"/cases/{people.case_id}").get_data(as_text=True)
    auditor_page = client_for("auditor", people).get(
        f"/cases/{people.case_id}/review").get_data(as_text=True)
    assert "Saw the aircraft at dawn." in auditor_page
    assert "Witness Khalid S." not in auditor_page


def test_an_activity_in_the_future_or_without_a_summary_is_refused(app, workflow_case,
                                                                    client_for):
    people = workflow_case(CaseStage.under_review)
    with app.app_context():
        today = office_today(db.session.get(Case, people.case_id))
    response = client_for("caseworker", people).post(
        f"/cases/{people.case_id}/review/activities/new", data={
            "kind": "field_visit", "occurred_on": (today + timedelta(days=2)).isoformat(),
            "place": "al-Badu", "participants": "Caseworker", "summary": "Visit."})
    assert response.status_code == 200
    assert "cannot be in the future" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewActivity)) == 0


def test_findings_link_only_the_case_s_own_evidence(app, workflow_case, client_for,
                                                     evidence_root):
    people = workflow_case(CaseStage.under_review)
    other = workflow_case(CaseStage.under_review)
    mine = client_for("caseworker", people)
    assert upload(mine, people.case_id, pdf(), title="Death certificate").status_code == 302
    theirs = client_for("caseworker", other)
    assert upload(theirs, other.case_id, pdf("Other"), title="Other").status_code == 302
    with app.app_context():
        own = db.session.scalar(select(Evidence.id).where(Evidence.case_id == people.case_id))
        foreign = db.session.scalar(select(Evidence.id).where(Evidence.case_id == other.case_id))
    criteria = _criteria_ids(app, people.case_id)
    response = mine.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        criteria, version=case_version(app, people.case_id), **{f"evidence_{criteria[2]}": foreign}))
    assert response.status_code == 200
    assert "only evidence of this case" in response.get_data(as_text=True)
    response = mine.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        criteria, version=case_version(app, people.case_id), **{f"evidence_{criteria[2]}": own}))
    assert response.status_code == 302
    page = mine.get(f"/cases/{people.case_id}").get_data(as_text=True)
    assert f'data-evidence-link="{own}"' in page


def test_admins_publish_a_new_criteria_version_and_old_reviews_keep_theirs(
        app, workflow_case, client_for):
    people = workflow_case(CaseStage.under_review)
    admin = client_for("admin")
    page = admin.get("/eligibility/criteria/edit").get_data(as_text=True)
    titles = re.findall(r'name="criteria-(\d+)-title_en"[^>]*value="([^"]*)"', page)
    assert len(titles) == 6  # the four criteria and two blank rows
    data = {"note": "Harm documented split; duplicate check dropped."}
    kept = [("incident_verified", "Incident verified"),
            ("relationship_established", "Relationship established"),
            ("harm_documented", "Harm documented by a medical or civil record"),
            ("", "Household members identified")]
    for index, (code, title) in enumerate(kept):
        data[f"criteria-{index}-code"] = code
        data[f"criteria-{index}-title_en"] = title
    response = admin.post("/eligibility/criteria/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        versions = list(db.session.scalars(select(CriteriaVersion).order_by(
            CriteriaVersion.number)))
        assert [v.number for v in versions] == [1, 2]
        assert [c.code for c in versions[1].criteria] == [
            "incident_verified", "relationship_established", "harm_documented",
            "household_members_identified"]
        review = db.session.scalar(select(Review))
        assert review.criteria_version_id == versions[0].id
    # A new round (after a request for more information) uses version 2; findings of the
    # criteria it kept (by code) are carried over.
    caseworker = client_for("caseworker", people)
    caseworker.post(f"/cases/{people.case_id}/review/findings", data=_findings(
        _criteria_ids(app, people.case_id), version=case_version(app, people.case_id)))
    caseworker.post(f"/cases/{people.case_id}/recommend", data={
        "recommendation": "eligible", "reasons": "Fine.",
        "version": case_version(app, people.case_id)})
    client_for("supervisor", people).post(f"/cases/{people.case_id}/decide", data={
        "outcome": "more_information", "reasons": "Identify the household.",
        "version": case_version(app, people.case_id)})
    with app.app_context():
        first, second = db.session.scalars(select(Review).order_by(Review.round))
        assert first.criteria_version.number == 1 and len(first.findings) == 4
        assert second.criteria_version.number == 2
        assert sorted(f.criterion.code for f in second.findings) == [
            "harm_documented", "incident_verified", "relationship_established"]


def test_criteria_with_a_duplicate_code_are_refused(app, client_for, default_criteria):
    admin = client_for("admin")
    response = admin.post("/eligibility/criteria/edit", data={
        "criteria-0-code": "same", "criteria-0-title_en": "One",
        "criteria-1-code": "same", "criteria-1-title_en": "Two"})
    assert response.status_code == 200
    assert "Two criteria have the code" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CriteriaVersion)) == 1


def test_the_case_page_shows_the_review_and_history_in_a_fixed_number_of_statements(
        app, workflow_case, client_for, count_statements):
    small = workflow_case(CaseStage.appeal)
    large = workflow_case(CaseStage.appeal)
    with app.app_context():
        for people, visits in ((small, 1), (large, 6)):
            case = db.session.get(Case, people.case_id)
            for _ in range(visits):
                operations.record_activity(case, operations.ActivityDetails(
                    kind="field_visit", occurred_on=office_today(case), place="Raqqa",
                    participants="Team", summary="Visit."),
                    db.session.get(User, people.caseworker_id))
        db.session.commit()
    counts = []
    for people in (small, large):
        client = client_for("supervisor", people)
        with count_statements() as counter:
            assert client.get(f"/cases/{people.case_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_every_step_lands_in_the_audit_trail(app, workflow_case, audit_events):
    people = workflow_case(CaseStage.appeal)
    with app.app_context():
        steps = list(db.session.scalars(select(CaseTransition).where(
            CaseTransition.case_id == people.case_id)))
    events = {(e.entity_type, e.entity_id) for e in audit_events("create")}
    assert {("case_transitions", str(step.id)) for step in steps} <= events
    assert any(entity == "eligibility_decisions" for entity, _ in events)
    assert any(entity == "appeals" for entity, _ in events)
    assert any(entity == "eligibility_findings" for entity, _ in events)


def test_reading_the_review_is_recorded_as_opening_the_case(app, workflow_case, client_for,
                                                            audit_events):
    people = workflow_case(CaseStage.under_review)
    auditor = client_for("auditor")
    assert auditor.get(f"/cases/{people.case_id}/review").status_code == 200
    assert [event.case_id for event in audit_events("case.opened")] == [people.case_id]


def test_the_history_names_steps_that_keep_the_stage(app, workflow_case, client_for):
    people = workflow_case(CaseStage.eligible)
    page = client_for("caseworker", people).get(f"/cases/{people.case_id}").get_data(
        as_text=True)
    assert "Under review · Recommend a decision" in page
    assert "Under review → Eligible" in page
