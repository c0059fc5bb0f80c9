"""Create the intake tables: incidents, cases, household members, losses, transitions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WEAPONS = ("air_dropped_bomb", "guided_missile", "artillery", "mortar", "rocket",
           "drone_strike", "other", "unknown")
PARTY_ROLES = ("strike", "artillery", "refuelling", "surveillance_intelligence", "unknown")
CREDIBILITY = ("pending", "credible", "non_credible", "reopened")
STAGES = ("intake", "registered", "under_review", "eligible", "ineligible", "appeal", "reopened",
          "acknowledged", "compensation", "closed", "withdrawn", "merged")
LANGUAGES = ("ar", "en", "ku")
CHANNELS = ("in_person", "post", "email", "messaging")
SEXES = ("female", "male")
RELATIONSHIPS = ("head", "spouse", "son", "daughter", "father", "mother", "brother", "sister",
                 "grandchild", "grandparent", "other_relative", "not_related")
HARMS = ("killed", "injured", "missing", "unharmed")
SEVERITIES = ("minor", "moderate", "severe", "permanent")
LOSS_KINDS = ("home_destroyed", "home_damaged", "livelihood", "other_property")

# (table, index name, columns), created after their tables and dropped before them.
INDEXES = [
    ("incidents", "ix_incidents_occurred_on_id", ["occurred_on", "id"]),
    ("incident_parties", "ix_incident_parties_incident_id", ["incident_id"]),
    ("incident_external_references", "ix_incident_external_references_incident_id",
     ["incident_id"]),
    ("credibility_assessments", "ix_credibility_assessments_incident_id_assessed_on",
     ["incident_id", "assessed_on"]),
    ("cases", "ix_cases_office_id_id", ["office_id", "id"]),
    ("cases", "ix_cases_office_id_priority_id", ["office_id", "priority", "id"]),
    ("cases", "ix_cases_office_id_stage_priority_id", ["office_id", "stage", "priority", "id"]),
    ("cases", "ix_cases_office_id_stage_id", ["office_id", "stage", "id"]),
    ("cases", "ix_cases_office_id_due_on_id", ["office_id", "due_on", "id"]),
    ("cases", "ix_cases_assigned_to_id_priority_id", ["assigned_to_id", "priority", "id"]),
    ("cases", "ix_cases_priority_id", ["priority", "id"]),
    ("cases", "ix_cases_stage_priority_id", ["stage", "priority", "id"]),
    ("cases", "ix_cases_due_on_id", ["due_on", "id"]),
    ("cases", "ix_cases_merged_into_id", ["merged_into_id"]),
    ("case_incidents", "ix_case_incidents_incident_id_case_id", ["incident_id", "case_id"]),
    ("persons", "ix_persons_case_id_id", ["case_id", "id"]),
    ("persons", "ix_persons_incident_id_harm", ["incident_id", "harm"]),
    ("losses", "ix_losses_case_id_id", ["case_id", "id"]),
    ("case_transitions", "ix_case_transitions_case_id_id", ["case_id", "id"]),
]


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _fk(table, column, referred):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def upgrade():
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.Time(), nullable=True),
        sa.Column("neighbourhood", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("weapon", _enum(WEAPONS, "weapon", 30), nullable=False),
        sa.Column("weapon_detail", sa.String(length=200), nullable=True),
        sa.Column("stated_target", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("credibility", _enum(CREDIBILITY, "credibility", 20), nullable=False),
        sa.Column("credibility_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("incidents", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    op.create_table(
        "incident_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", _enum(PARTY_ROLES, "partyrole", 30), nullable=False),
        _fk("incident_parties", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_parties")),
        sa.UniqueConstraint("incident_id", "name", "role",
                            name=op.f("uq_incident_parties_incident_id")),
    )
    op.create_table(
        "incident_external_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        _fk("incident_external_references", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_external_references")),
    )
    op.create_table(
        "credibility_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum(CREDIBILITY, "credibility", 20), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("credibility_assessments", "incident_id", "incidents"),
        _fk("credibility_assessments", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credibility_assessments")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("stage", _enum(STAGES, "casestage", 20), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("vulnerability", sa.Integer(), nullable=False),
        sa.Column("asserted_vulnerability", sa.Integer(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_notes", sa.String(length=500), nullable=True),
        sa.Column("current_address", sa.Text(), nullable=True),
        sa.Column("preferred_language", _enum(LANGUAGES, "language", 2), nullable=False),
        sa.Column("delivery_channel", _enum(CHANNELS, "deliverychannel", 20), nullable=False),
        sa.Column("consent_given_on", sa.Date(), nullable=True),
        sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("consent_text_version", sa.String(length=20), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("cases", "office_id", "offices"),
        _fk("cases", "assigned_to_id", "users"),
        _fk("cases", "consent_recorded_by_id", "users"),
        _fk("cases", "merged_into_id", "cases"),
        _fk("cases", "created_by_id", "users"),
        _fk("cases", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    op.create_table(
        "case_incidents",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        _fk("case_incidents", "case_id", "cases"),
        _fk("case_incidents", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("case_id", "incident_id", name=op.f("pk_case_incidents")),
    )
    op.create_table(
        "case_reference_counters",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        _fk("case_reference_counters", "office_id", "offices"),
        sa.PrimaryKeyConstraint("office_id", "year", name=op.f("pk_case_reference_counters")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("name_ar", sa.String(length=200), nullable=True),
        sa.Column("name_latin", sa.String(length=200), nullable=True),
        sa.Column("sex", _enum(SEXES, "sex", 10), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("approximate_age", sa.SmallInteger(), nullable=True),
        sa.Column("age_as_of", sa.Date(), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("relationship_to_head", _enum(RELATIONSHIPS, "relationship", 20),
                  nullable=False),
        sa.Column("harm", _enum(HARMS, "harm", 10), nullable=False),
        sa.Column("injury_severity", _enum(SEVERITIES, "injuryseverity", 10), nullable=True),
        sa.Column("has_disability", sa.Boolean(), nullable=False),
        sa.Column("disability_description", sa.String(length=300), nullable=True),
        sa.Column("is_payee", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("persons", "case_id", "cases"),
        _fk("persons", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_table(
        "losses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum(LOSS_KINDS, "losskind", 20), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("estimated_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(estimated_value_minor IS NULL) = (currency IS NULL)",
                           name=op.f("ck_losses_value_with_currency")),
        sa.CheckConstraint("estimated_value_minor >= 0",
                           name=op.f("ck_losses_value_not_negative")),
        _fk("losses", "case_id", "cases"),
        _fk("losses", "incident_id", "incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_losses")),
    )
    op.create_table(
        "case_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", _enum(STAGES, "casestage", 20), nullable=False),
        sa.Column("to_stage", _enum(STAGES, "casestage", 20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("case_transitions", "case_id", "cases"),
        _fk("case_transitions", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table in ("case_transitions", "losses", "persons", "case_reference_counters",
                  "case_incidents", "cases", "credibility_assessments",
                  "incident_external_references", "incident_parties", "incidents"):
        op.drop_table(table)
