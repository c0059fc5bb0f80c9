"""The case page's evidence table is readable at a desktop and on a 390 px phone, in English
and in Arabic: a title wraps between words only, a long file name breaks at its separators,
and on a phone (or wherever the section is narrow) each item is a card of labelled cells
instead of a table that scrolls sideways."""

from __future__ import annotations

import pytest

from casework.intake.models import CaseStage
from tests.browser_fixtures import log_in
from tests.conftest import login
from tests.evidence_samples import pdf
from tests.fixtures_evidence import upload

TITLE = "Death certificate of Ahmad al-Hassan issued by the civil registry in Raqqa"
FILE_NAME = "death_certificate_ahmad_al-hassan_civil_registry_raqqa_2018_scan_final.pdf"


@pytest.fixture
def case_with_long_names(app, workflow_case, evidence_root):
    people = workflow_case(CaseStage.under_review)
    client = app.test_client()
    login(client, app, people.caseworker_id)
    assert upload(client, people.case_id, pdf(), FILE_NAME, title=TITLE,
                  description="Scanned copy of the original held by the family.",
                  kind="death_certificate").status_code == 302
    return people


def test_the_file_name_gets_break_points_and_keeps_its_whole_name_as_tooltip(
        app, case_with_long_names):
    client = app.test_client()
    login(client, app, case_with_long_names.caseworker_id)
    page = client.get(f"/cases/{case_with_long_names.case_id}").get_data(as_text=True)
    assert f'title="{FILE_NAME}"' in page
    assert "death_<wbr>certificate_<wbr>ahmad_<wbr>al-<wbr>hassan_<wbr>" in page
    assert "scan_<wbr>final<wbr>.pdf" in page
    for label in ("Title", "File", "Witness", "Uploaded", "Status"):
        assert f'data-label="{label}"' in page


def _layout(page) -> dict:
    return page.evaluate("""() => {
        const table = document.querySelector('.evidence-table');
        const row = table.querySelector('tbody tr');
        const title = row.querySelector('.evidence-title span[dir=auto]');
        const words = title.textContent.trim().split(/\\s+/);
        const lineHeight = parseFloat(getComputedStyle(title).lineHeight) || 24;
        return {
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            tableOverflow: table.scrollWidth - table.clientWidth,
            rowDisplay: getComputedStyle(row).display,
            titleLines: Math.round(title.getBoundingClientRect().height / lineHeight),
            words: words.length,
            label: getComputedStyle(row.querySelector('td'), '::before').content,
        };
    }""")


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_evidence_table_reads_well_on_a_desktop_and_on_a_phone(
        chromium_browser, live_server, app, case_with_long_names, language):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900},
                                           extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    try:
        log_in(page, live_server, app, case_with_long_names.caseworker_id)
        page.goto(f"{live_server}/cases/{case_with_long_names.case_id}")
        desktop = _layout(page)
        assert desktop["rowDisplay"] == "table-row"
        assert desktop["overflow"] <= 0 and desktop["tableOverflow"] <= 0
        # The title takes the width: a few lines, never a word per line.
        assert desktop["titleLines"] <= 3 < desktop["words"]
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server}/cases/{case_with_long_names.case_id}")
        phone = _layout(page)
        assert phone["rowDisplay"] == "block"  # a card per item
        assert phone["overflow"] <= 0 and phone["tableOverflow"] <= 0
        assert phone["titleLines"] <= 3
        assert phone["label"].strip('"') in ("Title", "العنوان")
    finally:
        context.close()
