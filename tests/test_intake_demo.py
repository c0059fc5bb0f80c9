"""`flask demo seed` adds realistic fictional intake data in both demo offices."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from casework.auth.models import Office, User
from casework.extensions import db
from casework.intake.models import Case, CaseStage, Harm, Incident, Loss, Person
from casework.intake.validation import ARABIC_LETTER, LATIN_LETTER
from tests.conftest import login


def test_demo_seed_adds_incidents_and_cases_in_both_offices(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--password",
                                                "demo-pass-2026-x"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        incidents = db.session.scalars(select(Incident)).all()
        assert len(incidents) >= 6
        assert all(date(2017, 6, 1) <= i.occurred_on <= date(2017, 10, 31) for i in incidents)
        assert all(i.city == "Raqqa" for i in incidents)
        assert {i.credibility.value for i in incidents} >= {"pending", "credible",
                                                            "non_credible", "reopened"}
        per_office = dict(db.session.execute(
            select(Office.code, func.count(Case.id)).join(Case).group_by(Office.code)).all())
        assert per_office["RQA"] >= 5 and per_office["TBQ"] >= 5
        stages = set(db.session.scalars(select(Case.stage)))
        assert {CaseStage.intake, CaseStage.registered, CaseStage.withdrawn} <= stages
        persons = db.session.scalars(select(Person)).all()
        assert all(ARABIC_LETTER.search(p.name_ar) and LATIN_LETTER.search(p.name_latin)
                   for p in persons)
        assert {p.harm for p in persons} == set(Harm)
        assert db.session.scalar(select(func.count(Loss.id))) >= 10
        assert len(set(db.session.scalars(select(Case.priority)))) >= 3
        assert all(case.assigned_to.office_id == case.office_id
                   for case in db.session.scalars(select(Case)))
        caseworker_id = db.session.scalar(
            select(User.id).where(User.email == "caseworker@demo.casework"))
    client = app.test_client()
    login(client, app, caseworker_id, password="demo-pass-2026-x")
    html = client.get("/cases").get_data(as_text=True)
    assert "RQA-" in html and "TBQ-" not in html
