"""The case page's "Next steps" answers what happens next, and who does it.

Derived from the case lifecycle (core.lifecycle.Lifecycle.next_steps), for every domain's
rows: the steps forward first (the first one primary), then what the case awaits from
another role and since when, what is not yet possible and why, and the steps aside
(withdrawing, merging) behind their own disclosure, each with its own reason box.
"""

from __future__ import annotations

import re

from casework.auth.models import User
from casework.core.authz import Role
from casework.eligibility import operations
from casework.extensions import db
from casework.intake.lifecycle import CASE_LIFECYCLE, CaseAction
from casework.intake.models import Case, CaseStage
from tests.conftest import login
from tests.fixtures_eligibility import record_all_findings


def _recommend(app, people) -> None:
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        caseworker = db.session.get(User, people.caseworker_id)
        record_all_findings(case, caseworker)
        operations.recommend(case, "eligible", "Every criterion is met.", caseworker, None)
        db.session.commit()


def _steps(app, people, user_id):
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        return CASE_LIFECYCLE.next_steps(case, db.session.get(User, user_id))


def _panel(html: str) -> str:
    return html.split("data-next-steps")[1].split("</section>")[0]


def test_a_recommended_case_says_it_awaits_a_supervisors_decision_not_a_dead_button(
        app, workflow_case):
    people = workflow_case(CaseStage.under_review)
    _recommend(app, people)
    steps = _steps(app, people, people.caseworker_id)
    assert not steps.forward
    assert [str(text) for text in steps.awaiting] == [
        "a supervisor's decision on the recommendation"]
    [recommend] = steps.not_yet
    assert recommend.action == CaseAction.recommend
    assert recommend.refusals == [
        "The recommendation is made: it awaits a supervisor's decision."]
    # The supervisor is the one who acts: nothing awaited, the decisions are forward.
    supervisor = _steps(app, people, people.supervisor_id)
    assert not supervisor.awaiting
    assert [offer.action for offer in supervisor.forward] == [
        CaseAction.decide_eligible, CaseAction.decide_ineligible,
        CaseAction.request_more_information]


def test_withdrawing_and_merging_are_steps_aside_never_first(app, workflow_case):
    people = workflow_case(CaseStage.registered)
    steps = _steps(app, people, people.supervisor_id)
    assert [offer.action for offer in steps.forward] == [CaseAction.start_review]
    assert [offer.action for offer in steps.aside] == [CaseAction.withdraw, CaseAction.merge]
    caseworker = _steps(app, people, people.caseworker_id)
    assert [offer.action for offer in caseworker.aside] == [CaseAction.withdraw]


def test_the_panel_puts_the_step_forward_first_and_primary_and_the_steps_aside_apart(
        app, client, workflow_case):
    people = workflow_case(CaseStage.registered)
    login(client, app, people.supervisor_id)
    panel = _panel(client.get(f"/cases/{people.case_id}").get_data(as_text=True))
    first_form = panel.split("<form")[1]
    assert 'data-offer="start_review"' in first_form and "btn-primary" in first_form
    aside = panel.split("data-steps-aside")[1]
    assert 'data-offer="withdraw"' in aside and 'data-offer="merge"' in aside
    assert 'data-offer="withdraw"' not in panel.split("data-steps-aside")[0]
    # Each step aside has its own reason box, labelled with its own action.
    labels = re.findall(r'<label class="form-label" for="reason-(\w+)">([^<]+)</label>', aside)
    assert [name for name, _ in labels] == ["withdraw", "merge"]
    assert len({text for _, text in labels}) == 2


def test_the_panel_says_since_when_the_case_waits_and_lists_what_is_not_yet_possible(
        app, client, workflow_case):
    people = workflow_case(CaseStage.under_review)
    _recommend(app, people)
    login(client, app, people.caseworker_id)
    panel = _panel(client.get(f"/cases/{people.case_id}").get_data(as_text=True))
    awaiting = re.search(r"data-awaiting>([^<]+)<", panel).group(1)
    assert awaiting.startswith("Awaiting a supervisor&#39;s decision on the recommendation since ")
    not_yet = panel.split("data-not-yet")[1]
    assert 'data-offer="recommend"' in not_yet and "disabled" in not_yet


def test_an_auditor_sees_what_the_case_awaits_and_no_step_to_take(app, login_as,
                                                                    workflow_case):
    people = workflow_case(CaseStage.under_review)
    _recommend(app, people)
    html = login_as(Role.auditor).get(f"/cases/{people.case_id}").get_data(as_text=True)
    panel = _panel(html)
    assert "data-awaiting" in panel and "<form" not in panel
