"""The audit chain's guards, one by one: each check in `verify` shown to catch what it exists
for, the published head's hash, the redaction bookkeeping, the clock clamp, the clipping of
columns, and the canonical encoding of payload values.

test_audit_chain.py tampers as an outsider would and reads `audit verify`'s verdict; here
the chain's functions are called directly so that each guard is reached on its own (a
guard that can be removed without any test failing protects nothing).
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import PurePosixPath
from uuid import UUID

import pytest
from sqlalchemy import insert, text

from casework.audit import operations
from casework.audit.chain import (
    GENESIS_HASH,
    Head,
    NewEvent,
    append,
    audit_events,
    canonical_json,
    canonical_time,
    canonical_time_text,
    event_hash,
    json_value,
    read_head,
    redaction_marker,
    sha256_hex,
    verify,
)
from casework.audit.models import AuditEvent
from casework.extensions import db
from tests.conftest import is_postgresql

sqlite_only = pytest.mark.skipif(is_postgresql(), reason="PostgreSQL triggers refuse raw tampering")

SUM_OF_NOTHING = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256(b"")


def _append(app, count: int, case_id: int | None = None) -> None:
    with app.app_context():
        for number in range(count):
            operations.record_event("test.appended", details={"number": number}, case_id=case_id)
        db.session.commit()


def _sql(app, statement: str, **parameters) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(statement), parameters)


def _verify(app, expect_head: tuple[int, str] | None = None):
    with app.app_context(), db.engine.connect() as connection:
        return verify(connection, expect_head)


def _hash_of(app, event_id: int) -> str:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT hash FROM audit_events WHERE id = :id"),
                                  {"id": event_id}).scalar_one()


def _mark(app, event_ids: list[int], redaction_id: int) -> None:
    for event_id in event_ids:
        _sql(app, "UPDATE audit_events SET payload = :marker WHERE id = :id",
             marker=redaction_marker(redaction_id), id=event_id)


def _broken(result) -> tuple[int, str]:
    assert not result.ok
    return result.broken_at, result.problem


# --- What a verification reports --------------------------------------------------------


def test_a_sound_chain_reports_its_count_and_head(app):
    _append(app, 4)
    result = _verify(app)
    assert result.ok and result.broken_at is None and result.problem is None
    assert (result.count, result.head.id, result.head.hash) == (4, 4, _hash_of(app, 4))
    assert result.report() == f"OK 4 events, head 4 {_hash_of(app, 4)}"


@sqlite_only
def test_a_broken_chain_reports_the_events_that_held_before_the_break(app):
    _append(app, 5)
    _sql(app, "UPDATE audit_events SET action = 'test.renamed' WHERE id = 3")
    result = _verify(app)
    assert _broken(result) == (3, "its contents do not match its hash (the event was altered)")
    assert (result.count, result.head.id, result.head.hash) == (2, 2, _hash_of(app, 2))
    assert result.report() == (
        "BROKEN at event 3: its contents do not match its hash (the event was altered)")


@sqlite_only
@pytest.mark.parametrize(("tampering", "problem"), [
    ("DELETE FROM audit_events WHERE id = 3",
     "event 3 is missing (the chain continues at event 4)"),
    ("UPDATE audit_events SET prev_hash = hash WHERE id = 3",
     "its previous hash does not match the hash of the event before it"),
    ("UPDATE audit_events SET payload = '{\"details\":{}}' WHERE id = 3",
     "its payload does not match its digest (the payload was altered)"),
    ("UPDATE audit_events SET occurred_at = 'yesterday' WHERE id = 3",
     "its columns cannot be read as an event (ValueError)"),
])
def test_each_kind_of_break_is_named_in_full(app, tampering, problem):
    _append(app, 4)
    _sql(app, tampering)
    assert _broken(_verify(app)) == (3, problem)


@sqlite_only
def test_several_missing_events_are_named_as_a_range(app):
    _append(app, 6)
    _sql(app, "DELETE FROM audit_events WHERE id IN (3, 4)")
    result = _verify(app)
    assert _broken(result) == (3, "events 3 to 4 are missing (the chain continues at event 5)")
    assert (result.count, result.head.id, result.head.hash) == (2, 2, _hash_of(app, 2))


# --- The published head ------------------------------------------------------------------


def test_a_published_head_with_another_hash_breaks_verification(app, audit_cli):
    _append(app, 5)
    assert _verify(app, (5, _hash_of(app, 5))).ok
    assert _verify(app, (3, _hash_of(app, 3))).ok  # an older publication still holds
    assert _broken(_verify(app, (3, _hash_of(app, 4)))) == (
        3, "its hash differs from the published head")
    result = audit_cli("verify", "--expect-head", f"5:{'a' * 64}")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[0] == (
        "BROKEN at event 5: its hash differs from the published head")


@sqlite_only
def test_a_forger_who_rewrites_the_whole_tail_is_caught_by_the_published_head(app):
    _append(app, 5)
    published = (5, _hash_of(app, 5))
    # Rewrite events 4 and 5 with other payloads, recomputing every hash after them.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id >= 4"))
        append(connection, [NewEvent(action="test.forged", actor_kind="system",
                                     payload={"details": {"number": n}}) for n in (3, 4)])
    assert _verify(app).ok  # the chain alone cannot tell
    assert _broken(_verify(app, published)) == (5, "its hash differs from the published head")


# --- Redaction markers and records -----------------------------------------------------


@sqlite_only
def test_a_marker_naming_a_later_ordinary_event_is_caught_at_that_event(app):
    _append(app, 5)
    _mark(app, [2], 4)  # a payload hidden behind event 4, which redacted nothing
    assert _broken(_verify(app)) == (
        4, "it is named by 1 redacted payloads but is not a redaction record")


@sqlite_only
def test_a_marker_naming_its_own_event_is_refused(app):
    _append(app, 4)
    _mark(app, [3], 3)
    assert _broken(_verify(app)) == (
        3, "its payload is marked redacted by an event that does not follow it")


@sqlite_only
def test_a_payload_that_only_looks_like_a_marker_is_refused(app):
    _append(app, 3)
    _sql(app, "UPDATE audit_events SET payload = :payload WHERE id = 2",
         payload='{"__redacted__":"4"}')
    assert _broken(_verify(app)) == (2, "its payload is neither a payload nor a redaction marker")


def test_a_redaction_that_matched_nothing_records_zero_and_verifies(app, audit_cli, audit_events):
    _append(app, 2, case_id=8)
    assert audit_cli("redact", "--case", "9", "--yes").exit_code == 0
    [record] = audit_events("audit.redacted")
    assert json.loads(record.payload)["details"]["redacted_count"] == 0
    assert _verify(app).ok


@sqlite_only
def test_payloads_restored_behind_a_redaction_record_are_caught_by_its_count(
        app, audit_cli, audit_events):
    _append(app, 3, case_id=7)
    originals = [event.payload for event in audit_events()]
    assert audit_cli("redact", "--case", "7", "--yes").exit_code == 0  # event 4
    for event_id, original in enumerate(originals, start=1):
        _sql(app, "UPDATE audit_events SET payload = :payload WHERE id = :id",
             payload=original, id=event_id)
    assert _broken(_verify(app)) == (
        4, "it records 3 redacted payloads but 0 events are marked redacted by it")


@sqlite_only
def test_a_marker_moved_to_another_redaction_record_is_caught_by_both_counts(app, audit_cli):
    _append(app, 3, case_id=7)
    audit_cli("redact", "--case", "7", "--yes")  # event 4 redacts 1-3
    _append(app, 2, case_id=8)
    audit_cli("redact", "--case", "8", "--yes")  # event 7 redacts 5-6
    _mark(app, [3], 7)
    assert _broken(_verify(app)) == (
        4, "it records 3 redacted payloads but 2 events are marked redacted by it")


@sqlite_only
def test_a_redaction_record_whose_own_payload_was_redacted_is_refused(app, audit_cli):
    _append(app, 2, case_id=7)
    audit_cli("redact", "--case", "7", "--yes")  # event 3
    _append(app, 1, case_id=8)
    audit_cli("redact", "--case", "8", "--yes")  # event 5 redacts event 4
    _mark(app, [3], 5)
    assert _broken(_verify(app)) == (3, "it is a redaction record, and its own payload was redacted")


@sqlite_only
def test_markers_naming_events_past_the_end_are_reported_at_the_first_marked_event(app):
    _append(app, 5)
    _mark(app, [2, 3], 100)
    _mark(app, [4], 50)
    result = _verify(app)
    assert _broken(result) == (2, "its payload is marked redacted by event 100, which does not exist")
    assert (result.count, result.head.id) == (5, 5)


# --- Appending -------------------------------------------------------------------------


def _future_head(connection, minutes: int) -> datetime:
    """A first event stamped `minutes` ahead, as written by a server whose clock runs fast."""
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    connection.execute(insert(audit_events), [
        NewEvent(action="test.ahead", actor_kind="system").chained(1, ahead, GENESIS_HASH)])
    return ahead


def test_an_event_after_a_head_from_a_fast_clock_takes_the_head_s_time(app):
    with app.app_context(), db.engine.begin() as connection:
        ahead = _future_head(connection, minutes=10)
        assert append(connection, [NewEvent(action="test.later", actor_kind="system")]) == [2]
        head = read_head(connection)
    assert (head.id, head.occurred_at) == (2, ahead)
    assert _verify(app).ok


def test_times_move_on_along_the_chain(app):
    with app.app_context(), db.engine.begin() as connection:
        first = append(connection, [NewEvent(action="test.first", actor_kind="system")])
        first_time = read_head(connection).occurred_at
        time.sleep(0.002)
        second = append(connection, [NewEvent(action="test.second", actor_kind="system"),
                                     NewEvent(action="test.third", actor_kind="system")])
        rows = connection.execute(
            text("SELECT id, occurred_at, prev_hash, hash FROM audit_events ORDER BY id")).all()
        head = read_head(connection)
    assert (first, second) == ([1], [2, 3])
    assert head.occurred_at > first_time
    assert [row.prev_hash for row in rows] == [GENESIS_HASH, rows[0].hash, rows[1].hash]
    assert rows[1].occurred_at == rows[2].occurred_at  # one append, one time
    assert _verify(app).ok


def test_appending_nothing_writes_nothing(app):
    with app.app_context(), db.engine.begin() as connection:
        assert append(connection, []) == []
        assert append(connection, (event for event in ())) == []  # any iterable
        head = read_head(connection)
    assert head == Head(0, GENESIS_HASH, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        head.id = 1  # a head read is a fact, to be published as it is


def test_text_columns_are_clipped_to_their_width_and_nul_becomes_a_replacement_character():
    long = "\x00" + "x" * 600
    event = NewEvent(action=long, actor_kind=long, actor_name=long, actor_role=long,
                     remote_addr=long, user_agent=long, request_id=long, entity_type=long,
                     entity_id=long, payload={"note": long})
    row = event.chained(7, datetime(2017, 6, 6, 12, tzinfo=UTC), GENESIS_HASH)
    for name in ("action", "actor_kind", "actor_name", "actor_role", "remote_addr", "user_agent",
                 "request_id", "entity_type", "entity_id"):
        width = AuditEvent.__table__.c[name].type.length
        assert row[name] == "\ufffd" + "x" * (width - 1), name
    assert json.loads(row["payload"]) == {"note": long}  # payloads are not clipped
    assert row["payload_digest"] == sha256_hex(row["payload"])
    assert row["hash"] == event_hash(row)
    assert (row["id"], row["prev_hash"]) == (7, GENESIS_HASH)
    empty = NewEvent(action="a", actor_kind="system").chained(1, datetime.now(UTC), GENESIS_HASH)
    assert empty["actor_name"] is None and empty["payload"] == "{}"


# --- Canonical encoding -----------------------------------------------------------------


class Colour(Enum):
    red = "red"
    day = date(2017, 10, 17)


def test_payload_values_become_json_types_deterministically():
    moment = datetime(2017, 6, 6, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    assert json_value(None) is None and json_value(True) is True and json_value(0) == 0
    assert json_value("حي المشلب") == "حي المشلب"
    assert json_value(2.5) == 2.5
    assert json_value(Colour.red) == "red" and json_value(Colour.day) == "2017-10-17"
    assert json_value(moment) == "2017-06-06T12:00:00.000000Z"
    assert json_value(datetime(2017, 6, 6, 12, 30)) == "2017-06-06T12:30:00"
    assert json_value(date(2017, 6, 6)) == "2017-06-06"
    assert json_value(Decimal("1500.50")) == "1500.50"
    assert json_value(UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert json_value({1: Colour.red, "d": {"x": Decimal("1")}}) == {"1": "red", "d": {"x": "1"}}
    assert json_value((Colour.red, [date(2017, 1, 2)])) == ["red", ["2017-01-02"]]
    assert json_value({"b", "a", "c"}) == ["a", "b", "c"]
    assert json_value(frozenset({3, 1, 2})) == [1, 2, 3]
    assert json_value({1, "a"}) == ["a", 1]  # by canonical JSON: '"a"' sorts before '1'
    assert json_value(PurePosixPath("/evidence/x.pdf")) == "/evidence/x.pdf"


@pytest.mark.parametrize(("number", "stored"), [(float("nan"), "nan"), (float("inf"), "inf"),
                                                 (float("-inf"), "-inf")])
def test_numbers_json_cannot_hold_are_stored_as_text(number, stored):
    assert json_value(number) == stored
    assert json_value({"v": [number]}) == {"v": [stored]}
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        canonical_json(number)


@pytest.mark.parametrize("data", [b"scan", bytearray(b"scan"), memoryview(b"scan")])
def test_binary_values_are_stored_as_their_length_and_digest(data):
    assert json_value(data) == {"bytes": 4, "sha256": sha256_hex("scan")}
    assert json_value(b"") == {"bytes": 0, "sha256": SUM_OF_NOTHING}


def test_canonical_json_sorts_keys_has_no_spaces_and_keeps_unicode():
    assert canonical_json({"b": [1, 2], "a": "حي", "c": None}) == '{"a":"حي","b":[1,2],"c":null}'
    assert redaction_marker(12) == '{"__redacted__":12}'
    assert sha256_hex("") == SUM_OF_NOTHING


def test_times_are_hashed_as_utc_with_microseconds():
    moment = datetime(2017, 6, 6, 15, 0, 0, 5, tzinfo=timezone(timedelta(hours=3)))
    assert canonical_time(moment) == "2017-06-06T12:00:00.000005Z"
    assert canonical_time_text(moment) == "2017-06-06T12:00:00.000005Z"
    assert canonical_time_text(datetime(2017, 6, 6, 12)) == "2017-06-06T12:00:00.000000Z"
    postgresql = "2017-06-06T12:00:00.000005Z"
    assert canonical_time_text(postgresql) is postgresql  # PostgreSQL's text, not re-parsed
    assert canonical_time_text("2017-06-06 12:00:00.000005") == "2017-06-06T12:00:00.000005Z"
    assert canonical_time_text("2017-06-06 12:00:00") == "2017-06-06T12:00:00.000000Z"
    assert canonical_time_text("2017-06-06T15:00:00+03:00") == "2017-06-06T12:00:00.000000Z"
