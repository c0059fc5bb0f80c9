"""CSV import: the whole file is checked first, problems by row and column, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.importing.operations import import_file
from casework.intake.models import Case, Incident, Loss, Person
from casework.intake.models.cases import ReferenceCounter
from casework.intake.names import person_name_columns
from tests.fixtures_import import (
    HEADER,
    SAMPLE,
    case_row,
    csv_bytes,
    household,
    incident_row,
    loss_row,
    person_row,
)


def problems(app, path, **options) -> list[tuple[int, str | None, str]]:
    with app.app_context():
        report = import_file(path, None, **options)
        db.session.rollback()
        return [(p.row, p.column, p.message) for p in report.problems]


# -- the sample file and the command line -----------------------------------------------------

def test_sample_file_imports_cleanly_into_the_demo_data(app, demo_data, import_cli, row_counts):
    before = row_counts()
    result = import_cli(SAMPLE)
    assert result.exit_code == 0, result.output
    assert "Imported 3 incidents, 4 cases, 12 persons and 4 losses." in result.output
    after = row_counts()
    assert after["cases"] - before["cases"] == 4
    assert after["persons"] - before["persons"] == 12
    assert after["incidents"] - before["incidents"] == 3
    with app.app_context():
        new_cases = db.session.scalars(select(Case).order_by(Case.id.desc()).limit(4)).all()
        # References come from the counters, continuing the demo's numbers without gaps.
        for counter in db.session.scalars(select(ReferenceCounter)):
            numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in db.session.scalars(
                select(Case.reference).where(Case.office_id == counter.office_id,
                                             Case.reference.like(f"%-{counter.year}-%"))))
            assert numbers == list(range(1, counter.last_number + 1))
        # A case may refer to an incident already in Casework (here the demo's).
        demo_incident = db.session.scalar(select(Incident).where(
            Incident.reference == "RQA-2017-07-18"))
        assert any(demo_incident in case.incidents for case in new_cases)
        for case in new_cases:
            assert case.head_of_household is not None
            for person in case.persons:
                columns = person_name_columns(person.name_ar, person.name_latin)
                assert person.name_ar_norm == columns["name_ar_norm"]
                assert person.full_name_key == columns["full_name_key"]


def test_dry_run_checks_the_whole_file_and_changes_nothing(demo_data, import_cli, row_counts):
    before = row_counts()
    result = import_cli(SAMPLE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing imported" in result.output
    assert row_counts() == before


def test_importing_the_same_incidents_twice_is_refused_the_second_time(demo_data, import_cli,
                                                                       row_counts):
    assert import_cli(SAMPLE).exit_code == 0
    before = row_counts()
    result = import_cli(SAMPLE)
    assert result.exit_code == 1
    assert "row 2, column incident_reference: Incident IMP-2017-0628-MSH already exists" \
        in result.output
    assert row_counts() == before


def test_imported_rows_are_audited_as_created_from_the_command_line(app, demo_data, import_cli):
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEvent.id)))
    assert import_cli(SAMPLE).exit_code == 0
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last)).all()
        created = {(e.entity_type, e.action) for e in events}
        assert {("cases", "create"), ("persons", "create"), ("losses", "create"),
                ("incidents", "create")} <= created
        assert {e.actor_kind for e in events if e.entity_type == "cases"} == {"cli"}
        case_events = [e for e in events if e.entity_type == "cases" and e.action == "create"]
        assert len(case_events) == 4


# -- every kind of problem, by row and column, and nothing imported ---------------------------

def _file(*changes):
    """An incident (row 2), a case (row 3), its head (4), a son killed (5) and a loss (6),
    with `changes` as (index, field, value) applied to those rows."""
    rows = [incident_row(), *household()]
    for index, name, value in changes:
        rows[index] = {**rows[index], name: value}
    return rows


ERRORS = [
    ("date written the other way", [(0, "occurred_on", "28/06/2017")], 2, "occurred_on",
     "YYYY-MM-DD"),
    ("date not in the calendar", [(0, "occurred_on", "2017-02-30")], 2, "occurred_on",
     "not a date"),
    ("incident date in the future", [(0, "occurred_on", "2099-06-28")], 2, "occurred_on",
     "future"),
    ("consent date in the future", [(1, "consent_given_on", "2099-01-01")], 3,
     "consent_given_on", "future"),
    ("impossible age", [(3, "approximate_age", "150")], 5, "approximate_age", "between 0 and 120"),
    ("negative age", [(3, "approximate_age", "-3")], 5, "approximate_age", "whole number"),
    ("birth after the strike that killed", [(3, "approximate_age", ""),
                                            (3, "date_of_birth", "2018-01-01")],
     5, "date_of_birth", "after the incident"),
    ("unknown office", [(1, "office", "XYZ")], 3, "office", "Unknown office XYZ"),
    ("unknown incident", [(1, "incident_reference", "NOPE-2017-1")], 3, "incident_reference",
     "Unknown incident NOPE-2017-1"),
    ("amount with decimals and separators", [(4, "estimated_value_minor", "1,500.50")], 6,
     "estimated_value_minor", "whole number"),
    ("amount without its currency", [(4, "currency", "")], 6, "estimated_value_minor",
     "with its currency"),
    ("currency that is not a code", [(4, "currency", "usd$")], 6, "currency", "three-letter"),
    ("unknown currency", [(4, "currency", "XXX")], 6, "currency", "Unknown currency XXX"),
    ("unknown harm", [(3, "harm", "dead")], 5, "harm", "Unknown value"),
    ("unknown weapon", [(0, "weapon", "catapult")], 2, "weapon", "Unknown value"),
    ("missing required value", [(2, "sex", "")], 4, "sex", "required"),
    ("Latin name in Arabic letters", [(2, "name_latin", "أحمد")], 4, "name_latin", "Latin"),
    ("two heads of household", [(3, "relationship", "head")], 5, "relationship",
     "already has a head"),
    ("no head of household", [(2, "relationship", "brother")], 3, "case_key",
     "no head of household"),
    ("person of another case key", [(3, "case_key", "H9")], 5, "case_key", "No case row"),
    ("person harmed in an incident not of the case",
     [(3, "incident_reference", "RQA-2017-06-28")], 5, "incident_reference", "not one of"),
    ("value in a column of another record kind", [(2, "office", "RQA")], 4, "office",
     "not used on person rows"),
    ("unknown record kind", [(4, "record", "damage")], 6, "record", "incident, case"),
    ("bad yes/no", [(2, "payee", "maybe")], 4, "payee", "yes or no"),
]


@pytest.mark.parametrize("label, changes, row, column, words", ERRORS,
                         ids=[error[0] for error in ERRORS])
def test_each_problem_is_reported_by_row_and_column_and_nothing_is_imported(
        app, create_office, csv_file, row_counts, label, changes, row, column, words):
    create_office("RQA")
    path = csv_file(_file(*changes))
    before = row_counts()
    found = problems(app, path)
    assert any(r == row and c == column and words in m for r, c, m in found), found
    with app.app_context():
        report = import_file(path, None)
        assert not report.imported
        db.session.commit()  # whatever the import left in the session (nothing) is kept
    assert row_counts() == before


def test_the_valid_version_of_that_file_imports(app, create_office, csv_file):
    create_office("RQA")
    path = csv_file(_file())
    with app.app_context():
        report = import_file(path, None)
        assert report.imported and report.problem_count == 0, report.problems
        db.session.commit()
        case = db.session.scalar(select(Case))
        assert [p.harm for p in case.persons] == ["injured", "killed"]
        assert case.losses[0].estimated_value_minor == 2_500_000
        assert case.losses[0].currency == "USD"


def test_a_missing_column_is_reported_on_the_header_row(app, create_office, csv_file):
    create_office("RQA")
    header = [name for name in HEADER if name != "harm"]
    found = problems(app, csv_file(_file(), header=header))
    assert [(r, c) for r, c, _m in found] == [(1, "harm")]
    assert "person rows need it (first on row 4)" in found[0][2]


def test_an_unknown_column_is_reported_on_the_header_row(app, create_office, csv_file):
    create_office("RQA")
    rows = _file()
    header = [*HEADER, "nmae_ar"]
    found = problems(app, csv_file(rows, header=header))
    assert found[0][:2] == (1, "nmae_ar") and "Unknown column" in found[0][2]


def test_a_windows_1256_file_is_refused_naming_the_byte_and_row(app, create_office, csv_file,
                                                                 import_cli, row_counts):
    create_office("RQA")
    data = csv_bytes(_file(), encoding="cp1256")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        position = error.start
    line = data[:position].count(b"\n") + 1
    before = row_counts()
    result = import_cli(csv_file(data))
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
    assert f"byte position {position} (line {line})" in result.output
    assert f"row {line}:" in result.output
    assert "CSV UTF-8" in result.output
    assert row_counts() == before


def test_a_utf8_file_with_a_byte_order_mark_imports(app, create_office, csv_file):
    create_office("RQA")
    assert problems(app, csv_file(_file(), bom=True)) == []


def test_an_unclosed_quote_is_reported_not_crashed_on(app, create_office, csv_file):
    create_office("RQA")
    data = csv_bytes(_file()) + b'person,,"unterminated\r\n'
    found = problems(app, csv_file(data))
    assert found and "not valid CSV" in found[0][2]


def test_an_empty_file_and_a_header_only_file_are_refused(app, create_office, csv_file):
    create_office("RQA")
    assert "empty" in problems(app, csv_file(b""))[0][2]
    assert "no rows" in problems(app, csv_file([]))[0][2]


def test_formula_looking_cells_are_stored_as_text(app, create_office, csv_file):
    create_office("RQA")
    rows = _file((1, "contact_notes", "=HYPERLINK(\"http://example.org\",\"x\")"),
                 (1, "current_address", "@SUM(1+1)"),
                 (1, "contact_phone", "+963 944 100 200"),
                 (4, "description", "-2+3 rooms"))
    with app.app_context():
        report = import_file(csv_file(rows), None)
        assert report.imported, report.problems
        db.session.commit()
        case = db.session.scalar(select(Case))
        assert case.contact_notes == "=HYPERLINK(\"http://example.org\",\"x\")"
        assert case.current_address == "@SUM(1+1)"
        assert case.contact_phone == "+963 944 100 200"
        assert case.losses[0].description == "-2+3 rooms"


def test_one_bad_row_among_many_imports_nothing(app, create_office, csv_file, row_counts):
    create_office("RQA")
    create_office("TBQ")
    rows = [incident_row()]
    for number in range(1, 301):
        rows += household(f"H{number}", "RQA" if number % 2 else "TBQ")
    bad_row = 2 + 4 * 199 + 3  # household 200's son (header, incident, 199 households before)
    assert rows[bad_row - 2]["relationship"] == "son"
    rows[bad_row - 2] = {**rows[bad_row - 2], "approximate_age": "130"}
    before = row_counts()
    found = problems(app, csv_file(rows))
    assert [(r, c) for r, c, _m in found] == [(bad_row, "approximate_age")]
    assert row_counts() == before


def test_incidents_must_be_defined_before_the_rows_that_use_them(app, create_office, csv_file):
    create_office("RQA")
    rows = [*household(), incident_row()]
    found = problems(app, csv_file(rows))
    assert found[0][:2] == (2, "incident_reference")
    assert "incident row above this row" in found[0][2]


def test_persons_and_losses_follow_their_case_row(app, create_office, csv_file):
    create_office("RQA")
    first, second = household("H1"), household("H2", surname=("العلي", "al-Ali"))
    rows = [incident_row(), *first[:2], *second, first[2], first[3]]
    found = problems(app, csv_file(rows))
    assert (9, "case_key") in [(r, c) for r, c, _m in found]
    assert any("must follow its case row directly" in m for _r, _c, m in found)


def test_a_case_with_two_incidents_says_in_which_each_victim_was_harmed(app, create_office,
                                                                        csv_file):
    create_office("RQA")
    rows = [incident_row("IMP-A-2017"), incident_row("IMP-B-2017", occurred_on="2017-08-17"),
            *household(incidents="IMP-A-2017; IMP-B-2017")]
    found = problems(app, csv_file(rows))
    assert {(r, c) for r, c, _m in found} == {(5, "incident_reference"), (6, "incident_reference")}
    rows[3]["incident_reference"] = "IMP-A-2017"
    rows[4]["incident_reference"] = "IMP-B-2017"
    rows[5]["incident_reference"] = "IMP-B-2017"
    with app.app_context():
        report = import_file(csv_file(rows), None)
        assert report.imported, report.problems
        db.session.commit()
        case = db.session.scalar(select(Case))
        assert len(case.incidents) == 2
        killed = next(p for p in case.persons if p.harm == "killed")
        assert killed.incident.reference == "IMP-B-2017"
        assert db.session.scalar(select(Loss.incident_id)) == killed.incident_id


def test_incident_rows_carry_a_party_an_assessment_and_an_external_reference(
        app, create_office, csv_file):
    create_office("RQA")
    rows = [incident_row(party_name="Coalition (state unknown)", party_role="strike",
                         credibility="non_credible", credibility_on="2017-12-15",
                         credibility_source="Monthly civilian casualty report",
                         external_source="Field investigation", external_id="FI-1"),
            *household()]
    with app.app_context():
        report = import_file(csv_file(rows), None)
        assert report.imported, report.problems
        db.session.commit()
        incident = db.session.scalar(select(Incident))
        assert [(p.name, p.role) for p in incident.parties] == [
            ("Coalition (state unknown)", "strike")]
        assert incident.credibility == "non_credible"
        assert incident.external_references[0].identifier == "FI-1"


def test_an_assessment_without_its_source_is_reported(app, create_office, csv_file):
    create_office("RQA")
    rows = [incident_row(credibility="credible", credibility_on="2018-07-05"), *household()]
    assert (2, "credibility_source") in [(r, c) for r, c, _m in problems(app, csv_file(rows))]


def test_assignment_to_a_caseworker_of_the_office(app, create_office, create_user, csv_file):
    office_id = create_office("RQA")
    other_office = create_office("TBQ")
    create_user("caseworker", office_id, email="cw@example.org")
    create_user("caseworker", other_office, email="cw-tbq@example.org")
    rows = [incident_row(), *household()]
    rows[1] = {**rows[1], "assigned_to": "cw-tbq@example.org"}
    assert (3, "assigned_to") in [(r, c) for r, c, _m in problems(app, csv_file(rows))]
    rows[1] = {**rows[1], "assigned_to": "CW@example.org"}
    with app.app_context():
        report = import_file(csv_file(rows), None)
        assert report.imported, report.problems
        db.session.commit()
        assert db.session.scalar(select(Case)).assigned_to.email == "cw@example.org"


def test_new_cases_are_checked_for_duplicates(app, create_office, csv_file, import_cli):
    create_office("RQA")
    create_office("TBQ")
    rows = [incident_row(), *household("H1"), *household("H2", "TBQ")]
    result = import_cli(csv_file(rows))
    assert result.exit_code == 0, result.output
    assert "possible duplicate of" in result.output
    assert "2 new case(s) have duplicate candidates to review." in result.output


def test_person_count_matches_the_rows(app, create_office, csv_file):
    create_office("RQA")
    rows = [incident_row(), *household(), person_row(name_ar="سلمى أحمد الحسن",
                                                     name_latin="Salma Ahmad al-Hassan",
                                                     sex="female", relationship="daughter",
                                                     harm="unharmed", injury_severity="",
                                                     payee="", approximate_age="12"),
            loss_row(loss_kind="livelihood", estimated_value_minor="", currency="")]
    with app.app_context():
        report = import_file(csv_file(rows), None)
        assert (report.cases, report.persons, report.losses) == (1, 3, 2), report.problems
        db.session.commit()
        assert db.session.scalar(select(func.count(Person.id))) == 3
        assert db.session.scalar(select(func.count(Loss.id))) == 2


def test_case_rows_are_checked_like_the_intake_form(app, create_office, csv_file):
    create_office("RQA")
    rows = [incident_row(), *household()]
    rows[1] = case_row(delivery_channel="email", contact_phone="")
    assert (3, "contact_email") in [(r, c) for r, c, _m in problems(app, csv_file(rows))]
