"""Eligibility criteria are kept in Arabic and in English and read in the reader's language
wherever they appear (review, recommendation, decision, case page), falling back to the
other language, marked as such, while one is missing; admins are told which are missing.
The migration turns the criteria written so far into English texts, with reviews in place."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from markupsafe import escape
from sqlalchemy import func, select, text

from casework import create_app
from casework.auth.models import User
from casework.core.authz import Role
from casework.core.bilingual import ReaderText, in_reader_language
from casework.core.database import owner_engine
from casework.eligibility import operations
from casework.eligibility.models import CriteriaVersion, Criterion, Finding
from casework.extensions import db
from casework.intake.models import Case, CaseStage
from tests.conftest import drop_database, engine_options, new_database
from tests.fixtures_eligibility import record_all_findings

HARM_AR, HARM_EN = "الضرر موثّق", "The harm is documented"


def _ar_and_en(client_for_user, user_id: int):
    return client_for_user(user_id, language="ar"), client_for_user(user_id, language="en")


def _publish(app, *items: operations.CriterionDetails) -> None:
    with app.app_context():
        operations.publish_criteria(items, None, "Test checklist.")
        db.session.commit()


# The core helper


@pytest.mark.parametrize(("language", "ar", "en", "expected"), [
    ("ar", "نص", "Text", ReaderText("نص", "ar")),
    ("en", "نص", "Text", ReaderText("Text", "en")),
    ("ar", None, "Text", ReaderText("Text", "en", fallback=True)),
    ("en", "نص", "  ", ReaderText("نص", "ar", fallback=True)),
    ("en", "", None, None),
])
def test_a_text_is_read_in_the_reader_s_language_else_the_other_one(app, language, ar, en,
                                                                    expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert in_reader_language(ar, en) == expected
    with app.app_context():
        assert in_reader_language(ar, en, language=language) == expected


def test_a_fallback_text_is_marked_with_its_language_and_escaped(app):
    own = ReaderText("<b>نص</b>", "ar")
    assert own.__html__() == str(escape("<b>نص</b>")) and str(own) == "<b>نص</b>"
    with app.app_context():
        other = ReaderText("Harm <documented>", "en", fallback=True).__html__()
    assert other == ('<span lang="en" dir="ltr" data-fallback-language="en">'
                     "Harm &lt;documented&gt;</span>")


# Where criteria appear


def test_the_review_shows_each_criterion_once_in_the_reader_s_language(
        app, workflow_case, client_for_user):
    people = workflow_case(CaseStage.under_review)
    arabic, english = _ar_and_en(client_for_user, people.caseworker_id)
    ar_page = arabic.get(f"/cases/{people.case_id}/review").get_data(as_text=True)
    en_page = english.get(f"/cases/{people.case_id}/review").get_data(as_text=True)
    assert ar_page.count(HARM_AR) == 1 and HARM_EN not in ar_page
    assert en_page.count(HARM_EN) == 1 and HARM_AR not in en_page
    assert "شهادة وفاة" in ar_page and "Death certificate" in en_page  # the guidance
    assert "data-fallback-language" not in ar_page + en_page


def test_recommendation_decision_and_case_pages_show_the_reader_s_language(
        app, workflow_case, client_for_user):
    people = workflow_case(CaseStage.under_review)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        record_all_findings(case, db.session.get(User, people.caseworker_id))
        db.session.commit()
    caseworker_ar, caseworker_en = _ar_and_en(client_for_user, people.caseworker_id)
    for client, shown, hidden in ((caseworker_ar, HARM_AR, HARM_EN),
                                  (caseworker_en, HARM_EN, HARM_AR)):
        for path in (f"/cases/{people.case_id}/recommend", f"/cases/{people.case_id}"):
            page = client.get(path).get_data(as_text=True)
            assert shown in page and hidden not in page, path
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        operations.recommend(case, "eligible", "All met.",
                             db.session.get(User, people.caseworker_id), None)
        db.session.commit()
    supervisor_ar, supervisor_en = _ar_and_en(client_for_user, people.supervisor_id)
    assert HARM_AR in supervisor_ar.get(f"/cases/{people.case_id}/decide").get_data(
        as_text=True)
    assert HARM_EN in supervisor_en.get(f"/cases/{people.case_id}/decide").get_data(
        as_text=True)


def test_a_missing_arabic_text_falls_back_to_english_marked_as_english(
        app, workflow_case, client_for_user):
    _publish(app, operations.CriterionDetails(code="harm_documented", title_en=HARM_EN,
                                              guidance_en="Medical records."))
    people = workflow_case(CaseStage.under_review)
    arabic = client_for_user(people.caseworker_id, language="ar")
    page = arabic.get(f"/cases/{people.case_id}/review").get_data(as_text=True)
    assert (f'<span lang="en" dir="ltr" data-fallback-language="en">{HARM_EN}</span>'
            in page)
    assert 'data-fallback-language="en">Medical records.</span>' in page


def test_a_missing_english_text_falls_back_to_arabic_marked_as_arabic(
        app, workflow_case, client_for_user):
    _publish(app, operations.CriterionDetails(code="harm_documented", title_ar=HARM_AR))
    people = workflow_case(CaseStage.under_review)
    english = client_for_user(people.caseworker_id, language="en")
    page = english.get(f"/cases/{people.case_id}/review").get_data(as_text=True)
    assert f'<span lang="ar" dir="rtl" data-fallback-language="ar">{HARM_AR}</span>' in page


def test_admins_see_both_languages_and_which_texts_are_missing(app, login_as):
    _publish(app,
             operations.CriterionDetails(code="incident_verified", title_en="Verified",
                                         title_ar="مثبتة", guidance_en="Assessment."),
             operations.CriterionDetails(code="harm_documented", title_en=HARM_EN))
    admin = login_as(Role.admin)
    page = admin.get("/eligibility/criteria").get_data(as_text=True)
    assert '<div class="fw-bold" lang="ar" dir="rtl">مثبتة</div>' in page
    assert '<div class="fw-bold" lang="en" dir="ltr">Verified</div>' in page
    assert page.count('data-missing="ar"') == 2  # the guidance of one, the title of the other
    assert 'data-missing="en"' not in page
    assert "2 texts of this checklist have no Arabic version" in page
    admin.set_cookie("lang", "ar")
    arabic = admin.get("/eligibility/criteria").get_data(as_text=True)
    assert "data-missing-texts" in arabic and "2 texts of this checklist" not in arabic


# The admins' form


def _form(*rows: dict, note: str = "Bilingual.") -> dict:
    data = {"note": note}
    for index, row in enumerate(rows):
        data.update({f"criteria-{index}-{name}": value for name, value in row.items()})
    return data


def test_admins_publish_criteria_in_both_languages_from_the_form(app, login_as,
                                                                 default_criteria):
    admin = login_as(Role.admin)
    page = admin.get("/eligibility/criteria/edit").get_data(as_text=True)
    assert 'name="criteria-0-title_ar"' in page and 'lang="ar"' in page
    assert HARM_AR in page  # the current texts, to edit
    response = admin.post("/eligibility/criteria/edit", data=_form(
        {"title_ar": HARM_AR, "title_en": HARM_EN, "guidance_ar": "سجلات طبية.",
         "guidance_en": "Medical records."},
        {"title_ar": "أفراد الأسرة معروفون", "code": "household_identified"},
        {}))  # an empty row is dropped
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(CriteriaVersion).order_by(
            CriteriaVersion.number.desc()))
        assert [(c.code, c.title_ar, c.title_en, c.guidance_ar, c.guidance_en)
                for c in version.criteria] == [
            ("the_harm_is_documented", HARM_AR, HARM_EN, "سجلات طبية.", "Medical records."),
            ("household_identified", "أفراد الأسرة معروفون", None, None, None)]


@pytest.mark.parametrize(("row", "message"), [
    ({"guidance_en": "Guidance without a title."}, "Give the criterion a title"),
    ({"title_ar": HARM_AR}, "Give the criterion a code"),
    ({"title_en": "x" * 301}, "Field cannot be longer than 300 characters."),
])
def test_a_criterion_needs_a_title_in_one_language_and_a_code(app, login_as,
                                                              default_criteria, row, message):
    admin = login_as(Role.admin)
    response = admin.post("/eligibility/criteria/edit", data=_form(row))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CriteriaVersion)) == 1


def test_the_database_refuses_a_criterion_without_a_title(app, default_criteria):
    with app.app_context():
        db.session.add(Criterion(version_id=default_criteria, position=9, code="untitled"))
        with pytest.raises(Exception, match="(?i)check"):
            db.session.flush()
        db.session.rollback()


# The migration, with reviews in place


@pytest.fixture
def migration_app(tmp_path):
    database = new_database(tmp_path, "criteria")
    migrated = create_app({
        "CASEWORK_ENV": "testing", "SECRET_KEY": "migration-test",
        "DATABASE_URL": database.url, "MIGRATION_DATABASE_URL": database.owner_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(), "AUDIT_CHECKPOINT_INTERVAL": None,
    })
    migrated.instance_path = str(tmp_path / "instance")
    yield migrated
    with migrated.app_context():
        db.session.remove()
        db.engine.dispose()
        owner_engine().dispose()
    drop_database(database)


def test_the_migration_keeps_the_texts_and_the_findings_both_ways(migration_app):
    """Criteria with findings pointing at them are altered in place (a copy of the table
    would have to drop it, which the findings' foreign keys forbid)."""
    with migration_app.app_context():
        upgrade()
        result = migration_app.test_cli_runner().invoke(
            args=["demo", "seed", "--password", "migration-password-2026"])
        assert result.exit_code == 0, result.output
        operations.publish_criteria([operations.CriterionDetails(code="arabic_only",
                                                                 title_ar=HARM_AR)], None)
        db.session.commit()
        findings = db.session.scalar(select(func.count()).select_from(Finding))
        assert findings > 0
        db.session.remove()

        downgrade(revision="0012")
        with owner_engine().connect() as connection:
            rows = dict(connection.execute(text(
                "SELECT code, title FROM eligibility_criteria")).all())
            assert rows["incident_verified"].startswith("The incident is verified")
            assert rows["arabic_only"] == HARM_AR  # no English: the Arabic is kept
            assert connection.execute(text(
                "SELECT count(*) FROM eligibility_findings")).scalar_one() == findings

        upgrade()
        with owner_engine().connect() as connection:
            rows = {row.code: row for row in connection.execute(text(
                "SELECT code, title_ar, title_en, guidance_ar, guidance_en "
                "FROM eligibility_criteria"))}
            first = rows["incident_verified"]
            assert first.title_en.startswith("The incident is verified")
            assert first.title_ar is None and first.guidance_ar is None
            assert first.guidance_en.startswith("The incident's official assessment")
            assert (rows["arabic_only"].title_ar, rows["arabic_only"].title_en) == (
                None, HARM_AR)  # the downgrade kept one text, as English
            assert connection.execute(text(
                "SELECT count(*) FROM eligibility_findings")).scalar_one() == findings
