"""Recompute the stored name keys of the persons whose names the variant table rewrites
(casework.intake.names.NAME_VARIANTS: Fatma is Fatima, Mariam is Maryam, داوود is داود).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Search and duplicate blocking compare stored keys, so a name spelled as one of the
table's variants must be stored under its name's key. Only persons whose stored keys
contain a word the table rewrites (or a word it rewrites to) are read again and updated;
the downgrade recomputes the same persons without the table. The keys are derived
columns: like migration 0005, this writes them through Core, without audit events (the
names themselves do not change). The full-text index follows the columns (its triggers
on SQLite, the generated column on PostgreSQL).
"""

import sqlalchemy as sa
from alembic import op

from casework.intake.names import person_name_columns, variant_keys

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEY_COLUMNS = ("name_ar_norm", "name_latin_norm", "name_key_ar", "name_key_latin", "full_name_key")
BATCH = 5000


def _recompute(variants: bool) -> None:
    connection = op.get_bind()
    persons = sa.table("persons", sa.column("id"), sa.column("name_ar"), sa.column("name_latin"),
                       *(sa.column(name) for name in KEY_COLUMNS))
    touched = variant_keys()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(persons).where(persons.c.id > last_id).order_by(persons.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for row in rows:
            words = {*(row.name_ar_norm or "").split(), *(row.name_latin_norm or "").split()}
            if not words & touched:
                continue
            columns = person_name_columns(row.name_ar, row.name_latin, variants=variants)
            if any(getattr(row, name) != columns[name] for name in KEY_COLUMNS):
                changes.append({"person_id": row.id, **columns})
        if changes:
            connection.execute(
                persons.update().where(persons.c.id == sa.bindparam("person_id")), changes)
        last_id = rows[-1].id


def upgrade():
    _recompute(variants=True)


def downgrade():
    _recompute(variants=False)
