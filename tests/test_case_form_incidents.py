"""The new-case and case edit forms offer the incidents as checkboxes in a list (reference,
date, place), which needs no Ctrl-click and no script; the chosen ones come first on the edit
form; the page reads the choices in one statement however many incidents there are."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case
from tests.test_intake_cases import new_case_form


def _ticked_and_offered(page: str) -> tuple[list[str], list[str]]:
    """The incident ids of the form's checkboxes: the ticked ones, and all in page order."""
    boxes = re.findall(r'<input[^>]*name="incident_ids"[^>]*>', page)
    offered = [re.search(r'value="(\d+)"', box).group(1) for box in boxes]
    ticked = [re.search(r'value="(\d+)"', box).group(1) for box in boxes if "checked" in box]
    return ticked, offered


def test_the_new_case_form_offers_incidents_as_checkboxes_with_date_and_place(
        app, create_office, login_as, create_incident):
    create_incident("RQA-2017-0628", occurred_on=date(2017, 6, 28), neighbourhood="al-Badu")
    create_incident("RQA-2017-0809", occurred_on=date(2017, 8, 9), neighbourhood="al-Rumaniya")
    client = login_as(Role.caseworker, office_id=create_office("RQA"))
    page = client.get("/cases/new").get_data(as_text=True)
    assert '<select multiple' not in page and 'name="incident_ids" multiple' not in page
    assert re.search(r'<input[^>]*name="incident_ids"[^>]*type="checkbox"', page)
    assert "Ctrl" not in page
    assert "data-incident-choices" in page
    first, second = page.index("RQA-2017-0809"), page.index("RQA-2017-0628")
    assert first < second, "the most recent incident comes first"
    assert "9 Aug 2017" in page and "al-Rumaniya" in page


def test_ticking_two_incidents_links_the_new_case_to_both(app, create_office, login_as,
                                                          create_incident):
    incidents = [create_incident(), create_incident()]
    client = login_as(Role.caseworker, office_id=create_office("RQA"))
    form = new_case_form(None, incident_ids=[str(i) for i in incidents])
    form.pop("head-harm"), form.pop("head-injury_severity")
    response = client.post("/cases/new", data={**form, "head-harm": "unharmed"})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert sorted(i.id for i in case.incidents) == sorted(incidents)


def test_the_edit_form_lists_the_case_s_incidents_first_and_ticked(app, login_as, open_case,
                                                                   create_incident):
    older = create_incident(occurred_on=date(2017, 6, 1))
    newer = [create_incident(occurred_on=date(2017, 9, day)) for day in (1, 2)]
    case_id = open_case(incident_ids=[older])
    with app.app_context():
        office_id = db.session.get(Case, case_id).office_id
    client = login_as(Role.caseworker, office_id=office_id)
    ticked, offered = _ticked_and_offered(client.get(f"/cases/{case_id}/edit").get_data(
        as_text=True))
    assert ticked == [str(older)]
    assert offered[0] == str(older) and set(offered) == {str(older), *map(str, newer)}


def test_the_incident_choices_cost_the_same_statements_for_two_or_twenty_incidents(
        app, create_office, login_as, open_case, create_incident, page_statements):
    office_id = create_office("RQA")
    case_id = open_case(office_id)
    client = login_as(Role.caseworker, office_id=office_id)
    counts = []
    for total in (2, 20):
        while len(_ticked_and_offered(client.get("/cases/new").get_data(as_text=True))[1]) \
                < total:
            create_incident()
        counts.append((page_statements(client, "/cases/new"),
                       page_statements(client, f"/cases/{case_id}/edit")))
    assert counts[0] == counts[1]
