"""The case list: queue order by priority, filters, sorts, keyset pages, totals, indexes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from casework.auth.models import User
from casework.core.authz import Role
from casework.extensions import db
from casework.intake import queries
from casework.intake.lifecycle import CaseAction, apply_case_transition
from casework.intake.models import Case, Priority, VulnerabilityFlag
from casework.intake.vulnerability import derive_flags, derive_priority
from tests.conftest import is_postgresql
from tests.fixtures_intake import HEAD, person

# Households that give each priority (HEAD is a man of 45, injured).
ADULTS_ONLY = [HEAD]  # P4
FEMALE_HEADED = [person(relationship_to_head="head", harm="injured", approximate_age=50)]  # P3
CHILD_KILLED = [HEAD, person(relationship_to_head="son", sex="male", harm="killed",
                             approximate_age=8)]  # P2
ORPHANS = [  # both parents killed, a living child under 18 also injured: P1
    {**HEAD, "harm": "killed", "injury_severity": None},
    person(relationship_to_head="spouse", harm="killed", approximate_age=40),
    person(relationship_to_head="daughter", harm="injured", approximate_age=12,
           injury_severity="minor"),
]


def _rows(html: str) -> list[str]:
    return re.findall(r'data-case-row="([^"]+)"', html)


def _reference(app, case_id: int) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).reference


@pytest.fixture
def office(create_office):
    return create_office("RQA")


@pytest.fixture
def caseworker(create_user, office):
    return create_user(Role.caseworker, office_id=office)


def test_priority_follows_the_vulnerability_of_the_household(app, office, caseworker,
                                                             open_case):
    expected = {
        "adults": (ADULTS_ONLY, Priority.p4, VulnerabilityFlag(0)),
        "female": (FEMALE_HEADED, Priority.p3, VulnerabilityFlag.female_headed),
        "child": (CHILD_KILLED, Priority.p2, VulnerabilityFlag.child_victims),
        "orphans": (ORPHANS, Priority.p1, VulnerabilityFlag.orphaned_children
                    | VulnerabilityFlag.child_victims),
    }
    for household, priority, flags in expected.values():
        case_id = open_case(office, caseworker_id=caseworker, persons=household)
        with app.app_context():
            case = db.session.get(Case, case_id)
            assert (case.priority_level, case.vulnerability) == (priority, flags), household


def test_asserted_flags_add_to_what_the_household_shows(app, office, caseworker, open_case):
    case_id = open_case(office, caseworker_id=caseworker, persons=ADULTS_ONLY,
                        asserted_vulnerability=VulnerabilityFlag.orphaned_children)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.vulnerability == VulnerabilityFlag.orphaned_children
        assert case.priority_level == Priority.p2


def test_derived_flags_and_priorities_unit():
    from casework.intake.models import Person

    today = date(2026, 6, 1)
    strike = {1: date(2017, 6, 28)}
    elderly_disabled = [Person(relationship_to_head="head", sex="male", harm="unharmed",
                               approximate_age=70, age_as_of=today, has_disability=True)]
    flags = derive_flags(elderly_disabled, strike, today)
    assert flags == VulnerabilityFlag.elderly | VulnerabilityFlag.disability
    assert derive_priority(flags) == Priority.p2
    dead_disabled = [Person(relationship_to_head="head", sex="male", harm="killed",
                            approximate_age=70, age_as_of=date(2017, 6, 28),
                            has_disability=True, incident_id=1)]
    assert derive_flags(dead_disabled, strike, today) == VulnerabilityFlag(0), \
        "vulnerability is the survivors'"
    assert derive_priority(VulnerabilityFlag(0)) == Priority.p4
    assert derive_priority(VulnerabilityFlag.elderly) == Priority.p3
    assert derive_priority(VulnerabilityFlag.orphaned_children
                           | VulnerabilityFlag.elderly) == Priority.p1


def test_the_queue_is_ordered_by_priority_then_oldest_first(app, office, caseworker, open_case,
                                                            login_as):
    made = [open_case(office, caseworker_id=caseworker, persons=household)
            for household in (ADULTS_ONLY, CHILD_KILLED, ORPHANS, FEMALE_HEADED, CHILD_KILLED)]
    client = login_as(Role.caseworker, office_id=office)
    rows = _rows(client.get("/cases").get_data(as_text=True))
    expected = [made[2], made[1], made[4], made[3], made[0]]
    assert rows == [_reference(app, case_id) for case_id in expected]
    newest = _rows(client.get("/cases?sort=newest").get_data(as_text=True))
    assert newest == [_reference(app, case_id) for case_id in reversed(made)]


def test_keyset_pages_cover_every_case_once_in_every_sort(app, office, caseworker, open_case):
    households = [ADULTS_ONLY, CHILD_KILLED, FEMALE_HEADED, ORPHANS] * 3
    made = {open_case(office, caseworker_id=caseworker, persons=h) for h in households}
    with app.app_context():
        user = db.session.get(User, caseworker)
        for sort in queries.CASE_SORTS:
            filters = queries.CaseFilters(sort=sort)
            seen, after, pages = [], None, 0
            while True:
                result = queries.list_cases(user, filters, after, date.today(), size=5)
                seen += [case.id for case in result.page.items]
                pages += 1
                after = result.page.next_after
                if after is None:
                    break
            assert sorted(seen) == sorted(made) and pages == 3, sort
            assert result.total.count == 12 and result.total.exact


def test_the_next_page_link_keeps_the_filters(app, office, caseworker, open_case, login_as,
                                              monkeypatch):
    for _ in range(3):
        open_case(office, caseworker_id=caseworker, persons=CHILD_KILLED)
    client = login_as(Role.caseworker, office_id=office)
    original = queries.list_cases
    monkeypatch.setattr(queries, "list_cases",
                        lambda *args, **kwargs: original(*args, **{**kwargs, "size": 2}))
    html = client.get("/cases?priority=2&sort=oldest").get_data(as_text=True)
    assert len(_rows(html)) == 2
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "priority=2" in link and "sort=oldest" in link
    assert len(_rows(client.get(link).get_data(as_text=True))) == 1


def test_filters(app, office, caseworker, open_case, create_user, create_incident, login_as):
    other_caseworker = create_user(Role.caseworker, office_id=office)
    strike = create_incident("RQA-2017-07-18")
    registered = open_case(office, caseworker_id=caseworker, register=True, persons=ADULTS_ONLY)
    at_strike = open_case(office, caseworker_id=other_caseworker, incident_ids=[strike],
                          persons=CHILD_KILLED)
    unassigned = open_case(office, caseworker_id=caseworker, assigned=False,
                           persons=ADULTS_ONLY)
    overdue = open_case(office, caseworker_id=caseworker, persons=ORPHANS)
    with app.app_context():
        db.session.get(Case, overdue).due_on = date.today() - timedelta(days=3)
        db.session.commit()
    client = login_as(Role.supervisor, office_id=office)

    def listed(query: str) -> set[str]:
        return set(_rows(client.get(f"/cases?{query}").get_data(as_text=True)))

    ref = {case_id: _reference(app, case_id)
           for case_id in (registered, at_strike, unassigned, overdue)}
    assert listed("stage=registered") == {ref[registered]}
    assert listed("incident=rqa-2017-07-18") == {ref[at_strike]}
    assert listed(f"assigned={other_caseworker}") == {ref[at_strike]}
    assert listed("assigned=none") == {ref[unassigned]}
    assert listed("priority=1") == {ref[overdue]}
    assert listed("overdue=1") == {ref[overdue]}
    assert listed("stage=intake&priority=2") == {ref[at_strike]}
    assert listed("sort=due&overdue=1") == {ref[overdue]}
    mine = login_as(Role.caseworker, office_id=office)
    with app.app_context():
        db.session.get(Case, registered).assigned_to_id = mine.user_id
        db.session.commit()
    assert set(_rows(mine.get("/cases?assigned=me").get_data(as_text=True))) == {ref[registered]}


@pytest.mark.parametrize(("query", "message"), [
    ("stage=finished", "Unknown stage"),
    ("incident=NOPE-1", "No incident has the reference"),
    ("priority=9", "Priority is 1 to 4"),
    ("priority=high", "Priority is 1 to 4"),
    ("assigned=someone", "Unknown caseworker"),
    ("sort=random", "Unknown sort order"),
])
def test_a_malformed_filter_is_named_and_lists_nothing(app, office, caseworker, open_case,
                                                       login_as, query, message):
    open_case(office, caseworker_id=caseworker)
    html = login_as(Role.caseworker, office_id=office).get(f"/cases?{query}").get_data(
        as_text=True)
    assert message in html and _rows(html) == []


def test_a_malformed_cursor_starts_from_the_first_page(app, office, caseworker, open_case,
                                                       login_as):
    open_case(office, caseworker_id=caseworker)
    client = login_as(Role.caseworker, office_id=office)
    for cursor in ("x~y", "1", "2026-99-99~3", "~"):
        assert len(_rows(client.get(f"/cases?after={cursor}").get_data(as_text=True))) == 1


def test_totals_are_exact_when_small_and_estimated_beyond_the_limit(app, office, caseworker,
                                                                    open_case, login_as,
                                                                    monkeypatch):
    for _ in range(4):
        open_case(office, caseworker_id=caseworker)
    client = login_as(Role.caseworker, office_id=office)
    assert 'data-total="4" data-total-exact="yes"' in client.get("/cases").get_data(as_text=True)
    monkeypatch.setattr(queries, "EXACT_COUNT_LIMIT", 2)
    html = client.get("/cases").get_data(as_text=True)
    assert 'data-total-exact="no"' in html
    if is_postgresql():
        assert "(estimated)" in html
    else:
        assert "More than 2 cases" in html


# Every filter and sort is served by an index (checked on the query plans).

PLANNED_QUERIES = [
    "", "stage=registered", "priority=2", "overdue=1", "assigned=none", "sort=newest",
    "sort=oldest", "sort=due", "stage=intake&sort=newest", "incident=RQA-2017-07-18",
]


@pytest.mark.parametrize("query", PLANNED_QUERIES)
def test_each_filter_and_sort_of_the_case_list_uses_an_index(app, office, caseworker, open_case,
                                                             create_incident, query):
    create_incident("RQA-2017-07-18")
    open_case(office, caseworker_id=caseworker)
    with app.app_context():
        user = db.session.get(User, caseworker)
        filters = queries.parse_case_filters(dict(pair.split("=") for pair in query.split("&")
                                                  if pair))
        assert not filters.errors
        statement = _list_statement(user, filters)
        sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = " | ".join(row[-1] for row in db.session.execute(
                text(f"EXPLAIN QUERY PLAN {sql}")))
            assert re.search(r"SCAN cases(?! USING)", plan) is None, plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan or "stage=intake" in query \
                or "incident" in query or "overdue" in query, plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " | ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")))
            assert "Seq Scan on cases" not in plan, plan


def _list_statement(user, filters):
    """The page statement list_cases runs (without the eager loads)."""
    conditions = queries._conditions(user, filters, date.today())
    sort = queries.CASE_SORTS[filters.sort]
    columns = [key.column.desc() if sort.descending else key.column for key in sort.keys]
    return select(Case).where(*conditions).order_by(*columns).limit(51)


def test_case_list_indexes_exist(app):
    with app.app_context():
        indexes = {index.name: [c.name for c in index.columns]
                   for index in Case.__table__.indexes}
    assert indexes["ix_cases_office_id_priority_id"] == ["office_id", "priority", "id"]
    assert indexes["ix_cases_office_id_stage_priority_id"] == ["office_id", "stage", "priority",
                                                               "id"]
    assert indexes["ix_cases_office_id_due_on_id"] == ["office_id", "due_on", "id"]
    assert indexes["ix_cases_assigned_to_id_priority_id"] == ["assigned_to_id", "priority", "id"]


def test_the_list_shows_active_cases_unless_asked_for_the_closed_merged_and_withdrawn(
        app, office, caseworker, open_case, login_as):
    active, withdrawn = (open_case(office, caseworker_id=caseworker) for _ in range(2))
    with app.app_context():
        case = db.session.get(Case, withdrawn)
        apply_case_transition(case, CaseAction.withdraw, db.session.get(User, caseworker),
                              expected_version=None, reason="The family asked to withdraw.")
        db.session.commit()
    client = login_as(Role.caseworker, office_id=office)

    def listed(query: str = "") -> set[str]:
        return set(_rows(client.get(f"/cases{query}").get_data(as_text=True)))

    assert listed() == {_reference(app, active)}
    assert listed("?stage=final") == {_reference(app, withdrawn)}
    assert listed("?stage=any") == {_reference(app, active), _reference(app, withdrawn)}
    assert listed("?stage=withdrawn") == {_reference(app, withdrawn)}
    # The next-page link keeps what the list shows.
    assert queries.CaseFilters(showing=queries.FINAL).query_args() == {"stage": "final"}
