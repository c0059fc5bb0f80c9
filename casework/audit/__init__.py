"""The audit trail: append-only, hash-chained, readable by auditors."""
