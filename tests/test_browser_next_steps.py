"""In a real browser, in English and in Arabic: the case page's "Next steps" at each stage of
the eligibility workflow, as the caseworker sees it. The step forward comes first and is
the one primary button; withdrawing and merging stay folded away until asked for; a case
waiting on a supervisor says so; the Arabic page reads right to left."""

from __future__ import annotations

import pytest

from casework.auth.models import User
from casework.eligibility import operations
from casework.extensions import db
from casework.intake.models import Case, CaseStage
from tests.browser_fixtures import CHROMIUM_ARGS, log_in  # noqa: F401  (args: see fixtures)
from tests.fixtures_eligibility import record_all_findings

pytestmark = pytest.mark.browser

STAGES = ["registered", "under_review", "recommended", "eligible", "ineligible", "appeal",
          "reopened"]
# What the caseworker's first step forward is at each stage (None: nothing to do now).
FORWARD = {"registered": "start_review", "under_review": None, "recommended": None,
           "eligible": None, "ineligible": "appeal", "appeal": None, "reopened": "start_review"}


@pytest.fixture
def cases_at_every_stage(app, create_office, workflow_case):
    office_id = create_office()
    cases = {}
    for name in STAGES:
        stage = CaseStage.under_review if name == "recommended" else CaseStage(name)
        people = workflow_case(stage, office_id=office_id)
        if name == "recommended":
            with app.app_context():
                case = db.session.get(Case, people.case_id)
                caseworker = db.session.get(User, people.caseworker_id)
                record_all_findings(case, caseworker)
                operations.recommend(case, "eligible", "Every criterion is met.", caseworker,
                                     None)
                db.session.commit()
        cases[name] = people
    return cases


@pytest.mark.parametrize("language", ["en", "ar"])
def test_next_steps_at_every_stage_in_english_and_arabic(chromium_browser, live_server, app,
                                                         cases_at_every_stage, language):
    context = chromium_browser.new_context(extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    try:
        caseworker_id = cases_at_every_stage["registered"].caseworker_id
        log_in(page, live_server, app, caseworker_id)
        for name, people in cases_at_every_stage.items():
            page.goto(f"{live_server}/cases/{people.case_id}")
            assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
            panel = page.locator("[data-next-steps]")
            assert panel.count() == 1, name
            # The steps aside are folded away, and never the first thing offered.
            aside = panel.locator("details[data-steps-aside]")
            assert aside.count() == 1, name
            assert not aside.locator('[data-offer="withdraw"] button').is_visible(), name
            primary = panel.locator(".btn-primary")
            if FORWARD[name]:
                assert primary.count() == 1, name
                assert primary.first.is_visible()
                offer = primary.first.locator("xpath=ancestor::*[@data-offer][1]")
                assert offer.get_attribute("data-offer") == FORWARD[name], name
            else:
                assert primary.count() == 0, name
            awaiting = panel.locator("[data-awaiting]")
            if name == "recommended":
                assert awaiting.count() == 1
                text = awaiting.inner_text()
                assert ("supervisor" in text) if language == "en" else ("مشرف" in text), text
            # Opening the disclosure shows the withdrawal with its own reason box.
            aside.locator("summary").click()
            assert aside.locator('[data-offer="withdraw"] textarea[name="reason"]').is_visible()
    finally:
        context.close()
