"""CSV import of bad files (issue 10, "Bad input never gives a 500 or a half-written record").

Files that are not CSV text (images, spreadsheets, compressed or random bytes), text in the
wrong encoding (Latin-1, UTF-16 with and without its mark), byte-order marks, 20,000 rows
whose very last one is wrong, and valid files damaged at random: each gets a message that
names the row and, where there is one, the column, and nothing is imported, no row in any
table. A UTF-8 byte-order mark is accepted, as docs/import-format.md says.

On PostgreSQL, a real worker process (`flask --app wsgi jobs worker`) is killed with SIGKILL
while it writes an import's rows: none of them is left, the upload's page says the import
failed, and the same file imports in full when uploaded again.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, text

from casework import PROJECT_ROOT
from casework.core.authz import Role
from casework.core.jobs import QUEUE_NAME, AppWorker
from casework.extensions import db
from casework.importing.jobs import import_and_commit, load_upload
from casework.importing.operations import MAX_LINE_BYTES
from casework.intake.models import Case, Incident, Loss, Person
from tests.bad_input import PROFILE, snapshot, written_after
from tests.conftest import is_postgresql
from tests.evidence_samples import pdf, png
from tests.fixtures_import import csv_bytes, household, incident_row, loss_row

NOTHING_IMPORTED = "Nothing was imported"


@pytest.fixture
def supervisor(login_as, create_office):
    """A supervisor of office RQA, logged in."""
    return login_as(Role.supervisor, create_office("RQA"))


def upload(client, data: bytes, filename: str = "cases.csv") -> str:
    """Upload a file to import (not a dry run); returns the upload's token."""
    response = client.post("/cases/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), filename)})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    match = re.search(r"/cases/import/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def refused(app, client, data: bytes, filename: str = "cases.csv") -> list[tuple]:
    """Upload a file that must be refused whole: its page says nothing was imported and no
    table changed. Returns the report's problems as (row, column, message)."""
    before = snapshot(app)
    token = upload(client, data, filename)
    page = client.get(f"/cases/import/{token}")
    assert page.status_code == 200
    assert NOTHING_IMPORTED in page.get_data(as_text=True)
    assert snapshot(app).rows == before.rows
    assert written_after(app, before.audit_head) == []
    with app.app_context():
        report = load_upload(token).result
    assert report is not None and not report.imported and not report.valid
    return [(p.row, p.column, p.message) for p in report.problems]


def valid_file(households: int = 2, **options) -> bytes:
    rows = [incident_row()]
    for number in range(households):
        rows += household(f"H{number}", surname=SURNAMES[number % len(SURNAMES)])
    return csv_bytes(rows, **options)


# Distinct households (their duplicate check stays short): family names of two parts.
SURNAMES = [(f"{a_ar} {b_ar}", f"{a_latin} {b_latin}")
            for a_ar, a_latin in (("الحسن", "al-Hassan"), ("العلي", "al-Ali"),
                                  ("الخطيب", "al-Khatib"), ("السعيد", "al-Saeed"),
                                  ("النجار", "al-Najjar"), ("الحلبي", "al-Halabi"))
            for b_ar, b_latin in (("الرقاوي", "al-Raqqawi"), ("الشامي", "al-Shami"),
                                  ("الفرات", "al-Furat"), ("العبدالله", "al-Abdullah"),
                                  ("الجاسم", "al-Jasim"), ("المحمد", "al-Mohammed"))]


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return out.getvalue()


NOT_CSV_TEXT = [
    ("a PNG image", png(), "cases.csv", 1, "not UTF-8"),
    ("a PDF", pdf(), "cases.pdf", 1, "Unknown column"),
    ("a spreadsheet file (.xlsx)", _xlsx(), "cases.xlsx", 1, "null bytes"),
    ("a compressed CSV", gzip.compress(valid_file()), "cases.csv.gz", 1, "null bytes"),
    ("random bytes", bytes(range(256)) * 64, "cases.csv", 1, "null bytes"),
    ("an empty file", b"", "cases.csv", 1, "empty"),
    ("only a byte-order mark", codecs.BOM_UTF8, "cases.csv", 1, "empty"),
    ("one line longer than a megabyte", b"record," + b"x" * (MAX_LINE_BYTES + 1), "cases.csv",
     0, "longer than"),
]


@pytest.mark.parametrize("label, data, filename, row, words", NOT_CSV_TEXT,
                         ids=[case[0] for case in NOT_CSV_TEXT])
def test_a_file_that_is_not_csv_text_is_refused_whole(app, supervisor, label, data, filename,
                                                      row, words):
    problems = refused(app, supervisor, data, filename)
    assert [(r, words in m) for r, _c, m in problems] == [(row, True)], problems


def _latin1_file() -> tuple[bytes, int, int]:
    """A file whose only non-ASCII character is Latin-1's é: the file, the byte's position
    and its line."""
    rows = [incident_row(), *household()]
    rows[1] = {**rows[1], "contact_notes": "Ask for José at the bakery"}
    data = csv_bytes(rows).replace("José".encode(), "José".encode("latin-1"))
    position = data.index("José".encode("latin-1")) + 3
    return data, position, data[:position].count(b"\n") + 1


def test_a_latin_1_file_is_refused_naming_the_byte_and_its_line(app, supervisor):
    data, position, line = _latin1_file()
    problems = refused(app, supervisor, data)
    assert len(problems) == 1
    row, column, message = problems[0]
    assert (row, column) == (line, None)
    assert f"0xE9 at byte position {position} (line {line})" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize("encoding, words", [
    ("utf-16", "UTF-16"),          # with its mark, as Excel's "Unicode text" saves
    ("utf-16-be", "null bytes"),   # without a mark: valid UTF-8 bytes, but full of NULs
    ("utf-16-le", "null bytes"),
    ("utf-32", "UTF-16"),          # its mark begins with UTF-16's
])
def test_a_utf_16_file_is_refused_and_named_as_such(app, supervisor, encoding, words):
    data = valid_file().decode("utf-8").encode(encoding)
    problems = refused(app, supervisor, data)
    assert [(r, c) for r, c, _m in problems] == [(1, None)]
    assert words in problems[0][2] and "CSV UTF-8" in problems[0][2]


def test_a_wrong_byte_on_the_last_line_imports_nothing_of_the_lines_before(app, supervisor):
    data = valid_file(households=3) + "loss,H2,,,,,\xe9\r\n".encode("latin-1")
    line = data.count(b"\n")
    problems = refused(app, supervisor, data)
    assert [(r, c) for r, c, _m in problems] == [(line, None)]


def test_a_utf_8_byte_order_mark_is_accepted_as_the_format_says(app, supervisor):
    token = upload(supervisor, valid_file(households=2, bom=True))
    page = supervisor.get(f"/cases/import/{token}").get_data(as_text=True)
    assert "Imported: 1 incidents, 2 cases" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 2


def test_a_byte_order_mark_inside_the_file_is_a_cell_s_problem(app, supervisor):
    """Two files joined together: the second one's mark stands before its first cell."""
    joined = valid_file(households=1) + codecs.BOM_UTF8 + b"case,,H9\r\n"
    problems = refused(app, supervisor, joined)
    assert (7, "record") in [(r, c) for r, c, _m in problems], problems


def test_twenty_thousand_rows_with_one_bad_row_at_the_very_end_import_nothing(app, supervisor):
    rows = [incident_row()]
    for number in range(4999):
        rows += household(f"H{number}")
    rows += [*household("H5000")[:2], loss_row("H5000", currency="usd$")]
    assert len(rows) == 20_000
    problems = refused(app, supervisor, csv_bytes(rows))
    # Row 1 is the header: the last of 20,000 rows is row 20,001.
    assert [(r, c) for r, c, _m in problems] == [(20_001, "currency")]
    assert "three-letter" in problems[0][2]


# What damage does to a file: quotes, separators and line ends where they do not belong,
# NUL, bytes that are not UTF-8, a byte-order mark, the first byte of an Arabic letter alone.
DAMAGE = [b'"', b",", b";", b"\r", b"\n", b"\r\n", b"\x00", b"\xff", b"\xd8", codecs.BOM_UTF8,
          b"", b"=", b"\t"]


@st.composite
def damaged(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 3)))
        data[start:end] = draw(st.sampled_from(DAMAGE))
    return bytes(data)


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Incident, Case, Person, Loss)}


def test_a_damaged_file_is_imported_whole_or_not_at_all(app, create_office, tmp_path):
    create_office("RQA")
    original = valid_file(households=1)
    path = tmp_path / "damaged.csv"

    @settings(PROFILE, max_examples=12 * PROFILE.max_examples)
    @given(data=damaged(original))
    def import_damaged(data: bytes) -> None:
        path.write_bytes(data)
        before, counts = snapshot(app), _counts(app)
        with app.app_context():
            report = import_and_commit(path, None)
        after = _counts(app)
        if report.imported:
            assert {table: after[table] - counts[table] for table in after} == {
                "incidents": report.incidents, "cases": report.cases,
                "persons": report.persons, "losses": report.losses}
        else:
            assert report.problems and all(p.message for p in report.problems)
            assert snapshot(app).rows == before.rows
            assert written_after(app, before.audit_head) == []

    import_damaged()


# -- a worker killed in the middle of an import (PostgreSQL, Redis) ------------------------

KILLED_HOUSEHOLDS = len(SURNAMES)
KILLED_AFTER_CASES = 8


def _cases_written(connection) -> int:
    """The cases sequence's value: it counts the inserts of transactions not yet committed."""
    return connection.execute(text(
        "SELECT last_value FROM pg_sequences WHERE sequencename = "
        "(SELECT split_part(pg_get_serial_sequence('cases', 'id'), '.', 2))")).scalar() or 0


def _worker(app, redis_url: str, log: Path) -> subprocess.Popen:
    """`flask --app wsgi jobs worker` in a process group of its own, on the test database."""
    env = {**os.environ, "CASEWORK_ENV": "testing", "SECRET_KEY": "worker-secret",
           "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": redis_url,
           "CASEWORK_INSTANCE_PATH": app.instance_path}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen([str(flask), "--app", "wsgi", "jobs", "worker"], cwd=PROJECT_ROOT,
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait(condition, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            detail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"gave up waiting for {what}\n{detail}")
        time.sleep(0.01)


def _children(pid: int) -> list[int]:
    """The processes `pid` started (the work horse a worker forks for each job)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            children.append(int(stat.parent.name))
    return children


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (which RQ puts in a process group of its own),
    the worker first so that it cannot see its horse die and tidy up after it."""
    horses = _children(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for horse in horses:
        with contextlib.suppress(ProcessLookupError):  # ended with its worker
            os.kill(horse, signal.SIGKILL)
    worker.wait(10)


@pytest.mark.skipif(not is_postgresql(), reason="the worker-kill drill runs on PostgreSQL")
def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_the_file_can_be_retried(
        app, supervisor, redis_database, tmp_path):
    data = valid_file(households=KILLED_HOUSEHOLDS)
    app.config["REDIS_URL"] = redis_database.url
    log = tmp_path / "worker.log"
    worker = None
    with app.app_context():
        engine = db.engine
    try:
        before = snapshot(app)
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            first = _cases_written(connection)
            token = upload(supervisor, data)
            assert "waiting for the import worker" in supervisor.get(
                f"/cases/import/{token}").get_data(as_text=True)
            worker = _worker(app, redis_database.url, log)
            _wait(lambda: _cases_written(connection) >= first + KILLED_AFTER_CASES, 120,
                  "the worker to write cases", log)
            _kill(worker)
            written = _cases_written(connection) - first
            # The server ends the dead worker's session, and its transaction with it.
            _wait(lambda: connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL")).scalar() == 0,
                30, "the killed worker's transaction to end")
        assert KILLED_AFTER_CASES <= written < KILLED_HOUSEHOLDS, written
        assert snapshot(app).rows == before.rows
        assert written_after(app, before.audit_head) == []

        # RQ declares the job abandoned once its worker's heartbeat has lapsed (90 s after
        # the last one); its clock is moved on rather than waited for.
        StartedJobRegistry(QUEUE_NAME, connection=redis_database.connection).cleanup(
            timestamp=time.time() + 3600)
        page = supervisor.get(f"/cases/import/{token}").get_data(as_text=True)
        assert "The import stopped on an unexpected error" in page
        assert NOTHING_IMPORTED in page

        retried = upload(supervisor, data)
        AppWorker([Queue(QUEUE_NAME, connection=redis_database.connection)],
                  connection=redis_database.connection, app=app).work(burst=True)
        page = supervisor.get(f"/cases/import/{retried}").get_data(as_text=True)
        assert f"Imported: 1 incidents, {KILLED_HOUSEHOLDS} cases" in page
        assert _counts(app) == {"incidents": 1, "cases": KILLED_HOUSEHOLDS,
                                "persons": 2 * KILLED_HOUSEHOLDS, "losses": KILLED_HOUSEHOLDS}
    finally:
        app.config["REDIS_URL"] = None
        if worker is not None and worker.poll() is None:
            _kill(worker)
