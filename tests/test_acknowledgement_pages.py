"""Acknowledgement pages through HTTP: who may reach each route, the forms, the case page
section, and the delivery that acknowledges the case."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from casework.acknowledgement import operations
from casework.acknowledgement.models import Acknowledgement, FactKind, FamilyResponse
from casework.audit.models import AuditEvent
from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case, CaseStage
from tests.conftest import login
from tests.fixtures_acknowledgement import APOLOGY_AR, acknowledgement_details

FACT_TEXTS = {
    "target": "A Daesh fighting position in the building next door.",
    "location": "al-Badu, Raqqa, 35.9521 N 39.0079 E.",
    "weapon": "An air-dropped guided bomb.",
    "participating_states": "United States: carried out the strike.",
}
WITHHELD = {"target_verification": "Classified.", "civilian_precautions": "No reason given."}


def form_data(**overrides) -> dict:
    data = {
        "acknowledging_party": "The coalition (CJTF-OIR)",
        "acknowledged_on": "2018-07-26",
        "responsibility": "accepted",
        "source": "Monthly civilian casualty report, July 2018",
        "apology_text": APOLOGY_AR,
    }
    for kind, text in FACT_TEXTS.items():
        data |= {f"{kind}-disclosure": "disclosed", f"{kind}-text": text}
    for kind, reason in WITHHELD.items():
        data |= {f"{kind}-disclosure": "withheld", f"{kind}-withheld_reason": reason}
    return data | overrides


@pytest.fixture
def setting(app, case_at_stage, record_acknowledgement, create_office):
    """An eligible case with an undelivered and a delivered acknowledgement, and a second
    office; returns a namespace of ids."""

    class Setting:
        pass

    s = Setting()
    s.case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        case = db.session.get(Case, s.case_id)
        s.office_id, s.caseworker_id = case.office_id, case.assigned_to_id
    s.pending_id = record_acknowledgement(s.case_id)
    s.delivered_id = record_acknowledgement(s.case_id, delivered_on=date(2026, 1, 20))
    s.other_office_id = create_office()
    return s


def _urls(s) -> dict[str, str]:
    return {
        "new": f"/cases/{s.case_id}/acknowledgements/new",
        "page": f"/acknowledgements/{s.pending_id}",
        "edit": f"/acknowledgements/{s.pending_id}/edit",
        "delivery": f"/acknowledgements/{s.pending_id}/delivery",
        "response_new": f"/acknowledgements/{s.delivered_id}/responses/new",
    }


# (role, same office?) -> expected status of GET on each route
EXPECTED = {
    ("caseworker", True): dict.fromkeys(("new", "page", "edit", "delivery", "response_new"), 200),
    ("supervisor", True): dict.fromkeys(("new", "page", "edit", "delivery", "response_new"), 200),
    ("caseworker", False): dict.fromkeys(("new", "page", "edit", "delivery", "response_new"),
                                         404),
    ("supervisor", False): dict.fromkeys(("new", "page", "edit", "delivery", "response_new"),
                                         404),
    ("auditor", None): {"new": 403, "page": 200, "edit": 403, "delivery": 403,
                        "response_new": 403},
    ("admin", None): dict.fromkeys(("new", "page", "edit", "delivery", "response_new"), 403),
}


@pytest.mark.parametrize(("role", "same_office"), list(EXPECTED),
                         ids=[f"{r}-{'own' if o else 'other' if o is False else 'all'}"
                              for r, o in EXPECTED])
def test_each_role_reaches_exactly_its_acknowledgement_routes(setting, login_as, role,
                                                               same_office):
    office_id = None
    if same_office is True:
        office_id = setting.office_id
    elif same_office is False:
        office_id = setting.other_office_id
    client = login_as(Role(role), office_id=office_id)
    for name, url in _urls(setting).items():
        assert client.get(url).status_code == EXPECTED[(role, same_office)][name], (name, url)


def test_posts_are_refused_to_auditors_admins_and_other_offices(app, setting, login_as):
    data = {"version": 1, "delivered_on": "2026-01-20", "method": "letter",
            "delivered_by": "Post"}
    for client, status in ((login_as(Role.auditor), 403), (login_as(Role.admin), 403),
                           (login_as(Role.caseworker, office_id=setting.other_office_id), 404)):
        assert client.post(f"/acknowledgements/{setting.pending_id}/delivery",
                           data=data).status_code == status
        assert client.post(f"/cases/{setting.case_id}/acknowledgements/new",
                           data=form_data()).status_code == status
    with app.app_context():
        assert not db.session.get(Acknowledgement, setting.pending_id).is_delivered
        assert db.session.scalar(select(func.count(Acknowledgement.id))) == 2


def test_a_caseworker_records_the_facts_through_the_form(app, case_at_stage):
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        caseworker_id = db.session.get(Case, case_id).assigned_to_id
    client = app.test_client()
    login(client, app, caseworker_id)
    form = client.get(f"/cases/{case_id}/acknowledgements/new").get_data(as_text=True)
    # The incident's stated target is offered as a starting point.
    assert "Daesh fighting position" in form
    response = client.post(f"/cases/{case_id}/acknowledgements/new", data=form_data())
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-fact="weapon" data-disclosed="yes"' in page
    assert 'data-fact="civilian_precautions" data-disclosed="no"' in page
    assert "An air-dropped guided bomb." in page and "No reason given." in page
    assert APOLOGY_AR in page
    with app.app_context():
        acknowledgement = db.session.scalar(select(Acknowledgement))
        assert acknowledgement.recorded_by_id == caseworker_id
        assert {f.kind for f in acknowledgement.facts if not f.disclosed} == {
            FactKind.target_verification, FactKind.civilian_precautions}


def test_a_withheld_fact_without_its_reason_is_shown_on_its_field_and_nothing_saved(
        app, case_at_stage):
    case_id = case_at_stage(CaseStage.eligible)
    with app.app_context():
        caseworker_id = db.session.get(Case, case_id).assigned_to_id
    client = app.test_client()
    login(client, app, caseworker_id)
    response = client.post(f"/cases/{case_id}/acknowledgements/new",
                           data=form_data(**{"target_verification-withheld_reason": ""}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Give the reason the acknowledging party gave" in html
    assert 'id="target_verification-withheld_reason"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Acknowledgement.id))) == 0


def test_a_second_delivery_is_audited_and_leaves_the_case_acknowledged(app, setting):
    client = app.test_client()
    login(client, app, setting.caseworker_id)
    with app.app_context():
        version = db.session.get(Acknowledgement, setting.pending_id).version
        # The first delivery already acknowledged the case.
        assert db.session.get(Case, setting.case_id).stage == CaseStage.acknowledged
    response = client.post(f"/acknowledgements/{setting.pending_id}/delivery", data={
        "version": version, "delivered_on": "2026-01-21", "method": "letter",
        "delivered_by": "Ministry of Defence liaison office"})
    assert response.status_code == 302
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, setting.pending_id)
        assert acknowledgement.delivery_recorded_by_id == setting.caseworker_id
        # The case stays acknowledged: one acknowledge step, from the first delivery.
        assert [t.action for t in acknowledgement.case.transitions].count("acknowledge") == 1
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "acknowledgements",
            AuditEvent.entity_id == str(setting.pending_id), AuditEvent.action == "update",
            AuditEvent.actor_id == setting.caseworker_id))
        assert events == 1


def test_delivery_through_the_page_moves_an_eligible_case_to_acknowledged(
        app, case_at_stage, record_acknowledgement):
    case_id = case_at_stage(CaseStage.eligible)
    acknowledgement_id = record_acknowledgement(case_id)
    with app.app_context():
        caseworker_id = db.session.get(Case, case_id).assigned_to_id
    client = app.test_client()
    login(client, app, caseworker_id)
    form = client.get(f"/acknowledgements/{acknowledgement_id}/delivery")
    assert "moves the case to “Acknowledged”" in form.get_data(as_text=True)
    response = client.post(f"/acknowledgements/{acknowledgement_id}/delivery", data={
        "version": 1, "delivered_on": "2026-01-21", "method": "in_person",
        "delivered_by": "Coalition liaison officer"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "is now at stage “Acknowledged”" in html
    assert 'data-stage="acknowledged"' in html
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.stage == CaseStage.acknowledged
        step = case.transitions[-1]
        assert (step.action, step.actor_id) == ("acknowledge", caseworker_id)
        moved = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.case_id == case_id, AuditEvent.entity_type == "case_transitions",
            AuditEvent.action == "create", AuditEvent.actor_id == caseworker_id))
        assert moved == 1


def test_a_stale_delivery_form_answers_409_and_changes_nothing(app, setting):
    client = app.test_client()
    login(client, app, setting.caseworker_id)
    response = client.post(f"/acknowledgements/{setting.pending_id}/delivery", data={
        "version": 0, "delivered_on": "2026-01-21", "method": "letter", "delivered_by": "Post"})
    assert response.status_code == 409
    with app.app_context():
        assert not db.session.get(Acknowledgement, setting.pending_id).is_delivered


def test_a_stale_correction_answers_409_showing_what_differs(app, setting):
    client = app.test_client()
    login(client, app, setting.caseworker_id)
    with app.app_context():
        acknowledgement = db.session.get(Acknowledgement, setting.pending_id)
        loaded_version = acknowledgement.version
        operations.update_acknowledgement(
            acknowledgement, acknowledgement_details(source="Letter of 2 August 2018"), None,
            loaded_version)
        db.session.commit()
    response = client.post(f"/acknowledgements/{setting.pending_id}/edit",
                           data=form_data(version=loaded_version))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "data-conflict" in html and "Letter of 2 August 2018" in html
    with app.app_context():
        assert db.session.get(Acknowledgement, setting.pending_id).source == (
            "Letter of 2 August 2018")


def test_a_delivered_acknowledgement_offers_no_correction_and_refuses_one(app, setting):
    client = app.test_client()
    login(client, app, setting.caseworker_id)
    page = client.get(f"/acknowledgements/{setting.delivered_id}").get_data(as_text=True)
    assert f"/acknowledgements/{setting.delivered_id}/edit" not in page
    response = client.post(f"/acknowledgements/{setting.delivered_id}/edit",
                           data=form_data(version=2))
    assert "kept as delivered" in response.get_data(as_text=True)


def test_the_family_response_is_recorded_through_the_form(app, setting, login_as):
    client = login_as(Role.supervisor, office_id=setting.office_id)
    response = client.post(f"/acknowledgements/{setting.delivered_id}/responses/new", data={
        "response": "wants_meeting", "responded_on": "2026-01-22",
        "notes": "The family asks to meet the officer.", "follow_up_on": "2026-02-02",
        "follow_up_notes": "Meeting at the Raqqa office."})
    assert response.status_code == 302
    page = client.get(f"/acknowledgements/{setting.delivered_id}").get_data(as_text=True)
    assert 'data-response="wants_meeting"' in page and "2026-02-02" in page
    with app.app_context():
        assert db.session.scalar(select(FamilyResponse)).recorded_by_id == client.user_id


def test_the_case_page_shows_the_acknowledgement_section_from_eligibility_on(
        app, setting, case_at_stage, login_as):
    client = app.test_client()
    login(client, app, setting.caseworker_id)
    html = client.get(f"/cases/{setting.case_id}").get_data(as_text=True)
    assert "data-acknowledgement-section" in html
    assert f'data-acknowledgement="{setting.pending_id}"' in html
    assert 'data-delivery="delivered"' in html and 'data-delivery="pending"' in html
    assert "data-record-acknowledgement" in html
    auditor_html = login_as(Role.auditor).get(f"/cases/{setting.case_id}").get_data(
        as_text=True)
    assert "data-acknowledgement-section" in auditor_html
    assert "data-record-acknowledgement" not in auditor_html
    registered = case_at_stage(CaseStage.registered, office_id=setting.office_id)
    html = client.get(f"/cases/{registered}").get_data(as_text=True)
    assert "data-acknowledgement-section" not in html


def test_an_auditor_reading_an_acknowledgement_is_audited(app, setting, login_as):
    auditor = login_as(Role.auditor)
    assert auditor.get(f"/acknowledgements/{setting.delivered_id}").status_code == 200
    with app.app_context():
        reads = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "case.opened", AuditEvent.actor_id == auditor.user_id,
            AuditEvent.case_id == setting.case_id))
        assert reads == 1


def test_closing_is_offered_to_supervisors_only(app, case_at_stage, login_as):
    case_id = case_at_stage(CaseStage.compensation)
    with app.app_context():
        case = db.session.get(Case, case_id)
        office_id, caseworker_id, version = case.office_id, case.assigned_to_id, case.version
    supervisor = login_as(Role.supervisor, office_id=office_id)
    assert 'data-offer="close"' in supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    caseworker = app.test_client()
    login(caseworker, app, caseworker_id)
    assert 'data-offer="close"' not in caseworker.get(f"/cases/{case_id}").get_data(
        as_text=True)
    assert caseworker.post(f"/cases/{case_id}/actions/close",
                           data={"version": version, "reason": "Paid."}).status_code == 409
    response = supervisor.post(f"/cases/{case_id}/actions/close",
                               data={"version": version, "reason": "Paid in full."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).stage == CaseStage.closed


def test_text_entered_in_an_acknowledgement_is_shown_as_text_not_markup(
        app, case_at_stage, record_acknowledgement):
    script = "<script>alert(1)</script>"
    case_id = case_at_stage(CaseStage.eligible)
    acknowledgement_id = record_acknowledgement(case_id, acknowledging_party=script,
                                                source=script)
    with app.app_context():
        caseworker_id = db.session.get(Case, case_id).assigned_to_id
    client = app.test_client()
    login(client, app, caseworker_id)
    for url in (f"/cases/{case_id}", f"/acknowledgements/{acknowledgement_id}",
                f"/acknowledgements/{acknowledgement_id}/delivery",
                f"/acknowledgements/{acknowledgement_id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert script not in html and "&lt;script&gt;" in html, url
