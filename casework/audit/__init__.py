"""The audit trail: append-only, hash-chained, readable by auditors.

How it fits together
--------------------
- ``capture``: listens to Flask-SQLAlchemy's session. Every insert, update and
  delete of every mapped model is captured with old and new values, unless the
  model declares ``__audit_exempt__ = "<reason>"``; ``__audit_secret_columns__``
  are recorded as changed, never with a value. The case of an event is the
  object's ``audit_case_id``, else ``case_id``, else its own id for ``cases``;
  its office is the object's (or the case's) ``office_id``.
- ``listeners``: one receiver per signal in ``casework.core.signals``.
- ``chain``: canonical JSON, SHA-256, the append lock, streaming verification.
- ``operations``: record events, verify, redact payloads (retention).
- ``queries`` / ``controllers`` / ``blueprint``: the auditor pages, the CSV
  export, the case timeline (``templates/audit/_timeline.html`` for case pages), a shared
  record's history (``audit_record_history`` for the incident page).
- ``entries``: a page of events told as sentences (casework.core.history: each domain
  registers how its events read), names loaded once per kind, bookkeeping and reads folded;
  ``history``: the sentences of the trail's own events (reads, exports, verifications,
  redactions, refusals).
- ``checkpoints``: the chain's head signed (Ed25519) at intervals and on demand, written
  outside the database and listed publicly at ``/audit/checkpoints``; ``verify`` checks
  the chain against the latest one, so deleting the newest events is caught.
- ``cli``: ``flask audit verify | head | checkpoint | keygen | redact``.

Decisions
---------
- Same transaction: captured changes wait, per transaction or savepoint, until
  commit; they are chained and inserted in ``before_commit`` through the
  session's own connection. A rollback (or rolled-back savepoint) drops them.
- A login writes the account's row (last login, TOTP counter) before anyone is logged
  in; when the login is confirmed, in the same transaction, those queued changes are given
  to the user who logged in (``capture.attribute_queued``), never to "not logged in".
- Events with no change of their own (reads, exports, refusals) are written in a
  separate transaction once the session's transaction has ended, so an access
  refusal survives the rollback of the request that was refused, and never waits
  for a lock its own request holds.
- Appends are serialized by ``pg_advisory_xact_lock`` on PostgreSQL, by the
  database write lock on SQLite, taken explicitly with a write that touches no
  row *before* the head is read (our BEGIN is deferred). Sequence numbers are the
  primary key, allocated as head + 1 under that lock: gapless and unique.
- Times never go backwards along the chain, so date filters become id ranges.
- Redaction replaces a payload by ``{"__redacted__": <id of the redaction
  record>}``. The hash covers the payload only through its digest, so the chain
  still verifies; ``verify`` checks that each redaction record accounts for
  exactly the payloads that name it. On PostgreSQL the append-only trigger
  allows exactly this update and nothing else, and only the schema owner runs it:
  the application's role may not UPDATE the table at all (casework.maintenance.roles).
"""
