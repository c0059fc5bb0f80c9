"""Index audit events by request, so that the events of one request are read together.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

An incident's history (the incident page) lists the changes to the incident and, made in
the same requests, to its parties, references and assessments; an event's page lists the
other events of its request. Both look events up by request id: with this index a few
index probes, without it a scan of the whole trail. The hash chain is not affected: an
index is no column.
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_request_id_id", "audit_events", ["request_id", "id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_audit_events_request_id_id", table_name="audit_events")
