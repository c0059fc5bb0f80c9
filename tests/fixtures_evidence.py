"""Evidence fixtures: a case to attach evidence to, a private evidence store, an upload helper."""

from __future__ import annotations

import io
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.core.models import utcnow
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.models import (
    Case,
    CaseStage,
    DeliveryChannel,
    Harm,
    Language,
    Person,
    Relationship,
    Sex,
)

_case_numbers = count(1)


@pytest.fixture
def evidence_root(app, tmp_path, monkeypatch) -> Path:
    """Each test gets its own evidence store, so files on disk can be counted."""
    root = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_PATH", str(root))
    return root


@pytest.fixture
def create_case(app):
    """Factory: a case of an office with a head of household; returns (case id, person id).

    Built from the models directly so that evidence tests do not depend on the intake
    forms; the rows are the same ones intake creates.
    """

    def create(office_id: int, assigned_to_id: int | None = None,
               stage: CaseStage = CaseStage.registered) -> tuple[int, int]:
        with app.app_context():
            now = utcnow()
            case = Case(
                reference=f"TST-{now.year}-{next(_case_numbers):06d}",
                office_id=office_id,
                stage=stage,
                stage_changed_at=now,
                assigned_to_id=assigned_to_id,
                preferred_language=Language.ar,
                delivery_channel=DeliveryChannel.in_person,
                created_at=now,
                updated_at=now,
            )
            head = Person(
                case=case, name_ar="سمير الأحمد", name_latin="Samir al-Ahmad", sex=Sex.male,
                approximate_age=44, age_as_of=now.date(), relationship_to_head=Relationship.head,
                harm=Harm.injured,
            )
            db.session.add_all([case, head])
            db.session.commit()
            return case.id, head.id

    return create


def upload(client, case_id: int, content: bytes, filename: str = "file.pdf", **fields):
    """POST the upload form with a file; the fields default to a valid submission."""
    data = {"kind": "other", "title": "A document", **fields}
    data["file"] = (io.BytesIO(content), filename)
    return client.post(
        f"/cases/{case_id}/evidence/new", data=data, content_type="multipart/form-data"
    )


def stored_files(root: Path) -> list[Path]:
    """Files in the evidence store, temporary ones included."""
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def evidence_rows(app):
    def read(case_id: int | None = None) -> list[Evidence]:
        with app.app_context():
            statement = select(Evidence).order_by(Evidence.id)
            if case_id is not None:
                statement = statement.where(Evidence.case_id == case_id)
            rows = list(db.session.scalars(statement))
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def evidence_count(app):
    def read() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Evidence))

    return read
