"""What tests compare dates and times against: the text the pages show (core/dates.py), and
a case whose moments all fall late in the evening in UTC, the next day where its office is."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from casework.core.dates import DATE_FORMAT, DATE_LOCALES
from casework.eligibility.models import Appeal, EligibilityDecision, Review
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.models import Case, CaseStage, CaseTransition
from tests.conftest import login
from tests.evidence_samples import pdf
from tests.fixtures_evidence import upload

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# What a browser's or Babel's short format writes: "12/2/26, 2:57 AM".
SHORT_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b[AP]M\b")
# 22:30 UTC on 1 December 2026 is 01:30 on 2 December in Damascus (UTC+3).
LATE_EVENING_UTC = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
DAMASCUS_DAY = date(2026, 12, 2)


def day_text(day: date, language: str = "en") -> str:
    """A day as the pages write it: "2 Dec 2026" ("2 كانون الأول 2026" in Arabic)."""
    return format_date(day, DATE_FORMAT, locale=DATE_LOCALES.get(language, language))


def visible_text(page) -> str:
    """A page's (or a response's) text without its markup: what a reader sees; attributes
    (the ISO values kept for machines) are left out."""
    source = page if isinstance(page, str) else page.get_data(as_text=True)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", source))


def move_case_moments(case_id: int, moment: datetime) -> None:
    """Put every moment of the case the case page shows at `moment` (a minute apart, in
    the order they happened); commits."""
    case = db.session.get(Case, case_id)
    moments = (moment + timedelta(minutes=n) for n in range(1000))
    case.created_at = next(moments)
    if case.registered_at:
        case.registered_at = next(moments)
    for step in db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == case_id)
                                   .order_by(CaseTransition.id)):
        step.at = next(moments)
    for review in db.session.scalars(select(Review).where(Review.case_id == case_id)):
        review.opened_at = next(moments)
        if review.recommended_at:
            review.recommended_at = next(moments)
    for decision in db.session.scalars(
            select(EligibilityDecision).where(EligibilityDecision.case_id == case_id)):
        decision.decided_at = next(moments)
    for appeal in db.session.scalars(select(Appeal).where(Appeal.case_id == case_id)):
        appeal.recorded_at = next(moments)
    for item in db.session.scalars(select(Evidence).where(Evidence.case_id == case_id)):
        item.uploaded_at = next(moments)
    case.updated_at = next(moments)
    db.session.commit()


@pytest.fixture
def late_evening_case(app, workflow_case, client_for_user, evidence_root):
    """A case at the appeal stage (a decision delivered, an appeal lodged), with a phone, an
    e-mail address and one piece of evidence, all of whose moments fall at 22:30 UTC on
    1 Dec 2026 or a few minutes later: 2 Dec 2026 in its Damascus office."""
    people = workflow_case(CaseStage.appeal, contact_email="family@example.org")
    caseworker = client_for_user(people.caseworker_id)
    response = upload(caseworker, people.case_id, pdf(), title="Hospital report")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        move_case_moments(people.case_id, LATE_EVENING_UTC)
    return people


@pytest.fixture
def client_for_user(app):
    """Factory: a test client logged in as the user (through the real forms), reading
    `language` when given."""

    def make(user_id: int, language: str | None = None):
        client = app.test_client()
        if language:
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        login(client, app, user_id)
        return client

    return make
