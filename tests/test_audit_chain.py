"""The hash chain: `audit verify` names the first broken event; PostgreSQL refuses tampering."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework.audit import operations
from casework.audit.chain import canonical_json, event_hash, sha256_hex
from casework.core.database import owner_engine
from casework.extensions import db
from tests.conftest import is_postgresql
from tests.fixtures_audit import payload

sqlite_only = pytest.mark.skipif(is_postgresql(), reason="PostgreSQL triggers refuse raw tampering")
postgresql_only = pytest.mark.skipif(not is_postgresql(), reason="needs PostgreSQL (TEST_DATABASE_URL)")


def _append(app, count: int, case_id: int | None = None) -> None:
    with app.app_context():
        for number in range(count):
            operations.record_event("test.appended", details={"number": number, "name": "Hana"},
                                    case_id=case_id)
        db.session.commit()


def _sql(app, statement: str, **parameters) -> None:
    # As the schema owner: its statements meet the triggers; the application's role is
    # refused before them, by its privileges (test_finding_5 in test_security_regressions).
    with app.app_context(), owner_engine().begin() as connection:
        connection.execute(text(statement), parameters)


def _row(app, event_id: int) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        return dict(connection.execute(text("SELECT * FROM audit_events WHERE id = :id"),
                                       {"id": event_id}).mappings().one())


def test_verify_reports_ok_with_the_head_and_records_its_own_run(app, audit_cli, audit_events):
    _append(app, 5)
    head = audit_events()[-1]
    result = audit_cli("verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"OK 5 events, head 5 {head.hash}"
    [run] = audit_events("audit.verified")
    assert run.id == 6 and run.actor_kind == "cli"
    assert payload(run)["details"]["result"] == "ok" and payload(run)["details"]["count"] == 5
    assert audit_cli("verify").output.startswith("OK 6 events, head 6 ")


def test_head_prints_the_last_event_for_publication(app, audit_cli, audit_events):
    assert audit_cli("head").output.strip() == f"0 {'0' * 64}"
    _append(app, 3)
    assert audit_cli("head").output.strip() == f"3 {audit_events()[-1].hash}"


def test_an_empty_trail_verifies(app, audit_cli):
    result = audit_cli("verify")
    assert result.exit_code == 0 and result.output.startswith("OK 0 events, head 0 ")


def _shift_ids_up_from(app, first: int) -> None:
    _sql(app, "UPDATE audit_events SET id = id + 100000 WHERE id >= :first", first=first)
    _sql(app, "UPDATE audit_events SET id = id - 99999 WHERE id >= 100000")


def _tamper_change_a_field(app):
    _sql(app, "UPDATE audit_events SET actor_kind = 'system', action = 'test.renamed' WHERE id = 3")


def _tamper_change_the_payload(app):
    _sql(app, "UPDATE audit_events SET payload = REPLACE(payload, 'Hana', 'Huda') WHERE id = 3")


def _tamper_change_the_time(app):
    _sql(app, "UPDATE audit_events SET request_id = 'forged' WHERE id = 3")


def _tamper_delete_an_event(app):
    _sql(app, "DELETE FROM audit_events WHERE id = 3")


def _tamper_swap_two_events(app):
    _sql(app, "UPDATE audit_events SET id = -3 WHERE id = 3")
    _sql(app, "UPDATE audit_events SET id = 3 WHERE id = 4")
    _sql(app, "UPDATE audit_events SET id = 4 WHERE id = -3")


def _tamper_insert_an_event(app):
    forged = _row(app, 2)
    _shift_ids_up_from(app, 3)
    forged.update(id=3, action="test.forged", prev_hash=forged["hash"])
    _sql(app, "INSERT INTO audit_events (" + ", ".join(forged) + ") VALUES ("
         + ", ".join(f":{name}" for name in forged) + ")", **forged)


def _tamper_garble_types(app):
    _sql(app, "UPDATE audit_events SET occurred_at = 'yesterday', payload = X'00' WHERE id = 3")


TAMPERING = {
    "garble column types": (_tamper_garble_types, 3, "its columns cannot be read as an event"),
    "change a field": (_tamper_change_a_field, 3, "its contents do not match its hash"),
    "change the payload": (_tamper_change_the_payload, 3, "payload does not match its digest"),
    "change the request id": (_tamper_change_the_time, 3, "its contents do not match its hash"),
    "delete an event": (_tamper_delete_an_event, 3, "event 3 is missing"),
    "swap two events": (_tamper_swap_two_events, 3, "previous hash does not match"),
    "insert an event": (_tamper_insert_an_event, 3, "its contents do not match its hash"),
}


@sqlite_only
@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_verify_names_the_first_broken_event_after_raw_sql_tampering(app, audit_cli, tampering):
    tamper, broken_at, problem = TAMPERING[tampering]
    _append(app, 6)
    assert audit_cli("verify").exit_code == 0
    tamper(app)
    result = audit_cli("verify")
    assert result.exit_code == 1
    line = result.output.strip()
    assert re.fullmatch(rf"BROKEN at event {broken_at}: .+", line), line
    assert problem in line


@sqlite_only
def test_a_forger_who_recomputes_hashes_is_caught_at_the_next_event(app, audit_cli):
    _append(app, 5)
    forged = _row(app, 3)
    forged["payload"] = canonical_json({"details": {"name": "Someone else", "number": 2}})
    forged["payload_digest"] = sha256_hex(forged["payload"])
    forged["occurred_at"] = datetime.fromisoformat(str(forged["occurred_at"])).replace(tzinfo=UTC)
    forged["hash"] = event_hash(forged)
    _sql(app, "UPDATE audit_events SET payload = :payload, payload_digest = :payload_digest, "
              "hash = :hash WHERE id = 3", **forged)
    result = audit_cli("verify")
    assert result.output.strip().startswith("BROKEN at event 4: its previous hash does not match")


@sqlite_only
def test_a_truncated_tail_is_caught_against_the_published_head(app, audit_cli):
    _append(app, 5)
    published = audit_cli("head").output.strip().replace(" ", ":")
    _sql(app, "DELETE FROM audit_events WHERE id >= 4")
    assert audit_cli("verify").exit_code == 0  # the chain alone cannot tell (run: event 4)
    result = audit_cli("verify", "--expect-head", published)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "BROKEN at event 5: the published head 5 is missing: the chain ends at event 4")


def test_redaction_removes_old_payloads_and_the_chain_still_verifies(app, audit_cli, audit_events):
    _append(app, 3, case_id=41)
    _append(app, 2, case_id=42)
    result = audit_cli("redact", "--case", "41", "--yes")
    assert result.exit_code == 0, result.output
    assert "Redacted the payloads of 3 events." in result.output
    redacted = audit_events(case_id=41)
    assert [payload(e) for e in redacted[:3]] == [{"__redacted__": 6}] * 3
    assert all("Hana" in e.payload for e in audit_events(case_id=42))
    [record] = audit_events("audit.redacted")
    assert record.id == 6 and payload(record)["details"]["redacted_count"] == 3
    verified = audit_cli("verify")
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK 6 events")

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert "of 3 events" in audit_cli("redact", "--before", tomorrow, "--yes").output
    assert audit_cli("verify").exit_code == 0  # the verification runs themselves are redacted too


@sqlite_only
def test_a_payload_redacted_outside_the_command_breaks_the_chain(app, audit_cli):
    _append(app, 4, case_id=7)
    audit_cli("redact", "--case", "7", "--yes")  # event 5 records 4 redactions
    _append(app, 1)
    _sql(app, "UPDATE audit_events SET payload = :marker WHERE id = 6", marker='{"__redacted__":5}')
    result = audit_cli("verify")
    assert result.output.strip().startswith("BROKEN at event 6: its payload is marked redacted "
                                            "by an event that does not follow it")


def test_redaction_needs_a_date_or_a_case(app, audit_cli):
    result = audit_cli("redact", "--yes")
    assert result.exit_code != 0 and "give --before, --case, or both" in result.output


@postgresql_only
@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'test.changed' WHERE id = 1",
    "UPDATE audit_events SET payload = '{\"__redacted__\"\\:9}', action = 'x' WHERE id = 1",
    "DELETE FROM audit_events WHERE id = 1",
    "TRUNCATE audit_events",
])
def test_postgresql_refuses_changes_to_the_audit_table(app, statement, audit_events):
    _append(app, 2)
    with pytest.raises(DBAPIError, match="audit_events is append-only"):
        _sql(app, statement)
    assert len(audit_events()) == 2


@postgresql_only
def test_postgresql_allows_only_the_redaction_marker_and_only_once(app):
    _append(app, 2)
    redact = "UPDATE audit_events SET payload = :payload WHERE id = :id"
    _sql(app, redact, payload='{"__redacted__":9}', id=1)
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(app, redact, payload='{"__redacted__":10}', id=1)
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(app, redact, payload='{"other":1}', id=2)


def _append_concurrently(app, threads: int, appends: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for number in range(appends):
                    operations.record_event("test.concurrent",
                                            details={"worker": worker, "number": number})
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return errors


def _assert_one_unbroken_chain(app, audit_cli, expected: int) -> None:
    with app.app_context(), db.engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM audit_events ORDER BY id"))]
        prev_hashes = connection.execute(
            text("SELECT count(DISTINCT prev_hash), count(*) FROM audit_events")).one()
    assert ids == list(range(1, expected + 1))
    assert prev_hashes[0] == prev_hashes[1] == expected  # no fork: each event has one successor
    result = audit_cli("verify")
    assert result.exit_code == 0 and result.output.startswith(f"OK {expected} events"), result.output


@postgresql_only
def test_eight_threads_appending_250_events_each_leave_one_unbroken_chain(app, audit_cli):
    assert _append_concurrently(app, threads=8, appends=250) == []
    _assert_one_unbroken_chain(app, audit_cli, 2000)


@sqlite_only
def test_on_sqlite_concurrent_appends_wait_for_the_write_lock_before_reading_the_head(
    app, audit_cli
):
    assert _append_concurrently(app, threads=4, appends=50) == []
    _assert_one_unbroken_chain(app, audit_cli, 200)


TRICKY_TEXT = ['plain', 'قصف على حي المشلب', 'quote " and \\ backslash', 'tab\there', 'nl\nx',
               '\x00\x1f control', 'emoji \U0001F600', '\u2028 line separator', '']


def test_verification_fast_path_hashes_exactly_like_the_canonical_json(app, audit_cli):
    with app.app_context():
        for number, value in enumerate(TRICKY_TEXT):
            operations.record_event(value or "test.empty", details={"v": value},
                                    actor_name=value, user_agent=value, remote_addr=value[:45],
                                    entity_type=value[:64], entity_id=value[:64],
                                    request_id=value[:64], case_id=number or None,
                                    office_id=-number)
        db.session.commit()
    result = audit_cli("verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {len(TRICKY_TEXT)} events")
