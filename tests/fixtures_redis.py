"""Redis fixtures: a Redis database of the run's own, and apps bound to Redis undone.

Two suite runs on one machine, and the pytest-xdist workers of each, must not see each
other's keys (a queued job taken by the wrong worker, throttling counts of another run,
a `flushdb` wiping another run's queue). Each process claims a free Redis database, 1 to 15
(0 is where applications usually keep their data), with a key that expires if the run is
killed, uses that database only, and empties that database only. Without Redis on
127.0.0.1:6379 (TEST_REDIS_URL to use another server) the tests that need it are skipped.

Flask-Limiter's extension is shared by every app of the process, and the last app built
binds it to its storage: a test that builds an app with REDIS_URL (a production app must
have one) gives the suite's memory storage back afterwards (`restore_limiter`).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from casework import create_app

REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
CLAIM_KEY = b"casework-tests:claimed-by"
CLAIM_SECONDS = 6 * 60 * 60
CLAIMABLE_DATABASES = range(15, 0, -1)
# What a production app needs besides its database. The Redis address is never contacted:
# only tests that bind the limiter to it, and `restore_limiter` unbinds it.
PRODUCTION_SETTINGS = {"CASEWORK_ENV": "production", "SECRET_KEY": "k" * 64,
                       "REDIS_URL": "redis://redis.invalid:6379/0"}


@dataclass
class RedisDatabase:
    """A Redis database this process claimed: every key in it but the claim is its own."""

    url: str
    connection: redis.Redis
    claim: str

    def empty(self) -> None:
        keys = [key for key in self.connection.scan_iter(count=1000) if key != CLAIM_KEY]
        if keys:
            self.connection.delete(*keys)

    def release(self) -> None:
        self.empty()
        if self.connection.get(CLAIM_KEY) == self.claim.encode():
            self.connection.delete(CLAIM_KEY)
        self.connection.close()


def _claim_database(claim: str) -> RedisDatabase | None:
    """The first database no one has claimed and no one uses, claimed; None if all are."""
    for number in CLAIMABLE_DATABASES:
        url = f"{REDIS_SERVER}/{number}"
        connection = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            if connection.set(CLAIM_KEY, claim, nx=True, ex=CLAIM_SECONDS):
                if connection.dbsize() == 1:
                    return RedisDatabase(url, connection, claim)
                connection.delete(CLAIM_KEY)  # keys of someone else's: not ours to use
        except redis.ResponseError:  # the server has fewer databases
            pass
        connection.close()
    return None


@pytest.fixture(scope="session")
def _claimed_redis() -> Iterator[RedisDatabase | None]:
    claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    try:
        database = _claim_database(claim)
    except redis.RedisError:
        database = None
    yield database
    if database is not None:
        database.release()


@pytest.fixture
def redis_database(_claimed_redis) -> Iterator[RedisDatabase]:
    """This run's own Redis database, empty when the test starts and after it."""
    if _claimed_redis is None:
        pytest.skip(f"no Redis database of our own at {REDIS_SERVER} "
                    "(Redis not running, or databases 1-15 all in use)")
    _claimed_redis.empty()
    yield _claimed_redis
    _claimed_redis.empty()


@pytest.fixture
def restore_limiter() -> Iterator[None]:
    """After the test, bind the shared limiter to memory storage again, as the suite's app
    has it (building an app is what binds it)."""
    yield
    create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://",
                "REDIS_URL": None})


@pytest.fixture
def production_settings(restore_limiter) -> dict:
    """Settings a production app starts with, but its database."""
    return dict(PRODUCTION_SETTINGS)
