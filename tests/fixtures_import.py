"""CSV import and synthetic data fixtures: files in the import format, the demo data, counts."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.demo.cli import seed_demo
from casework.extensions import db
from casework.importing.operations import COLUMNS
from tests.conftest import PASSWORD

HEADER = [column.name for column in COLUMNS]
SAMPLE = Path(__file__).resolve().parent.parent / "sample_cases.csv"
# Tables an import writes to (and that a refused import must leave untouched).
COUNTED_TABLES = ("incidents", "incident_parties", "credibility_assessments",
                  "incident_external_references", "cases", "case_incidents", "persons",
                  "losses", "case_reference_counters", "audit_events")


def incident_row(reference: str = "IMP-2017-0628-T", **fields: Any) -> dict:
    return {"record": "incident", "incident_reference": reference, "occurred_on": "2017-06-28",
            "neighbourhood": "al-Mashlab", "city": "Raqqa", "weapon": "air_dropped_bomb",
            **fields}


def case_row(key: str = "H1", office: str = "RQA", incidents: str = "IMP-2017-0628-T",
             **fields: Any) -> dict:
    return {"record": "case", "case_key": key, "office": office, "incident_reference": incidents,
            "preferred_language": "ar", "delivery_channel": "in_person",
            "contact_phone": "+963 944 100 200", "consent_given_on": "2026-01-15",
            "consent_text_version": "2026-01", **fields}


def person_row(key: str = "H1", **fields: Any) -> dict:
    return {"record": "person", "case_key": key, "name_ar": "أحمد خليل الحسن",
            "name_latin": "Ahmad Khalil al-Hassan", "sex": "male", "approximate_age": "52",
            "relationship": "head", "harm": "injured", "injury_severity": "moderate",
            "payee": "yes", **fields}


def loss_row(key: str = "H1", **fields: Any) -> dict:
    return {"record": "loss", "case_key": key, "loss_kind": "home_destroyed",
            "estimated_value_minor": "2500000", "currency": "USD", **fields}


def household(key: str = "H1", office: str = "RQA", incidents: str = "IMP-2017-0628-T",
              surname: tuple[str, str] = ("الحسن", "al-Hassan")) -> list[dict]:
    """A case row, its head (injured), a son killed, and a loss."""
    ar, latin = surname
    return [
        case_row(key, office, incidents),
        person_row(key, name_ar=f"أحمد خليل {ar}", name_latin=f"Ahmad Khalil {latin}"),
        person_row(key, name_ar=f"عمر أحمد {ar}", name_latin=f"Omar Ahmad {latin}",
                   approximate_age="9", relationship="son", harm="killed", injury_severity="",
                   payee=""),
        loss_row(key),
    ]


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding: str = "utf-8",
              bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator="\r\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


@pytest.fixture
def csv_file(tmp_path):
    """Factory: a CSV file of these rows (or these raw bytes); returns its path."""
    counter = iter(range(1, 10_000))

    def write(rows: list[dict] | bytes, **options: Any) -> Path:
        path = tmp_path / f"import-{next(counter)}.csv"
        path.write_bytes(rows if isinstance(rows, bytes) else csv_bytes(rows, **options))
        return path

    return write


@pytest.fixture
def demo_data(app):
    """`flask demo seed`'s data (offices RQA and TBQ, a user per role, intake demo cases);
    returns {email: user id}."""
    with app.app_context():
        seed_demo(PASSWORD)
        db.session.commit()
        return {user.email: user.id for user in db.session.scalars(select(User))}


@pytest.fixture
def import_cli(app):
    """Run `flask import cases <path> [--dry-run]`; returns the click result."""
    runner = app.test_cli_runner()

    def run(path: Path, *options: str):
        return runner.invoke(args=["import", "cases", str(path), *options])

    return run


@pytest.fixture
def row_counts(app):
    """Factory: the number of rows of each table an import writes to."""

    def count() -> dict[str, int]:
        with app.app_context():
            return {table: db.session.scalar(select(func.count()).select_from(
                db.metadata.tables[table])) for table in COUNTED_TABLES}

    return count
