"""Office time: every time shown in the zone of the office the record belongs to, one way to
write a day ("2 Dec 2026") and a moment ("2 Dec 2026, 14:57"), the zone said to readers who
work across offices; Latin values inside sentences isolated (core/dates.py, core/bidi.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from flask_babel import force_locale

from casework.core.authz import Role
from casework.core.bidi import isolated
from casework.core.dates import (
    date_text,
    moment_day,
    moment_text,
    zone_label,
)
from casework.extensions import db
from casework.intake.models import Case
from tests.fixtures_dates import (
    DAMASCUS_DAY,
    ISO_DAY,
    LATE_EVENING_UTC,
    SHORT_DATE,
    day_text,
    visible_text,
)

# The helpers


def test_a_utc_moment_near_midnight_falls_on_the_next_day_in_damascus(app):
    with app.test_request_context("/"):
        assert moment_day(LATE_EVENING_UTC, "Asia/Damascus") == date(2026, 12, 2)
        assert moment_day(LATE_EVENING_UTC, "UTC") == date(2026, 12, 1)
        # Nobody logged in works in Damascus, so the zone is said.
        assert moment_text(LATE_EVENING_UTC, "Asia/Damascus") == "2 Dec 2026, 01:30 UTC+3"


def test_a_moment_of_no_office_read_by_no_office_is_in_utc_and_says_so(app):
    with app.test_request_context("/"):
        assert moment_text(LATE_EVENING_UTC) == "1 Dec 2026, 22:30 UTC"
    with app.app_context():  # the command line
        assert moment_text(LATE_EVENING_UTC, "Asia/Damascus") == "2 Dec 2026, 01:30 UTC+3"


def test_arabic_month_names_are_syrias(app):
    with app.test_request_context("/"), force_locale("ar"):
        assert date_text(date(2026, 12, 2)) == "2 كانون الأول 2026"
        assert date_text(date(2026, 6, 3)) == "3 حزيران 2026"
        assert date_text(date(2026, 2, 1)) == "1 شباط 2026"
        # Not Egypt's month names.
        assert "ديسمبر" not in date_text(date(2026, 12, 2))
        # Day and time joined by the Arabic comma.
        assert moment_text(LATE_EVENING_UTC, "Asia/Damascus") == "2 كانون الأول 2026، 01:30 UTC+3"


@pytest.mark.parametrize(("zone", "moment", "label"), [
    ("Asia/Damascus", LATE_EVENING_UTC, "UTC+3"),
    ("UTC", LATE_EVENING_UTC, "UTC"),
    ("Asia/Kolkata", LATE_EVENING_UTC, "UTC+5:30"),
    ("America/St_Johns", LATE_EVENING_UTC, "UTC-3:30"),
])
def test_a_zone_is_said_as_its_offset_from_utc(zone, moment, label):
    assert zone_label(moment.astimezone(ZoneInfo(zone))) == label


def test_pages_show_days_and_moments_in_time_elements_holding_iso_values(app):
    template = ("{{ day|day }} | {{ moment|moment('Asia/Damascus') }} | "
                "{{ moment|moment_day('Asia/Damascus') }}")
    with app.test_request_context("/"):
        html = render_template_string(template, day=date(2026, 12, 2), moment=LATE_EVENING_UTC)
    assert html == (
        '<time datetime="2026-12-02">2 Dec 2026</time> | '
        '<time datetime="2026-12-01T22:30:00+00:00">2 Dec 2026, 01:30 UTC+3</time> | '
        '<time datetime="2026-12-01T22:30:00+00:00">2 Dec 2026</time>')


def test_a_moment_kept_as_an_iso_string_reads_like_any_other(app):
    with app.test_request_context("/"):
        assert moment_text("2026-12-01T22:30:00+00:00", "Asia/Damascus") == \
            "2 Dec 2026, 01:30 UTC+3"


def test_latin_values_inside_a_sentence_are_isolated_and_escaped(app):
    with app.test_request_context("/"):
        message = isolated("Case %(reference)s assigned to %(name)s.",
                           reference="RQA-2026-000014", name="<b>Layla</b>")
        assert message == ("Case <bdi>RQA-2026-000014</bdi> assigned to "
                           "<bdi>&lt;b&gt;Layla&lt;/b&gt;</bdi>.")
        html = render_template_string('{{ _("Case %(reference)s saved.", reference=ref|bdi) }}',
                                      ref="RQA-2026-000014")
        assert html == "Case <bdi>RQA-2026-000014</bdi> saved."


# The pages


def _case_page(client, case_id: int, language: str = "en") -> str:
    response = client.get(f"/cases/{case_id}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_case_page_shows_its_times_in_the_offices_zone(late_evening_case,
                                                            client_for_user):
    """Every moment of the case fell at 22:30 UTC on 1 Dec or a few minutes later: the
    office's own caseworker reads 2 Dec, 01:3x, with no zone (it is theirs)."""
    html = _case_page(client_for_user(late_evening_case.caseworker_id),
                      late_evening_case.case_id)
    text = visible_text(html)
    # Opened and registered at 22:3x UTC on 1 Dec: 2 Dec in Damascus.
    assert re.search(rf"Opened\s*{day_text(DAMASCUS_DAY)} · registered {day_text(DAMASCUS_DAY)}",
                     text), text
    # History: opened at intake, at 01:30 Damascus time.
    assert '<time datetime="2026-12-01T22:30:00+00:00">2 Dec 2026, 01:30</time>' in html
    # The evidence table: the same format, not "12/2/26, 1:3x AM".
    evidence = visible_text(html.split('id="evidence"')[1].split("</section>")[0])
    assert re.search(r"2 Dec 2026, 01:\d\d", evidence), evidence
    # The eligibility section: the decision's moment, the appeal's recorded day.
    eligibility = visible_text(html.split('id="eligibility"')[1].split("</section>")[0])
    assert re.search(r"2 Dec 2026, 01:\d\d", eligibility), eligibility
    assert "recorded on 2 Dec 2026 by" in eligibility
    for where in (text, evidence, eligibility):
        assert "UTC" not in where
        assert not ISO_DAY.search(where), ISO_DAY.search(where)
        assert not SHORT_DATE.search(where), SHORT_DATE.search(where)


def test_the_case_page_in_arabic_writes_syrian_months_and_the_arabic_comma(late_evening_case,
                                                                           client_for_user):
    html = _case_page(client_for_user(late_evening_case.caseworker_id, "ar"),
                      late_evening_case.case_id, "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert ">2 كانون الأول 2026، 01:30</time>" in html
    assert not ISO_DAY.search(visible_text(html))


def test_an_auditor_reads_the_offices_time_with_its_zone(late_evening_case, login_as):
    auditor = login_as(Role.auditor)
    text = visible_text(_case_page(auditor, late_evening_case.case_id))
    assert "2 Dec 2026, 01:30 UTC+3" in text
    # Days carry no zone: they are the office's calendar days.
    assert re.search(r"Opened\s*2 Dec 2026 · registered 2 Dec 2026\s*\n", text), text


def test_the_case_list_shows_deadlines_as_days(app, late_evening_case, client_for_user):
    with app.app_context():
        db.session.get(Case, late_evening_case.case_id).due_on = date(2027, 1, 30)
        db.session.commit()
    response = client_for_user(late_evening_case.caseworker_id).get("/cases")
    html = response.get_data(as_text=True)
    assert '<time datetime="2027-01-30">30 Jan 2027</time>' in html
    assert not ISO_DAY.search(visible_text(html))


def test_a_stale_stage_change_says_when_the_case_changed_in_the_offices_time(
        late_evening_case, client_for_user):
    """'Case X was changed by Y at …' gives the office's time, not UTC's."""
    client = client_for_user(late_evening_case.caseworker_id)
    response = client.post(f"/cases/{late_evening_case.case_id}/actions/withdraw",
                           data={"version": 1, "reason": "The family asked."})
    assert response.status_code == 409
    text = visible_text(response)
    assert re.search(r"was changed by .+ at 2 Dec 2026, 01:\d\d after you opened it", text), \
        text
    assert "UTC" not in text


def test_phone_and_email_keep_left_to_right_inside_the_arabic_page(late_evening_case,
                                                                    client_for_user):
    html = _case_page(client_for_user(late_evening_case.caseworker_id, "ar"),
                      late_evening_case.case_id, "ar")
    assert '<dd class="col-sm-8" data-contact-phone><bdi dir="ltr">+963 944 123 456</bdi></dd>' \
        in html
    assert '<dd class="col-sm-8" data-contact-email><bdi dir="ltr">family@example.org</bdi></dd>' \
        in html


def test_a_flash_message_isolates_the_case_reference(app, late_evening_case, client_for_user):
    client = client_for_user(late_evening_case.caseworker_id, "ar")
    with app.app_context():
        case = db.session.get(Case, late_evening_case.case_id)
        reference, version = case.reference, case.version
    response = client.post(f"/cases/{late_evening_case.case_id}/actions/withdraw",
                           data={"version": version, "reason": "The family asked."},
                           follow_redirects=True)
    assert response.status_code == 200
    assert f"<bdi>{reference}</bdi>" in response.get_data(as_text=True).split('role="alert"')[1]


def test_a_moment_read_in_utc_by_an_auditor_says_utc(app, late_evening_case, login_as):
    """The audit trail: its filters and export are in UTC, and so are its times, labelled."""
    auditor = login_as(Role.auditor)
    html = auditor.get(f"/audit/cases/{late_evening_case.case_id}").get_data(as_text=True)
    shown = re.findall(r"<time datetime=\"[^\"]+\">([^<]*)</time>", html)
    assert shown
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC", text) for text in shown), \
        shown


def test_naive_datetimes_are_read_as_utc(app):
    with app.test_request_context("/"):
        naive = datetime(2026, 12, 1, 22, 30)
        assert moment_text(naive, "Asia/Damascus") == moment_text(
            naive.replace(tzinfo=UTC), "Asia/Damascus")
