"""Create the acknowledgement tables: acknowledgements with their apology and delivery, the
facts disclosed or withheld (the right to know), and the family's responses.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RESPONSIBILITIES = ("accepted", "ex_gratia", "not_accepted")
LANGUAGES = ("ar", "en", "ku")
DELIVERY_METHODS = ("in_person", "letter", "phone", "video_call", "messaging")
FACT_KINDS = ("target", "location", "weapon", "participating_states", "target_verification",
              "civilian_precautions")
RESPONSES = ("accepted", "rejected", "wants_meeting", "no_response")


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _fk(table, column, referred):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def _timestamp(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("acknowledging_party", sa.String(length=300), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=False),
        sa.Column("responsibility", _enum(RESPONSIBILITIES, "responsibility", 30),
                  nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("apology_text", sa.Text(), nullable=True),
        sa.Column("apology_language", _enum(LANGUAGES, "language", 2), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("recorded_at"),
        _timestamp("updated_at"),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("delivery_method", _enum(DELIVERY_METHODS, "deliverymethod", 20),
                  nullable=True),
        sa.Column("delivered_by", sa.String(length=300), nullable=True),
        sa.Column("delivery_notes", sa.Text(), nullable=True),
        sa.Column("delivery_recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("delivery_recorded_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(apology_text IS NULL) = (apology_language IS NULL)",
                           name=op.f("ck_acknowledgements_apology_has_language")),
        sa.CheckConstraint(
            "(delivered_on IS NULL) = (delivery_method IS NULL) "
            "AND (delivered_on IS NULL) = (delivered_by IS NULL) "
            "AND (delivered_on IS NULL) = (delivery_recorded_at IS NULL)",
            name=op.f("ck_acknowledgements_delivery_complete"),
        ),
        _fk("acknowledgements", "case_id", "cases"),
        _fk("acknowledgements", "recorded_by_id", "users"),
        _fk("acknowledgements", "updated_by_id", "users"),
        _fk("acknowledgements", "delivery_recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
    )
    op.create_index("ix_acknowledgements_case_id_id", "acknowledgements", ["case_id", "id"])

    op.create_table(
        "acknowledgement_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acknowledgement_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(FACT_KINDS, "factkind", 30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("disclosed", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("withheld_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(disclosed AND text IS NOT NULL AND withheld_reason IS NULL) "
            "OR (NOT disclosed AND text IS NULL AND withheld_reason IS NOT NULL)",
            name=op.f("ck_acknowledgement_facts_disclosed_or_withheld_with_reason"),
        ),
        _fk("acknowledgement_facts", "acknowledgement_id", "acknowledgements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgement_facts")),
        sa.UniqueConstraint("acknowledgement_id", "kind",
                            name=op.f("uq_acknowledgement_facts_acknowledgement_id")),
    )

    op.create_table(
        "acknowledgement_family_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acknowledgement_id", sa.Integer(), nullable=False),
        sa.Column("response", _enum(RESPONSES, "familyresponsekind", 20), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("recorded_at"),
        _fk("acknowledgement_family_responses", "acknowledgement_id", "acknowledgements"),
        _fk("acknowledgement_family_responses", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgement_family_responses")),
    )
    op.create_index("ix_acknowledgement_family_responses_acknowledgement_id_id",
                    "acknowledgement_family_responses", ["acknowledgement_id", "id"])


def downgrade():
    op.drop_index("ix_acknowledgement_family_responses_acknowledgement_id_id",
                  table_name="acknowledgement_family_responses")
    op.drop_table("acknowledgement_family_responses")
    op.drop_table("acknowledgement_facts")
    op.drop_index("ix_acknowledgements_case_id_id", table_name="acknowledgements")
    op.drop_table("acknowledgements")
