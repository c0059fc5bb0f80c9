"""History a person can read (issue 11): every kind of audit event told as a sentence in the
reader's language, registered by the domain that owns the record; cases named by their
references; filters by kind and by person; reads and bookkeeping folded; the login's own
bookkeeping attributed to the user who logged in; the chain's last verification and latest
checkpoint on the audit log; a shared incident's history and the office that changed it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from casework.audit.context import acting_as
from casework.audit.operations import record_access
from casework.auth.models import User
from casework.core import history
from casework.core.authz import Role
from casework.core.history import HistoryEvent, HistoryNames
from casework.extensions import db
from casework.intake.models import Case, CaseStage
from tests.fixtures_audit import payload
from tests.fixtures_intake import HEAD, KILLED_SON, person

MOMENT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
# What a page must never show as a sentence: a raw action and record ("update cases:20").
RAW_CODE = re.compile(r"\b(create|update|delete) [a-z_]+:\d+|\b[a-z_]+:\d+\b|\bcase\.opened\b")


def _event(action: str, entity_type: str | None = None, entity_id: str | None = "7", *,
           who: str = "Layla Haddad", **fields) -> HistoryEvent:
    return HistoryEvent(id=1, action=action, occurred_at=MOMENT, who=who, actor_id=fields.pop(
        "actor_id", 3), entity_type=entity_type, entity_id=entity_id, **fields)


def _text(sentence) -> str:
    """A sentence as a reader sees it (the <bdi> isolation removed)."""
    return html.unescape(re.sub(r"</?bdi>", "", str(sentence.text)))


NAMES = HistoryNames({("users", 3): "Layla Haddad", ("users", 4): "Omar Khalil",
                      ("cases", 20): "RQA-2026-000014", ("cases", 21): "RQA-2026-000015",
                      ("incidents", 5): "RQA-2017-07-18", ("persons", 7): "Fatima al-Ali",
                      ("evidence", 9): "Death certificate"})

# (event, the English sentence): one or more kinds of event of every domain that owns records.
ENGLISH = [
    (_event("create", "cases", "20", case_id=20, changes={"reference": {"new": "RQA-2026-000014"}}),
     "Layla Haddad opened case RQA-2026-000014 at intake"),
    (_event("update", "cases", "20", case_id=20, changes={
        "assigned_to_id": {"old": 3, "new": 4}, "updated_at": {"old": "a", "new": "b"}}),
     "Layla Haddad assigned the case to Omar Khalil"),
    (_event("update", "cases", "20", case_id=20, changes={
        "contact_phone": {"old": "1", "new": "2"}, "current_address": {"old": "a", "new": "b"}}),
     "Layla Haddad edited the case: Phone, Current address"),
    (_event("create", "case_transitions", "1", case_id=20, changes={
        "action": {"new": "register"}, "from_stage": {"new": "intake"},
        "to_stage": {"new": "registered"}}),
     "Layla Haddad moved the case from Intake to Registered: “Register the case”"),
    (_event("create", "case_transitions", "2", case_id=20, changes={
        "action": {"new": "decide_ineligible"}, "from_stage": {"new": "under_review"},
        "to_stage": {"new": "ineligible"}, "reason": {"new": "Not verified."}}),
     "Layla Haddad moved the case from Under review to Ineligible: “Decide: ineligible”"),
    (_event("case.opened", "cases", "20", case_id=20), "Layla Haddad opened case RQA-2026-000014"),
    (_event("create", "persons", "7", case_id=20, changes={
        "name_latin": {"new": "Fatima al-Ali"}, "relationship_to_head": {"new": "daughter"},
        "harm": {"new": "killed"}}),
     "Layla Haddad added Fatima al-Ali to the household (Daughter, Killed)"),
    (_event("update", "persons", "7", case_id=20, changes={"harm": {"old": "injured",
                                                                      "new": "killed"}}),
     "Layla Haddad changed the harm of Fatima al-Ali from Injured to Killed"),
    (_event("delete", "persons", "7", case_id=20, changes={"name_latin": {"old": "Fatima al-Ali"}}),
     "Layla Haddad removed Fatima al-Ali from the list of household members"),
    (_event("create", "losses", "2", case_id=20, changes={"kind": {"new": "home_destroyed"}}),
     "Layla Haddad recorded a loss: Home destroyed"),
    (_event("create", "incident_parties", "3", changes={
        "incident_id": {"new": 5}, "name": {"new": "United States"}, "role": {"new": "strike"}}),
     "Layla Haddad added United States (Carried out the strike) to the parties to incident "
     "RQA-2017-07-18"),
    (_event("create", "evidence", "9", case_id=20, changes={
        "title": {"new": "Death certificate"}, "kind": {"new": "death_certificate"}}),
     "Layla Haddad uploaded the evidence “Death certificate” (Death certificate)"),
    (_event("update", "evidence", "9", case_id=20, changes={
        "withdrawn_at": {"old": None, "new": "2026-12-01T09:00:00Z"},
        "withdrawal_reason": {"old": None, "new": "Wrong file."}}),
     "Layla Haddad withdrew the evidence “Death certificate”"),
    (_event("evidence.downloaded", "evidence", "9", case_id=20),
     "Layla Haddad downloaded the evidence “Death certificate”"),
    (_event("create", "eligibility_reviews", "4", case_id=20, changes={
        "round": {"new": 1}, "opened_because": {"new": "first_review"}}),
     "Layla Haddad started review round 1 (First review)"),
    (_event("update", "eligibility_reviews", "4", case_id=20, changes={
        "recommendation": {"old": None, "new": "eligible"}}),
     "Layla Haddad recommended a decision: Eligible"),
    (_event("create", "eligibility_decisions", "4", case_id=20, changes={
        "outcome": {"new": "ineligible"}, "reasons": {"new": "Not verified."}}),
     "Layla Haddad decided: Ineligible"),
    (_event("update", "eligibility_decisions", "4", case_id=20, changes={
        "delivered_on": {"old": None, "new": "2026-12-01"},
        "appeal_due_on": {"old": None, "new": "2027-01-30"}}),
     "Layla Haddad recorded that the decision was delivered to the family on 1 Dec 2026 "
     "(appeal possible until 30 Jan 2027)"),
    (_event("create", "appeals", "1", case_id=20, changes={
        "lodged_on": {"new": "2026-12-01"}, "grounds": {"new": "A witness came forward."}}),
     "Layla Haddad recorded the family's appeal, lodged on 1 Dec 2026"),
    (_event("update", "appeals", "1", case_id=20, changes={"outcome": {"old": None,
                                                                      "new": "upheld"}}),
     "Layla Haddad upheld the appeal: the case is reviewed again"),
    (_event("update", "reconsideration_entries", "1", case_id=20, changes={
        "status": {"old": "open", "new": "dismissed"}}),
     "Layla Haddad decided not to reopen the case"),
    (_event("update", "acknowledgements", "2", case_id=20, changes={
        "delivered_on": {"old": None, "new": "2026-12-01"},
        "delivery_method": {"old": None, "new": "in_person"}}),
     "Layla Haddad recorded the apology's delivery (In person, 1 Dec 2026)"),
    (_event("create", "acknowledgement_facts", "3", case_id=20, changes={
        "kind": {"new": "weapon"}, "disclosed": {"new": False},
        "withheld_reason": {"new": "Classified."}}),
     "Layla Haddad recorded a fact withheld from the family: The weapon or munition"),
    (_event("create", "acknowledgement_family_responses", "1", case_id=20, changes={
        "response": {"new": "accepted"}, "responded_on": {"new": "2026-12-01"}}),
     "Layla Haddad recorded the family's response: Accepted the apology (1 Dec 2026)"),
    (_event("create", "duplicate_decisions", "1", case_id=20, changes={
        "case_id": {"new": 20}, "other_case_id": {"new": 21}, "outcome": {"new": "merged"}}),
     "Layla Haddad merged cases RQA-2026-000014 and RQA-2026-000015: the same household "
     "registered twice"),
    (_event("create", "duplicate_decisions", "2", case_id=20, changes={
        "case_id": {"new": 20}, "other_case_id": {"new": 21}, "outcome": {"new": "same_victim"}}),
     "Layla Haddad recorded that cases RQA-2026-000014 and RQA-2026-000015 claim for the same "
     "victim"),
    (_event("create", "duplicate_decisions", "3", case_id=20, changes={
        "case_id": {"new": 20}, "other_case_id": {"new": 21}, "outcome": {"new": "dismissed"}}),
     "Layla Haddad decided that cases RQA-2026-000014 and RQA-2026-000015 are not duplicates"),
    (_event("create", "duplicate_flags", "1", case_id=20, changes={
        "case_id": {"new": 20}, "other_case_id": {"new": 21}, "note": {"new": "Same address."}}),
     "Layla Haddad flagged cases RQA-2026-000014 and RQA-2026-000015 for a supervisor as "
     "possible duplicates"),
    (_event("auth.login", "users", "3"), "Layla Haddad logged in"),
    (_event("auth.logout", "users", "3"), "Layla Haddad logged out"),
    (_event("auth.login_failed", "users", "3", who="Someone who was not logged in",
            details={"email": "layla@example.org", "reason": "bad password"}),
     "Someone who was not logged in could not log in as layla@example.org: wrong password"),
    (_event("update", "users", "4", changes={
        "password_hash": {"secret": True}, "must_change_password": {"old": False, "new": True},
        "session_token": {"secret": True}}),
     "Layla Haddad reset the password of Omar Khalil: a temporary one, to be replaced at the "
     "next login"),
    (_event("update", "users", "4", changes={
        "totp_secret": {"secret": True}, "totp_last_counter": {"old": 5, "new": None}}),
     "Layla Haddad reset the two-step login of Omar Khalil: they set up an authenticator again "
     "at their next login"),
    (_event("update", "users", "4", changes={"last_login_at": {"old": None, "new": "x"}}), None),
    (_event("users.role_or_office_changed", "users", "4", details={
        "before": {"role": "caseworker", "office": "RQA"},
        "after": {"role": "supervisor", "office": "TBQ"}}),
     "Layla Haddad changed the role of Omar Khalil from Caseworker (RQA) to Supervisor (TBQ)"),
    (_event("export.made", None, None, details={"kind": "audit_log", "row_count": 1200}),
     "Layla Haddad exported 1,200 events of the audit log"),
    (_event("audit.verified", None, None, who="root at the command line",
            details={"result": "ok", "count": 5120}),
     "root at the command line verified the audit trail: intact, 5,120 events"),
    (_event("access.denied", None, None, case_id=20, details={"action": "case.edit"}),
     "Layla Haddad was refused editing a case on case RQA-2026-000014"),
]


@pytest.mark.parametrize(("event", "sentence"), ENGLISH,
                         ids=[(s or "bookkeeping")[:60] for _e, s in ENGLISH])
def test_each_kind_of_event_reads_as_a_sentence_in_english(app, event, sentence):
    with app.test_request_context("/"), force_locale("en"):
        told = history.tell(event, NAMES)
        if sentence is None:  # bookkeeping, told by another event of its request
            assert told is None
            return
        assert _text(told) == sentence
        assert not RAW_CODE.search(_text(told))


def _english(start: str) -> HistoryEvent:
    return next(event for event, sentence in ENGLISH if sentence and sentence.startswith(start))


ARABIC = [
    (_english("Layla Haddad moved the case from Intake"),
     "ليلى حداد: نقل الحالة من مرحلة «الاستقبال» إلى مرحلة «مسجّلة» («تسجيل الحالة»)"),
    (_english("Layla Haddad recorded the apology's delivery"),
     "ليلى حداد: تسجيل تسليم الاعتذار (حضوريًا، 1 كانون الأول 2026)"),
    (_event("auth.login", "users", "3", who="ليلى حداد"), "ليلى حداد: تسجيل الدخول"),
]


@pytest.mark.parametrize(("event", "sentence"), ARABIC, ids=["transition", "delivery", "login"])
def test_sentences_read_in_arabic(app, event, sentence):
    event = HistoryEvent(**{**event.__dict__, "who": "ليلى حداد"})
    with app.test_request_context("/"), force_locale("ar"):
        assert _text(history.tell(event, NAMES)) == sentence


def test_anything_no_domain_tells_still_reads_as_a_sentence_never_as_a_code(app):
    with app.test_request_context("/"), force_locale("en"):
        unknown_table = history.tell(_event("update", "widgets", "20", who="Someone"), NAMES)
        member = history.fallback_sentence(_event("update", "persons", "20", who="Someone"))
        unknown_action = history.tell(_event("test.something", None, None), NAMES)
    assert _text(unknown_table) == "Someone changed a record"
    assert _text(member) == "Someone changed a household member"
    assert "test.something" not in _text(unknown_action)
    assert _text(unknown_action).startswith("Layla Haddad did something")


def test_a_writer_that_fails_gives_the_fallback_not_an_error_page(app, monkeypatch):
    def broken(event, names):
        raise KeyError("missing")

    monkeypatch.setitem(history.HISTORY_SENTENCES, "persons",
                        history.HistorySentence("persons", broken))
    with app.test_request_context("/"), force_locale("en"):
        assert _text(history.tell(_event("update", "persons", "7"), NAMES)) == \
            "Layla Haddad changed a household member"


def test_the_audit_trail_imports_no_domain_the_domains_register_their_sentences():
    registered = set(history.HISTORY_SENTENCES)
    assert {"cases", "case_transitions", "persons", "losses", "incidents", "evidence",
            "eligibility_decisions", "appeals", "acknowledgements", "duplicate_decisions",
            "users", "auth.login", "auth.login_failed", "access.denied", "audit.verified",
            "export.made"} <= registered
    assert {"persons", "incidents", "evidence", "eligibility_criteria"} <= set(
        history.HISTORY_NAMES)


# -- pages ---------------------------------------------------------------------------------

def _read(page: str) -> str:
    """A page's text as read: tags removed, spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def _entries(page: str) -> list[str]:
    """The sentences of a page, as read (tags removed)."""
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", sentence)).strip())
            for sentence in re.findall(r"<span data-sentence>(.*?)</span>\s*(?:<|$)", page,
                                       flags=re.S)]


@pytest.fixture
def walked_case(app, create_office, create_user, open_case):
    """Factory: a case opened, added to and registered by Layla Haddad (acting as herself,
    outside a request) in a new office; returns (office id, Layla's id, case id)."""

    def make(extra_persons: int = 0, code: str | None = None) -> tuple[int, int, int]:
        office = create_office(code)
        layla = create_user(Role.caseworker, office_id=office, name="Layla Haddad")
        household = [HEAD, KILLED_SON, *(person(name_latin=f"Member {chr(65 + n)}", name_ar=None)
                                         for n in range(extra_persons))]
        with app.app_context(), acting_as("user", user=db.session.get(User, layla)):
            case_id = open_case(office, caseworker_id=layla, persons=household, register=True)
        return office, layla, case_id

    return make


def test_a_case_timeline_reads_as_sentences_titled_by_the_reference(
        app, login_as, walked_case, audit_events):
    office, _layla, case_id = walked_case()
    supervisor = login_as(Role.supervisor, office_id=office, name="Sara Supervisor")
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    html = supervisor.get(f"/audit/cases/{case_id}").get_data(as_text=True)
    assert f"History of case <bdi>{reference}</bdi>" in html
    assert f"History of case {case_id}<" not in html
    sentences = _entries(html)
    assert f"Layla Haddad opened case {reference} at intake" in sentences
    assert "Layla Haddad moved the case from Intake to Registered: “Register the case”" in sentences
    assert any(s.startswith("Layla Haddad added Fatima Ahmad al-Hassan") for s in sentences) or \
        any("to the household" in s for s in sentences)
    for sentence in sentences:
        assert not RAW_CODE.search(sentence), sentence
    # The case's bookkeeping (updated_at when a member is added, the stage written with the
    # step) is folded under the sentence of its change, not a sentence of its own.
    assert not any("changed a case" in s for s in sentences)
    assert "not logged in" not in html


def test_reads_are_folded_into_one_entry_and_listed_on_asking(app, login_as, walked_case,
                                                               create_user):
    office, layla, case_id = walked_case()
    readers = [create_user(Role.supervisor, office_id=office, name=name)
               for name in ("Reader One", "Reader Two")]
    with app.app_context():
        case = db.session.get(Case, case_id)
        for reader in (readers[0], readers[0], readers[1]):
            with acting_as("user", user=db.session.get(User, reader)):
                record_access("case.opened", case)
    auditor = login_as(Role.auditor)
    html = auditor.get(f"/audit/cases/{case_id}").get_data(as_text=True)
    assert 'data-reads="3"' in html and "3 reads by 2 people" in html
    unfolded = auditor.get(f"/audit/cases/{case_id}?show_reads=y").get_data(as_text=True)
    assert "data-reads=" not in unfolded
    assert unfolded.count('data-action="case.opened"') == 3


def test_the_timeline_filters_by_kind_and_by_person(app, login_as, walked_case, create_user):
    office, layla, case_id = walked_case()
    other = create_user(Role.supervisor, office_id=office, name="Omar Khalil")
    with app.app_context():
        case = db.session.get(Case, case_id)
        with acting_as("user", user=db.session.get(User, other)):
            record_access("case.opened", case)
            record_access("access.denied", case, {"action": "case.edit"})
    auditor = login_as(Role.auditor)
    actions = lambda html: set(re.findall(r'<li [^>]*data-action="([^"]+)"', html))  # noqa: E731
    assert actions(auditor.get(f"/audit/cases/{case_id}?kind=reads").get_data(as_text=True)) \
        == {"case.opened"}
    assert actions(auditor.get(f"/audit/cases/{case_id}?kind=refusals").get_data(as_text=True)) \
        == {"access.denied"}
    changes = actions(auditor.get(f"/audit/cases/{case_id}?kind=changes").get_data(as_text=True))
    assert "create" in changes and "case.opened" not in changes
    by_omar = auditor.get(f"/audit/cases/{case_id}?who={other}&show_reads=y").get_data(
        as_text=True)
    assert actions(by_omar) == {"case.opened", "access.denied"}
    assert "Omar Khalil was refused editing a case" in _read(by_omar)
    by_layla = auditor.get(f"/audit/cases/{case_id}?who={layla}").get_data(as_text=True)
    assert "case.opened" not in actions(by_layla) and "Omar Khalil" in by_layla  # the filter


def test_the_audit_log_names_cases_by_reference_and_filters_by_reference_and_kind(
        app, login_as, walked_case):
    _office, _layla, case_id = walked_case()
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    auditor = login_as(Role.auditor)
    html = auditor.get("/audit").get_data(as_text=True)
    assert f"<bdi>{reference}</bdi></a>" in html
    assert not re.search(rf'href="/audit/cases/{case_id}"[^>]*>{case_id}<', html)
    by_reference = auditor.get(f"/audit?case_id={reference}&kind=changes").get_data(as_text=True)
    cases = set(re.findall(r'data-case-reference><bdi>([^<]+)</bdi>', by_reference))
    assert cases == {reference}
    logins = auditor.get("/audit?kind=logins").get_data(as_text=True)
    assert set(re.findall(r'<tr data-event="\d+" data-action="([^"]+)"', logins)) == {"auth.login"}
    unknown = auditor.get("/audit?case_id=RQA-1999-000001").get_data(as_text=True)
    assert "No events match these filters." in unknown


def test_the_login_bookkeeping_is_the_user_s_not_nobody_s(app, login_as, audit_events):
    for role in (Role.caseworker, Role.supervisor):  # a password login, and one with TOTP
        client = login_as(role, name=f"Login {role}")
        [login] = audit_events("auth.login", actor_id=client.user_id)
        written = audit_events("update", entity_type="users", entity_id=str(client.user_id))
        on_the_way_in = [e for e in written if e.request_id == login.request_id]
        assert on_the_way_in, "the login writes the account's last login time"
        for event in on_the_way_in:
            assert (event.actor_kind, event.actor_id) == ("user", client.user_id)
            assert "last_login_at" in payload(event)["changes"] or \
                "totp_last_counter" in payload(event)["changes"]
    assert not [e for e in audit_events("update", entity_type="users")
                if e.actor_kind == "anonymous"]
    html = login_as(Role.auditor).get("/audit").get_data(as_text=True)
    assert "not logged in" not in html
    assert "Login caseworker logged in" in _read(html)


def test_a_bookkeeping_event_s_own_page_names_the_change_it_belongs_to(login_as, audit_events):
    client = login_as(Role.caseworker, name="Layla Haddad")
    [login] = audit_events("auth.login", actor_id=client.user_id)
    [touched] = [e for e in audit_events("update", entity_type="users")
                 if e.request_id == login.request_id]
    page = login_as(Role.auditor).get(f"/audit/events/{touched.id}").get_data(as_text=True)
    assert f'data-bookkeeping-of="{login.id}"' in page
    assert "Layla Haddad changed a user account" in _read(page)  # its own, fallback sentence
    assert "Layla Haddad logged in" in _read(page)
    assert "data-raw-record" in page and "last_login_at" in page


def test_a_failed_login_stays_attributed_to_nobody(app, client, create_user, audit_events):
    user_id = create_user(Role.caseworker)
    with app.app_context():
        email = db.session.get(User, user_id).email
    client.post("/login", data={"email": email, "password": "wrong password here"})
    [failed] = audit_events("auth.login_failed")
    assert failed.actor_kind == "anonymous"
    assert not audit_events("update", entity_type="users", actor_id=user_id)


def test_the_audit_log_shows_the_last_verification_and_the_latest_checkpoint(
        app, login_as, audit_cli, audit_signing):
    auditor = login_as(Role.auditor)
    before = auditor.get("/audit").get_data(as_text=True)
    assert 'data-last-verification="none"' in before and 'data-checkpoint="none"' in before
    assert audit_cli("checkpoint").exit_code == 0
    assert audit_cli("verify").exit_code == 0
    html = auditor.get("/audit").get_data(as_text=True)
    assert 'data-last-verification="ok"' in html
    assert re.search(r"verified the audit trail: intact, \d+ events, as the latest signed "
                     r"checkpoint confirms", _read(html))
    assert "at the command line" in _read(html)  # by whom
    assert re.search(r'data-checkpoint="\d+"', html)
    assert "Its signature checks with the audit public key." in html


def test_case_timelines_per_role_and_the_link_from_the_case_page(app, login_as, walked_case,
                                                                 create_office):
    office, _layla, case_id = walked_case()
    other = create_office()
    link = f'href="/audit/cases/{case_id}" data-case-timeline'
    expected = {
        (Role.auditor, None): (200, True),
        (Role.supervisor, office): (200, True),
        (Role.caseworker, office): (403, False),
        (Role.supervisor, other): (404, None),
    }
    for (role, office_id), (status, linked) in expected.items():
        client = login_as(role, office_id=office_id)
        assert client.get(f"/audit/cases/{case_id}").status_code == status, role
        case_page = client.get(f"/cases/{case_id}")
        if linked is None:
            assert case_page.status_code == 404
        else:
            assert (link in case_page.get_data(as_text=True)) is linked, role
    assert login_as(Role.admin).get(f"/audit/cases/{case_id}").status_code == 403


def test_the_pages_statement_counts_do_not_grow_with_events(app, login_as, walked_case,
                                                            page_statements):
    """One query for the page, one per kind of name (users, cases, each domain's records):
    a case with 12 more household members costs the same statements."""
    counts = {}
    for size in (0, 12):
        _office, _layla, case_id = walked_case(extra_persons=size)
        auditor = login_as(Role.auditor)
        counts[size] = (page_statements(auditor, "/audit"),
                        page_statements(auditor, f"/audit/cases/{case_id}"),
                        page_statements(auditor, f"/audit?case_id={case_id}"))
    assert counts[12] == counts[0], counts


# -- a shared incident ----------------------------------------------------------------------

INCIDENT = {"reference": "RQA-2017-07-18", "occurred_on": "2017-07-18", "city": "Raqqa",
            "weapon": "air_dropped_bomb", "neighbourhood": "al-Sinaa"}


def test_changes_from_another_office_are_on_the_incident_page_and_its_history(
        app, login_as, create_office, audit_events):
    rqa, tbq = create_office("RQA"), create_office("TBQ")
    entering = login_as(Role.caseworker, office_id=rqa, name="Layla Haddad")
    response = entering.post("/incidents/new", data=INCIDENT)
    incident_url = response.headers["Location"]
    entering.post(f"{incident_url}/parties", data={"name": "United States", "role": "strike"})
    page = entering.get(incident_url).get_data(as_text=True)
    assert 'data-entered-by="RQA"' in page and "data-changed-elsewhere" not in page

    other = login_as(Role.caseworker, office_id=tbq, name="Karim Nasser")
    assert other.post(f"{incident_url}/parties",
                      data={"name": "Russian Air Force", "role": "strike"}).status_code == 302
    for client in (entering, other, login_as(Role.auditor), login_as(Role.supervisor,
                                                                     office_id=rqa)):
        page = client.get(incident_url).get_data(as_text=True)
        assert 'data-changed-elsewhere="TBQ"' in page
        assert re.search(r"Changed by <bdi>TBQ</bdi> on <time[^>]*>[^<]+</time>\.", page)
        sentences = _entries(page)
        assert ("Karim Nasser added Russian Air Force (Carried out the strike) to the parties "
                "to incident RQA-2017-07-18") in sentences
        assert "Layla Haddad entered incident RQA-2017-07-18" in sentences
        assert 'data-office="TBQ"' in page
    # The incident is stamped with the party: its own record says when it last changed.
    stamped = audit_events("update", entity_type="incidents")
    assert any(e.actor_id == other.user_id for e in stamped)
    assert login_as(Role.admin).get(incident_url).status_code == 403


def test_an_incident_s_history_costs_a_fixed_number_of_statements(app, login_as, create_office,
                                                                  page_statements):
    office = create_office("RQA")
    client = login_as(Role.caseworker, office_id=office)
    counts = []
    for number, parties in enumerate((1, 8)):
        url = client.post("/incidents/new", data={
            **INCIDENT, "reference": f"RQA-2017-0{number}"}).headers["Location"]
        for party in range(parties):
            client.post(f"{url}/parties", data={"name": f"Party {party}", "role": "strike"})
        counts.append(page_statements(client, url))
    assert counts[0] == counts[1], counts


def test_stage_labels_and_references_follow_the_case_through_its_workflow(
        app, login_as, case_at_stage):
    case_id = case_at_stage(CaseStage.compensation)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    html = login_as(Role.auditor).get(f"/audit/cases/{case_id}?show_reads=y").get_data(
        as_text=True)
    sentences = _entries(html)
    for expected in ("moved the case from Registered to Under review",
                     "moved the case from Under review to Eligible: “Decide: eligible”",
                     "recorded the apology's delivery (",
                     "recorded a fact withheld from the family: How the target was verified",
                     f"opened case {reference} at intake"):
        assert any(expected in s for s in sentences), expected
    for sentence in sentences:
        assert not RAW_CODE.search(sentence), sentence
