"""The search box: references and names in Arabic or Latin, scoped to the user's offices."""

import re

import pytest
from sqlalchemy import text

from casework.extensions import db
from casework.intake.models import Case, Person
from casework.search import queries as search_queries
from tests.fixtures_search import member


def hits(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.findall(r'data-search-hit="([^"]+)"', response.get_data(as_text=True))


def reference_matches(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'data-reference-match="([^"]+)"', response.get_data(as_text=True))


@pytest.fixture
def two_offices(create_office, make_incident, make_case, app):
    """Office A with two households, office B with one; returns (office ids, case refs)."""
    office_a = create_office("RQA")
    office_b = create_office("TBQ")
    incident = make_incident()
    hassan = make_case(office_a, [incident], [
        member("مُحَمَّد أحمد الحسن", "Mohammed Ahmed al-Hassan"),
        member("فاطمة علي", "Fatima Ali", "spouse", "killed", "female", 1980),
    ])
    khalid = make_case(office_a, [incident], [
        member("خالد يوسف", "Khaled Youssef"),
        member("إبراهيم خالد", "Ibrahim Khalid", "son", "injured", birth_year=2005),
    ])
    other_office = make_case(office_b, [incident], [
        member("محمد عبد الرحمن", "Muhammad Abdul Rahman"),
    ])
    with app.app_context():
        refs = {case.id: case.reference for case in db.session.query(Case)}
    return {"A": office_a, "B": office_b, "hassan": refs[hassan], "khalid": refs[khalid],
            "other": refs[other_office]}


@pytest.mark.parametrize("query", ["محمد", "مُحمّد", "احمد الحسن", "أحمد حسن", "محم"])
def test_arabic_spelling_variants_find_the_person(two_offices, login_as, query):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": query})) == [two_offices["hassan"]]


@pytest.mark.parametrize("query", ["فاطمه", "فاطمة", "فاطِمة علي"])
def test_ta_marbuta_and_diacritics_do_not_matter(two_offices, login_as, query):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": query})) == [two_offices["hassan"]]


@pytest.mark.parametrize(
    "query", ["Muhammad", "Mohamad", "mohamed el-Hasan", "Muhammad Hassan", "Moham", "AL HASSAN"]
)
def test_latin_transliteration_variants_find_the_person(two_offices, login_as, query):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": query})) == [two_offices["hassan"]]


def test_a_name_found_in_two_cases_lists_both(two_offices, login_as):
    client = login_as("caseworker", two_offices["A"])
    found = hits(client.get("/search", query_string={"q": "Khalid"}))
    # Khaled Youssef (head) and Ibrahim Khalid (son) are both in the same case.
    assert found == [two_offices["khalid"], two_offices["khalid"]]


def test_every_word_must_match(two_offices, login_as):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": "Mohammed Khaled"})) == []


@pytest.mark.parametrize("form", ["{ref}", "{ref_lower}", "{year_number}", "{number}"])
def test_reference_in_full_or_in_part_finds_the_case(two_offices, login_as, form):
    client = login_as("caseworker", two_offices["A"])
    ref = two_offices["khalid"]  # RQA-2026-000002
    query = form.format(ref=ref, ref_lower=ref.lower(), year_number="2026-2", number="2")
    assert reference_matches(client.get("/search", query_string={"q": query})) == [ref]


def test_caseworkers_never_find_another_offices_cases(two_offices, login_as):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": "Abdul Rahman"})) == []
    assert reference_matches(client.get("/search", query_string={"q": two_offices["other"]})) == []
    # The name exists: office B's caseworker finds it.
    client_b = login_as("caseworker", two_offices["B"])
    assert hits(client_b.get("/search", query_string={"q": "عبدالرحمن"})) == [two_offices["other"]]


def test_supervisors_search_their_own_office(two_offices, login_as):
    client = login_as("supervisor", two_offices["B"])
    assert hits(client.get("/search", query_string={"q": "Muhammad"})) == [two_offices["other"]]


def test_auditors_search_every_office(two_offices, login_as):
    client = login_as("auditor")
    found = hits(client.get("/search", query_string={"q": "محمد"}))
    assert sorted(found) == sorted([two_offices["hassan"], two_offices["other"]])
    found = reference_matches(client.get("/search", query_string={"q": "2026-1"}))
    assert sorted(found) == sorted([two_offices["hassan"], two_offices["other"]])


def test_admins_may_not_search(login_as):
    client = login_as("admin")
    assert client.get("/search", query_string={"q": "Mohammed"}).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/search", query_string={"q": "Mohammed"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_or_odd_query_lists_nothing(two_offices, login_as):
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search")) == []
    assert hits(client.get("/search", query_string={"q": '"* OR NEAR( -- ;'})) == []
    assert hits(client.get("/search", query_string={"q": "x" * 500})) == []


def test_results_are_paged_by_keyset(create_office, make_incident, make_case, login_as):
    office = create_office()
    incident = make_incident()
    for number in range(7):
        make_case(office, [incident], [member(f"محمد {number}", f"Mohammed {number}")])
    client = login_as("caseworker", office)
    seen = []
    url = "/search?q=Mohammed&size=3"
    for _page in range(3):
        response = client.get(url)
        seen += hits(response)
        match = re.search(r'href="([^"]+)" data-next-page', response.get_data(as_text=True))
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert len(seen) == 7 and len(set(seen)) == 7


def test_renaming_a_person_updates_what_search_finds(two_offices, login_as, app):
    with app.app_context():
        person = db.session.query(Person).filter_by(name_latin="Fatima Ali").one()
        person.name_latin = "Zeinab Ali"
        person.name_ar = "زينب علي"
        db.session.commit()
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": "Fatima"})) == []
    assert hits(client.get("/search", query_string={"q": "Zainab"})) == [two_offices["hassan"]]
    assert hits(client.get("/search", query_string={"q": "زينب"})) == [two_offices["hassan"]]


def test_deleted_persons_leave_the_index(two_offices, login_as, app):
    with app.app_context():
        db.session.query(Person).filter_by(name_latin="Fatima Ali").delete()
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            # The FTS5 index is consistent with its content table.
            db.session.execute(text("INSERT INTO persons_fts(persons_fts) VALUES ('integrity-check')"))
    client = login_as("caseworker", two_offices["A"])
    assert hits(client.get("/search", query_string={"q": "Fatima"})) == []


def test_statement_count_does_not_grow_with_the_number_of_hits(
    create_office, make_incident, make_case, login_as, page_statements
):
    office = create_office()
    incident = make_incident()
    client = login_as("caseworker", office)

    def statements_for_search() -> int:
        return page_statements(client, "/search", query_string={"q": "Mohammed"})

    make_case(office, [incident], [member("محمد", "Mohammed")])
    few = statements_for_search()
    for _ in range(6):
        make_case(office, [incident], [member("محمد", "Mohammed"), member("محمد", "Mohammed", "son")])
    assert statements_for_search() == few


def test_common_names_are_paged_like_rare_ones(create_office, make_incident, make_case, login_as,
                                               monkeypatch):
    """On PostgreSQL a name with many matches is paged by walking persons newest first."""
    office, elsewhere = create_office(), create_office()
    incident = make_incident()
    for number in range(5):
        make_case(office, [incident], [member(f"محمد {number}", f"Mohammed {number}")])
        make_case(elsewhere, [incident], [member(f"محمد {number}", f"Mohammed {number}")])
    client = login_as("caseworker", office)
    rare = hits(client.get("/search?q=Mohammed&size=3"))
    monkeypatch.setattr(search_queries, "PG_RARE_LIMIT", 2)
    common = hits(client.get("/search?q=Mohammed&size=3"))
    assert common == rare and len(common) == 3
    html = client.get("/search?q=Mohammed&size=3").get_data(as_text=True)
    next_url = re.search(r'href="([^"]+)" data-next-page', html).group(1).replace("&amp;", "&")
    assert len(hits(client.get(next_url))) == 2
