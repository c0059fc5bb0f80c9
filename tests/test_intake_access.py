"""Object-level access on every intake route, per role and office.

Caseworkers and supervisors reach their own office's cases (404 elsewhere, as if the
case did not exist); supervisors alone reassign and record assessments; auditors read
everything and change nothing; admins see no case data. Incidents are shared by
every office's case work.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.core import signals
from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case, Loss, Person
from casework.intake.models.incidents import ExternalReference, IncidentParty

# (method, URL template, who may: "readers" = office staff + auditors, "workers" = office
# staff, "supervisors"). Every intake route is here; the last test checks that.
CASE_ROUTES = [
    ("GET", "/cases/{case}", "readers"),
    ("GET", "/cases/{case}/edit", "workers"),
    ("POST", "/cases/{case}/edit", "workers"),
    ("GET", "/cases/{case}/assign", "supervisors"),
    ("POST", "/cases/{case}/assign", "supervisors"),
    ("POST", "/cases/{case}/actions/withdraw", "workers"),
    ("GET", "/cases/{case}/persons/new", "workers"),
    ("POST", "/cases/{case}/persons/new", "workers"),
    ("GET", "/cases/{case}/persons/{person}", "workers"),
    ("POST", "/cases/{case}/persons/{person}", "workers"),
    ("POST", "/cases/{case}/persons/{person}/remove", "workers"),
    ("GET", "/cases/{case}/losses/new", "workers"),
    ("POST", "/cases/{case}/losses/new", "workers"),
    ("GET", "/cases/{case}/losses/{loss}", "workers"),
    ("POST", "/cases/{case}/losses/{loss}", "workers"),
    ("POST", "/cases/{case}/losses/{loss}/remove", "workers"),
]
# Not tied to one office's case.
OPEN_ROUTES = [
    ("GET", "/cases", "readers"),
    ("GET", "/cases/new", "workers"),
    ("POST", "/cases/new", "workers"),
    ("GET", "/incidents", "readers"),
    ("GET", "/incidents/new", "workers"),
    ("POST", "/incidents/new", "workers"),
    ("GET", "/incidents/{incident}", "readers"),
    ("GET", "/incidents/{incident}/edit", "workers"),
    ("POST", "/incidents/{incident}/edit", "workers"),
    ("POST", "/incidents/{incident}/parties", "workers"),
    ("POST", "/incidents/{incident}/parties/{party}/remove", "workers"),
    ("POST", "/incidents/{incident}/references", "workers"),
    ("POST", "/incidents/{incident}/references/{reference}/remove", "workers"),
    ("POST", "/incidents/{incident}/assessments", "supervisors"),
]
MAY = {
    "readers": {Role.caseworker, Role.supervisor, Role.auditor},
    "workers": {Role.caseworker, Role.supervisor},
    "supervisors": {Role.supervisor},
}


@pytest.fixture
def world(app, create_office, create_user, create_incident, open_case):
    """Two offices with a case each, sharing one incident with a party and a reference."""
    home, other = create_office("RQA"), create_office("TBQ")
    incident = create_incident()
    home_case = open_case(home, incident_ids=[incident])
    other_case = open_case(other, incident_ids=[incident])
    with app.app_context():
        from casework.intake import operations
        from casework.intake.models import Incident

        record = db.session.get(Incident, incident)
        party = operations.add_party(record, "Unknown", "unknown")
        reference = operations.add_external_reference(record, "Airwars", "CS1234", None)
        db.session.commit()
        ids = {"party": party.id, "reference": reference.id}
        for name, case_id in (("home", home_case), ("other", other_case)):
            ids[name] = {
                "case": case_id,
                "person": db.session.scalar(select(Person.id).where(Person.case_id == case_id)),
                "loss": db.session.scalar(select(Loss.id).where(Loss.case_id == case_id)),
            }
    return {"home_office": home, "other_office": other, "incident": incident, **ids}


def _fill(template: str, world: dict, which: str) -> str:
    return template.format(incident=world["incident"], party=world["party"],
                           reference=world["reference"], **world[which])


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_its_own_office_s_cases_only(app, world, login_as, role):
    office = world["home_office"] if role in (Role.caseworker, Role.supervisor) else None
    client = login_as(role, office_id=office)
    for method, template, who in CASE_ROUTES:
        for which in ("home", "other"):
            url = _fill(template, world, which)
            status = client.open(url, method=method).status_code
            where = f"{role} {method} {url}"
            if role not in MAY[who]:
                assert status == 403, f"{where}: {status}"
            elif role == Role.auditor or which == "home":
                assert status not in (403, 404) and status < 500, f"{where}: {status}"
            else:
                assert status == 404, f"{where}: another office's case must look absent"


@pytest.mark.parametrize("role", list(Role))
def test_incidents_are_shared_by_every_office_s_case_work(app, world, login_as, role):
    office = world["other_office"] if role in (Role.caseworker, Role.supervisor) else None
    client = login_as(role, office_id=office)
    for method, template, who in OPEN_ROUTES:
        url = _fill(template, world, "home")
        status = client.open(url, method=method).status_code
        where = f"{role} {method} {url}"
        if role in MAY[who]:
            assert status not in (403, 404) and status < 500, f"{where}: {status}"
        else:
            assert status == 403, f"{where}: {status}"


def test_every_intake_route_is_in_the_access_tables(app):
    covered = {(m, t.replace("{", "<").replace("}", ">")) for m, t, _ in CASE_ROUTES + OPEN_ROUTES}
    names = {"case": "case_id", "person": "person_id", "loss": "loss_id",
             "incident": "incident_id", "party": "party_id", "reference": "reference_id"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "intake" or "evidence" in rule.rule \
                or "import" in rule.rule or rule.endpoint.startswith("intake.evidence"):
            continue
        path = rule.rule
        for short, long in names.items():
            path = path.replace(f"<int:{long}>", f"<{short}>")
        path = path.replace("<action>", "withdraw")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in covered, f"{method} {rule.rule} is not in the access tests"


def test_the_case_list_shows_the_office_s_cases_and_auditors_see_all(app, world, login_as):
    def references(client) -> set[str]:
        html = client.get("/cases").get_data(as_text=True)
        with app.app_context():
            all_refs = db.session.scalars(select(Case.reference)).all()
        return {ref for ref in all_refs if f'data-case-row="{ref}"' in html}

    with app.app_context():
        home_ref = db.session.get(Case, world["home"]["case"]).reference
        other_ref = db.session.get(Case, world["other"]["case"]).reference
    assert references(login_as(Role.caseworker, office_id=world["home_office"])) == {home_ref}
    assert references(login_as(Role.supervisor, office_id=world["other_office"])) == {other_ref}
    assert references(login_as(Role.auditor)) == {home_ref, other_ref}


def test_the_incident_page_lists_only_the_office_s_cases_but_counts_all(app, world, login_as):
    with app.app_context():
        home_ref = db.session.get(Case, world["home"]["case"]).reference
        other_ref = db.session.get(Case, world["other"]["case"]).reference
    html = login_as(Role.caseworker, office_id=world["home_office"]).get(
        f"/incidents/{world['incident']}").get_data(as_text=True)
    assert f'data-case-row="{home_ref}"' in html
    assert f'data-case-row="{other_ref}"' not in html
    assert 'data-total-cases>2<' in html


def test_a_person_or_loss_of_another_case_is_404_under_this_case(app, world, login_as):
    client = login_as(Role.caseworker, office_id=world["home_office"])
    home, other = world["home"], world["other"]
    assert client.get(f"/cases/{home['case']}/persons/{other['person']}").status_code == 404
    assert client.get(f"/cases/{home['case']}/losses/{other['loss']}").status_code == 404
    response = client.post(f"/cases/{home['case']}/persons/{other['person']}/remove",
                           data={"version": 1})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Person, other["person"]) is not None


def test_a_party_or_reference_of_another_incident_is_404(app, world, login_as, create_incident):
    other_incident = create_incident()
    client = login_as(Role.caseworker, office_id=world["home_office"])
    assert client.post(f"/incidents/{other_incident}/parties/{world['party']}/remove"
                       ).status_code == 404
    assert client.post(f"/incidents/{other_incident}/references/{world['reference']}/remove"
                       ).status_code == 404
    with app.app_context():
        assert db.session.get(IncidentParty, world["party"]) is not None
        assert db.session.get(ExternalReference, world["reference"]) is not None


def test_opening_a_case_page_emits_case_opened(app, world, login_as):
    opened = []

    def receiver(sender, case, **extra):
        opened.append(case.id)

    signals.case_opened.connect(receiver)
    try:
        login_as(Role.auditor).get(f"/cases/{world['home']['case']}")
        login_as(Role.caseworker, office_id=world["home_office"]).get(
            f"/cases/{world['other']['case']}")  # 404: not opened
    finally:
        signals.case_opened.disconnect(receiver)
    assert opened == [world["home"]["case"]]


def test_auditors_see_cases_without_any_way_to_change_them(app, world, login_as):
    html = login_as(Role.auditor).get(f"/cases/{world['home']['case']}").get_data(as_text=True)
    assert "data-offer" not in html
    assert "/edit" not in html and "/persons/new" not in html and "/assign" not in html


def test_admins_see_no_case_data(app, world, login_as):
    admin = login_as(Role.admin)
    for url in ("/cases", f"/cases/{world['home']['case']}", "/incidents",
                f"/incidents/{world['incident']}"):
        assert admin.get(url).status_code == 403
    home_html = admin.get("/").get_data(as_text=True)
    assert 'href="/cases"' not in home_html and 'href="/incidents"' not in home_html
