"""Time-based one-time passwords (RFC 6238) with single use of each code."""

from __future__ import annotations

import time

import pyotp
import segno

# Codes from one step before or after the current one are accepted (clock drift).
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """An SVG QR code of the URI as a data: URI (served inline, nothing fetched)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def matching_counter(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals `code`, within the allowed drift, else None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
