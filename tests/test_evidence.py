"""Evidence through the real stack: upload, type and size checks, storage, access, download."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from casework import create_app
from casework.core import signals
from casework.core.authz import Role
from casework.core.errors import Conflict
from casework.core.models import utcnow
from casework.demo.evidence import seed_demo_evidence
from casework.evidence.models import Evidence
from casework.evidence.operations import (
    clean_filename,
    withdraw_evidence,
)
from casework.evidence.storage import (
    INCOMING,
    EvidenceStore,
    evidence_root,
)
from casework.extensions import db
from casework.intake.models import (
    Case,
    CaseStage,
)
from tests.evidence_samples import ACCEPTED_SAMPLES, HTML, REFUSED_SAMPLES, WINDOWS_EXE, pdf, png
from tests.fixtures_audit import payload
from tests.fixtures_evidence import stored_files, upload

pytestmark = pytest.mark.usefixtures("evidence_root")


@pytest.fixture
def office(create_office):
    return create_office()


@pytest.fixture
def caseworker(login_as, office):
    return login_as(Role.caseworker, office_id=office)


@pytest.fixture
def case(create_case, office, caseworker):
    """A case of the office, assigned to `caseworker`: (case id, head of household id)."""
    return create_case(office, assigned_to_id=caseworker.user_id)


def _page(client, case_id: int) -> str:
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# Upload: accepted types, refused files, size


@pytest.mark.parametrize(
    ("content", "filename", "media_type"),
    [pytest.param(c, f, m, id=name) for name, c, f, m in ACCEPTED_SAMPLES],
)
def test_each_accepted_type_is_stored_by_its_sha256_with_the_type_read_from_its_content(
    caseworker, case, evidence_rows, evidence_root, content, filename, media_type
):
    case_id, _person = case
    response = upload(caseworker, case_id, content, filename, kind="photo", title="Exhibit")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    [row] = evidence_rows(case_id)
    digest = hashlib.sha256(content).hexdigest()
    assert (row.media_type, row.size_bytes, row.sha256) == (media_type, len(content), digest)
    assert row.original_filename == filename
    assert row.uploaded_by_id == caseworker.user_id
    stored = evidence_root / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == content
    assert stored_files(evidence_root) == [stored]


@pytest.mark.parametrize(
    ("content", "filename"), [pytest.param(c, f, id=name) for name, c, f in REFUSED_SAMPLES]
)
def test_disguised_or_unaccepted_files_are_refused_and_nothing_is_saved(
    caseworker, case, evidence_count, evidence_root, content, filename
):
    case_id, _person = case
    response = upload(caseworker, case_id, content, filename)
    assert response.status_code == 200
    assert "is not one of the accepted types" in response.get_data(as_text=True)
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_an_html_page_named_pdf_is_refused_with_a_message_naming_the_file(
    caseworker, case, evidence_count
):
    response = upload(caseworker, case[0], HTML, "report.pdf")
    html = response.get_data(as_text=True)
    assert "The content of “report.pdf” is not one of the accepted types" in html
    assert "read from the file&#39;s content, not from its name" in html
    assert evidence_count() == 0


def test_a_refused_files_name_is_escaped_in_the_error_message(caseworker, case):
    # Regression: flask-babel's lazy strings count as safe HTML, so a lazily translated
    # message quoting the file name would have put the name's markup into the page.
    response = upload(caseworker, case[0], HTML, "<img src=x onerror=alert(1)>.pdf")
    html = response.get_data(as_text=True)
    assert "<img src=x onerror=alert(1)>" not in html
    assert "“&lt;img src=x onerror=alert(1)&gt;.pdf” is not one of" in html


def test_a_renamed_executable_is_refused(caseworker, case, evidence_count, evidence_root):
    response = upload(caseworker, case[0], WINDOWS_EXE, "scan.jpg")
    assert "is not one of the accepted types" in response.get_data(as_text=True)
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_a_file_over_the_configured_limit_is_refused_with_the_limit_named(
    app, caseworker, case, evidence_count, evidence_root, monkeypatch
):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 2048)
    response = upload(caseworker, case[0], pdf() + b"%" * 4096, "big.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“big.pdf” is larger than the limit of 2 KB" in html
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_a_file_at_the_limit_is_accepted(app, caseworker, case, evidence_count, monkeypatch):
    content = pdf()
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", len(content))
    assert upload(caseworker, case[0], content, "exact.pdf").status_code == 302
    assert evidence_count() == 1


def test_a_request_over_max_content_length_gets_a_clear_413_page_even_before_the_csrf_check(
    app, caseworker, case, evidence_count, evidence_root, monkeypatch
):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = upload(caseworker, case[0], b"%PDF-" + b"0" * 10_000, "huge.pdf")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'data-error-code="413"' in html
    assert "The file is too large. A file may be at most 1 KB" in html
    assert "Nothing was saved." in html
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_the_default_limits_are_25_mb_per_file_and_the_form_says_so(app, caseworker, case):
    assert app.config["EVIDENCE_MAX_BYTES"] == 25 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024 + 64 * 1024
    html = caseworker.get(f"/cases/{case[0]}/evidence/new").get_data(as_text=True)
    assert "At most 25 MB." in html
    assert "PDF, DOCX, Plain text, JPEG, PNG, WebP, MP3, M4A, Ogg" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_raised_evidence_limit_raises_the_request_limit_with_it(tmp_path):
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "x",
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                      "EVIDENCE_MAX_BYTES": 100 * 1024 * 1024})
    assert app.config["MAX_CONTENT_LENGTH"] == 100 * 1024 * 1024 + 64 * 1024


# Bad input: a clear message, nothing saved


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "Give the evidence a title."),
        ({"kind": "selfie"}, "Not a valid choice"),
        ({"person_id": "999999"}, "Not a valid choice"),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"witness_name": "n" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_details_are_refused_and_no_row_or_file_is_saved(
    caseworker, case, evidence_count, evidence_root, fields, message
):
    response = upload(caseworker, case[0], pdf(), "report.pdf", **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_an_empty_file_is_refused(caseworker, case, evidence_count, evidence_root):
    response = upload(caseworker, case[0], b"", "empty.pdf")
    html = response.get_data(as_text=True)
    assert "Choose the file to upload." in html or "“empty.pdf” is empty." in html
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


def test_a_form_without_a_file_is_refused(caseworker, case, evidence_count):
    response = caseworker.post(f"/cases/{case[0]}/evidence/new",
                               data={"kind": "other", "title": "x"})
    assert "Choose the file to upload." in response.get_data(as_text=True)
    assert evidence_count() == 0


def test_a_person_of_another_case_cannot_be_named(
    caseworker, case, create_case, office, evidence_count
):
    _other_case, other_person = create_case(office)
    response = upload(caseworker, case[0], pdf(), person_id=str(other_person))
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert evidence_count() == 0


def test_the_person_the_evidence_concerns_is_recorded(caseworker, case, evidence_rows):
    case_id, person_id = case
    upload(caseworker, case_id, pdf(), kind="medical_record", person_id=str(person_id))
    [row] = evidence_rows(case_id)
    assert row.person_id == person_id
    # The name is isolated from the sentence around it (Arabic and Latin in one value).
    assert "Concerns: <bdi>سمير الأحمد / Samir al-Ahmad</bdi>" in _page(caseworker, case_id)


def test_a_merged_case_takes_no_new_evidence(
    caseworker, create_case, office, evidence_count, evidence_root
):
    case_id, _person = create_case(office, stage=CaseStage.merged)
    response = upload(caseworker, case_id, pdf())
    assert "was merged into another case" in response.get_data(as_text=True)
    assert evidence_count() == 0
    assert stored_files(evidence_root) == []


# Storage


def test_the_same_file_uploaded_twice_is_stored_once(
    caseworker, case, create_case, office, evidence_rows, evidence_root
):
    other_case, _person = create_case(office)
    content = png()
    for case_id in (case[0], case[0], other_case):
        assert upload(caseworker, case_id, content, "photo.png").status_code == 302
    rows = evidence_rows()
    assert len(rows) == 3
    assert len({row.sha256 for row in rows}) == 1
    assert len(stored_files(evidence_root)) == 1


def test_a_stored_file_is_never_rewritten_and_is_read_only(caseworker, case, evidence_root):
    content = pdf()
    upload(caseworker, case[0], content, "a.pdf")
    [stored] = stored_files(evidence_root)
    before = os.stat(stored)
    upload(caseworker, case[0], content, "b.pdf")
    after = os.stat(stored)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino, before.st_mtime_ns, before.st_size
    )
    assert not after.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not (evidence_root / INCOMING).exists() or not any((evidence_root / INCOMING).iterdir())


def test_keeping_content_whose_name_exists_leaves_the_existing_file_alone(tmp_path):
    store = EvidenceStore(tmp_path)
    content = pdf()
    digest = hashlib.sha256(content).hexdigest()
    existing = store.path_for(digest)
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"the file already stored under this name")
    with store.receive(io.BytesIO(content), 10_000) as incoming:
        assert store.keep(incoming) == existing
    assert existing.read_bytes() == b"the file already stored under this name"
    assert list((tmp_path / INCOMING).iterdir()) == []


def test_the_store_refuses_names_that_are_not_a_sha256(tmp_path):
    store = EvidenceStore(tmp_path)
    for name in ("../../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(ValueError):
            store.path_for(name)


def test_the_store_defaults_to_the_instance_folder(app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_PATH", None)
    with app.app_context():
        assert evidence_root() == Path(app.instance_path) / "evidence"


# Access: per role and office


@pytest.fixture
def uploaded(caseworker, case, evidence_rows):
    """One PDF on the case; returns its evidence id."""
    assert upload(caseworker, case[0], pdf(), "report.pdf").status_code == 302
    return evidence_rows(case[0])[0].id


def test_unknown_case_is_404(caseworker):
    assert caseworker.get("/cases/999999/evidence/new").status_code == 404
    assert upload(caseworker, 999999, pdf()).status_code == 404
    assert caseworker.get("/evidence/999999/download").status_code == 404
    assert caseworker.get("/evidence/999999/withdraw").status_code == 404


@pytest.mark.parametrize("role", [Role.caseworker, Role.supervisor])
def test_another_offices_case_and_evidence_are_404(
    login_as, create_office, case, uploaded, role, evidence_count, evidence_root
):
    stranger = login_as(role, office_id=create_office())
    case_id = case[0]
    assert stranger.get(f"/cases/{case_id}/evidence/new").status_code == 404
    assert upload(stranger, case_id, png(), "p.png").status_code == 404
    assert stranger.get(f"/evidence/{uploaded}/download").status_code == 404
    assert stranger.get(f"/evidence/{uploaded}/withdraw").status_code == 404
    response = stranger.post(f"/evidence/{uploaded}/withdraw", data={"reason": "x"})
    assert response.status_code == 404
    assert evidence_count() == 1
    assert len(stored_files(evidence_root)) == 1


def test_a_supervisor_of_the_office_uploads_and_withdraws(login_as, office, case, evidence_rows):
    supervisor = login_as(Role.supervisor, office_id=office)
    assert upload(supervisor, case[0], png(), "p.png").status_code == 302
    [row] = evidence_rows(case[0])
    response = supervisor.post(f"/evidence/{row.id}/withdraw", data={"reason": "Wrong family"})
    assert response.status_code == 302
    assert evidence_rows(case[0])[0].withdrawn_by_id == supervisor.user_id


def test_another_caseworker_of_the_office_may_upload(login_as, office, case, evidence_count):
    colleague = login_as(Role.caseworker, office_id=office)
    assert upload(colleague, case[0], png(), "p.png").status_code == 302
    assert evidence_count() == 1


def test_an_auditor_cannot_upload_or_withdraw_but_can_list_and_download(
    login_as, case, uploaded, evidence_count, evidence_rows
):
    auditor = login_as(Role.auditor)
    case_id = case[0]
    assert auditor.get(f"/cases/{case_id}/evidence/new").status_code == 403
    assert upload(auditor, case_id, png(), "p.png").status_code == 403
    assert auditor.get(f"/evidence/{uploaded}/withdraw").status_code == 403
    assert auditor.post(f"/evidence/{uploaded}/withdraw", data={"reason": "x"}).status_code == 403
    html = _page(auditor, case_id)
    assert "report.pdf" in html
    assert "Add evidence" not in html
    assert "/withdraw" not in html
    response = auditor.get(f"/evidence/{uploaded}/download")
    assert response.status_code == 200
    assert response.data == pdf()
    assert evidence_count() == 1
    assert evidence_rows()[0].withdrawn_at is None


def test_an_admin_reaches_no_evidence(login_as, case, uploaded, evidence_count):
    admin = login_as(Role.admin)
    case_id = case[0]
    assert admin.get(f"/cases/{case_id}/evidence/new").status_code == 403
    assert upload(admin, case_id, png(), "p.png").status_code == 403
    assert admin.get(f"/evidence/{uploaded}/download").status_code == 403
    assert admin.post(f"/evidence/{uploaded}/withdraw", data={"reason": "x"}).status_code == 403
    assert evidence_count() == 1


# Download


def test_download_is_an_attachment_with_a_generated_name_and_the_detected_type(
    caseworker, case, evidence_rows
):
    hostile_name = "../../evil; attachment=x.html تقرير.pdf"
    upload(caseworker, case[0], pdf(), hostile_name)
    [row] = evidence_rows(case[0])
    response = caseworker.get(f"/evidence/{row.id}/download")
    assert response.status_code == 200
    assert response.data == pdf()
    reference = _reference(caseworker, case[0])
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={reference}-evidence-{row.id}.pdf"
    )
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "evil" not in str(response.headers)
    # The name is kept as data: its last path part.
    assert row.original_filename == "evil; attachment=x.html تقرير.pdf"


def _reference(client, case_id: int) -> str:
    with client.application.app_context():
        return db.session.get(Case, case_id).reference


def test_text_is_downloaded_as_utf8_plain_text(caseworker, case, evidence_rows):
    content = ACCEPTED_SAMPLES[-2][1]
    upload(caseworker, case[0], content, "notes.txt")
    [row] = evidence_rows(case[0])
    response = caseworker.get(f"/evidence/{row.id}/download")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith(f"-evidence-{row.id}.txt")
    assert response.data == content


def test_each_download_is_audited(login_as, case, uploaded, audit_events):
    auditor = login_as(Role.auditor)
    auditor.get(f"/evidence/{uploaded}/download")
    [event_] = audit_events("evidence.downloaded")
    assert (event_.entity_type, event_.entity_id, event_.case_id) == (
        "evidence", str(uploaded), case[0]
    )
    assert event_.actor_id == auditor.user_id


def test_the_upload_is_audited_without_the_witness_identity(
    caseworker, case, evidence_rows, audit_events
):
    upload(caseworker, case[0], pdf(), kind="witness_statement", title="Statement",
           witness_name="Hidden Witness-Name", witness_contact="+963 955 000 111",
           identity_protected="y")
    [row] = evidence_rows(case[0])
    events = [e for e in audit_events() if e.entity_type == "evidence"]
    assert len(events) == 1
    assert events[0].case_id == case[0]
    assert events[0].entity_id == str(row.id)
    assert "Hidden Witness-Name" not in events[0].payload
    assert "955 000 111" not in events[0].payload
    assert payload(events[0])  # the rest of the row is recorded
    assert row.sha256 in json.dumps(payload(events[0]))


def test_a_missing_stored_file_is_reported_not_served(caseworker, case, uploaded, evidence_root):
    for path in stored_files(evidence_root):
        path.chmod(0o600)
        path.unlink()
    response = caseworker.get(f"/evidence/{uploaded}/download")
    assert response.status_code == 404
    assert "missing from the evidence store" in response.get_data(as_text=True)


# Withdrawal


def test_withdrawn_evidence_stays_listed_as_withdrawn_with_its_reason_and_file(
    caseworker, case, uploaded, evidence_rows, evidence_root
):
    response = caseworker.post(
        f"/evidence/{uploaded}/withdraw", data={"reason": "Uploaded to the wrong case"}
    )
    assert response.status_code == 302
    [row] = evidence_rows(case[0])
    assert row.withdrawn_at is not None
    assert row.withdrawn_by_id == caseworker.user_id
    assert row.withdrawal_reason == "Uploaded to the wrong case"
    html = _page(caseworker, case[0])
    assert 'data-status="withdrawn"' in html
    assert "Uploaded to the wrong case" in html
    assert "report.pdf" in html
    assert len(stored_files(evidence_root)) == 1
    assert caseworker.get(f"/evidence/{uploaded}/download").status_code == 200


def test_withdrawal_needs_a_reason(caseworker, case, uploaded, evidence_rows):
    response = caseworker.post(f"/evidence/{uploaded}/withdraw", data={"reason": "   "})
    assert response.status_code == 200
    assert "Say why this evidence is withdrawn." in response.get_data(as_text=True)
    assert evidence_rows()[0].withdrawn_at is None


def test_withdrawn_evidence_cannot_be_withdrawn_again(caseworker, case, uploaded, evidence_rows):
    caseworker.post(f"/evidence/{uploaded}/withdraw", data={"reason": "First reason"})
    response = caseworker.post(f"/evidence/{uploaded}/withdraw", data={"reason": "Second"})
    assert "This evidence was withdrawn: First reason" in response.get_data(as_text=True)
    assert evidence_rows()[0].withdrawal_reason == "First reason"


def test_the_ui_offers_no_way_to_delete_or_replace_evidence(app):
    rules = [rule for rule in app.url_map.iter_rules() if "evidence" in rule.endpoint]
    assert {rule.endpoint for rule in rules} == {
        "evidence.upload", "evidence.download",
        "evidence.withdraw",
    }
    assert all("DELETE" not in rule.methods and "PUT" not in rule.methods for rule in rules)


# Protected witness identity


WITNESS = {"kind": "witness_statement", "title": "Statement of a neighbour",
           "witness_name": "Witness Qasim Example", "witness_contact": "+963 944 123 456"}


@pytest.fixture
def witness_statements(caseworker, case):
    """One protected and one unprotected witness statement on the case."""
    upload(caseworker, case[0], pdf("protected"), "p.pdf", identity_protected="y", **WITNESS)
    upload(caseworker, case[0], pdf("open"), "o.pdf", **{
        **WITNESS, "witness_name": "Open Witness Example", "witness_contact": ""})


def test_a_protected_witness_is_seen_by_the_assigned_caseworker_and_office_supervisors_only(
    login_as, office, caseworker, case, witness_statements
):
    readers = {
        "assigned caseworker": (caseworker, True),
        "supervisor of the office": (login_as(Role.supervisor, office_id=office), True),
        "other caseworker of the office": (login_as(Role.caseworker, office_id=office), False),
        "auditor": (login_as(Role.auditor), False),
    }
    for who, (client, sees) in readers.items():
        html = _page(client, case[0])
        assert ("Witness Qasim Example" in html) is sees, who
        assert ("944 123 456" in html) is sees, who
        assert ('data-witness="protected"' in html) is (not sees), who
        # An unprotected witness is shown to everyone who reads the case.
        assert "Open Witness Example" in html, who


def test_a_protected_witness_statement_opens_only_for_those_who_see_the_identity(
    login_as, office, caseworker, case, witness_statements, evidence_rows
):
    protected, unprotected = evidence_rows(case[0])[:2]
    readers = {
        "assigned caseworker": (caseworker, 200),
        "supervisor of the office": (login_as(Role.supervisor, office_id=office), 200),
        "other caseworker of the office": (login_as(Role.caseworker, office_id=office), 403),
        "auditor": (login_as(Role.auditor), 403),
    }
    for who, (client, status) in readers.items():
        assert client.get(f"/evidence/{protected.id}/download").status_code == status, who
        assert client.get(f"/evidence/{unprotected.id}/download").status_code == 200, who
        html = _page(client, case[0])
        assert ('data-download="protected"' in html) is (status == 403), who


def test_a_protected_witness_is_hidden_on_the_withdraw_page_too(
    login_as, office, case, witness_statements, evidence_rows
):
    colleague = login_as(Role.caseworker, office_id=office)
    protected = evidence_rows(case[0])[0]
    html = colleague.get(f"/evidence/{protected.id}/withdraw").get_data(as_text=True)
    assert "Witness Qasim Example" not in html
    assert "Protected" in html


def test_an_unassigned_case_shows_a_protected_witness_to_supervisors_only(
    login_as, office, create_case, evidence_rows
):
    case_id, _person = create_case(office, assigned_to_id=None)
    uploader = login_as(Role.caseworker, office_id=office)
    upload(uploader, case_id, pdf(), identity_protected="y", **WITNESS)
    assert "Witness Qasim Example" not in _page(uploader, case_id)
    supervisor = login_as(Role.supervisor, office_id=office)
    assert "Witness Qasim Example" in _page(supervisor, case_id)


# Display


def test_the_uploaders_file_name_is_shown_escaped(caseworker, case):
    upload(caseworker, case[0], pdf(), "<b onmouseover=alert(1)>x.pdf")
    html = _page(caseworker, case[0])
    assert "<b onmouseover=alert(1)>" not in html
    assert "&lt;b onmouseover=alert(1)&gt;x.pdf" in html


def test_the_case_page_runs_as_many_statements_for_12_evidence_items_as_for_1(
    app, login_as, caseworker, create_case, office, evidence_rows, page_statements
):
    supervisor = login_as(Role.supervisor, office_id=office)
    few, few_person = create_case(office, assigned_to_id=caseworker.user_id)
    many, many_person = create_case(office, assigned_to_id=caseworker.user_id)
    upload(caseworker, few, png(), "p.png", person_id=str(few_person),
           identity_protected="y", **WITNESS)
    for number in range(12):
        # Different uploaders, persons, witnesses and withdrawers: none may cost a query per row.
        uploader = supervisor if number % 3 else caseworker
        upload(uploader, many, png(rgb=(number, 0, 0)), f"p{number}.png",
               person_id=str(many_person), identity_protected="y", **WITNESS)
    for row in evidence_rows(many)[::2]:
        supervisor.post(f"/evidence/{row.id}/withdraw", data={"reason": "Duplicate scan"})
    supervisor.post(f"/evidence/{evidence_rows(few)[0].id}/withdraw", data={"reason": "x"})
    assert len(evidence_rows(many)) == 12

    for reader in (caseworker, supervisor, login_as(Role.auditor)):
        assert page_statements(reader, f"/cases/{few}") == page_statements(
            reader, f"/cases/{many}")


# Signals


def test_evidence_added_is_sent_with_the_evidence_and_its_case(app, caseworker, create_case,
                                                                office):
    case_id, _person = create_case(office, stage=CaseStage.ineligible)
    received = []

    def listener(sender, evidence, case, **extra):
        received.append((evidence.id, evidence.case_id, case.id, case.stage, extra))

    signals.evidence_added.connect(listener)
    try:
        assert upload(caseworker, case_id, pdf()).status_code == 302
    finally:
        signals.evidence_added.disconnect(listener)
    [(evidence_id, evidence_case_id, signalled_case_id, stage, extra)] = received
    assert evidence_id is not None
    assert evidence_case_id == signalled_case_id == case_id
    assert stage == CaseStage.ineligible
    assert extra == {}


def test_no_evidence_added_signal_for_a_refused_upload(caseworker, case):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    signals.evidence_added.connect(listener)
    try:
        upload(caseworker, case[0], HTML, "x.pdf")
    finally:
        signals.evidence_added.disconnect(listener)
    assert received == []


# Concurrency


def test_concurrent_uploads_of_the_same_content_store_one_intact_file(tmp_path):
    store = EvidenceStore(tmp_path)
    content = pdf("same content from eight uploads") + b"%" * 200_000
    barrier = threading.Barrier(8)
    errors = []

    def receive_and_keep():
        try:
            with store.receive(io.BytesIO(content), 10**7) as incoming:
                barrier.wait()
                store.keep(incoming)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=receive_and_keep) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [stored] = stored_files(tmp_path)
    assert stored.read_bytes() == content


def test_two_people_withdrawing_at_once_cannot_both_succeed(app, caseworker, case, uploaded):
    with app.app_context():
        seen = db.session.get(Evidence, uploaded)
        assert not seen.is_withdrawn
        # The page was shown; the request that loaded it has ended (its copy is now stale).
        db.session.expunge(seen)
        db.session.rollback()
        # Meanwhile someone else withdraws it (their transaction commits first).
        with db.engine.begin() as other:
            other.execute(
                text("UPDATE evidence SET withdrawn_at = :now, withdrawal_reason = 'First', "
                     "version = version + 1 WHERE id = :id"),
                {"now": utcnow(), "id": uploaded},
            )
        db.session.add(seen)
        with pytest.raises(Conflict):
            withdraw_evidence(seen, "Second", None)
        db.session.rollback()
        assert db.session.get(Evidence, uploaded).withdrawal_reason == "First"


# Names and demo data


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\field\\Desktop\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("report\x00.pdf", "report.pdf"),
        ("line\r\nbreak.pdf", "line break.pdf"),
        ("تقرير الزيارة.pdf", "تقرير الزيارة.pdf"),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_the_uploaders_file_name_is_kept_as_data_only(app_context, sent, kept):
    assert clean_filename(sent) == kept


def test_an_empty_file_name_is_recorded_as_no_name(app_context):
    assert clean_filename("") == "(no name)"
    assert clean_filename(None) == "(no name)"


def test_demo_evidence_is_attached_through_the_upload_operation(
    app, create_case, office, caseworker, evidence_rows, evidence_root
):
    case_ids = [create_case(office, assigned_to_id=caseworker.user_id)[0] for _ in range(3)]
    with app.app_context():
        cases = [db.session.get(Case, case_id) for case_id in case_ids]
        added = seed_demo_evidence(cases)
        db.session.commit()
        assert len(added) == 8
    rows = evidence_rows()
    assert {row.media_type for row in rows} == {"application/pdf", "image/png", "text/plain"}
    assert [row.identity_protected for row in rows if row.witness_name] == [True, False]
    assert all(row.uploaded_by_id == caseworker.user_id for row in rows)
    assert len(stored_files(evidence_root)) == len({row.sha256 for row in rows})
