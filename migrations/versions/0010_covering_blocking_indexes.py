"""Duplicate blocking reads only its indexes: the three blocking indexes of persons carry
every column the first ranking of a blocked member needs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

A case page blocks a few hundred namesakes of the household's members. With the indexes
of 0005 each one cost a read of its row, scattered over the whole table: about 1,000
random page reads (up to 65 ms on PostgreSQL at a million cases). With these, the
namesakes of one key sit side by side in the index (index-only scans on PostgreSQL, a
covering index on SQLite): a few pages per key.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

RANKED = ["case_id", "sex", "birth_year", "incident_id", "name_key_ar", "name_key_latin",
          "full_name_key"]


def _covering(*leading: str) -> list[str]:
    return [*leading, *(column for column in RANKED if column not in leading)]


OLD_INDEXES = [
    ("ix_persons_incident_id_name_key_ar", ["incident_id", "name_key_ar"]),
    ("ix_persons_incident_id_name_key_latin", ["incident_id", "name_key_latin"]),
    ("ix_persons_full_name_key_birth_year", ["full_name_key", "birth_year"]),
]
NEW_INDEXES = [
    ("ix_persons_blocking_given_ar", _covering("incident_id", "name_key_ar")),
    ("ix_persons_blocking_given_latin", _covering("incident_id", "name_key_latin")),
    ("ix_persons_blocking_full_name", _covering("full_name_key", "birth_year")),
]


def upgrade():
    for name, _columns in OLD_INDEXES:
        op.drop_index(name, table_name="persons")
    for name, columns in NEW_INDEXES:
        op.create_index(name, "persons", columns, unique=False)
    _refresh_sqlite_statistics()


def downgrade():
    for name, _columns in NEW_INDEXES:
        op.drop_index(name, table_name="persons")
    for name, columns in OLD_INDEXES:
        op.create_index(name, "persons", columns, unique=False)
    _refresh_sqlite_statistics()


def _refresh_sqlite_statistics():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    ).first():
        # As in 0009: where SQLite keeps statistics, new indexes need theirs.
        bind.exec_driver_sql("PRAGMA analysis_limit=2000")
        bind.exec_driver_sql("ANALYZE persons")
