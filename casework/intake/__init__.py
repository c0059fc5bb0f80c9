"""Intake: incidents, cases, households, persons, losses and evidence."""
