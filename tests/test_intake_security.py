"""Security regressions found while building intake, each kept as a named test."""

from __future__ import annotations

from casework.core.authz import Role
from casework.extensions import db
from casework.intake.models import Case

SCRIPT = "<script>alert(1)</script>"


def test_messages_quoting_user_input_are_escaped_in_pages(app, login_as, create_incident,
                                                          open_case):
    """Flask-Babel's lazy strings declare themselves safe HTML: an error message built with
    lazy_gettext and a user's value was rendered unescaped (reflected and stored XSS)."""
    incident = create_incident()
    client = login_as(Role.caseworker)
    # Reflected: a filter value quoted in the list's error message.
    html = client.get("/cases", query_string={"incident": SCRIPT}).get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;" in html
    # Stored: a party's name, quoted again in the "already recorded" message.
    for _ in range(2):
        response = client.post(f"/incidents/{incident}/parties",
                               data={"name": SCRIPT, "role": "unknown"})
    html = response.get_data(as_text=True)
    assert "already recorded" in html and SCRIPT not in html
    assert SCRIPT not in client.get(f"/incidents/{incident}").get_data(as_text=True)
    # A submitted value quoted by an operation's message (an unknown currency).
    case_id = open_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        office_id, version = case.office_id, case.version
    owner = login_as(Role.caseworker, office_id=office_id)
    html = owner.post(f"/cases/{case_id}/losses/new",
                      data={"kind": "livelihood", "estimated_value": "5",
                            "currency": "<b>XX</b>", "version": version}).get_data(as_text=True)
    assert "Unknown currency" in html and "<b>XX</b>" not in html


def test_names_with_markup_or_digits_are_refused(app, login_as, open_case):
    case_id = open_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        office_id, version = case.office_id, case.version
    client = login_as(Role.caseworker, office_id=office_id)
    for field, value in (("name_latin", "<img src=x onerror=alert(1)>"),
                         ("name_ar", "أحمد<script>"), ("name_latin", "Ahmad 2")):
        data = {"name_ar": "", "name_latin": "", field: value, "sex": "male",
                "relationship_to_head": "brother", "harm": "unharmed",
                "approximate_age": "30", "version": version}
        html = client.post(f"/cases/{case_id}/persons/new", data=data).get_data(as_text=True)
        assert "Latin letters only" in html or "Arabic script only" in html
        assert "<script>" not in html.split("<main")[1] and "<img" not in html
    with app.app_context():
        assert len(db.session.get(Case, case_id).persons) == 2


def test_external_links_are_never_rendered_as_links(app, login_as, create_incident):
    """A stored link is text: only http(s) is accepted, and it is shown, not linked."""
    incident = create_incident()
    client = login_as(Role.caseworker)
    client.post(f"/incidents/{incident}/references",
                data={"source": "NGO", "url": "https://example.org/report"})
    html = client.get(f"/incidents/{incident}").get_data(as_text=True)
    assert "https://example.org/report" in html
    assert 'href="https://example.org/report"' not in html
