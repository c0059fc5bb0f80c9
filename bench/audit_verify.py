"""Benchmark `flask audit verify`: generate N chained events, then time the verification.

    .venv/bin/python bench/audit_verify.py --events 1000000
    .venv/bin/python bench/audit_verify.py --events 1000000 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_audit

The database must be new or hold only an audit trail made by this script: the schema
is built by the migrations, the audit table emptied, then filled with events whose
chain is computed exactly as the application computes it (`NewEvent.chained`). With
no --database-url, a SQLite file in a temporary directory is used and removed
afterwards. Verification runs as the real command, `flask --app wsgi audit verify`,
in a child process: its wall time, its peak memory and the events per second are
printed. Nothing is written inside the repository.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework import create_app  # noqa: E402
from casework.audit.chain import GENESIS_HASH, NewEvent, audit_events  # noqa: E402
from casework.extensions import db  # noqa: E402

BATCH = 20_000
ACTIONS = ("create", "update", "update", "update", "delete", "case.opened", "auth.login",
           "evidence.downloaded", "access.denied")


def events(count: int, seed: int = 2017):
    """Rows shaped like real ones: users editing records of cases, from an office network."""
    rng = random.Random(seed)
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    prev_hash = GENESIS_HASH
    for number in range(1, count + 1):
        moment += timedelta(microseconds=rng.randrange(1, 4_000_000))
        action = rng.choice(ACTIONS)
        case_id = rng.randrange(1, 200_000)
        if action in ("create", "update", "delete"):
            old, new = rng.choice((("intake", "registered"), ("registered", "under_review"),
                                   (None, "eligible")))
            payload = {"changes": {"stage": {"old": old, "new": new},
                                   "updated_at": {"new": moment.isoformat()},
                                   "notes": {"old": "زيارة ميدانية", "new": "Site visit done"}}}
        else:
            payload = {"details": {"method": "GET", "path": f"/cases/{case_id}"}}
        event = NewEvent(
            action=action, actor_kind="user", actor_id=rng.randrange(1, 400),
            actor_role=rng.choice(("caseworker", "supervisor", "auditor")),
            remote_addr=f"10.20.{rng.randrange(256)}.{rng.randrange(256)}",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            request_id=f"{rng.getrandbits(128):032x}", entity_type="cases",
            entity_id=str(case_id), case_id=case_id, office_id=rng.randrange(1, 12),
            payload=payload,
        )
        row = event.chained(number, moment, prev_hash)
        prev_hash = row["hash"]
        yield row


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(count: int) -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replica mode skips the append-only triggers, as the test suite's cleanup does.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text("TRUNCATE audit_events"))
        else:
            connection.execute(text("DELETE FROM audit_events"))
    columns = [column.name for column in audit_events.columns]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY audit_events ({', '.join(columns)}) FROM STDIN") as copy:
                for row in events(count):
                    copy.write_row([row[name] for name in columns])
        else:
            for batch in _batches(events(count), BATCH):
                connection.execute(insert(audit_events), batch)


def verify_command(database_url: str, instance: str) -> tuple[float, float, int, str]:
    """Run `flask audit verify`: wall seconds, CPU seconds, peak memory (KiB), last line."""
    env = {**os.environ, "DATABASE_URL": database_url, "CASEWORK_INSTANCE_PATH": instance}
    flask = str(Path(sys.executable).with_name("flask"))
    started = time.perf_counter()
    completed = subprocess.run([flask, "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = (completed.stdout + completed.stderr).strip().splitlines()
    line = output[-1] if output else f"exit {completed.returncode}"
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--skip-generate", action="store_true",
                        help="verify the events already in the database")
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    database_url = arguments.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["CASEWORK_INSTANCE_PATH"] = str(workdir)
    try:
        app = create_app({"DATABASE_URL": database_url})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            if not arguments.skip_generate:
                started = time.perf_counter()
                generate(arguments.events)
                elapsed = time.perf_counter() - started
                print(f"generated {arguments.events} events in {elapsed:.1f} s "
                      f"({arguments.events / elapsed:,.0f} events/s)")
            db.engine.dispose()
        elapsed, cpu, peak_kib, line = verify_command(database_url, str(workdir))
        print(line)
        print(f"verified in {elapsed:.1f} s ({arguments.events / elapsed:,.0f} events/s, "
              f"process start included; {cpu:.1f} s CPU in the command), "
              f"peak memory {peak_kib / 1024:.0f} MiB")
        return 0 if line.startswith("OK") else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
