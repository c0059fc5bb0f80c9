"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.core.errors import InvalidInput


@cache
def _hasher_with(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)  # argon2id


def _hasher() -> PasswordHasher:
    """argon2id with the configured cost (the library's recommended one unless lowered in tests)."""
    config = current_app.config
    return _hasher_with(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"])


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so that timing does not reveal accounts."""
    return hasher.hash("casework-dummy-password-for-timing")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def check_password_policy(password: str, email: str = "") -> None:
    """Raise InvalidInput unless the password is long enough and not a common one."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise InvalidInput(
            _l("A password needs at least %(n)d characters.", n=minimum), "password"
        )
    lowered = password.lower()
    local_part = email.split("@")[0].lower()
    if lowered in common_passwords() or (local_part and local_part in lowered):
        raise InvalidInput(
            _l("That password is too common or too easy to guess; choose another."), "password"
        )


# Temporary passwords an admin reads out or hands over: no letters or digits that look alike.
UNAMBIGUOUS_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password(email: str = "") -> str:
    """A random password that meets the policy, in groups of four characters (at least four
    groups, about 79 bits), e.g. `k7mp-x3qd-9fha-tr2w`: easy to dictate, and replaced by the
    user at the next login."""
    groups = max(4, -(-(current_app.config["PASSWORD_MIN_LENGTH"] + 1) // 5))
    local_part = email.split("@")[0].lower()
    while True:
        password = "-".join(
            "".join(secrets.choice(UNAMBIGUOUS_CHARACTERS) for _ in range(4))
            for _ in range(groups))
        if not local_part or local_part not in password:
            return password
