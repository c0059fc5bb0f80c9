"""Incidents: recording, parties, references, the assessment history, and the totals of
persons harmed across every office's cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.core import signals
from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case, CaseStage, Credibility, Incident, IncidentParty
from casework.intake.models.incidents import CredibilityAssessment, ExternalReference
from tests.fixtures_intake import HEAD, person

INCIDENT = {
    "reference": "RQA-2017-07-18",
    "occurred_on": "2017-07-18",
    "occurred_time": "14:30",
    "neighbourhood": "al-Sinaa",
    "city": "Raqqa",
    "latitude": "35.9500",
    "longitude": "39.0100",
    "weapon": "air_dropped_bomb",
    "stated_target": "Daesh fighting position",
    "description": "A residential building hit in the afternoon.",
}


def test_a_caseworker_records_an_incident(app, login_as):
    client = login_as(Role.caseworker)
    response = client.post("/incidents/new", data=INCIDENT)
    assert response.status_code == 302
    with app.app_context():
        incident = db.session.scalar(select(Incident))
        assert (incident.reference, incident.occurred_on, incident.occurred_time.hour,
                incident.place, incident.credibility) == (
            "RQA-2017-07-18", date(2017, 7, 18), 14, "al-Sinaa, Raqqa", Credibility.pending)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Daesh fighting position" in page and "Pending: no assessment recorded yet" in page


BAD_INCIDENTS = [
    ({"occurred_on": "2017-02-30"}, "Enter the date as YYYY-MM-DD"),
    ({"occurred_on": (date.today() + timedelta(days=1)).isoformat()}, "in the future"),
    ({"occurred_on": "1917-07-18"}, "check the year"),
    ({"reference": "a b"}, "An incident reference is 3 to 40"),
    ({"latitude": "95"}, "Latitude is between -90 and 90"),
    ({"longitude": ""}, "both latitude and longitude"),
    ({"latitude": "north"}, "Not a valid float value"),
    ({"city": ""}, "This field is required"),
    ({"weapon": "catapult"}, "Not a valid choice"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INCIDENTS, ids=[m for _c, m in BAD_INCIDENTS])
def test_bad_incident_input_says_what_is_wrong_and_saves_nothing(app, login_as, changes,
                                                                message):
    response = login_as(Role.caseworker).post("/incidents/new", data={**INCIDENT, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_incident_references_are_unique(app, login_as, create_incident):
    create_incident("RQA-2017-07-18")
    response = login_as(Role.caseworker).post("/incidents/new",
                                              data={**INCIDENT, "reference": "rqa-2017-07-18"})
    assert "already exists" in response.get_data(as_text=True)


def test_parties_and_external_references(app, login_as, create_incident):
    incident = create_incident()
    client = login_as(Role.caseworker)
    client.post(f"/incidents/{incident}/parties", data={"name": "United States",
                                                        "role": "strike"})
    client.post(f"/incidents/{incident}/parties", data={"name": "Syrian Democratic Forces",
                                                        "role": "artillery"})
    duplicate = client.post(f"/incidents/{incident}/parties",
                            data={"name": "United States", "role": "strike"})
    assert duplicate.status_code == 400
    assert "already recorded in this role" in duplicate.get_data(as_text=True)
    client.post(f"/incidents/{incident}/references",
                data={"source": "Amnesty International", "identifier": "DEMO-AI-0042",
                      "url": "https://example.org/reports/demo-0042"})
    unsafe = client.post(f"/incidents/{incident}/references",
                         data={"source": "X", "url": "javascript:alert(1)"})
    assert "starts with https://" in unsafe.get_data(as_text=True)
    page = client.get(f"/incidents/{incident}").get_data(as_text=True)
    assert "Carried out the strike" in page and "Syrian Democratic Forces" in page
    assert "DEMO-AI-0042" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(IncidentParty.id))) == 2
        assert db.session.scalar(select(func.count(ExternalReference.id))) == 1
        party = db.session.scalar(select(IncidentParty.id).where(IncidentParty.role == "strike"))
    client.post(f"/incidents/{incident}/parties/{party}/remove")
    with app.app_context():
        assert db.session.scalar(select(func.count(IncidentParty.id))) == 1


def test_the_assessment_is_a_dated_history_and_the_latest_is_current(app, login_as,
                                                                    create_incident):
    incident = create_incident(occurred_on=date(2017, 6, 28))
    supervisor = login_as(Role.supervisor)
    recorded = []

    def receiver(sender, incident, assessment, previous, **extra):
        recorded.append((previous, assessment.status))

    signals.incident_assessment_recorded.connect(receiver)
    try:
        for status, on, source in [
            ("non_credible", "2017-09-30", "Monthly civilian casualty report, September 2017"),
            ("credible", "2018-07-15", "Monthly civilian casualty report, July 2018"),
            # Entered late, but older: the history stays in date order, July 2018 stays current.
            ("reopened", "2018-02-01", "Review after NGO report"),
        ]:
            response = supervisor.post(f"/incidents/{incident}/assessments",
                                       data={"status": status, "assessed_on": on,
                                             "source": source})
            assert response.status_code == 302
    finally:
        signals.incident_assessment_recorded.disconnect(receiver)
    with app.app_context():
        record = db.session.get(Incident, incident)
        assert record.credibility == Credibility.credible
        assert record.credibility_on == date(2018, 7, 15)
        assert [a.status.value for a in record.assessments] == [
            "non_credible", "reopened", "credible"]
        assert all(a.recorded_by_id == supervisor.user_id for a in record.assessments)
    assert recorded[:2] == [(Credibility.pending, Credibility.non_credible),
                            (Credibility.non_credible, Credibility.credible)]
    page = supervisor.get(f"/incidents/{incident}").get_data(as_text=True)
    assert page.index('data-assessment="credible"') < page.index('data-assessment="reopened"')


def test_only_supervisors_record_the_assessment_and_bad_dates_are_refused(app, login_as,
                                                                         create_incident):
    incident = create_incident(occurred_on=date(2017, 6, 28))
    data = {"status": "credible", "assessed_on": "2018-07-15", "source": "Report"}
    assert login_as(Role.caseworker).post(f"/incidents/{incident}/assessments",
                                          data=data).status_code == 403
    supervisor = login_as(Role.supervisor)
    for assessed_on, message in (("2017-06-01", "cannot be older than the incident"),
                                 ("2018-31-01", "Enter the date as YYYY-MM-DD")):
        response = supervisor.post(f"/incidents/{incident}/assessments",
                                   data={**data, "assessed_on": assessed_on})
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CredibilityAssessment.id))) == 0


def test_editing_an_incident_that_changed_meanwhile_is_a_409(app, login_as, create_incident):
    incident = create_incident(stated_target="Daesh headquarters")
    first, second = login_as(Role.caseworker), login_as(Role.supervisor)
    first_form = first.get(f"/incidents/{incident}/edit").get_data(as_text=True)
    second_form = second.get(f"/incidents/{incident}/edit").get_data(as_text=True)

    def fields(html, **changes):
        from tests.test_intake_cases import _form_fields
        return {**_form_fields(html), **changes}

    assert first.post(f"/incidents/{incident}/edit",
                      data=fields(first_form, stated_target="Daesh fighting position")
                      ).status_code == 302
    response = second.post(f"/incidents/{incident}/edit",
                           data=fields(second_form, weapon="artillery"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Daesh headquarters" in html and "Daesh fighting position" in html
    with app.app_context():
        assert db.session.get(Incident, incident).weapon.value == "air_dropped_bomb"


def test_the_incident_page_totals_persons_harmed_and_children_among_them(
        app, create_office, create_incident, open_case, login_as):
    incident = create_incident(occurred_on=date(2017, 10, 12))
    raqqa, tabqa = create_office("RQA"), create_office("TBQ")
    killed_child = person(harm="killed", relationship_to_head="son", sex="male",
                          approximate_age=None, date_of_birth=date(2005, 11, 2))
    killed_adult = person(harm="killed", relationship_to_head="spouse", approximate_age=38)
    injured_child_then = person(harm="injured", approximate_age=24)  # 15 in October 2017
    injured_adult = {**HEAD, "harm": "injured"}
    open_case(raqqa, incident_ids=[incident],
              persons=[injured_adult, killed_child, killed_adult, injured_child_then])
    open_case(tabqa, incident_ids=[incident],
              persons=[{**HEAD, "harm": "unharmed", "injury_severity": None},
                       person(harm="missing", approximate_age=16)])
    merged = open_case(tabqa, incident_ids=[incident], persons=[{**HEAD, "harm": "killed",
                                                                 "injury_severity": None}])
    with app.app_context():
        db.session.get(Case, merged).stage = CaseStage.merged
        db.session.commit()
    html = login_as(Role.auditor).get(f"/incidents/{incident}").get_data(as_text=True)
    assert "data-total-cases>2<" in html, "a merged duplicate is not counted"
    assert "data-total-killed>2<" in html and "data-children-killed>1<" in html
    assert "data-total-injured>2<" in html and "data-children-injured>1<" in html
    assert "data-total-missing>1<" in html


def test_incidents_are_searched_by_words_and_assessment(app, login_as, create_incident):
    create_incident("RQA-2017-06-28", neighbourhood="al-Badu")
    create_incident("RQA-2017-10-12", neighbourhood="al-Thakana")
    client = login_as(Role.auditor)
    html = client.get("/incidents?q=thakana").get_data(as_text=True)
    assert 'data-incident="RQA-2017-10-12"' in html and "RQA-2017-06-28" not in html
    html = client.get("/incidents?credibility=credible").get_data(as_text=True)
    assert "data-incident=" not in html
    html = client.get("/incidents?credibility=bogus").get_data(as_text=True)
    assert "Unknown assessment" in html
