"""Duplicate claims: candidates by blocking and scoring, supervisors' decisions, victims."""
