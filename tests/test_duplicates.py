"""Duplicate claims: candidates with reasons, supervisors' decisions, caseworkers' flags,
victims, access."""

import re

import pytest
from sqlalchemy import select, text

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.core.database import owner_engine
from casework.duplicates.candidates import blocking_statement, find_duplicate_candidates
from casework.duplicates.models import (
    DuplicateDecision,
    DuplicateFlag,
    DuplicateOutcome,
)
from casework.duplicates.operations import link_same_victim
from casework.duplicates.queries import same_victim_ids
from casework.extensions import db
from casework.intake.lifecycle import CASE_LIFECYCLE, CaseAction
from casework.intake.models import (
    Case,
    CaseIncident,
    CaseStage,
    CaseTransition,
    Person,
)
from tests.fixtures_search import member


def candidates_on(response) -> dict[str, int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    html = response.get_data(as_text=True)
    return {ref: int(score) for ref, score in
            re.findall(r'data-candidate="([^"]+)" data-score="(\d+)"', html)}


def load(app, case_id: int) -> Case:
    return db.session.get(Case, case_id)


def household(name_ar="محمد أحمد الحسن", name_latin="Mohammed Ahmed al-Hassan", head_year=1970,
              wife=("فاطمة علي", "Fatima Ali"), wife_harm="killed"):
    return [
        member(name_ar, name_latin, birth_year=head_year),
        member(wife[0], wife[1], "spouse", wife_harm, "female", 1975),
        member("يوسف محمد", "Yusuf Mohammed", "son", "injured", birth_year=2005),
    ]


@pytest.fixture
def office(create_office):
    return create_office("RQA")


@pytest.fixture
def incident(make_incident):
    return make_incident()


@pytest.fixture
def registered_twice(office, incident, make_case, create_user):
    """The same household registered twice by two caseworkers, spelled differently."""
    first_maker = create_user("caseworker", office_id=office)
    second_maker = create_user("caseworker", office_id=office)
    first = make_case(office, [incident], household(), created_by_id=first_maker,
                      contact_phone="+963 944 123 456")
    second = make_case(office, [incident], household(
        "محمد احمد حسن", "Muhammad Ahmad Hasan", 1971, ("فاطمه علي", "Fatimah Ali")),
        created_by_id=second_maker, contact_phone="0944123456")
    return first, second


def test_the_same_household_registered_twice_is_a_candidate_with_reasons(
    app, office, registered_twice, login_as
):
    first, second = registered_twice
    client = login_as("caseworker", office)
    response = client.get(f"/cases/{second}/duplicates")
    with app.app_context():
        first_ref = load(app, first).reference
    found = candidates_on(response)
    assert list(found) == [first_ref] and found[first_ref] >= 90
    html = response.get_data(as_text=True)
    assert "same household?" in html
    # Both records' values side by side, with the points each comparison gave.
    assert "Muhammad Ahmad Hasan" in html and "Mohammed Ahmed al-Hassan" in html
    assert "محمد احمد حسن" in html and "محمد أحمد الحسن" in html
    for reason in ("Name (Arabic)", "Born", "Harm", "Head of household", "Contact phone",
                   "Members matching one to one"):
        assert reason in html
    # Three members matched one to one.
    assert len(re.findall(r"data-person-match=", html)) == 3


def test_a_killed_relative_claimed_by_two_households_is_a_candidate(
    app, office, incident, make_case, login_as
):
    parents = make_case(office, [incident], [
        member("أحمد محمود", "Ahmed Mahmoud", birth_year=1960),
        member("يوسف أحمد", "Yusuf Ahmed", "son", "killed", birth_year=1990),
    ])
    # The victim's wife's household records him in Latin letters only, spelled otherwise.
    widow = make_case(office, [incident], [
        member("سارة خليل", "Sara Khalil", "head", sex="female", birth_year=1992),
        member(None, "Yousef Ahmad", "spouse", "killed", birth_year=1990),
    ])
    with app.app_context():
        case = db.session.get(Case, widow)
        candidates = find_duplicate_candidates(case)
        assert [c.case.id for c in candidates] == [parents]
        candidate = candidates[0]
        assert candidate.kind == "person"
        [match] = [m for m in candidate.person_matches if m.score >= 60]
        assert (match.left.name_latin, match.right.name_latin) == ("Yousef Ahmad", "Yusuf Ahmed")
        labels = {str(reason.label): reason.points for reason in match.reasons}
        assert labels["Incident"] > 0 and labels["Harm"] > 0 and labels["Born"] > 0


def test_unrelated_households_of_the_same_incident_are_not_candidates(
    app, office, incident, make_case
):
    make_case(office, [incident], household())
    other = make_case(office, [incident], [
        member("عمر خليل", "Omar Khalil", birth_year=1950),
        member("مريم حسين", "Mariam Hussein", "spouse", "killed", "female", 1955),
    ])
    with app.app_context():
        assert find_duplicate_candidates(db.session.get(Case, other)) == []


def test_a_namesake_of_another_sex_and_age_scores_low(app, office, incident, make_case):
    make_case(office, [incident], [member("محمد علي", "Mohammed Ali", birth_year=1950)])
    namesake = make_case(office, [incident], [
        member("محمد علي", "Mohammed Ali", birth_year=2001),
    ])
    with app.app_context():
        assert find_duplicate_candidates(db.session.get(Case, namesake)) == []


def test_blocking_reads_only_its_indexes(app, registered_twice):
    """Each block is one scan of an index that carries every column blocking ranks by:
    a million cases' namesakes cost a few index pages, never a read of each one's row."""
    first, _second = registered_twice
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        if postgresql:
            # As autovacuum keeps a running server: statistics, and pages marked visible
            # (without that an index-only scan costs as much as reading the rows).
            # (As the owner: only a table's owner may vacuum it or drop its index.)
            with owner_engine().connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM (ANALYZE) persons")
        statement = blocking_statement(db.session.get(Case, first))
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if postgresql:
            # On a table of a few rows any index is as cheap as another: leave the planner
            # only the blocking indexes (all rolled back below) and no full or bitmap scans.
            db.session.rollback()  # the session's read locks would block the owner's DROP
            with owner_engine().connect() as owner:
                owner.execute(text("DROP INDEX ix_persons_incident_id_harm"))
                owner.execute(text("SET LOCAL enable_seqscan = off"))
                owner.execute(text("SET LOCAL enable_bitmapscan = off"))
                plan = [row[0] for row in owner.execute(text(f"EXPLAIN {sql}"))]
                owner.rollback()
            scans = [line for line in plan if " on persons" in line]
            assert len(scans) == 3, plan
            assert all("Index Only Scan using ix_persons_blocking_" in line for line in scans), \
                plan
        else:
            plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
            scans = [line for line in plan if "persons" in line]
            assert len(scans) == 3, plan
            assert all("USING COVERING INDEX ix_persons_blocking_" in line for line in scans), plan
        db.session.rollback()


def test_the_case_page_shows_possible_duplicates_after_intake(app, office, registered_twice, login_as):
    first, second = registered_twice
    client = login_as("caseworker", office)
    html = client.get(f"/cases/{second}").get_data(as_text=True)
    assert 'data-duplicates-section' in html
    assert re.search(r"data-duplicate-count>1<", html)


def _decide(client, case_id, other_id, decision, reason="Same family, same documents",
            pairs=None, app=None):
    with app.app_context():
        case, other = db.session.get(Case, case_id), db.session.get(Case, other_id)
        versions = (case.version, other.version)
    prefix = f"c{other_id}-"
    data = {prefix + "decision": decision, prefix + "reason": reason,
            prefix + "version": versions[0], prefix + "other_version": versions[1]}
    if pairs:
        data[prefix + "pairs"] = pairs
    return client.post(f"/cases/{case_id}/duplicates/{other_id}/decide", data=data)


def _pairs(app, case_id, other_id) -> list[str]:
    with app.app_context():
        [candidate] = [c for c in find_duplicate_candidates(db.session.get(Case, case_id))
                       if c.case.id == other_id]
        return [f"{m.left.id}-{m.right.id}" for m in candidate.person_matches if m.score >= 60]


def test_a_dismissed_pair_is_not_shown_again(app, office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    response = _decide(supervisor, second, first, "dismiss", "Two brothers' families", app=app)
    assert response.status_code == 303
    assert candidates_on(supervisor.get(f"/cases/{second}/duplicates")) == {}
    assert candidates_on(supervisor.get(f"/cases/{first}/duplicates")) == {}
    with app.app_context():
        decision = db.session.scalar(select(DuplicateDecision))
        assert (decision.case_id, decision.other_case_id) == (first, second)
        assert decision.outcome == DuplicateOutcome.dismissed
        assert decision.reason == "Two brothers' families" and decision.score >= 90
        assert decision.decided_by_id == supervisor.user_id
    html = supervisor.get(f"/cases/{second}/duplicates").get_data(as_text=True)
    assert 'data-decision="dismissed"' in html


def test_merging_keeps_everything_and_is_audited(app, office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    pairs = _pairs(app, second, first)
    assert len(pairs) == 3
    response = _decide(supervisor, second, first, "merge_this", "Registered twice", pairs, app=app)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        merged = db.session.get(Case, second)
        assert merged.stage == CaseStage.merged and merged.merged_into_id == first
        # Nothing moved or deleted: the merged case keeps its household and losses.
        assert len(merged.persons) == 3 and len(merged.losses) == 1
        assert len(db.session.get(Case, first).persons) == 3
        step = db.session.scalar(select(CaseTransition).where(CaseTransition.case_id == second))
        assert (step.action, step.to_stage, step.reason) == ("merge", CaseStage.merged,
                                                            "Registered twice")
        assert step.actor_id == supervisor.user_id
        # Each matched member is one victim with their counterpart.
        for person in merged.persons:
            linked = same_victim_ids(person)
            assert len(linked) == 2
            assert {db.session.get(Person, i).case_id for i in linked} == {first, second}
        events = db.session.scalars(select(AuditEvent)).all()
        assert any(e.entity_type == "cases" and e.entity_id == str(second)
                   and e.action == "update" and "merged_into_id" in e.payload for e in events)
        assert any(e.entity_type == "duplicate_decisions" and e.action == "create" for e in events)
        assert any(e.entity_type == "victims" and e.action == "create" for e in events)
        assert sum(e.entity_type == "persons" and "victim_id" in e.payload for e in events) == 6
    # The surviving case lists the merged one; the merged one points to the survivor.
    assert "data-merged-from" in supervisor.get(f"/cases/{first}/duplicates").get_data(as_text=True)
    assert "data-merged-into" in supervisor.get(f"/cases/{second}").get_data(as_text=True)


def test_merging_the_other_case_into_this_one(app, office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    response = _decide(supervisor, first, second, "merge_other", "Registered twice",
                       _pairs(app, first, second), app=app)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Case, second).merged_into_id == first
        assert db.session.get(Case, first).stage == CaseStage.registered


def test_a_merge_needs_a_reason(app, office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    response = _decide(supervisor, second, first, "merge_this", "  ", app=app)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Case, second).stage == CaseStage.registered
        assert db.session.scalar(select(DuplicateDecision)) is None


def test_a_stale_form_does_not_merge(app, office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    prefix = f"c{first}-"
    with app.app_context():
        version = db.session.get(Case, second).version
    response = supervisor.post(f"/cases/{second}/duplicates/{first}/decide", data={
        prefix + "decision": "merge_this", prefix + "reason": "Registered twice",
        prefix + "version": version - 1, prefix + "other_version": 1,
    })
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Case, second).stage == CaseStage.registered


def test_the_maker_of_either_case_may_not_decide(app, office, incident, make_case, create_user,
                                                   login_as):
    supervisor = login_as("supervisor", office)
    first = make_case(office, [incident], household(), created_by_id=supervisor.user_id)
    second = make_case(office, [incident], household("محمد احمد حسن", "Muhammad Ahmad Hasan"))
    for decision in ("merge_this", "dismiss", "same_victim"):
        response = _decide(supervisor, second, first, decision, pairs=_pairs(app, second, first),
                           app=app)
        assert response.status_code == 409, decision
        assert "another supervisor must decide" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, second).stage == CaseStage.registered
        assert db.session.scalar(select(DuplicateDecision)) is None


def test_two_households_claiming_the_same_victim_are_linked_and_both_go_on(
    app, office, incident, make_case, login_as
):
    parents = make_case(office, [incident], [
        member("أحمد محمود", "Ahmed Mahmoud", birth_year=1960),
        member("يوسف أحمد", "Yusuf Ahmed", "son", "killed", birth_year=1990),
    ])
    widow = make_case(office, [incident], [
        member("سارة خليل", "Sara Khalil", "head", sex="female", birth_year=1992),
        member("يوسف أحمد محمود", "Yousef Ahmad", "spouse", "killed", birth_year=1990),
    ])
    supervisor = login_as("supervisor", office)
    pairs = _pairs(app, widow, parents)
    assert len(pairs) == 1
    response = _decide(supervisor, widow, parents, "same_victim", "Son of one, husband of the other",
                       pairs, app=app)
    assert response.status_code == 303
    with app.app_context():
        victim = db.session.scalar(select(Person).where(Person.name_latin == "Yousef Ahmad"))
        linked = same_victim_ids(victim)
        assert len(linked) == 2
        other = db.session.get(Person, (linked - {victim.id}).pop())
        assert other.case_id == parents and other.victim_id == victim.victim_id
        assert same_victim_ids(db.session.scalar(
            select(Person).where(Person.name_latin == "Sara Khalil"))) == {
            db.session.scalar(select(Person.id).where(Person.name_latin == "Sara Khalil"))}
        assert db.session.get(Case, widow).stage == CaseStage.registered
        assert db.session.get(Case, parents).stage == CaseStage.registered
    assert candidates_on(supervisor.get(f"/cases/{widow}/duplicates")) == {}


def test_victims_linked_twice_become_one(app, office, incident, make_case, create_user):
    supervisor_id = create_user("supervisor", office_id=office)
    cases = [make_case(office, [incident], [member("يوسف أحمد", "Yusuf Ahmed", "son", "killed",
                                                   birth_year=1990)]) for _ in range(4)]
    with app.app_context():
        actor = db.session.get(User, supervisor_id)
        persons = [db.session.get(Case, c).persons[0] for c in cases]
        link_same_victim(persons[0], persons[1], actor)
        link_same_victim(persons[2], persons[3], actor)
        link_same_victim(persons[1], persons[3], actor)
        db.session.commit()
        assert same_victim_ids(persons[0]) == {p.id for p in persons}


# -- access --------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [("caseworker", 200), ("supervisor", 200),
                                              ("auditor", 200), ("admin", 403)])
def test_who_may_see_the_duplicates_page(office, registered_twice, login_as, role, status):
    first, second = registered_twice
    client = login_as(role, office if role in ("caseworker", "supervisor") else None)
    assert client.get(f"/cases/{second}/duplicates").status_code == status


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_another_offices_staff_get_404_for_the_duplicates_page(
    registered_twice, login_as, create_office, role
):
    first, second = registered_twice
    client = login_as(role, create_office())
    assert client.get(f"/cases/{second}/duplicates").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("caseworker", 403), ("auditor", 403),
                                              ("admin", 403)])
def test_only_supervisors_decide(app, office, registered_twice, login_as, role, status):
    first, second = registered_twice
    client = login_as(role, office if role == "caseworker" else None)
    response = _decide(client, second, first, "dismiss", app=app)
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(DuplicateDecision)) is None


def test_another_offices_supervisor_may_not_decide(app, registered_twice, login_as, create_office):
    first, second = registered_twice
    client = login_as("supervisor", create_office())
    assert _decide(client, second, first, "dismiss", app=app).status_code == 404


def test_the_auditor_sees_no_decision_form(office, registered_twice, login_as):
    first, second = registered_twice
    html = login_as("auditor").get(f"/cases/{second}/duplicates").get_data(as_text=True)
    assert "data-candidate=" in html and "data-decision-form" not in html


@pytest.fixture
def across_offices(office, incident, make_case, create_office):
    """The same household registered in office RQA and in office TBQ."""
    other_office = create_office("TBQ")
    here = make_case(office, [incident], household())
    there = make_case(other_office, [incident], household(
        "محمد احمد حسن", "Muhammad Ahmad Hasan", 1970, ("فاطمه علي", "Fatimah Ali")))
    return here, there, other_office


def test_caseworkers_see_only_the_reference_of_another_offices_candidate(
    app, office, across_offices, login_as
):
    here, there, _other_office = across_offices
    client = login_as("caseworker", office)
    response = client.get(f"/cases/{here}/duplicates")
    with app.app_context():
        there_ref = db.session.get(Case, there).reference
    assert list(candidates_on(response)) == [there_ref]
    html = response.get_data(as_text=True)
    assert "data-redacted" in html
    assert "Muhammad Ahmad Hasan" not in html and "محمد احمد حسن" not in html
    assert "Fatimah" not in html
    section = client.get(f"/cases/{here}").get_data(as_text=True)
    assert there_ref in section and "Muhammad Ahmad Hasan" not in section


def test_supervisors_compare_across_offices_but_merge_only_their_own_case(
    app, office, across_offices, login_as
):
    here, there, _other_office = across_offices
    supervisor = login_as("supervisor", office)
    html = supervisor.get(f"/cases/{here}/duplicates").get_data(as_text=True)
    assert "Muhammad Ahmad Hasan" in html and "data-redacted" not in html
    # Contact details of the other office's case are never shown.
    assert 'value="merge_other"' not in html and 'value="merge_this"' in html
    response = _decide(supervisor, here, there, "merge_other", app=app)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Case, there).stage == CaseStage.registered
    response = _decide(supervisor, here, there, "merge_this", "Registered in both offices",
                       _pairs(app, here, there), app=app)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Case, here).merged_into_id == there


def test_another_offices_case_that_is_no_candidate_cannot_be_decided(
    app, office, incident, make_case, create_office, login_as
):
    here = make_case(office, [incident], household())
    unrelated = make_case(create_office(), [incident], [member("عمر خليل", "Omar Khalil")])
    supervisor = login_as("supervisor", office)
    assert _decide(supervisor, here, unrelated, "dismiss", app=app).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(DuplicateDecision)) is None


def test_merge_is_refused_by_the_lifecycle_without_a_target(app, office, incident, make_case,
                                                           create_user):
    case_id = make_case(office, [incident], household())
    supervisor_id = create_user("supervisor", office_id=office)
    caseworker_id = create_user("caseworker", office_id=office)
    with app.app_context():
        case = db.session.get(Case, case_id)
        supervisor = db.session.get(User, supervisor_id)
        [refusal] = CASE_LIFECYCLE.refusals(case, CaseAction.merge, supervisor)
        assert "Possible duplicates" in str(refusal)
        assert CASE_LIFECYCLE.refusals(case, CaseAction.merge, db.session.get(User, caseworker_id))
        case.merged_into_id = case_id + 1000
        assert CASE_LIFECYCLE.refusals(case, CaseAction.merge, supervisor) == []


# -- statements -----------------------------------------------------------------------------

def test_duplicates_page_statements_do_not_grow_with_the_number_of_persons(
    office, incident, make_case, login_as, page_statements
):
    supervisor = login_as("supervisor", office)
    small = make_case(office, [incident], household())
    make_case(office, [incident], household("محمد احمد حسن", "Muhammad Ahmad Hasan"))
    few = page_statements(supervisor, f"/cases/{small}/duplicates")

    big_household = household() + [
        member(f"ولد {n} محمد", f"Child{n} Mohammed", "son", "killed", birth_year=2000 + n)
        for n in range(8)
    ]
    big = make_case(office, [incident], big_household)
    for _ in range(3):
        make_case(office, [incident], big_household)
    many = page_statements(supervisor, f"/cases/{big}/duplicates")
    html = supervisor.get(f"/cases/{big}/duplicates").get_data(as_text=True)
    assert len(re.findall(r"data-candidate=", html)) >= 3
    assert many == few


def test_candidates_of_a_case_not_flushed_yet(app, office, incident, make_case):
    """The CSV import checks each new case before its transaction is flushed."""
    existing = make_case(office, [incident], household())
    with app.app_context():
        case = Case(reference="RQA-2026-999999", office_id=office, stage=CaseStage.intake,
                    preferred_language="ar", delivery_channel="in_person")
        case.incident_links = [CaseIncident(incident_id=incident)]
        case.persons = [Person(name_ar="محمد احمد حسن", name_latin="Muhammad Ahmad Hasan",
                               sex="male", relationship_to_head="head", harm="unharmed",
                               birth_year=1970)]
        assert [c.case.id for c in find_duplicate_candidates(case)] == [existing]
        db.session.rollback()


# -- who decides, and flags for a supervisor ----------------------------------------------------

def _flag(client, case_id, other_id, note="Same father's name, same street, same children"):
    return client.post(f"/cases/{case_id}/duplicates/{other_id}/flag",
                       data={f"f{other_id}-note": note})


def _flags(app) -> list[DuplicateFlag]:
    with app.app_context():
        flags = db.session.scalars(select(DuplicateFlag)).all()
        db.session.expunge_all()
        return flags


def test_a_caseworker_is_told_who_decides_and_offered_a_flag(
    office, registered_twice, login_as, create_user, create_office
):
    first, second = registered_twice
    create_user("supervisor", office_id=office, name="Samira Haddad")
    create_user("supervisor", office_id=create_office(), name="Omar of another office")
    client = login_as("caseworker", office)
    html = client.get(f"/cases/{second}/duplicates").get_data(as_text=True)
    assert "data-who-decides" in html and "Samira Haddad" in html
    assert "Omar of another office" not in html
    assert "data-decision-form" not in html and "data-flag-form" in html
    section = client.get(f"/cases/{second}").get_data(as_text=True)
    assert ">Compare<" in section and "Compare and decide" not in section


def test_a_supervisor_is_offered_the_decision_not_the_flag(office, registered_twice, login_as):
    first, second = registered_twice
    supervisor = login_as("supervisor", office)
    html = supervisor.get(f"/cases/{second}/duplicates").get_data(as_text=True)
    assert "data-decision-form" in html and "data-flag-form" not in html
    assert "data-who-decides" not in html
    assert "Compare and decide" in supervisor.get(f"/cases/{second}").get_data(as_text=True)


def test_a_flag_is_stored_audited_and_shown_until_a_supervisor_decides(
    app, office, registered_twice, login_as
):
    first, second = registered_twice
    caseworker = login_as("caseworker", office, name="Layla Haddad")
    response = _flag(caseworker, second, first, "  Same  father's name,\nsame street ")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    [flag] = _flags(app)
    assert (flag.case_id, flag.other_case_id) == (first, second)
    assert flag.note == "Same father's name, same street"
    assert flag.flagged_by_id == caseworker.user_id and flag.decision_id is None
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity_type == "duplicate_flags", AuditEvent.action == "create")) is not None
        first_ref = db.session.get(Case, first).reference

    supervisor = login_as("supervisor", office)
    for client in (caseworker, supervisor):
        html = client.get(f"/cases/{second}/duplicates").get_data(as_text=True)
        assert "data-flag-note" in html and "Same father&#39;s name, same street" in html
        assert "Layla Haddad" in html
        assert "data-flag-form" not in html
    # Both cases' pages show it, the other case named.
    assert f'data-flag="{first_ref}"' in caseworker.get(f"/cases/{second}").get_data(as_text=True)
    assert "data-duplicate-flags" in caseworker.get(f"/cases/{first}").get_data(as_text=True)
    # The office's supervisors find it on their list.
    listed = supervisor.get("/duplicates/flagged").get_data(as_text=True)
    assert "Same father&#39;s name, same street" in listed

    assert _decide(supervisor, second, first, "dismiss", "Two brothers' families",
                   app=app).status_code == 303
    [flag] = _flags(app)
    with app.app_context():
        decision = db.session.scalar(select(DuplicateDecision))
        assert flag.decision_id == decision.id
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity_type == "duplicate_flags", AuditEvent.action == "update")) is not None
    assert "data-duplicate-flags" not in caseworker.get(f"/cases/{second}").get_data(as_text=True)
    assert "Same father" not in supervisor.get("/duplicates/flagged").get_data(as_text=True)


def test_a_flag_needs_a_note(app, office, registered_twice, login_as):
    first, second = registered_twice
    response = _flag(login_as("caseworker", office), second, first, "   ")
    assert response.status_code == 422
    assert "data-flag-form" in response.get_data(as_text=True)
    assert _flags(app) == []


def test_a_pair_is_flagged_once(app, office, registered_twice, login_as):
    first, second = registered_twice
    assert _flag(login_as("caseworker", office), second, first).status_code == 303
    response = _flag(login_as("caseworker", office), first, second, "Again")
    assert response.status_code == 409
    assert "already flagged" in response.get_data(as_text=True)
    assert len(_flags(app)) == 1


def test_a_decided_pair_cannot_be_flagged(app, office, registered_twice, login_as):
    first, second = registered_twice
    _decide(login_as("supervisor", office), second, first, "dismiss", app=app)
    response = _flag(login_as("caseworker", office), second, first)
    assert response.status_code == 409
    assert _flags(app) == []


@pytest.mark.parametrize(("role", "status"), [
    ("caseworker", 303),
    # The office's supervisors decide: they have nothing to flag.
    ("supervisor", 409),
    ("auditor", 403),
    ("admin", 403),
])
def test_who_may_flag_a_pair(app, office, registered_twice, login_as, role, status):
    first, second = registered_twice
    client = login_as(role, office if role in ("caseworker", "supervisor") else None)
    assert _flag(client, second, first).status_code == status
    assert len(_flags(app)) == (1 if status == 303 else 0)


def test_a_supervisor_who_registered_one_of_the_cases_flags_it_for_another(
    app, office, incident, make_case, login_as
):
    supervisor = login_as("supervisor", office)
    first = make_case(office, [incident], household(), created_by_id=supervisor.user_id)
    second = make_case(office, [incident], household("محمد احمد حسن", "Muhammad Ahmad Hasan"))
    html = supervisor.get(f"/cases/{second}/duplicates").get_data(as_text=True)
    assert "data-flag-form" in html and "data-decision-form" not in html
    assert _flag(supervisor, second, first).status_code == 303
    assert len(_flags(app)) == 1


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_another_offices_staff_get_404_for_flagging(app, registered_twice, login_as,
                                                    create_office, role):
    first, second = registered_twice
    assert _flag(login_as(role, create_office()), second, first).status_code == 404
    assert _flags(app) == []


def test_a_caseworker_may_not_flag_another_offices_case_they_cannot_see(
    app, office, across_offices, login_as
):
    here, there, _other_office = across_offices
    client = login_as("caseworker", office)
    html = client.get(f"/cases/{here}/duplicates").get_data(as_text=True)
    assert "data-redacted" in html and "data-flag-form" not in html
    response = _flag(client, here, there)
    assert response.status_code == 409
    assert "ask a supervisor" in response.get_data(as_text=True)
    assert _flags(app) == []


def test_another_offices_case_that_is_no_candidate_cannot_be_flagged(
    app, office, incident, make_case, create_office, login_as
):
    here = make_case(office, [incident], household())
    unrelated = make_case(create_office(), [incident], [member("عمر خليل", "Omar Khalil")])
    assert _flag(login_as("caseworker", office), here, unrelated).status_code == 404
    assert _flags(app) == []


@pytest.mark.parametrize(("role", "status"), [("supervisor", 200), ("caseworker", 403),
                                              ("auditor", 403), ("admin", 403)])
def test_only_supervisors_see_the_flagged_list(office, login_as, role, status):
    client = login_as(role, office if role in ("caseworker", "supervisor") else None)
    assert client.get("/duplicates/flagged").status_code == status


def test_the_flagged_list_shows_only_the_supervisors_office(
    app, office, registered_twice, login_as, create_office
):
    first, second = registered_twice
    _flag(login_as("caseworker", office), second, first, "Look at these two")
    assert "Look at these two" in login_as("supervisor", office).get(
        "/duplicates/flagged").get_data(as_text=True)
    assert "Look at these two" not in login_as("supervisor", create_office()).get(
        "/duplicates/flagged").get_data(as_text=True)


def test_merging_a_case_clears_every_flag_on_it(app, office, incident, registered_twice,
                                                 make_case, login_as):
    first, second = registered_twice
    third = make_case(office, [incident], household("محمد أحمد الحسن", "Mohamed Ahmed Hasan"))
    caseworker = login_as("caseworker", office)
    assert _flag(caseworker, second, first).status_code == 303
    assert _flag(caseworker, second, third).status_code == 303
    supervisor = login_as("supervisor", office)
    assert _decide(supervisor, second, first, "merge_this", "Registered twice",
                   _pairs(app, second, first), app=app).status_code == 303
    with app.app_context():
        decision = db.session.scalar(select(DuplicateDecision))
    assert [flag.decision_id for flag in _flags(app)] == [decision.id, decision.id]
    assert "data-duplicate-flags" not in caseworker.get(f"/cases/{third}").get_data(as_text=True)
