"""With REDIS_URL set, login throttling is shared through Redis by every worker process."""

from __future__ import annotations

import uuid

import pytest
import redis

from casework import create_app

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_failures_counted_by_one_worker_throttle_another(app):
    config = {"CASEWORK_ENV": "testing", "SECRET_KEY": "x" * 32, "WTF_CSRF_ENABLED": False,
              "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": REDIS_URL,
              "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192}
    first, second = create_app(config), create_app(config)
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    email = f"{uuid.uuid4().hex}@example.org"
    address = {"REMOTE_ADDR": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    try:
        for _ in range(10):
            response = first.test_client().post(
                "/login", data={"email": email, "password": "w" * 12}, environ_base=address)
            assert response.status_code == 200
        blocked = second.test_client().post(
            "/login", data={"email": email, "password": "w" * 12}, environ_base=address)
        assert blocked.status_code == 429
        # The counts live in Redis, where every gunicorn worker sees them.
        keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).keys("*")]
        assert any("login-account" in key and email in key for key in keys), keys
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
        # The limiter's storage belongs to the last app initialised: give the suite memory back.
        create_app({**config, "REDIS_URL": None})
