"""Signed audit checkpoints: the key, the signature, the public list, the schedule, and
`audit verify` naming a truncated or rewritten tail (issue 10, finding 6; the finding's own
regression tests are in test_security_regressions.py)."""

from __future__ import annotations

import base64
import json
import stat
import time
from datetime import timedelta

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from rq import Queue

from casework.audit.chain import canonical_json
from casework.core.jobs import QUEUE_NAME, AppWorker
from tests.fixtures_audit import append_events, tamper_as_owner


def _checkpoint(audit_cli) -> str:
    result = audit_cli("checkpoint")
    assert result.exit_code == 0, result.output
    return result.output


def test_keygen_writes_a_key_only_its_owner_can_read_and_never_replaces_it(
    app, audit_cli, audit_signing
):
    assert stat.S_IMODE(audit_signing.key.stat().st_mode) == 0o400
    assert stat.S_IMODE(audit_signing.public_key.stat().st_mode) == 0o444
    assert "BEGIN PUBLIC KEY" in audit_signing.public_key.read_text()
    private_before = audit_signing.key.read_bytes()
    again = audit_cli("keygen")
    assert again.exit_code != 0 and "exists already" in again.output
    assert audit_signing.key.read_bytes() == private_before


def test_a_checkpoint_signs_the_count_and_head_and_verify_checks_the_chain_against_it(
    app, audit_cli, audit_signing, audit_events
):
    append_events(app, 3)
    head = audit_events()[-1]
    assert f"3 events, head 3 {head.hash}" in _checkpoint(audit_cli)
    [path] = audit_signing.files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    checkpoint = json.loads(path.read_text())
    assert (checkpoint["count"], checkpoint["head_id"], checkpoint["head_hash"]) == (3, 3, head.hash)
    assert checkpoint["head_time"] and checkpoint["signed_at"]
    # Anyone holding the public key checks it: the signature is over the canonical JSON
    # of the checkpoint without its signature.
    public_key = load_pem_public_key(audit_signing.public_key.read_bytes())
    signed = {name: value for name, value in checkpoint.items() if name != "signature"}
    public_key.verify(base64.b64decode(checkpoint["signature"]), canonical_json(signed).encode())

    verified = audit_cli("verify")
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines() == [
        f"OK 3 events, head 3 {head.hash}",
        f"Checked against the latest signed checkpoint, {path.name}.",
    ]
    # Events after the checkpoint are fine: it pins what it signed, not the end.
    append_events(app, 2)
    assert audit_cli("verify").exit_code == 0


def test_verify_names_a_rewritten_tail_and_the_last_event_a_checkpoint_confirms(
    app, audit_cli, audit_signing
):
    append_events(app, 3)
    _checkpoint(audit_cli)
    append_events(app, 2)
    _checkpoint(audit_cli)
    # The two newest events are replaced by three others, chained properly: the chain
    # alone verifies, only the checkpoint of event 5 tells.
    tamper_as_owner(app, "DELETE FROM audit_events WHERE id > 3")
    append_events(app, 3)
    result = audit_cli("verify")
    assert result.exit_code == 1
    assert result.output.startswith("BROKEN at event 5: its hash differs from the one the "
                                    "checkpoint signed at ")
    assert "the events after event 3 (the last one a checkpoint confirms) were rewritten" in \
        result.output


def test_no_checkpoint_is_signed_over_a_chain_that_lost_what_the_last_one_signed(
    app, audit_cli, audit_signing
):
    append_events(app, 4)
    _checkpoint(audit_cli)
    tamper_as_owner(app, "DELETE FROM audit_events WHERE id > 2")
    result = audit_cli("checkpoint")
    assert result.exit_code == 1
    assert result.output.startswith("BROKEN at event 3: events 3 to 4 are missing")
    assert "No checkpoint was signed" in result.output
    assert len(audit_signing.files()) == 1


def test_without_a_signing_key_a_checkpoint_says_how_to_make_one(app, audit_cli, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(tmp_path / "none.pem"))
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PATH", str(tmp_path / "checkpoints"))
    result = audit_cli("checkpoint")
    assert result.exit_code != 0 and "audit keygen" in result.output
    assert not (tmp_path / "checkpoints").exists() or not any((tmp_path / "checkpoints").iterdir())


def test_verify_fails_when_checkpoints_exist_but_their_public_key_is_gone(
    app, audit_cli, audit_signing, monkeypatch
):
    append_events(app, 2)
    _checkpoint(audit_cli)
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(audit_signing.key) + ".moved")
    result = audit_cli("verify")
    assert result.exit_code == 1
    assert "checkpoints exist but there is no audit public key to check them" in result.output


def test_a_checkpoint_signed_by_another_key_is_refused(app, audit_cli, audit_signing, tmp_path,
                                                       monkeypatch):
    append_events(app, 2)
    _checkpoint(audit_cli)
    other = tmp_path / "other" / "key.pem"
    assert audit_cli("keygen", "--key", str(other)).exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(other))
    result = audit_cli("verify")
    assert result.exit_code == 1
    assert "not by the configured audit key" in result.output


def test_the_public_list_pages_by_checkpoint_name_and_refuses_a_malformed_cursor(
    app, audit_cli, audit_signing
):
    client = app.test_client()
    append_events(app, 1)
    _checkpoint(audit_cli)
    append_events(app, 1)
    _checkpoint(audit_cli)
    listed = client.get("/audit/checkpoints").get_json()
    first, second = listed["checkpoints"]
    assert (first["head_id"], second["head_id"]) == (1, 2)
    assert listed["next"] is None
    rest = client.get(f"/audit/checkpoints?after={first['name']}").get_json()
    assert [entry["name"] for entry in rest["checkpoints"]] == [second["name"]]
    assert client.get("/audit/checkpoints?after=../../etc/passwd").status_code == 400


def test_an_unreadable_checkpoint_file_is_listed_with_the_reason(app, audit_cli, audit_signing):
    append_events(app, 1)
    _checkpoint(audit_cli)
    [path] = audit_signing.files()
    path.chmod(0o644)
    path.write_text("{not json")
    [entry] = app.test_client().get("/audit/checkpoints").get_json()["checkpoints"]
    assert entry["name"] == path.stem and "cannot be read" in entry["unreadable"]
    result = audit_cli("verify")
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_with_jobs_inline_a_request_makes_a_checkpoint_when_the_last_is_older_than_the_interval(
    app, audit_signing, monkeypatch
):
    client = app.test_client()
    append_events(app, 2)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", timedelta(hours=1))
    client.get("/healthz")
    [first] = audit_signing.files()
    assert json.loads(first.read_text())["head_id"] == 2
    client.get("/healthz")
    assert audit_signing.files() == [first]  # the last one is younger than an hour

    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", timedelta(milliseconds=50))
    time.sleep(0.1)
    client.get("/healthz")
    assert len(audit_signing.files()) == 2


def test_with_redis_the_checkpoint_is_a_job_for_the_worker(app, audit_signing, monkeypatch,
                                                           redis_database):
    append_events(app, 3)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_database.url)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", timedelta(hours=1))
    app.test_client().get("/healthz")
    queue = Queue(QUEUE_NAME, connection=redis_database.connection)
    assert queue.count == 1 and audit_signing.files() == []
    AppWorker([queue], connection=redis_database.connection, app=app).work(burst=True)
    [path] = audit_signing.files()
    assert json.loads(path.read_text())["count"] == 3


def test_no_key_no_interval_no_checkpoint(app, audit_signing, monkeypatch):
    append_events(app, 1)
    app.test_client().get("/healthz")
    assert audit_signing.files() == []  # the fixture's interval is None: on demand only
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", timedelta(hours=1))
    audit_signing.key.chmod(0o600)
    audit_signing.key.unlink()
    app.test_client().get("/healthz")
    assert audit_signing.files() == []
