"""Eligibility workflow: versioned criteria (seeded with the default checklist), review
rounds with findings and activities, decisions, requests for more information,
appeals, and the "to reconsider" queue.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

REVIEW_REASONS = ("first_review", "more_information", "appeal_upheld", "reopened")
REVIEW_STATUSES = ("open", "recommended", "decided")
RECOMMENDATIONS = ("eligible", "ineligible")
FINDINGS = ("met", "not_met", "unknown")
ACTIVITY_KINDS = ("field_visit", "witness_interview", "other")
DECISION_OUTCOMES = ("eligible", "ineligible", "more_information")
APPEAL_OUTCOMES = ("upheld", "dismissed")
TRIGGERS = ("new_evidence", "assessment_changed")
RECONSIDERATION_STATUSES = ("open", "reopened", "dismissed")

# The checklist a new installation starts with (version 1); admins publish new versions.
DEFAULT_CRITERIA = [
    ("incident_verified",
     "The incident is verified by the official assessment or by field investigation",
     "The incident's official assessment is credible, or a field visit and witness "
     "interviews establish that the strike happened where and when the family says."),
    ("relationship_established",
     "The claimant's relationship to the victim is established",
     "Civil-status documents, family booklet, or consistent witness statements."),
    ("harm_documented",
     "The harm is documented",
     "Death certificate, medical records, photos or site-visit report of the loss."),
    ("no_unresolved_duplicate",
     "No unresolved duplicate claim",
     "The case's possible duplicates have been checked and decided."),
]


def _enum(values, name, length=20):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def _fk(table, column, referred):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def _timestamp(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    versions = op.create_table(
        "eligibility_criteria_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _timestamp("published_at"),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("eligibility_criteria_versions", "published_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_criteria_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_eligibility_criteria_versions_number")),
    )
    criteria = op.create_table(
        "eligibility_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=True),
        _fk("eligibility_criteria", "version_id", "eligibility_criteria_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_criteria")),
        sa.UniqueConstraint("version_id", "code", name=op.f("uq_eligibility_criteria_version_id")),
    )
    op.create_index("ix_eligibility_criteria_version_id_position", "eligibility_criteria",
                    ["version_id", "position"])

    op.create_table(
        "eligibility_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("criteria_version_id", sa.Integer(), nullable=False),
        sa.Column("opened_because", _enum(REVIEW_REASONS, "reviewreason"), nullable=False),
        _timestamp("opened_at"),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("status", _enum(REVIEW_STATUSES, "reviewstatus"), nullable=False),
        sa.Column("recommendation", _enum(RECOMMENDATIONS, "recommendation"), nullable=True),
        sa.Column("recommendation_reasons", sa.Text(), nullable=True),
        sa.Column("recommended_by_id", sa.Integer(), nullable=True),
        _timestamp("recommended_at", nullable=True),
        sa.CheckConstraint("(recommendation IS NULL) = (recommended_at IS NULL)",
                           name=op.f("ck_eligibility_reviews_recommendation_complete")),
        _fk("eligibility_reviews", "case_id", "cases"),
        _fk("eligibility_reviews", "criteria_version_id", "eligibility_criteria_versions"),
        _fk("eligibility_reviews", "opened_by_id", "users"),
        _fk("eligibility_reviews", "recommended_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_reviews")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_eligibility_reviews_case_id")),
    )
    op.create_index("ix_eligibility_reviews_case_id_status", "eligibility_reviews",
                    ["case_id", "status"])

    op.create_table(
        "eligibility_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("value", _enum(FINDINGS, "findingvalue"), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("recorded_at"),
        _fk("eligibility_findings", "review_id", "eligibility_reviews"),
        _fk("eligibility_findings", "case_id", "cases"),
        _fk("eligibility_findings", "criterion_id", "eligibility_criteria"),
        _fk("eligibility_findings", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_findings")),
        sa.UniqueConstraint("review_id", "criterion_id",
                            name=op.f("uq_eligibility_findings_review_id")),
    )
    op.create_table(
        "eligibility_finding_evidence",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _fk("eligibility_finding_evidence", "finding_id", "eligibility_findings"),
        _fk("eligibility_finding_evidence", "evidence_id", "evidence"),
        _fk("eligibility_finding_evidence", "case_id", "cases"),
        sa.PrimaryKeyConstraint("finding_id", "evidence_id",
                                name=op.f("pk_eligibility_finding_evidence")),
    )
    op.create_index("ix_eligibility_finding_evidence_evidence_id",
                    "eligibility_finding_evidence", ["evidence_id"])

    op.create_table(
        "review_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum(ACTIVITY_KINDS, "activitykind"), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("identity_protected", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("recorded_at"),
        _fk("review_activities", "case_id", "cases"),
        _fk("review_activities", "review_id", "eligibility_reviews"),
        _fk("review_activities", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_activities")),
    )
    op.create_index("ix_review_activities_case_id_id", "review_activities", ["case_id", "id"])
    op.create_table(
        "review_activity_evidence",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _fk("review_activity_evidence", "activity_id", "review_activities"),
        _fk("review_activity_evidence", "evidence_id", "evidence"),
        _fk("review_activity_evidence", "case_id", "cases"),
        sa.PrimaryKeyConstraint("activity_id", "evidence_id",
                                name=op.f("pk_review_activity_evidence")),
    )
    op.create_index("ix_review_activity_evidence_evidence_id", "review_activity_evidence",
                    ["evidence_id"])

    op.create_table(
        "eligibility_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _enum(DECISION_OUTCOMES, "decisionoutcome"), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _timestamp("decided_at"),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("delivery_recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("delivery_recorded_at", nullable=True),
        sa.Column("appeal_due_on", sa.Date(), nullable=True),
        sa.CheckConstraint("outcome = 'eligible' OR reasons IS NOT NULL",
                           name=op.f("ck_eligibility_decisions_reasons_unless_eligible")),
        sa.CheckConstraint("(delivered_on IS NULL) = (delivery_recorded_at IS NULL)",
                           name=op.f("ck_eligibility_decisions_delivery_complete")),
        _fk("eligibility_decisions", "case_id", "cases"),
        _fk("eligibility_decisions", "review_id", "eligibility_reviews"),
        _fk("eligibility_decisions", "transition_id", "case_transitions"),
        _fk("eligibility_decisions", "decided_by_id", "users"),
        _fk("eligibility_decisions", "delivery_recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_decisions")),
        sa.UniqueConstraint("review_id", name=op.f("uq_eligibility_decisions_review_id")),
        sa.UniqueConstraint("transition_id", name=op.f("uq_eligibility_decisions_transition_id")),
    )
    op.create_index("ix_eligibility_decisions_case_id_id", "eligibility_decisions",
                    ["case_id", "id"])

    op.create_table(
        "information_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        _timestamp("requested_at"),
        _fk("information_requests", "case_id", "cases"),
        _fk("information_requests", "decision_id", "eligibility_decisions"),
        _fk("information_requests", "review_id", "eligibility_reviews"),
        _fk("information_requests", "requested_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_information_requests_decision_id")),
        sa.UniqueConstraint("review_id", name=op.f("uq_information_requests_review_id")),
    )
    op.create_index("ix_information_requests_case_id_id", "information_requests",
                    ["case_id", "id"])

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("lodged_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _timestamp("recorded_at"),
        sa.Column("lodged_transition_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _enum(APPEAL_OUTCOMES, "appealoutcome"), nullable=True),
        sa.Column("outcome_reasons", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _timestamp("decided_at", nullable=True),
        sa.Column("decided_transition_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(outcome IS NULL) = (decided_at IS NULL)",
                           name=op.f("ck_appeals_outcome_complete")),
        _fk("appeals", "case_id", "cases"),
        _fk("appeals", "decision_id", "eligibility_decisions"),
        _fk("appeals", "recorded_by_id", "users"),
        _fk("appeals", "lodged_transition_id", "case_transitions"),
        _fk("appeals", "decided_by_id", "users"),
        _fk("appeals", "decided_transition_id", "case_transitions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_appeals_decision_id")),
        sa.UniqueConstraint("lodged_transition_id", name=op.f("uq_appeals_lodged_transition_id")),
        sa.UniqueConstraint("decided_transition_id",
                            name=op.f("uq_appeals_decided_transition_id")),
    )
    op.create_index("ix_appeals_case_id_id", "appeals", ["case_id", "id"])
    op.create_table(
        "appeal_evidence",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _fk("appeal_evidence", "appeal_id", "appeals"),
        _fk("appeal_evidence", "evidence_id", "evidence"),
        _fk("appeal_evidence", "case_id", "cases"),
        sa.PrimaryKeyConstraint("appeal_id", "evidence_id", name=op.f("pk_appeal_evidence")),
    )
    op.create_index("ix_appeal_evidence_evidence_id", "appeal_evidence", ["evidence_id"])

    op.create_table(
        "reconsideration_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("trigger", _enum(TRIGGERS, "reconsiderationtrigger"), nullable=False),
        sa.Column("case_stage", sa.String(length=20), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("previous_credibility", sa.String(length=20), nullable=True),
        sa.Column("new_credibility", sa.String(length=20), nullable=True),
        _timestamp("created_at"),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("status", _enum(RECONSIDERATION_STATUSES, "reconsiderationstatus"),
                  nullable=False),
        _timestamp("resolved_at", nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("(status = 'open') = (resolved_at IS NULL)",
                           name=op.f("ck_reconsideration_entries_resolved_unless_open")),
        _fk("reconsideration_entries", "case_id", "cases"),
        _fk("reconsideration_entries", "office_id", "offices"),
        _fk("reconsideration_entries", "evidence_id", "evidence"),
        _fk("reconsideration_entries", "incident_id", "incidents"),
        _fk("reconsideration_entries", "assessment_id", "credibility_assessments"),
        _fk("reconsideration_entries", "created_by_id", "users"),
        _fk("reconsideration_entries", "resolved_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconsideration_entries")),
    )
    op.create_index("ix_reconsideration_entries_office_id_status_id", "reconsideration_entries",
                    ["office_id", "status", "id"])
    op.create_index("ix_reconsideration_entries_case_id_status", "reconsideration_entries",
                    ["case_id", "status"])

    # No explicit ids, so that PostgreSQL's sequences stay in step with the rows.
    op.bulk_insert(versions, [{
        "number": 1, "published_at": datetime.now(UTC), "published_by_id": None,
        "note": "Default checklist installed with the eligibility workflow.",
    }])
    version_id = op.get_bind().execute(
        sa.select(versions.c.id).where(versions.c.number == 1)
    ).scalar_one()
    op.bulk_insert(criteria, [
        {"version_id": version_id, "position": position, "code": code, "title": title,
         "guidance": guidance}
        for position, (code, title, guidance) in enumerate(DEFAULT_CRITERIA, start=1)
    ])


def downgrade():
    for index, table in [
        ("ix_reconsideration_entries_case_id_status", "reconsideration_entries"),
        ("ix_reconsideration_entries_office_id_status_id", "reconsideration_entries"),
    ]:
        op.drop_index(index, table_name=table)
    op.drop_table("reconsideration_entries")
    op.drop_index("ix_appeal_evidence_evidence_id", table_name="appeal_evidence")
    op.drop_table("appeal_evidence")
    op.drop_index("ix_appeals_case_id_id", table_name="appeals")
    op.drop_table("appeals")
    op.drop_index("ix_information_requests_case_id_id", table_name="information_requests")
    op.drop_table("information_requests")
    op.drop_index("ix_eligibility_decisions_case_id_id", table_name="eligibility_decisions")
    op.drop_table("eligibility_decisions")
    op.drop_index("ix_review_activity_evidence_evidence_id",
                  table_name="review_activity_evidence")
    op.drop_table("review_activity_evidence")
    op.drop_index("ix_review_activities_case_id_id", table_name="review_activities")
    op.drop_table("review_activities")
    op.drop_index("ix_eligibility_finding_evidence_evidence_id",
                  table_name="eligibility_finding_evidence")
    op.drop_table("eligibility_finding_evidence")
    op.drop_table("eligibility_findings")
    op.drop_index("ix_eligibility_reviews_case_id_status", table_name="eligibility_reviews")
    op.drop_table("eligibility_reviews")
    op.drop_index("ix_eligibility_criteria_version_id_position", table_name="eligibility_criteria")
    op.drop_table("eligibility_criteria")
    op.drop_table("eligibility_criteria_versions")
