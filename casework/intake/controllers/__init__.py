"""Intake request handlers: load the objects, authorize on them, call an operation,
commit once at the end."""
