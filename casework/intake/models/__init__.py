"""Intake models: incidents, cases, household members and losses."""

from casework.intake.models import name_keys  # noqa: F401  (persons' name keys stay current)
from casework.intake.models.cases import (
    Case,
    CaseIncident,
    CaseStage,
    CaseTransition,
    DeliveryChannel,
    Language,
    Priority,
    ReferenceCounter,
    VulnerabilityFlag,
)
from casework.intake.models.incidents import (
    Credibility,
    CredibilityAssessment,
    ExternalReference,
    Incident,
    IncidentParty,
    PartyRole,
    Weapon,
)
from casework.intake.models.losses import Loss, LossKind
from casework.intake.models.persons import Harm, InjurySeverity, Person, Relationship, Sex

__all__ = [
    "Case",
    "CaseIncident",
    "CaseStage",
    "CaseTransition",
    "Credibility",
    "CredibilityAssessment",
    "DeliveryChannel",
    "ExternalReference",
    "Harm",
    "Incident",
    "IncidentParty",
    "InjurySeverity",
    "Language",
    "Loss",
    "LossKind",
    "PartyRole",
    "Person",
    "Priority",
    "ReferenceCounter",
    "Relationship",
    "Sex",
    "VulnerabilityFlag",
    "Weapon",
]
