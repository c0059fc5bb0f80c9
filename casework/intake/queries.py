"""Read-side queries for intake pages: a fixed number of statements per page, whatever the
number of cases, persons or losses (no query per row)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select, text, true
from sqlalchemy.orm import joinedload, selectinload

from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.core.dates import date_text
from casework.core.i18n import join_list
from casework.core.ids import id_from_text
from casework.core.pagination import KeysetPage, SortKey, page_by_keys
from casework.extensions import db
from casework.intake.models.cases import FINAL_STAGES, Case, CaseIncident, CaseStage, Priority
from casework.intake.models.incidents import Credibility, Incident
from casework.intake.models.persons import ADULT_AGE, Harm, Person, Relationship, age_on

# Above this many rows a list shows an estimate instead of counting them all.
EXACT_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Sort:
    label: Any
    keys: tuple[SortKey, ...]
    descending: bool = False


CASE_SORTS = {
    "queue": Sort(_l("Priority, then oldest first"), (SortKey(Case.priority), SortKey(Case.id))),
    "newest": Sort(_l("Newest first"), (SortKey(Case.id),), descending=True),
    "oldest": Sort(_l("Oldest first"), (SortKey(Case.id),)),
    "due": Sort(_l("Deadline, soonest first (cases with a deadline)"),
                (SortKey(Case.due_on, parse=date.fromisoformat), SortKey(Case.id))),
}
DEFAULT_SORT = "queue"


@dataclass
class Total:
    count: int
    exact: bool
    # True when `count` is only a lower bound ("more than"), not an estimate.
    at_least: bool = False


# Which cases a list shows when no stage is chosen: the active ones; the others on asking.
ACTIVE, ANY_STAGE, FINAL = "", "any", "final"


@dataclass
class CaseFilters:
    stage: CaseStage | None = None
    # ACTIVE (not closed, merged or withdrawn), ANY_STAGE or FINAL, when no stage is chosen.
    showing: str = ACTIVE
    incident: Incident | None = None
    # "" anyone, "me", "none" (unassigned), or a caseworker's id.
    assigned: str = ""
    priority: Priority | None = None
    overdue: bool = False
    sort: str = DEFAULT_SORT
    errors: list[Any] = field(default_factory=list)

    def query_args(self) -> dict[str, str]:
        """The filters as URL parameters, for the next-page link."""
        args = {
            "stage": self.stage.value if self.stage else self.showing,
            "incident": self.incident.reference if self.incident else "",
            "assigned": self.assigned,
            "priority": str(int(self.priority)) if self.priority else "",
            "overdue": "1" if self.overdue else "",
            "sort": self.sort if self.sort != DEFAULT_SORT else "",
        }
        return {key: value for key, value in args.items() if value}


def parse_case_filters(args: Mapping[str, str]) -> CaseFilters:
    """Filters from the query string; each malformed one is named in `errors`."""
    filters = CaseFilters()
    stage = args.get("stage", "").strip()
    if stage in (ANY_STAGE, FINAL):
        filters.showing = stage
    elif stage:
        try:
            filters.stage = CaseStage(stage)
        except ValueError:
            filters.errors.append(_("Unknown stage “%(value)s”.", value=stage))
    reference = args.get("incident", "").strip()
    if reference:
        filters.incident = db.session.scalar(
            select(Incident).where(Incident.reference == reference.upper())
        )
        if filters.incident is None:
            filters.errors.append(_("No incident has the reference “%(value)s”.",
                                     value=reference))
    assigned = args.get("assigned", "").strip()
    if assigned in ("", "me", "none") or id_from_text(assigned) is not None:
        filters.assigned = assigned
    else:
        filters.errors.append(_("Unknown caseworker “%(value)s”.", value=assigned))
    priority = args.get("priority", "").strip()
    if priority:
        try:
            filters.priority = Priority(int(priority))
        except ValueError:
            filters.errors.append(_("Priority is 1 to 4."))
    filters.overdue = args.get("overdue", "") in ("1", "on", "true", "yes")
    sort = args.get("sort", "").strip() or DEFAULT_SORT
    if sort in CASE_SORTS:
        filters.sort = sort
    else:
        filters.errors.append(_("Unknown sort order “%(value)s”.", value=sort))
    return filters


def visible_to(user: Any) -> Any:
    """Caseworkers and supervisors see their office's cases; auditors all; admins none."""
    if user.role == Role.auditor:
        return true()
    if user.role in (Role.caseworker, Role.supervisor) and user.office_id is not None:
        return Case.office_id == user.office_id
    return false()


def _conditions(user: Any, filters: CaseFilters, today: date) -> list[Any]:
    conditions = [visible_to(user)]
    if filters.errors:
        # A malformed filter lists nothing rather than silently listing everything.
        return [false()]
    if filters.stage is not None:
        conditions.append(Case.stage == filters.stage)
    elif filters.showing == ACTIVE:
        conditions.append(Case.stage.not_in(sorted(FINAL_STAGES)))
    elif filters.showing == FINAL:
        conditions.append(Case.stage.in_(sorted(FINAL_STAGES)))
    if filters.incident is not None:
        conditions.append(Case.id.in_(
            select(CaseIncident.case_id).where(CaseIncident.incident_id == filters.incident.id)
        ))
    if filters.assigned == "me":
        conditions.append(Case.assigned_to_id == user.id)
    elif filters.assigned == "none":
        conditions.append(Case.assigned_to_id.is_(None))
    elif filters.assigned:
        conditions.append(Case.assigned_to_id == int(filters.assigned))
    if filters.priority is not None:
        conditions.append(Case.priority == int(filters.priority))
    if filters.overdue:
        conditions.append(Case.due_on < today)
    if filters.sort == "due":
        conditions.append(Case.due_on.is_not(None))
    return conditions


@dataclass
class CaseList:
    page: KeysetPage
    total: Total
    heads: dict[int, Person]


def list_cases(user: Any, filters: CaseFilters, after: str | None, today: date,
               size: int = 50) -> CaseList:
    conditions = _conditions(user, filters, today)
    sort = CASE_SORTS[filters.sort]
    statement = select(Case).where(*conditions).options(selectinload(Case.incidents))
    page = page_by_keys(statement, sort.keys, after, descending=sort.descending, size=size)
    return CaseList(page, estimate_total(select(Case.id).where(*conditions)),
                    heads_of_household([case.id for case in page.items]))


def heads_of_household(case_ids: list[int]) -> dict[int, Person]:
    if not case_ids:
        return {}
    heads = db.session.scalars(
        select(Person).where(Person.case_id.in_(case_ids),
                             Person.relationship_to_head == Relationship.head)
        .order_by(Person.id)
    )
    found: dict[int, Person] = {}
    for person in heads:
        found.setdefault(person.case_id, person)
    return found


def estimate_total(statement: Select) -> Total:
    """Exact up to EXACT_COUNT_LIMIT rows; beyond it the planner's estimate (PostgreSQL)
    or the limit itself, shown as "more than"."""
    capped = statement.order_by(None).limit(EXACT_COUNT_LIMIT + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(capped))
    if count <= EXACT_COUNT_LIMIT:
        return Total(count, exact=True)
    if db.session.get_bind().dialect.name == "postgresql":
        sql = statement.order_by(None).compile(
            dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = db.session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return Total(max(int(plan[0]["Plan"]["Plan Rows"]), count), exact=False)
    return Total(EXACT_COUNT_LIMIT, exact=False, at_least=True)


def caseworkers_of(office_id: int | None) -> list[User]:
    if office_id is None:
        return []
    return list(db.session.scalars(
        select(User).where(User.office_id == office_id, User.role == Role.caseworker,
                           User.active.is_(True)).order_by(User.name)
    ))


def load_case(case_id: int, *, full: bool = False) -> Case | None:
    """A case; with `full`, everything its page shows, in a fixed number of queries."""
    statement = select(Case).where(Case.id == case_id)
    if full:
        statement = statement.options(
            selectinload(Case.persons),
            selectinload(Case.losses),
            selectinload(Case.incident_links),
            selectinload(Case.incidents),
            selectinload(Case.transitions),
            joinedload(Case.consent_recorded_by),
            joinedload(Case.updated_by),
        )
    return db.session.scalar(statement)


# Incidents


@dataclass
class IncidentTotals:
    cases: int = 0
    killed: int = 0
    injured: int = 0
    missing: int = 0
    children_killed: int = 0
    children_injured: int = 0
    children_missing: int = 0


def entering_office(incident: Incident) -> str | None:
    """The code of the office whose user entered the incident (None: imported by a command,
    or entered by someone of no office)."""
    if incident.created_by_id is None:
        return None
    return db.session.scalar(select(Office.code).join(User, User.office_id == Office.id)
                             .where(User.id == incident.created_by_id))


def incident_totals(incident: Incident) -> IncidentTotals:
    """Persons harmed in the incident across every office's cases (merged duplicates
    excluded), and children among them (under 18 on the day of the incident)."""
    totals = IncidentTotals()
    totals.cases = db.session.scalar(
        select(func.count()).select_from(CaseIncident).join(Case)
        .where(CaseIncident.incident_id == incident.id, Case.stage != CaseStage.merged)
    )
    victims = db.session.execute(
        select(Person.harm, Person.date_of_birth, Person.approximate_age, Person.age_as_of)
        .join(Case, Person.case_id == Case.id)
        .where(Person.incident_id == incident.id,
               Person.harm.in_([Harm.killed, Harm.injured, Harm.missing]),
               Case.stage != CaseStage.merged)
    )
    for harm, born, approximate, as_of in victims:
        age = age_on(incident.occurred_on, born, approximate, as_of)
        child = age is not None and age < ADULT_AGE
        setattr(totals, harm.value, getattr(totals, harm.value) + 1)
        if child:
            name = f"children_{harm.value}"
            setattr(totals, name, getattr(totals, name) + 1)
    return totals


def incident_cases(user: Any, incident: Incident, after: str | None) -> CaseList:
    conditions = [visible_to(user), Case.id.in_(
        select(CaseIncident.case_id).where(CaseIncident.incident_id == incident.id)
    )]
    page = page_by_keys(select(Case).where(*conditions).options(selectinload(Case.incidents)),
                        (SortKey(Case.id),), after, descending=True)
    return CaseList(page, estimate_total(select(Case.id).where(*conditions)),
                    heads_of_household([case.id for case in page.items]))


def load_incident(incident_id: int, *, full: bool = False) -> Incident | None:
    statement = select(Incident).where(Incident.id == incident_id)
    if full:
        statement = statement.options(
            selectinload(Incident.parties),
            selectinload(Incident.external_references),
            selectinload(Incident.assessments),
        )
    return db.session.scalar(statement)


def list_incidents(search: str, credibility: str, after: str | None) -> tuple[KeysetPage, list]:
    """Incidents, most recent first, matching the search words and credibility."""
    errors: list[Any] = []
    statement = select(Incident)
    for word in search.split()[:5]:
        pattern = f"%{word}%"
        statement = statement.where(or_(
            Incident.reference.ilike(pattern), Incident.neighbourhood.ilike(pattern),
            Incident.city.ilike(pattern), Incident.stated_target.ilike(pattern),
        ))
    if credibility:
        try:
            statement = statement.where(Incident.credibility == Credibility(credibility))
        except ValueError:
            errors.append(_("Unknown assessment “%(value)s”.", value=credibility))
            statement = statement.where(false())
    page = page_by_keys(
        statement,
        (SortKey(Incident.occurred_on, parse=date.fromisoformat), SortKey(Incident.id)),
        after, descending=True,
    )
    return page, errors


def incident_choices() -> list[tuple[int, str]]:
    """Every incident for a select, most recent first (incidents number in the thousands
    at most, unlike cases)."""
    rows = db.session.execute(
        select(Incident.id, Incident.reference, Incident.occurred_on, Incident.neighbourhood,
               Incident.city).order_by(Incident.occurred_on.desc(), Incident.id.desc())
    )
    return [
        (row.id, f"{row.reference} — "
                 + join_list(p for p in (date_text(row.occurred_on), row.neighbourhood, row.city)
                             if p))
        for row in rows
    ]
