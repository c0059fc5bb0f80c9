"""Compensation: schedules, awards, payees and payments."""
