"""Signals the domains emit and the audit trail listens to.

Writes to domain records are captured from the database session itself; these
signals cover what is not a write (logins, reads, exports) and the facts a
write alone does not tell (a role change, a password change).
"""

from blinker import Namespace

_signals = Namespace()

login_succeeded = _signals.signal("login-succeeded")  # user
login_failed = _signals.signal("login-failed")  # email, reason
logged_out = _signals.signal("logged-out")  # user
password_changed = _signals.signal("password-changed")  # user
totp_enrolled = _signals.signal("totp-enrolled")  # user
user_role_or_office_changed = _signals.signal("user-role-or-office-changed")  # user, before, after
user_deactivated = _signals.signal("user-deactivated")  # user
access_denied = _signals.signal("access-denied")  # action, obj
session_expired = _signals.signal("session-expired")  # user, reason

# Sensitive reads and exports, emitted by the domains that serve them.
case_opened = _signals.signal("case-opened")  # case
evidence_downloaded = _signals.signal("evidence-downloaded")  # evidence
letter_downloaded = _signals.signal("letter-downloaded")  # letter
export_made = _signals.signal("export-made")  # kind, filters, row_count

# Domain facts other domains react to.
# New evidence on a case (an ineligible or closed case may then be offered for reopening).
evidence_added = _signals.signal("evidence-added")  # evidence, case

# Facts other domains react to (the workflow queues affected cases for reconsideration).
# Sent with incident, assessment, previous (the credibility before it).
incident_assessment_recorded = _signals.signal("incident-assessment-recorded")
