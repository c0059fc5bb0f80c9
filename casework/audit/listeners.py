"""The audit trail listens: to the session (every write) and to the domains' signals.

Signals that accompany a change the emitter commits (a login updates the user,
a failed login is committed on purpose) are recorded with that transaction.
Signals with no change of their own (reads, exports, refusals) are recorded
independently, because the request that sends them may never commit: an access
refusal is sent right before abort(), and the request's transaction is then
rolled back.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from casework.audit import capture
from casework.audit.context import current_actor
from casework.audit.operations import record_access, record_event
from casework.core import signals
from casework.extensions import db


def _request_details() -> dict[str, Any]:
    if not has_request_context():
        return {}
    return {"method": request.method, "path": request.path, "endpoint": request.endpoint}


def on_login_succeeded(sender, user, **extra) -> None:
    actor = current_actor(user)
    # The account's bookkeeping written on the way in (last login, TOTP counter) is the
    # user's, not "not logged in"'s: the login is confirmed in the same transaction.
    capture.attribute_queued(db.session(), user, actor)
    record_event("auth.login", user, actor=actor)


def on_login_failed(sender, email: str = "", reason: str = "", user=None, **extra) -> None:
    # Attributed to nobody: whoever tried is not known to be the account's owner. What was
    # typed as the email is kept only if it looks like one: people type passwords there too.
    typed = email if "@" in email and " " not in email.strip() else "[not an email address]"
    record_event("auth.login_failed", user, {"email": typed, "reason": reason})


def on_logged_out(sender, user, **extra) -> None:
    record_event("auth.logout", user, actor=current_actor(user))


def on_password_changed(sender, user, **extra) -> None:
    record_event("auth.password_changed", user, actor=current_actor(user))


def on_totp_enrolled(sender, user, **extra) -> None:
    record_event("auth.totp_enrolled", user, actor=current_actor(user))


def on_session_expired(sender, user, reason: str = "", **extra) -> None:
    record_event("auth.session_expired", user, {"reason": reason}, actor=current_actor(user))


def on_role_or_office_changed(sender, user, before=None, after=None, **extra) -> None:
    record_event("users.role_or_office_changed", user, {"before": before, "after": after})


def on_user_deactivated(sender, user, **extra) -> None:
    record_event("users.deactivated", user)


def on_access_denied(sender, action=None, obj=None, **extra) -> None:
    record_access("access.denied", obj, {"action": str(action) if action else None,
                                         **_request_details()})


def on_case_opened(sender, case, **extra) -> None:
    record_access("case.opened", case, _request_details())


def on_evidence_downloaded(sender, evidence, **extra) -> None:
    record_access("evidence.downloaded", evidence, _request_details())


def on_letter_downloaded(sender, letter, **extra) -> None:
    record_access("letter.downloaded", letter, _request_details())


def on_export_made(sender, kind: str = "", filters=None, row_count=None, **extra) -> None:
    record_access("export.made", None, {"kind": kind, "filters": filters or {},
                                        "row_count": row_count, **_request_details()})


RECEIVERS = {
    signals.login_succeeded: on_login_succeeded,
    signals.login_failed: on_login_failed,
    signals.logged_out: on_logged_out,
    signals.password_changed: on_password_changed,
    signals.totp_enrolled: on_totp_enrolled,
    signals.session_expired: on_session_expired,
    signals.user_role_or_office_changed: on_role_or_office_changed,
    signals.user_deactivated: on_user_deactivated,
    signals.access_denied: on_access_denied,
    signals.case_opened: on_case_opened,
    signals.evidence_downloaded: on_evidence_downloaded,
    signals.letter_downloaded: on_letter_downloaded,
    signals.export_made: on_export_made,
}


# Signals that announce a write: the write itself is captured from the session, so the
# audit trail does not listen to them (other domains do).
CAPTURED_AS_WRITES = {
    "evidence-added": "the evidence row's insert is captured, with its case",
    "incident-assessment-recorded": "the incident's update is captured, with old and new values",
}


def install_audit_trail() -> None:
    """Capture every write and listen to every signal (safe to call once per app)."""
    capture.install_capture()
    for signal, receiver in RECEIVERS.items():
        signal.connect(receiver, weak=False)
