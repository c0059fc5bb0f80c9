"""Intake request handlers: load the objects, authorize on them, call an operation,
then render or redirect; the request's transaction commits (casework.core.transaction)."""
