"""Eligibility models: versioned criteria, review rounds, decisions, appeals, reconsideration."""

from casework.eligibility.models.criteria import CriteriaVersion, Criterion
from casework.eligibility.models.decisions import (
    Appeal,
    AppealEvidence,
    AppealOutcome,
    DecisionOutcome,
    EligibilityDecision,
    InformationRequest,
)
from casework.eligibility.models.reconsideration import (
    ReconsiderationEntry,
    ReconsiderationStatus,
    ReconsiderationTrigger,
)
from casework.eligibility.models.reviews import (
    ActivityKind,
    Finding,
    FindingEvidence,
    FindingValue,
    Recommendation,
    Review,
    ReviewActivity,
    ReviewActivityEvidence,
    ReviewReason,
    ReviewStatus,
)

__all__ = [
    "ActivityKind",
    "Appeal",
    "AppealEvidence",
    "AppealOutcome",
    "CriteriaVersion",
    "Criterion",
    "DecisionOutcome",
    "EligibilityDecision",
    "Finding",
    "FindingEvidence",
    "FindingValue",
    "InformationRequest",
    "Recommendation",
    "ReconsiderationEntry",
    "ReconsiderationStatus",
    "ReconsiderationTrigger",
    "Review",
    "ReviewActivity",
    "ReviewActivityEvidence",
    "ReviewReason",
    "ReviewStatus",
]
