"""Intake of a case through the pages: the form, the household, losses, assignment,
optimistic locking, and bad input (a clear message, nothing saved)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casework.core.authz import Role
from casework.core.lifecycle import StaleRecord
from casework.extensions import db
from casework.intake import operations
from casework.intake.models import Case, CaseStage, Loss, Person, Priority, ReferenceCounter
from casework.intake.validation import CaseDetails
from tests.fixtures_intake import case_version, person


@pytest.fixture
def raqqa(create_office):
    return create_office("RQA")


def new_case_form(incident_id: int | None, **overrides) -> dict:
    data = {
        "incident_ids": [incident_id] if incident_id else [],
        "contact_phone": "+963 944 000 111",
        "current_address": "al-Mashlab, near the water tower",
        "preferred_language": "ar",
        "delivery_channel": "in_person",
        "consent_given_on": "2026-01-05",
        "consent_text_version": "2026-01",
        "head-name_ar": "خالد العلي",
        "head-name_latin": "Khaled al-Ali",
        "head-sex": "male",
        "head-approximate_age": "50",
        "head-harm": "injured",
        "head-injury_severity": "severe",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Case, Person, Loss, ReferenceCounter))


def test_a_caseworker_opens_a_case_with_its_head_of_household(app, raqqa, login_as,
                                                              create_incident):
    incident = create_incident()
    client = login_as(Role.caseworker, office_id=raqqa)
    response = client.post("/cases/new", data=new_case_form(incident))
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.reference == f"RQA-{datetime.now(UTC).year}-000001" or \
            case.reference.endswith("-000001")
        assert case.stage == CaseStage.intake
        assert case.assigned_to_id == client.user_id
        assert case.consent_recorded_by_id == client.user_id
        assert case.consent_text_version == "2026-01"
        assert case.due_on is not None
        assert [i.id for i in case.incidents] == [incident]
        head = case.head_of_household
        assert (head.name_ar, head.name_latin, head.harm.value) == ("خالد العلي",
                                                                  "Khaled al-Ali", "injured")
        assert head.incident_id == incident, "the only incident is where the head was harmed"
        assert head.birth_year == date.today().year - 50
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Khaled al-Ali" in page and "خالد العلي" in page


def test_a_supervisor_chooses_a_caseworker_of_the_office(app, raqqa, login_as, create_user,
                                                         create_office, create_incident):
    incident = create_incident()
    supervisor = login_as(Role.supervisor, office_id=raqqa)
    elsewhere = create_user(Role.caseworker, office_id=create_office("TBQ"))
    response = supervisor.post("/cases/new", data=new_case_form(incident,
                                                                 assigned_to=str(elsewhere)))
    assert response.status_code == 200
    assert "is not an active caseworker of office RQA" in response.get_data(as_text=True)
    response = supervisor.post("/cases/new", data=new_case_form(incident))
    assert "Choose the caseworker" in response.get_data(as_text=True)
    assert counts(app)[0] == 0
    mine = create_user(Role.caseworker, office_id=raqqa)
    response = supervisor.post("/cases/new", data=new_case_form(incident, assigned_to=str(mine)))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Case.assigned_to_id)) == mine


BAD_INTAKES = [
    ({"consent_given_on": "2026-13-45"}, "Enter the date as YYYY-MM-DD"),
    ({"consent_given_on": "05/01/2026"}, "Enter the date as YYYY-MM-DD"),
    ({"consent_given_on": (date.today() + timedelta(days=3)).isoformat()},
     "consent date is in the future"),
    ({"consent_text_version": ""}, "Say which consent text"),
    ({"head-approximate_age": "150"}, "between 0 and 120"),
    ({"head-approximate_age": "-1"}, "between 0 and 120"),
    ({"head-approximate_age": "forty"}, "Enter a whole number"),
    ({"head-approximate_age": "", "head-date_of_birth": ""}, "date of birth or an approximate age"),
    ({"head-approximate_age": "", "head-date_of_birth": "1890-01-01"}, "older than 120"),
    ({"head-approximate_age": "", "head-date_of_birth": (date.today() + timedelta(days=1))
      .isoformat()}, "date of birth is in the future"),
    ({"head-approximate_age": "", "head-date_of_birth": "2018-01-01"},
     "after the incident this person was harmed in"),
    ({"head-date_of_birth": "1990-01-01", "head-approximate_age": "12"},
     "does not match the date of birth"),
    ({"head-name_ar": "Khaled"}, "Arabic script only"),
    ({"head-name_latin": "خالد"}, "Latin letters only"),
    ({"head-name_ar": "", "head-name_latin": ""}, "in Arabic script, in Latin letters, or both"),
    ({"head-harm": "unharmed"}, "injury severity is for injured persons only"),
    ({"incident_ids": ["999999"]}, "Unknown incident: #999999"),
    ({"delivery_channel": "email"}, "need the family&#39;s email address"),
    ({"contact_email": "not-an-address"}, "email address is not valid"),
    ({"contact_phone": "call me"}, "A phone number has"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INTAKES,
                         ids=[m for _c, m in BAD_INTAKES])
def test_bad_intake_input_says_what_is_wrong_and_saves_nothing(app, raqqa, login_as,
                                                              create_incident, changes, message):
    incident = create_incident(occurred_on=date(2017, 6, 28))
    client = login_as(Role.caseworker, office_id=raqqa)
    response = client.post("/cases/new", data=new_case_form(incident, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert counts(app) == (0, 0, 0, 0), "no case, no person, no reference number used"


def test_household_members_are_added_edited_and_removed_at_intake(app, login_as, open_case):
    # A widow of 45 heading the household: female-headed, P3.
    case_id = open_case(persons=[person(relationship_to_head="head", harm="injured",
                                        approximate_age=45)], losses=[])
    with app.app_context():
        assert db.session.get(Case, case_id).priority_level == Priority.p3
    client = _client_for(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/persons/new",
                           data={**person(name_latin="Yasmin Ahmad al-Hassan",
                                          name_ar="ياسمين أحمد الحسن", approximate_age="9",
                                          harm="killed"),
                                 "version": case_version(app, case_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        child = next(p for p in case.persons if p.name_latin.startswith("Yasmin"))
        assert child.incident_id == case.incidents[0].id
        assert child.age_as_of == case.incidents[0].occurred_on, "age when killed"
        assert case.priority_level == Priority.p2, "a child killed raises the priority"
    response = client.post(f"/cases/{case_id}/persons/{child.id}",
                           data={**person(name_latin="Yasmine Ahmad al-Hassan",
                                          name_ar="ياسمين أحمد الحسن", approximate_age="9",
                                          harm="killed"),
                                 "version": case_version(app, case_id)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Person, child.id).name_latin == "Yasmine Ahmad al-Hassan"
    response = client.post(f"/cases/{case_id}/persons/{child.id}/remove",
                           data={"version": case_version(app, case_id)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Person, child.id) is None
        assert db.session.get(Case, case_id).priority_level == Priority.p3


def test_a_second_head_of_household_is_refused(app, login_as, open_case):
    case_id = open_case()
    client = _client_for(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/persons/new",
                           data={**person(relationship_to_head="head"),
                                 "version": case_version(app, case_id)})
    assert "is already the head of household" in response.get_data(as_text=True)


def test_entries_can_be_removed_only_at_intake(app, login_as, open_case):
    at_intake = open_case()
    client = _client_for(app, login_as, at_intake)
    with app.app_context():
        loss_id = db.session.scalar(select(Loss.id).where(Loss.case_id == at_intake))
    assert f"/cases/{at_intake}/losses/{loss_id}/remove" in client.get(
        f"/cases/{at_intake}").get_data(as_text=True)
    case_id = open_case(register=True)
    client = _client_for(app, login_as, case_id)
    with app.app_context():
        loss_id = db.session.scalar(select(Loss.id).where(Loss.case_id == case_id))
    # The page offers to correct the entry, not to remove it.
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/losses/{loss_id}"' in page
    assert f"/cases/{case_id}/losses/{loss_id}/remove" not in page
    response = client.post(f"/cases/{case_id}/losses/{loss_id}/remove",
                           data={"version": case_version(app, case_id)})
    assert response.status_code == 409
    assert "correct them instead" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Loss, loss_id) is not None


def test_losses_are_money_in_minor_units_with_a_currency(app, login_as, open_case):
    case_id = open_case(losses=[])
    client = _client_for(app, login_as, case_id)
    response = client.post(f"/cases/{case_id}/losses/new", data={
        "kind": "livelihood", "description": "Bakery oven and flour store",
        "estimated_value": "12500.50", "currency": "USD", "version": case_version(app, case_id)})
    assert response.status_code == 302
    with app.app_context():
        loss = db.session.scalar(select(Loss).where(Loss.case_id == case_id))
        assert (loss.estimated_value_minor, loss.currency) == (1_250_050, "USD")
    assert "12,500.50 USD" in client.get(f"/cases/{case_id}").get_data(as_text=True)


BAD_LOSSES = [
    ({"estimated_value": "1,500"}, "without signs or thousands separators"),
    ({"estimated_value": "-20"}, "without signs or thousands separators"),
    ({"estimated_value": "12.345"}, "USD has 2 decimal places at most"),
    ({"estimated_value": "100", "currency": ""}, "Give the currency"),
    ({"estimated_value": "", "currency": "USD"}, "with its currency, or neither"),
    ({"currency": "XYZ"}, "Unknown currency XYZ"),
    ({"estimated_value": "1" * 20}, "too large"),
    ({"kind": "car"}, "Not a valid choice"),
    ({"incident_id": "999999"}, "Choose one of this case&#39;s incidents"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_LOSSES, ids=[m for _c, m in BAD_LOSSES])
def test_bad_loss_input_says_what_is_wrong_and_saves_nothing(app, login_as, open_case,
                                                            changes, message):
    case_id = open_case(losses=[])
    client = _client_for(app, login_as, case_id)
    version = case_version(app, case_id)
    data = {"kind": "home_damaged", "estimated_value": "500", "currency": "USD",
            "version": version, **changes}
    response = client.post(f"/cases/{case_id}/losses/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Loss.id))) == 0
    assert case_version(app, case_id) == version


def test_supervisors_reassign_within_the_office(app, raqqa, login_as, open_case, create_user,
                                                create_office):
    case_id = open_case(raqqa)
    supervisor = login_as(Role.supervisor, office_id=raqqa)
    colleague = create_user(Role.caseworker, office_id=raqqa, name="Rania Mahmoud")
    outsider = create_user(Role.caseworker, office_id=create_office("TBQ"))
    fellow_supervisor = create_user(Role.supervisor, office_id=raqqa)
    for refused in (outsider, fellow_supervisor):
        response = supervisor.post(f"/cases/{case_id}/assign",
                                   data={"assigned_to": refused, "version": case_version(app, case_id)})
        assert "is not an active caseworker of office RQA" in response.get_data(as_text=True)
    response = supervisor.post(f"/cases/{case_id}/assign",
                               data={"assigned_to": colleague, "version": case_version(app, case_id)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).assigned_to_id == colleague
    caseworker = login_as(Role.caseworker, office_id=raqqa)
    assert caseworker.post(f"/cases/{case_id}/assign", data={"assigned_to": colleague}
                           ).status_code == 403


def test_the_second_editor_gets_409_showing_what_changed(app, login_as, open_case):
    case_id = open_case()
    first = _client_for(app, login_as, case_id)
    second = _client_for(app, login_as, case_id)
    form_of_first = _form_fields(first.get(f"/cases/{case_id}/edit").get_data(as_text=True))
    form_of_second = _form_fields(second.get(f"/cases/{case_id}/edit").get_data(as_text=True))

    response = first.post(f"/cases/{case_id}/edit", data={
        **form_of_first, "current_address": "Hisham Ibn Abdul Malik street, Raqqa"})
    assert response.status_code == 302

    response = second.post(f"/cases/{case_id}/edit", data={
        **form_of_second, "contact_phone": "+963 955 222 333"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this record" in html
    assert "Your changes were NOT saved" in html
    changed = html.split("data-conflict")[1].split("</table>")[0]
    assert 'data-changed-field="updated"' in changed, "the untouched address takes the new value"
    assert "Current address" in changed
    assert "al-Mashlab, Raqqa" in changed and "Hisham Ibn Abdul Malik street, Raqqa" in changed
    assert "Phone" not in changed, "only what the other editor changed is listed"
    assert 'value="+963 955 222 333"' in html, "the second editor's entry is kept"
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.contact_phone == "+963 944 123 456"
        assert case.current_address == "Hisham Ibn Abdul Malik street, Raqqa"

    # Having seen the changes, the second editor saves again on purpose.
    response = second.post(f"/cases/{case_id}/edit", data=_form_fields(html))
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.contact_phone, case.current_address) == (
            "+963 955 222 333", "Hisham Ibn Abdul Malik street, Raqqa")


def test_when_both_editors_change_a_field_the_second_keeps_theirs_and_is_told(app, login_as,
                                                                             open_case):
    case_id = open_case()
    first, second = (_client_for(app, login_as, case_id) for _ in range(2))
    form_of_first = _form_fields(first.get(f"/cases/{case_id}/edit").get_data(as_text=True))
    form_of_second = _form_fields(second.get(f"/cases/{case_id}/edit").get_data(as_text=True))
    first.post(f"/cases/{case_id}/edit", data={**form_of_first, "contact_phone": "+963 1111111"})
    response = second.post(f"/cases/{case_id}/edit",
                           data={**form_of_second, "contact_phone": "+963 2222222"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-changed-field="both"' in html and "your entry is kept" in html
    assert 'value="+963 2222222"' in html


def test_a_household_edit_conflicts_with_a_concurrent_change_to_the_case(app, login_as,
                                                                         open_case):
    case_id = open_case()
    client = _client_for(app, login_as, case_id)
    with app.app_context():
        head_id = db.session.get(Case, case_id).head_of_household.id
    stale = _form_fields(client.get(f"/cases/{case_id}/persons/{head_id}").get_data(as_text=True))
    fresh = dict(stale, name_latin="Ahmed al-Hasan")
    assert client.post(f"/cases/{case_id}/persons/{head_id}", data=fresh).status_code == 302
    response = client.post(f"/cases/{case_id}/persons/{head_id}",
                           data=dict(stale, approximate_age="46"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Ahmad al-Hassan" in html and "Ahmed al-Hasan" in html
    with app.app_context():
        assert db.session.get(Person, head_id).approximate_age == 45


def test_two_saves_racing_past_the_version_check_cannot_both_win(app, open_case):
    """The database refuses the second UPDATE of the version both read (version_id_col)."""
    case_id = open_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        loaded_version = case.version
        db.session.expunge(case)
        db.session.rollback()
        with app.app_context():  # another request saves meanwhile
            other = db.session.get(Case, case_id)
            other.contact_notes = "Call after 6 pm"
            db.session.commit()
            db.session.remove()
        db.session.add(case)  # still the state read before the other save
        details = CaseDetails("en", "in_person", contact_phone="+963 955 000 000",
                              current_address=case.current_address,
                              consent_given_on=case.consent_given_on,
                              consent_text_version=case.consent_text_version)
        with pytest.raises(StaleRecord):
            operations.update_case(case, details, [link.incident_id for link in case.incident_links],
                                   None, loaded_version)
        db.session.rollback()
        saved = db.session.get(Case, case_id)
        assert (saved.contact_notes, saved.preferred_language.value) == ("Call after 6 pm", "ar")


def test_a_withdrawn_case_can_no_longer_be_changed(app, login_as, open_case):
    case_id = open_case()
    client = _client_for(app, login_as, case_id)
    client.post(f"/cases/{case_id}/actions/withdraw",
                data={"version": case_version(app, case_id), "reason": "Family moved away"})
    response = client.post(f"/cases/{case_id}/persons/new",
                           data={**person(), "version": case_version(app, case_id)})
    assert "can no longer be changed" in response.get_data(as_text=True)


def test_consent_cannot_be_removed_after_registration(app, login_as, open_case):
    case_id = open_case(register=True)
    client = _client_for(app, login_as, case_id)
    fields = _form_fields(client.get(f"/cases/{case_id}/edit").get_data(as_text=True))
    fields.update(consent_given_on="", consent_text_version="")
    response = client.post(f"/cases/{case_id}/edit", data=fields)
    assert "Consent cannot be removed" in response.get_data(as_text=True)


def test_an_incident_still_linked_to_a_victim_cannot_be_unlinked(app, login_as, open_case):
    case_id = open_case()
    client = _client_for(app, login_as, case_id)
    fields = _form_fields(client.get(f"/cases/{case_id}/edit").get_data(as_text=True))
    fields["incident_ids"] = []
    response = client.post(f"/cases/{case_id}/edit", data=fields)
    assert "still linked to a household member" in response.get_data(as_text=True)


# Helpers


def _client_for(app, login_as, case_id: int):
    with app.app_context():
        office_id = db.session.get(Case, case_id).office_id
    return login_as(Role.caseworker, office_id=office_id)



def _form_fields(html: str) -> dict:
    """The values a browser would submit from the page's main form (inputs and selects)."""
    import re
    from html import unescape

    form = html.split('<form method="post" novalidate')[1].split("</form>")[0]
    data: dict = {}
    for match in re.finditer(r"<input([^>]*)>", form):
        attributes = match.group(1)
        name = re.search(r'name="([^"]+)"', attributes)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', attributes)
        input_type = re.search(r'type="([^"]+)"', attributes)
        if input_type and input_type.group(1) == "checkbox" and "checked" not in attributes:
            continue
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for match in re.finditer(r'<select([^>]*)name="([^"]+)"([^>]*)>(.*?)</select>', form, re.S):
        selected = [re.search(r'value="([^"]*)"', option).group(1)
                    for option in re.findall(r"<option([^>]*)>", match.group(4))
                    if re.search(r"\bselected\b", option)]
        data[match.group(2)] = selected if "multiple" in match.group(1) + match.group(3) \
            else (selected[0] if selected else "")
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[match.group(1)] = unescape(match.group(2)).lstrip("\r\n")
    return data
