"""Eligibility criteria in Arabic and in English: each criterion's title and guidance become
a pair of columns (`title_ar`, `title_en`, `guidance_ar`, `guidance_en`), with at least one
title.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

The criteria published so far were written in English: their texts become the English
texts, and their Arabic texts are empty until an admin publishes a version that has them
(a published version is never rewritten, as reviews keep the version they were made on).
While a text is empty, readers of that language see the other one, marked with its
language (casework.core.bilingual), and the admins' criteria pages say which are missing.

The table is altered in place, never copied: batch mode's copy would drop the table that
review findings reference, which SQLite refuses (foreign keys are on) as soon as a review
exists. SQLite (3.35 or newer) renames, adds and drops the columns itself; it cannot add a
table's CHECK constraint to an existing table, so there the check is the Arabic title's
column constraint, which says the same. The downgrade keeps, for each criterion, its English
text or else its Arabic one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "eligibility_criteria"
HAS_TITLE = "ck_eligibility_criteria_has_title"
HAS_TITLE_CHECK = "title_ar IS NOT NULL OR title_en IS NOT NULL"

criteria = sa.table(
    TABLE,
    sa.column("title", sa.String),
    sa.column("title_ar", sa.String),
    sa.column("title_en", sa.String),
    sa.column("guidance_ar", sa.Text),
    sa.column("guidance_en", sa.Text),
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    with op.batch_alter_table(TABLE, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("title_en", sa.String(length=300), nullable=True))
        batch_op.alter_column("guidance", new_column_name="guidance_en")
        batch_op.add_column(sa.Column("guidance_ar", sa.Text(), nullable=True))
    op.execute(criteria.update().values(title_en=criteria.c.title))
    with op.batch_alter_table(TABLE, recreate="never") as batch_op:
        batch_op.drop_column("title")
    if _is_sqlite():
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN title_ar VARCHAR(300) "
                   f"CONSTRAINT {HAS_TITLE} CHECK ({HAS_TITLE_CHECK})")
    else:
        op.add_column(TABLE, sa.Column("title_ar", sa.String(length=300), nullable=True))
        op.create_check_constraint(op.f(HAS_TITLE), TABLE, HAS_TITLE_CHECK)


def downgrade():
    op.execute(criteria.update().where(criteria.c.title_en.is_(None))
               .values(title_en=criteria.c.title_ar))
    op.execute(criteria.update().where(criteria.c.guidance_en.is_(None))
               .values(guidance_en=criteria.c.guidance_ar))
    if not _is_sqlite():
        op.drop_constraint(op.f(HAS_TITLE), TABLE, type_="check")
    with op.batch_alter_table(TABLE, recreate="never") as batch_op:
        # On SQLite the check goes with the column it belongs to.
        batch_op.drop_column("title_ar")
        batch_op.drop_column("guidance_ar")
        batch_op.alter_column("guidance_en", new_column_name="guidance")
        # NOT NULL needs a default to be added to a table with rows; PostgreSQL drops it
        # again, SQLite cannot (it would have to copy the table), and 0012 never relies on it.
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=False,
                                      server_default=""))
    op.execute(criteria.update().values(title=criteria.c.title_en))
    with op.batch_alter_table(TABLE, recreate="never") as batch_op:
        batch_op.drop_column("title_en")
        if not _is_sqlite():
            batch_op.alter_column("title", server_default=None,
                                  existing_type=sa.String(length=300), existing_nullable=False)
