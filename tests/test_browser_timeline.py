"""In a real browser, in English and in Arabic: a supervisor follows the case page's link to
the case's history, titled by the case's reference (never its internal id), which reads as
sentences in the page's language, with no raw code ("update cases:20", "case.opened") in
its visible text; reads are folded into one line until opened; each change's fields are one
click away."""

from __future__ import annotations

import re

import pytest

from casework.audit.context import acting_as
from casework.audit.operations import record_access
from casework.auth.models import User
from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case
from tests.browser_fixtures import log_in

pytestmark = pytest.mark.browser

RAW_CODE = re.compile(r"\b(create|update|delete)\b|\b[a-z_]+:\d+\b|\bcase\.opened\b|"
                      r"\bcase_transitions\b|\bnot logged in\b")
SENTENCES = {
    "en": ("Layla Haddad moved the case from Intake to Registered: “Register the case”",
           "4 reads by 2 people", "History of case"),
    "ar": ("Layla Haddad: نقل الحالة من مرحلة «الاستقبال» إلى مرحلة «مسجّلة» («تسجيل الحالة»)",
           "4 عمليات اطّلاع من قِبل شخصين", "سجل الحالة"),
}


@pytest.fixture
def read_case(app, create_office, create_user, open_case):
    """A case Layla Haddad opened and registered, then read three times by two people (the
    supervisor's opening of the case page makes it four)."""
    office = create_office()
    layla = create_user(Role.caseworker, office_id=office, name="Layla Haddad")
    with app.app_context(), acting_as("user", user=db.session.get(User, layla)):
        case_id = open_case(office, caseworker_id=layla, register=True)
    supervisor = create_user(Role.supervisor, office_id=office, name="Sara Supervisor")
    with app.app_context():
        case = db.session.get(Case, case_id)
        for reader in (layla, supervisor, supervisor):
            with acting_as("user", user=db.session.get(User, reader)):
                record_access("case.opened", case)
        reference = case.reference
    return case_id, reference, supervisor


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_case_history_reads_as_sentences_titled_by_the_reference(
        chromium_browser, live_server, app, read_case, language):
    case_id, reference, supervisor = read_case
    context = chromium_browser.new_context(extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    try:
        log_in(page, live_server, app, supervisor)
        page.goto(f"{live_server}/cases/{case_id}")
        page.click("[data-case-timeline]")
        page.wait_for_selector("[data-timeline-title]")
        assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        moved, reads, title = SENTENCES[language]
        heading = page.inner_text("[data-timeline-title]")
        assert heading.startswith(title) and reference in heading
        assert str(case_id) not in heading.replace(reference, "")
        assert reference in page.title()
        shown = page.inner_text("main")
        assert moved in shown
        for sentence in page.locator("main [data-sentence]").all_inner_texts():
            assert not RAW_CODE.search(sentence), sentence
        # Reads are one folded line; the people who read are listed when it is opened.
        run = page.locator("[data-reads]")
        assert run.count() == 1 and run.locator("[data-reads-summary]").inner_text() == reads
        assert not run.locator("[data-sentence]").first.is_visible()
        run.locator("summary").click()
        assert run.locator("[data-sentence]").first.is_visible()
        assert run.locator("[data-sentence]").count() == 4  # with the supervisor's own
        # The fields of a change are one click away.
        change = page.locator('li[data-action="create"][data-kind="changes"]').first
        table = change.locator("table.audit-diff").first
        assert not table.is_visible()
        change.locator("details > summary").first.click()
        assert table.is_visible()
    finally:
        context.close()
