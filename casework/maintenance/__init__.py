"""Operating the system: least-privilege database roles, backups and their restore.

Why a package of its own
------------------------
These commands act on the whole installation (every table, every file store), not on one
domain's records, so they sit on the top layer beside the demo: they may read any domain's
settings (where evidence is stored, where audit checkpoints are kept), and no domain
imports them.

- ``roles``: the SQL that creates the two PostgreSQL roles (an owner that migrates, an
  application role that may never change the audit trail) and the application role's
  rights, re-applied after every migration (``migrations/env.py``).
- ``backup``: a consistent backup (database dump, evidence store, audit checkpoints, a
  manifest of SHA-256 sums) and its restore into an empty database and empty folders.
- ``cli``: ``flask db roles`` and ``flask backup create | verify | restore``.
"""
