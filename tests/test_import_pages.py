"""The supervisors' import page: per-role access, office scope, check then import, jobs."""

from __future__ import annotations

import io
import re

import pytest
from rq import Queue
from sqlalchemy import func, select

from casework import PROJECT_ROOT
from casework.audit.models import AuditEvent
from casework.core.authz import Role
from casework.core.jobs import QUEUE_NAME, AppWorker
from casework.extensions import db
from casework.importing.jobs import imports_folder
from casework.importing.operations import COLUMNS
from casework.intake.models import Case
from tests.fixtures_import import csv_bytes, household, incident_row


def _upload(client, data: bytes, dry_run: bool = True, filename: str = "cases.csv"):
    form = {"file": (io.BytesIO(data), filename)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/cases/import", data=form, content_type="multipart/form-data")


def _token(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    match = re.search(r"/cases/import/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def _valid_file(office: str = "RQA") -> bytes:
    return csv_bytes([incident_row(), *household("H1", office),
                      *household("H2", office, surname=("العلي", "al-Ali"))])


@pytest.mark.parametrize("role", [Role.caseworker, Role.auditor, Role.admin])
def test_only_supervisors_reach_the_import_page(login_as, create_office, role):
    client = login_as(role, create_office("RQA") if role == Role.caseworker else None)
    assert client.get("/cases/import").status_code == 403
    assert _upload(client, _valid_file()).status_code == 403


def test_a_supervisor_checks_a_file_then_imports_it(app, login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    page = client.get("/cases/import")
    assert page.status_code == 200
    assert "incident_reference" in page.get_data(as_text=True)

    token = _token(_upload(client, _valid_file()))
    report = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "The file is valid" in report and "2 cases" in report
    assert _cases(app) == 0

    token_after = _token(client.post(f"/cases/import/{token}/run"))
    assert token_after == token
    report = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "Imported: 1 incidents, 2 cases" in report
    assert _cases(app) == 2
    with app.app_context():
        # The uploaded file is not kept once imported; the report is.
        assert not (imports_folder() / f"{token}.csv").exists()
        references = db.session.scalars(select(Case.reference)).all()
    for reference in references:
        assert reference in report
    # The same checked file cannot be imported twice.
    client.post(f"/cases/import/{token}/run")
    assert _cases(app) == 2


def test_imported_rows_are_audited_as_the_supervisors(app, login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    _token(_upload(client, _valid_file(), dry_run=False))
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity_type.in_(("cases", "persons", "losses", "incidents")),
            AuditEvent.action == "create")).all()
        assert len([e for e in events if e.entity_type == "cases"]) == 2
        assert len([e for e in events if e.entity_type == "persons"]) == 4
        assert {e.actor_id for e in events} == {client.user_id}
        assert {e.actor_kind for e in events} == {"user"}


def test_an_invalid_upload_lists_its_problems_and_imports_nothing(app, login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    rows = [incident_row(occurred_on="2017-13-01"), *household()]
    token = _token(_upload(client, csv_bytes(rows), dry_run=False))
    page = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "occurred_on" in page and "not a date in the calendar" in page
    assert _cases(app) == 0


def test_a_broken_encoding_is_explained_on_the_page(app, login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    data = _valid_file().decode("utf-8").encode("cp1256")
    token = _token(_upload(client, data, dry_run=False))
    page = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "not UTF-8" in page and "byte position" in page
    assert _cases(app) == 0


def test_a_supervisor_imports_only_into_their_own_office(app, login_as, create_office):
    create_office("RQA")
    client = login_as(Role.supervisor, create_office("TBQ"))
    token = _token(_upload(client, _valid_file("RQA"), dry_run=False))
    page = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "only into your own office (TBQ)" in page
    assert _cases(app) == 0


def test_another_offices_upload_is_not_found(app, login_as, create_office):
    rqa = create_office("RQA")
    owner = login_as(Role.supervisor, rqa)
    token = _token(_upload(owner, _valid_file()))
    stranger = login_as(Role.supervisor, create_office("TBQ"))
    assert stranger.get(f"/cases/import/{token}").status_code == 404
    assert stranger.post(f"/cases/import/{token}/run").status_code == 404
    assert _cases(app) == 0
    colleague = login_as(Role.supervisor, rqa)
    assert colleague.get(f"/cases/import/{token}").status_code == 200
    caseworker = login_as(Role.caseworker, rqa)
    assert caseworker.get(f"/cases/import/{token}").status_code == 403


def test_an_unknown_report_token_is_not_found(login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    assert client.get("/cases/import/" + "0" * 32).status_code == 404
    assert client.get("/cases/import/../../etc").status_code == 404


def test_with_redis_the_import_runs_as_a_job_on_the_casework_queue(app, login_as, create_office,
                                                                  redis_database):
    connection = redis_database.connection
    client = login_as(Role.supervisor, create_office("RQA"))
    app.config["REDIS_URL"] = redis_database.url
    try:
        token = _token(_upload(client, _valid_file(), dry_run=False))
        page = client.get(f"/cases/import/{token}").get_data(as_text=True)
        assert "waiting for the import worker" in page
        assert _cases(app) == 0
        assert Queue(QUEUE_NAME, connection=connection).count == 1
        worker = AppWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection,
                           app=app)
        worker.work(burst=True)
    finally:
        app.config["REDIS_URL"] = None
    assert _cases(app) == 2
    page = client.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "Imported: 1 incidents, 2 cases" in page
    with app.app_context():
        # Outside a request the events name the import and the supervisor it ran for.
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == "cases", AuditEvent.action == "create")).all()
        assert len(events) == 2
        assert {e.actor_kind for e in events} == {"system"}
        assert all(token in (e.user_agent or "") for e in events)


def test_without_redis_the_job_runs_inline(app, login_as, create_office):
    assert app.config["REDIS_URL"] is None
    client = login_as(Role.supervisor, create_office("RQA"))
    token = _token(_upload(client, _valid_file(), dry_run=False))
    assert _cases(app) == 2
    assert "waiting" not in client.get(f"/cases/import/{token}").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.caseworker, Role.auditor, Role.admin])
def test_only_supervisors_download_the_template_and_the_example(login_as, create_office, role):
    client = login_as(role, create_office("RQA") if role == Role.caseworker else None)
    for path in ("/cases/import/template.csv", "/cases/import/sample.csv"):
        assert client.get(path).status_code == 403


def test_the_import_page_offers_a_blank_template_and_the_example_that_imports_cleanly(
        app, login_as, create_office):
    client = login_as(Role.supervisor, create_office("RQA"))
    page = client.get("/cases/import").get_data(as_text=True)
    assert "/cases/import/template.csv" in page and "/cases/import/sample.csv" in page
    assert "flask import" not in page  # the command line is for the README, not this page
    template = client.get("/cases/import/template.csv")
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    header = template.get_data().decode("utf-8-sig").strip()
    assert header.split(",") == [column.name for column in COLUMNS]
    sample = client.get("/cases/import/sample.csv")
    assert sample.status_code == 200 and "attachment" in sample.headers["Content-Disposition"]
    assert sample.get_data() == (PROJECT_ROOT / "sample_cases.csv").read_bytes()
    sample.close()
    # The blank template is itself a valid (empty) file for the importer's header check.
    assert _upload(client, template.get_data()).status_code in (302, 400)
