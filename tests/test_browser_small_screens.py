"""On a 390 px phone, in English and in Arabic, every main page fits the screen: no page
scrolls sideways, and the navigation folds into one "Menu" that opens without script.
The families' door will be used on phones; so are the caseworkers' in the field."""

from __future__ import annotations

import pytest

from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case, CaseStage
from tests.browser_fixtures import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Pages each role opens most, with {case} and {incident} filled from a case of the office.
PAGES = {
    Role.caseworker: ["/", "/cases", "/cases/{case}", "/cases/{case}/review", "/cases/new",
                      "/incidents", "/incidents/{incident}", "/search?q=Ahmad",
                      "/cases/{case}/duplicates", "/cases/{case}/evidence/new"],
    Role.supervisor: ["/", "/cases", "/cases/{case}", "/eligibility/queue",
                      "/eligibility/reconsider", "/cases/import"],
    Role.auditor: ["/", "/audit", "/cases/{case}", "/audit/cases/{case}"],
    Role.admin: ["/", "/admin/users", "/admin/offices", "/eligibility/criteria"],
}


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_main_pages_fit_a_390px_phone_without_sideways_scrolling(
        chromium_browser, live_server, app, create_user, workflow_case, language):
    people = workflow_case(CaseStage.under_review)
    with app.app_context():
        incident_id = db.session.get(Case, people.case_id).incidents[0].id
    users = {Role.caseworker: people.caseworker_id, Role.supervisor: people.supervisor_id,
             Role.auditor: create_user(Role.auditor), Role.admin: create_user(Role.admin)}
    context = chromium_browser.new_context(viewport=PHONE,
                                           extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    too_wide = []
    try:
        for role, paths in PAGES.items():
            page.set_viewport_size({"width": 1280, "height": 900})
            log_in(page, live_server, app, users[role])
            page.set_viewport_size(PHONE)
            for path in paths:
                url = live_server + path.format(case=people.case_id, incident=incident_id)
                response = page.goto(url)
                assert response.status < 400, f"{role} {path}: {response.status}"
                assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
                if _overflow(page) > 0:
                    too_wide.append(f"{role} {path}: {_overflow(page)} px too wide")
            # The navigation is folded into the menu, which opens on a tap.
            menu = page.locator("[data-site-menu]")
            assert menu.is_visible()
            assert not page.locator("[data-account-tools]").is_visible()
            menu.locator("summary").click()
            assert menu.locator("form[action$='/logout'] button").is_visible()
            menu.locator("summary").click()
    finally:
        context.close()
    assert not too_wide, "\n".join(too_wide)
