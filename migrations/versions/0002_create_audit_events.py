"""Create the append-only, hash-chained audit events table.

On PostgreSQL, triggers refuse UPDATE and DELETE of rows and TRUNCATE of the table.
The only update allowed is the retention redaction: the payload replaced by a
redaction marker, every other column (hashes, digest included) unchanged. They are
ordinary triggers, so a superuser session in `session_replication_role = replica`
(the test suite's cleanup) skips them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEQUENCE_NUMBER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

INDEXES = {
    "ix_audit_events_actor_id_id": ["actor_id", "id"],
    "ix_audit_events_action_id": ["action", "id"],
    "ix_audit_events_entity_type_entity_id_id": ["entity_type", "entity_id", "id"],
    "ix_audit_events_case_id_id": ["case_id", "id"],
    "ix_audit_events_office_id_id": ["office_id", "id"],
    "ix_audit_events_occurred_at_id": ["occurred_at", "id"],
}

REFUSE_CHANGE_FUNCTION = r"""
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Retention may replace a payload by a redaction marker; nothing else may change.
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'payload') = (to_jsonb(OLD) - 'payload')
       AND OLD.payload !~ '^\{"__redacted__":[0-9]+\}$'
       AND NEW.payload ~ '^\{"__redacted__":[0-9]+\}$' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", SEQUENCE_NUMBER, autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=254), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("remote_addr", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events") as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_CHANGE_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_events_refuse_update_delete BEFORE UPDATE OR DELETE"
            " ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_refuse_truncate BEFORE TRUNCATE"
            " ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_refuse_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_refuse_update_delete ON audit_events")
        op.execute("DROP FUNCTION audit_events_refuse_change()")
    with op.batch_alter_table("audit_events") as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
    op.drop_table("audit_events")
