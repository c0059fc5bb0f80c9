"""In a real browser: a caseworker takes a registered case to a recommendation, a supervisor
decides it eligible, and the caseworker records the acknowledgement and its delivery, after
which the case is acknowledged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.intake.models import CaseStage
from tests.browser_fixtures import log_in
from tests.fixtures_acknowledgement import APOLOGY_AR

pytestmark = pytest.mark.browser


def test_a_case_goes_from_registered_to_acknowledged_in_the_browser(page, live_server, app,
                                                                     workflow_case):
    people = workflow_case(CaseStage.registered)
    case_url = f"{live_server}/cases/{people.case_id}"

    # The caseworker starts the review, records the findings and recommends.
    log_in(page, live_server, app, people.caseworker_id)
    page.goto(case_url)
    page.click('[data-offer="start_review"] button[type="submit"]')
    page.wait_for_selector('[data-stage="under_review"]')
    page.goto(f"{case_url}/review")
    for radio in page.locator('[data-findings-form] input[type="radio"][value="met"]').all():
        radio.check()
    page.click('[data-findings-form] button[type="submit"]')
    page.click("[data-recommend-link]")
    page.check('[data-recommend-form] input[name="recommendation"][value="eligible"]')
    page.fill('[data-recommend-form] textarea[name="reasons"]',
              "Every criterion is met: the field visit confirmed the strike.")
    page.click('[data-recommend-form] button[type="submit"]')
    page.wait_for_selector('[data-stage="under_review"]')

    # A supervisor of the office decides: eligible.
    log_in(page, live_server, app, people.supervisor_id)
    page.goto(f"{case_url}/decide")
    page.check('[data-decide-form] input[name="outcome"][value="eligible"]')
    page.click('[data-decide-form] button[type="submit"]')
    page.wait_for_selector('[data-stage="eligible"]')

    # The caseworker records the acknowledgement: facts disclosed, two withheld, the apology.
    log_in(page, live_server, app, people.caseworker_id)
    page.goto(case_url)
    page.click("[data-record-acknowledgement]")
    page.fill('input[name="acknowledging_party"]', "The coalition (CJTF-OIR)")
    page.fill('input[name="acknowledged_on"]', "2018-07-26")
    page.check('input[name="responsibility"][value="accepted"]')
    for kind in ("target", "location", "weapon", "participating_states"):
        page.check(f'input[name="{kind}-disclosure"][value="disclosed"]')
        page.fill(f'textarea[name="{kind}-text"]', f"Disclosed: {kind} (browser test).")
    for kind in ("target_verification", "civilian_precautions"):
        page.check(f'input[name="{kind}-disclosure"][value="withheld"]')
        page.fill(f'textarea[name="{kind}-withheld_reason"]', "Classified.")
    page.fill('textarea[name="apology_text"]', APOLOGY_AR)
    page.click('form button[type="submit"].btn-primary')
    page.wait_for_selector('[data-fact="weapon"][data-disclosed="yes"]')
    assert page.locator('[data-fact="civilian_precautions"][data-disclosed="no"]').count() == 1
    assert page.get_attribute("[data-apology]", "lang") == "ar"

    # Then its delivery to the family, which acknowledges the case.
    page.click("[data-record-delivery]")
    page.fill('input[name="delivered_on"]', (date.today() - timedelta(days=1)).isoformat())
    page.select_option('select[name="method"]', "in_person")
    page.fill('input[name="delivered_by"]', "Coalition liaison officer, with the caseworker")
    page.click('form button[type="submit"].btn-primary')
    page.wait_for_selector('[data-delivery="delivered"]')
    assert page.get_attribute("[data-stage]", "data-stage") == "acknowledged"
    page.goto(case_url)
    assert page.get_attribute("[data-stage]", "data-stage") == "acknowledged"
    assert page.locator('[data-transition="acknowledge"]').count() == 1
