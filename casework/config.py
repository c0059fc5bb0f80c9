"""Configuration: defaults < instance/config.py < environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")


class ConfigurationError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def default_settings(instance_path: str) -> dict:
    return {
        "CASEWORK_ENV": "development",
        "SECRET_KEY": None,
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "casework.sqlite3"),
        "REDIS_URL": None,
        # How many proxies in front of the app set X-Forwarded-For; 0 trusts none.
        "TRUSTED_PROXY_COUNT": 0,
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        "LOGIN_FAILURE_LIMIT": "10 per 15 minutes",
        "PASSWORD_MIN_LENGTH": 12,
        # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "TOTP_ISSUER": "Casework",
        "LANGUAGES": ("en", "ar"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024 + 64 * 1024,
        # Evidence files: where they are stored (default <instance>/evidence, outside the
        # web root) and the largest accepted. A request may carry the file plus its form.
        "EVIDENCE_PATH": None,
        "EVIDENCE_MAX_BYTES": 25 * 1024 * 1024,
        # The role that owns the schema: migrations, the audit retention redaction and
        # restores connect with it; the application itself connects with DATABASE_URL, a
        # role that may never change the audit trail (README, Production). Unset: one role.
        "MIGRATION_DATABASE_URL": None,
        # Signed audit checkpoints (casework.audit.checkpoints): where they are written
        # (default <instance>/audit-checkpoints), the Ed25519 key that signs them (default
        # <instance>/audit-signing-key.pem, made by `flask audit keygen`), its public half
        # (default: the key's path + ".pub") and how often one is signed (None: on demand).
        "AUDIT_CHECKPOINT_PATH": None,
        "AUDIT_SIGNING_KEY": None,
        "AUDIT_PUBLIC_KEY": None,
        "AUDIT_CHECKPOINT_INTERVAL": timedelta(hours=1),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


ENVIRONMENT_KEYS = (
    "CASEWORK_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "TRUSTED_PROXY_COUNT",
    "MIGRATION_DATABASE_URL",
    "AUDIT_CHECKPOINT_PATH",
    "AUDIT_SIGNING_KEY",
    "AUDIT_PUBLIC_KEY",
)


def from_environment() -> dict:
    values: dict = {}
    for key in ENVIRONMENT_KEYS:
        if key in os.environ and os.environ[key] != "":
            values[key] = os.environ[key]
    if "TRUSTED_PROXY_COUNT" in values:
        values["TRUSTED_PROXY_COUNT"] = int(values["TRUSTED_PROXY_COUNT"])
    return values


def sqlalchemy_url(database_url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling of the URL was given."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    return database_url


def finalise(config: dict) -> None:
    """Derive settings and refuse configurations that are unsafe to run."""
    env = config["CASEWORK_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"CASEWORK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}."
        )
    if not config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Casework refuses to start in production without it: "
                "set the SECRET_KEY environment variable (or SECRET_KEY in instance/config.py) "
                "to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        # Development and testing only: a per-process key (sessions end on restart).
        config["SECRET_KEY"] = os.urandom(32).hex()
    if env == "production" and not config.get("REDIS_URL"):
        # Without Redis each gunicorn worker would count failed logins on its own, so
        # four workers would allow four times the limit.
        raise ConfigurationError(
            "REDIS_URL is not set. Casework refuses to start in production without it: "
            "login throttling keeps its counts in Redis, shared by every worker process "
            "(in memory each worker would count on its own). Set the REDIS_URL environment "
            "variable (or REDIS_URL in instance/config.py), e.g. "
            "redis://redis.internal:6379/0."
        )
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(config["DATABASE_URL"])
    owner_url = config.get("MIGRATION_DATABASE_URL")
    config["MIGRATION_SQLALCHEMY_URI"] = sqlalchemy_url(owner_url) if owner_url else None
    # A raised evidence limit must not be cut short by the request size limit (413).
    if config["MAX_CONTENT_LENGTH"] is not None:
        config["MAX_CONTENT_LENGTH"] = max(
            config["MAX_CONTENT_LENGTH"], config["EVIDENCE_MAX_BYTES"] + 64 * 1024
        )
    secure = env == "production"
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_ABSOLUTE_TIMEOUT"]
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    config["RATELIMIT_HEADERS_ENABLED"] = False
    config["TESTING"] = config.get("TESTING", False) or env == "testing"
