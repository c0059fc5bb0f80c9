"""Importing: a CSV file of incidents and cases, checked whole, imported in one transaction
through the intake operations (or in a background job)."""
