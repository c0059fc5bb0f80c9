"""Keep every person's normalised name columns in step with the names, at each flush.

Why a mapper event rather than calls in the operations: every ORM path that creates or
renames a person (intake forms, the CSV import through the ORM, the CLI, tests) goes
through a flush, so the keys can never be forgotten or go stale. Bulk inserts through
Core (the synthetic data generator) bypass the ORM and call
:func:`casework.intake.names.person_name_columns` themselves.
"""

from __future__ import annotations

from sqlalchemy import event, inspect

from casework.intake.models.persons import Person
from casework.intake.names import person_name_columns


def fill_name_columns(person: Person) -> None:
    """Set the person's normalised name columns from its current names."""
    for column, value in person_name_columns(person.name_ar, person.name_latin).items():
        setattr(person, column, value)


@event.listens_for(Person, "before_insert")
def _person_inserted(mapper, connection, person: Person) -> None:
    fill_name_columns(person)


@event.listens_for(Person, "before_update")
def _person_updated(mapper, connection, person: Person) -> None:
    attributes = inspect(person).attrs
    if attributes.name_ar.history.has_changes() or attributes.name_latin.history.has_changes():
        fill_name_columns(person)
