"""With REDIS_URL set, login throttling is shared through Redis by every worker process."""

from __future__ import annotations

import uuid

import redis

from casework import create_app


def test_failures_counted_by_one_worker_throttle_another(app, redis_database, restore_limiter):
    config = {"CASEWORK_ENV": "testing", "SECRET_KEY": "x" * 32, "WTF_CSRF_ENABLED": False,
              "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": redis_database.url,
              "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192}
    first, second = create_app(config), create_app(config)
    assert first.config["RATELIMIT_STORAGE_URI"] == redis_database.url
    email = f"{uuid.uuid4().hex}@example.org"
    address = {"REMOTE_ADDR": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    for _ in range(10):
        response = first.test_client().post(
            "/login", data={"email": email, "password": "w" * 12}, environ_base=address)
        assert response.status_code == 200
    blocked = second.test_client().post(
        "/login", data={"email": email, "password": "w" * 12}, environ_base=address)
    assert blocked.status_code == 429
    # The counts live in Redis, where every gunicorn worker sees them.
    keys = [key.decode() for key in redis.Redis.from_url(redis_database.url).keys("*")]
    assert any("login-account" in key and email in key for key in keys), keys
