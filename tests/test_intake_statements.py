"""No query per row: the statements a page sends do not grow with what it shows.

Counted with SQLAlchemy's before_cursor_execute event around one request.
"""

from __future__ import annotations

from casework.core.authz import Role
from tests.fixtures_intake import HEAD, person


def _statements(page_statements, client, url: str) -> int:
    client.get(url)  # warm-up: the same request once, so caches do not skew the count
    return page_statements(client, url)


def _household(size: int) -> list[dict]:
    members = [HEAD] + [
        person(name_latin=f"Member {chr(65 + n % 26)} al-Hassan", name_ar="فرد الحسن",
               harm=("killed", "injured", "unharmed")[n % 3],
               injury_severity="minor" if n % 3 == 1 else None,
               relationship_to_head=("son", "daughter", "brother")[n % 3],
               sex=("male", "female", "male")[n % 3], approximate_age=5 + n)
        for n in range(size - 1)
    ]
    return members


def _losses(size: int) -> list[dict]:
    return [{"kind": ("home_destroyed", "livelihood", "other_property")[n % 3],
             "description": f"Loss {n}", "estimated_value_minor": 100_000 + n,
             "currency": "USD"} for n in range(size)]


def test_the_case_page_does_not_grow_with_household_or_losses(app, create_office, open_case,
                                                              login_as, page_statements):
    office = create_office("RQA")
    # Both at the same stage: the actions offered (and what they check) depend on the stage.
    small = open_case(office, persons=_household(1), losses=_losses(1), register=True)
    large = open_case(office, persons=_household(15), losses=_losses(10), register=True)
    client = login_as(Role.caseworker, office_id=office)
    small_count = _statements(page_statements, client, f"/cases/{small}")
    large_count = _statements(page_statements, client, f"/cases/{large}")
    assert small_count == large_count, (small_count, large_count)
    # Other domains add their sections (evidence, reviews, duplicates...), a few queries
    # each; a query per member or loss would add 25 here.
    assert large_count <= 40, large_count


def test_the_case_list_does_not_grow_with_the_number_of_cases(app, create_office, create_user,
                                                              create_incident, open_case,
                                                              login_as, page_statements):
    few, many = create_office("RQA"), create_office("TBQ")
    incident = create_incident()
    for office, number in ((few, 2), (many, 25)):
        caseworker = create_user(Role.caseworker, office_id=office)
        for n in range(number):
            open_case(office, caseworker_id=caseworker, incident_ids=[incident],
                      persons=_household(1 + n % 4), losses=_losses(n % 3))
    counts = [
        _statements(page_statements, login_as(Role.supervisor, office_id=office), "/cases")
        for office in (few, many)
    ]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


def test_the_incident_page_does_not_grow_with_its_cases(app, create_office, create_user,
                                                        create_incident, open_case, login_as,
                                                        page_statements):
    office = create_office("RQA")
    caseworker = create_user(Role.caseworker, office_id=office)
    quiet, busy = create_incident(), create_incident()
    open_case(office, caseworker_id=caseworker, incident_ids=[quiet])
    for n in range(12):
        open_case(office, caseworker_id=caseworker, incident_ids=[busy],
                  persons=_household(2 + n % 3))
    client = login_as(Role.caseworker, office_id=office)
    counts = [_statements(page_statements, client, f"/incidents/{incident}")
              for incident in (quiet, busy)]
    assert counts[0] == counts[1], counts
