"""Facts from other domains that put cases in the "to reconsider" queue.

The intake domain emits `evidence_added` and `incident_assessment_recorded` inside
the transaction of the change; the entries are written in that same transaction, so
the queue never misses a fact nor shows one that was rolled back.
"""

from __future__ import annotations

from typing import Any

from casework.core import signals
from casework.eligibility import operations


def _evidence_added(sender: Any, evidence: Any, case: Any, **extra: Any) -> None:
    operations.queue_for_new_evidence(case, evidence)


def _assessment_recorded(sender: Any, incident: Any, assessment: Any, previous: Any = None,
                         **extra: Any) -> None:
    operations.queue_for_assessment(incident, assessment, previous)


def connect_listeners() -> None:
    """Listen to the signals (idempotent: blinker keeps one connection per receiver)."""
    signals.evidence_added.connect(_evidence_added, weak=False)
    signals.incident_assessment_recorded.connect(_assessment_recorded, weak=False)
