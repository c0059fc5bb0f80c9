"""Auditors' pages: who may see them, what they show, the CSV export, and that reads are audited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import render_template
from flask_login import login_user

from casework.audit import operations
from casework.audit.queries import neutralise
from casework.auth.models import User
from casework.extensions import db
from tests.fixtures_audit import payload


def _record(app, action: str, count: int = 1, **columns) -> None:
    with app.app_context():
        for number in range(count):
            operations.record_event(action, details={"number": number}, **columns)
        db.session.commit()


def _listed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/audit/events/(\d+)"', html)]


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "admin"])
def test_only_auditors_may_read_or_export_the_log(app, login_as, role, audit_events):
    client = login_as(role)
    for url in ("/audit", "/audit/events/1", "/audit/export.csv"):
        assert client.get(url).status_code == 403, url
    denied = audit_events("access.denied")
    assert {payload(e)["details"]["path"] for e in denied} == {
        "/audit", "/audit/events/1", "/audit/export.csv"}


def test_the_audit_trail_offers_no_way_to_change_or_remove_events(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_auditors_read_the_log_and_their_reads_are_audited(app, login_as, audit_events):
    _record(app, "test.seen", 3)
    auditor = login_as("auditor")
    response = auditor.get("/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "test.seen" in html
    [viewed] = audit_events("audit.log_viewed")
    assert viewed.actor_id == auditor.user_id and viewed.actor_role == "auditor"


def test_the_log_filters_by_action_actor_case_and_record(app, login_as, create_user,
                                                        audit_events):
    _record(app, "test.alpha", 2, case_id=5)
    _record(app, "test.beta", 1, case_id=6)
    auditor = login_as("auditor")
    alpha = [e.id for e in audit_events("test.alpha")]
    assert sorted(_listed_ids(auditor.get("/audit?action=test.alpha").get_data(as_text=True))) == alpha
    beta = [e.id for e in audit_events("test.beta")]
    assert _listed_ids(auditor.get("/audit?case_id=6").get_data(as_text=True)) == beta

    [login] = audit_events("auth.login", actor_id=auditor.user_id)
    with app.app_context():
        email = db.session.get(User, auditor.user_id).email
    by_actor = _listed_ids(auditor.get(f"/audit?actor={email}&action=auth.login").get_data(as_text=True))
    assert by_actor == [login.id]
    assert _listed_ids(auditor.get("/audit?actor=nobody@example.org").get_data(as_text=True)) == []
    system = _listed_ids(auditor.get("/audit?actor=system&action=test.beta").get_data(as_text=True))
    assert system == beta
    users = _listed_ids(auditor.get(
        f"/audit?entity_type=users&entity_id={auditor.user_id}&action=auth.login"
    ).get_data(as_text=True))
    assert users == [login.id]
    bad = auditor.get("/audit?entity_id=3")
    assert "Give the record type too." in bad.get_data(as_text=True)


def test_the_log_filters_by_date_range(app, login_as, audit_events):
    _record(app, "test.today", 2)
    auditor = login_as("auditor")
    today = audit_events("test.today")[0].occurred_at.date().isoformat()
    listed = _listed_ids(auditor.get(f"/audit?date_from={today}&date_to={today}&action=test.today")
                         .get_data(as_text=True))
    assert sorted(listed) == [e.id for e in audit_events("test.today")]
    assert _listed_ids(auditor.get("/audit?date_to=2020-01-01").get_data(as_text=True)) == []
    assert _listed_ids(auditor.get("/audit?date_from=2999-01-01").get_data(as_text=True)) == []
    backwards = auditor.get("/audit?date_from=2026-02-02&date_to=2026-01-01")
    assert "The end date is before the start date." in backwards.get_data(as_text=True)


def test_the_log_pages_by_sequence_number(app, login_as, audit_events):
    _record(app, "test.paged", 120)
    auditor = login_as("auditor")
    seen, url = [], "/audit?action=test.paged"
    while url:
        html = auditor.get(url).get_data(as_text=True)
        seen += _listed_ids(html)
        more = re.search(r'href="(/audit\?[^"]*after=\d+[^"]*)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == sorted((e.id for e in audit_events("test.paged")), reverse=True)


def test_an_event_page_shows_the_before_and_after_of_each_field(
    app, login_as, create_office, create_user, audit_events
):
    office = create_office("EVT")
    user_id = create_user("caseworker", office_id=office, name="Before Name")
    admin = login_as("admin")
    admin.post(f"/admin/users/{user_id}", data={
        "name": "After Name", "role": "caseworker", "office_id": office, "active": "y"})
    [changed] = audit_events("update", entity_type="users", entity_id=str(user_id))
    auditor = login_as("auditor")
    html = auditor.get(f"/audit/events/{changed.id}").get_data(as_text=True)
    assert "Before Name" in html and "After Name" in html
    assert changed.hash in html and changed.prev_hash in html
    [viewed] = audit_events("audit.event_viewed")
    assert viewed.entity_type == "audit_events" and viewed.entity_id == str(changed.id)
    assert auditor.get("/audit/events/999999").status_code == 404


def test_a_redacted_event_page_says_so(app, login_as, audit_cli, audit_events):
    _record(app, "test.personal", 1, case_id=9)
    audit_cli("redact", "--case", "9", "--yes")
    [event] = audit_events("test.personal")
    html = login_as("auditor").get(f"/audit/events/{event.id}").get_data(as_text=True)
    assert "removed under the retention policy" in html


def test_case_timelines_for_auditors_and_supervisors_of_the_case_office_only(
    app, login_as, create_office, audit_events
):
    own, other = create_office("OWN"), create_office("OTH")
    _record(app, "test.case_work", 2, case_id=77, office_id=own)
    assert login_as("auditor").get("/audit/cases/77").status_code == 200
    supervisor = login_as("supervisor", office_id=own)
    response = supervisor.get("/audit/cases/77")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("test.case_work") == 2
    assert login_as("supervisor", office_id=other).get("/audit/cases/77").status_code == 404
    assert login_as("caseworker", office_id=own).get("/audit/cases/77").status_code == 403
    assert login_as("admin").get("/audit/cases/77").status_code == 403
    assert login_as("auditor").get("/audit/cases/78").status_code == 404
    viewed = audit_events("audit.case_timeline_viewed")
    assert [(e.actor_role, e.case_id) for e in viewed] == [("auditor", 77), ("supervisor", 77)]
    refused = [e for e in audit_events("access.denied") if e.case_id == 77]
    assert [(e.actor_role, e.office_id) for e in refused] == [("supervisor", own)]


def test_the_timeline_partial_renders_for_the_case_page_and_only_for_roles_that_may_see_it(
    app, create_office, create_user
):
    office = create_office("TLP")
    _record(app, "test.on_case", 1, case_id=55, office_id=office)
    supervisor = create_user("supervisor", office_id=office)
    caseworker = create_user("caseworker", office_id=office)
    rendered = {}
    for user_id in (supervisor, caseworker):
        with app.test_request_context("/cases/55"):
            login_user(db.session.get(User, user_id))
            rendered[user_id] = render_template("audit/_timeline.html", case_id=55)
    assert "test.on_case" in rendered[supervisor] and 'id="audit-timeline-heading"' in rendered[supervisor]
    assert rendered[caseworker].strip() == ""


def test_the_export_is_csv_with_formulas_neutralised_and_is_itself_audited(
    app, login_as, audit_events
):
    with app.app_context():
        for email in ("=HYPERLINK(\"http://evil\")", "+1+2", "-3", "@SUM(A1)", "\tTAB", "\rCR",
                      "plain@example.org"):
            operations.record_event("auth.login_failed", details={"email": email},
                                    user_agent=email)
        db.session.commit()
    auditor = login_as("auditor")
    response = auditor.get("/audit/export.csv?action=auth.login_failed", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(audit_events("export.made")) == 1  # recorded before the first row is read
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    agents = sorted(row["user_agent"] for row in rows)
    assert agents == sorted(["'=HYPERLINK(\"http://evil\")", "'+1+2", "'-3", "'@SUM(A1)", "'\tTAB",
                             "'\rCR", "plain@example.org"])
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    [exported] = audit_events("export.made")
    details = payload(exported)["details"]
    assert details["kind"] == "audit_log" and details["row_count"] == 7
    assert details["filters"]["action"] == "auth.login_failed"
    assert exported.actor_id == auditor.user_id


def test_neutralise_leaves_numbers_and_ordinary_text_alone():
    assert neutralise(-5) == -5
    assert neutralise("Raqqa") == "Raqqa"
    assert neutralise("-5") == "'-5"
