"""In a real browser, in English and in Arabic: a case page shows each of its times in its
office's zone (Damascus, UTC+3) and every date in one format; no ISO date and no short
"12/2/26, 2:57 AM" date in the visible text of the case page (its evidence and eligibility
sections included) or of the case list; an auditor is told the zone; the phone and e-mail
read left to right and sit at the start edge of the page, under their labels, in Arabic too."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from casework.core.authz import Role
from tests.browser_fixtures import CHROMIUM_ARGS, log_in  # noqa: F401  (args: see fixtures)
from tests.fixtures_dates import ISO_DAY, SHORT_DATE, day_text

pytestmark = pytest.mark.browser

OFFICE_ZONE = ZoneInfo("Asia/Damascus")
SEPARATOR = {"en": ", ", "ar": "، "}

SHOWN_TIMES = """() => Array.from(document.querySelectorAll('main time[datetime]'))
    .map((element) => [element.getAttribute('datetime'), element.textContent])"""

# Where a contact value sits in its <dd>, and where the text of its label starts.
CONTACT_EDGES = """(selector) => {
    const value = document.querySelector(selector);
    const label = value.previousElementSibling;
    const edges = (element) => {
        const box = element.getBoundingClientRect(), style = getComputedStyle(element);
        return {left: box.left + parseFloat(style.paddingLeft),
                right: box.right - parseFloat(style.paddingRight)};
    };
    const text = value.querySelector('bdi').getBoundingClientRect();
    return {box: edges(value), label: edges(label), left: text.left, right: text.right,
            direction: getComputedStyle(value.querySelector('bdi')).direction};
}"""


def _assert_times_in_office_zone(shown: list[list[str]], language: str, zone_said: bool) -> None:
    """Each <time> reads as its ISO value does where the office is: a day as "2 Dec 2026",
    a moment as "2 Dec 2026, 01:30", with " UTC+3" only where the zone is said."""
    assert shown
    for value, text in shown:
        if "T" not in value:
            assert text == day_text(date.fromisoformat(value), language), (value, text)
            continue
        local = datetime.fromisoformat(value).astimezone(OFFICE_ZONE)
        day = day_text(local.date(), language)
        if ":" not in text:  # a moment written as the day it fell on
            assert text == day, (value, text)
            continue
        expected = f"{day}{SEPARATOR[language]}{local:%H:%M}"
        assert text == (f"{expected} UTC+3" if zone_said else expected), (value, text)


def _assert_one_date_format(text: str) -> None:
    assert not ISO_DAY.search(text), ISO_DAY.search(text)
    assert not SHORT_DATE.search(text), SHORT_DATE.search(text)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_case_page_shows_its_times_in_the_offices_zone_in_one_format(
        chromium_browser, live_server, app, late_evening_case, language):
    context = chromium_browser.new_context(extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    try:
        log_in(page, live_server, app, late_evening_case.caseworker_id)
        page.goto(f"{live_server}/cases/{late_evening_case.case_id}")
        assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        # Opened at 22:30 UTC on 1 Dec: 01:30 on 2 Dec in Damascus.
        history = page.locator("#h-history").locator("xpath=..")
        opened = f"{day_text(date(2026, 12, 2), language)}{SEPARATOR[language]}01:30"
        assert opened in history.inner_text()
        _assert_times_in_office_zone(page.evaluate(SHOWN_TIMES), language, zone_said=False)
        for section in ("main", "#evidence", "#eligibility"):
            _assert_one_date_format(page.inner_text(section))
        assert page.locator("#evidence time").count() == 1
        assert page.locator("#eligibility time").count() >= 3

        page.goto(f"{live_server}/cases")
        assert page.locator("[data-case-table]").count() == 1
        _assert_one_date_format(page.inner_text("main"))
    finally:
        context.close()


def test_an_auditor_is_told_the_zone_of_the_offices_times(chromium_browser, live_server, app,
                                                           late_evening_case, create_user, page):
    log_in(page, live_server, app, create_user(Role.auditor))
    page.goto(f"{live_server}/cases/{late_evening_case.case_id}")
    _assert_times_in_office_zone(page.evaluate(SHOWN_TIMES), "en", zone_said=True)
    _assert_one_date_format(page.inner_text("main"))


@pytest.mark.parametrize("width", [1200, 390])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_phone_and_email_read_left_to_right_at_the_start_edge(
        chromium_browser, live_server, app, late_evening_case, language, width):
    context = chromium_browser.new_context(extra_http_headers={"Accept-Language": language},
                                           viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, app, late_evening_case.caseworker_id)
        page.goto(f"{live_server}/cases/{late_evening_case.case_id}")
        for selector, value in (("[data-contact-phone]", "+963 944 123 456"),
                                ("[data-contact-email]", "family@example.org")):
            assert page.inner_text(selector) == value
            edges = page.evaluate(CONTACT_EDGES, selector)
            assert edges["direction"] == "ltr"
            if language == "ar":  # the start edge of a right-to-left page is its right
                assert abs(edges["right"] - edges["box"]["right"]) <= 1, edges
                if width < 576:  # the value stands under its label: both start at the right
                    assert abs(edges["right"] - edges["label"]["right"]) <= 1, edges
            else:
                assert abs(edges["left"] - edges["box"]["left"]) <= 1, edges
                if width < 576:
                    assert abs(edges["left"] - edges["label"]["left"]) <= 1, edges
    finally:
        context.close()
