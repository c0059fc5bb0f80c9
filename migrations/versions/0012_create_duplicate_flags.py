"""Create duplicate flags: a caseworker asks a supervisor to decide a candidate pair of
cases, with a short note; the supervisor's decision on the pair clears it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(column, referred):
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"],
                                   name=op.f(f"fk_duplicate_flags_{column}_{referred}"))


def upgrade():
    op.create_table(
        "duplicate_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_case_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("flagged_by_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("case_id < other_case_id", name=op.f("ck_duplicate_flags_ordered_pair")),
        _fk("case_id", "cases"),
        _fk("other_case_id", "cases"),
        _fk("flagged_by_id", "users"),
        _fk("decision_id", "duplicate_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_flags")),
        sa.UniqueConstraint("case_id", "other_case_id", name=op.f("uq_duplicate_flags_case_id")),
    )
    op.create_index("ix_duplicate_flags_other_case_id", "duplicate_flags", ["other_case_id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_duplicate_flags_other_case_id", table_name="duplicate_flags")
    op.drop_table("duplicate_flags")
