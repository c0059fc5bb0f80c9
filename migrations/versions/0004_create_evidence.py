"""Create the evidence table: files attached to cases, stored by SHA-256.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KINDS = ("witness_statement", "site_visit_report", "photo", "medical_record",
         "death_certificate", "property_document", "ngo_report", "official_response", "other")

INDEXES = [
    ("ix_evidence_case_id_id", ["case_id", "id"]),
    ("ix_evidence_sha256", ["sha256"]),
    ("ix_evidence_person_id", ["person_id"]),
]


def _fk(column, referred):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_evidence_{column}_{referred}")
    )


def upgrade():
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum(*KINDS, name="evidencekind", native_enum=False, length=30),
                  nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("witness_name", sa.String(length=200), nullable=True),
        sa.Column("witness_contact", sa.String(length=300), nullable=True),
        sa.Column("identity_protected", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_evidence_size_not_negative")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_evidence_sha256_length")),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)",
                           name=op.f("ck_evidence_withdrawal_has_reason")),
        _fk("case_id", "cases"),
        _fk("person_id", "persons"),
        _fk("uploaded_by_id", "users"),
        _fk("withdrawn_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    for name, columns in INDEXES:
        op.create_index(name, "evidence", columns, unique=False)


def downgrade():
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="evidence")
    op.drop_table("evidence")
