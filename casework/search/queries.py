"""One search box: cases by reference, and by any household member's name in either script.

The query is normalised exactly like the stored names (casework.intake.names), so every
spelling variant the rules unify finds the same people. Each word of the query must
be a word of the person's normalised names; the last may be the start of one (so "Moham"
finds Mohammed while the user types).
Arabic words are matched against the Arabic key and Latin words against the Latin key:
their alphabets do not overlap, so one index over both columns serves both.

- SQLite: the FTS5 table ``persons_fts`` (external content, kept in step by triggers).
- PostgreSQL: a stored ``tsvector`` of ``name_ar_norm || ' ' || name_latin_norm`` ('simple'
  configuration) with a GIN index; the same semantics, so both databases give the same
  results.

Results are persons (with their case), newest first, keyset-paginated by person id. FTS5
yields matches in that order, so a page is found without reading every match of a common
name; on PostgreSQL a rare name's matches are read whole from the GIN index and sorted,
and a common name's page is found by walking persons newest first. Reference matches
come first, on the first page. Everything is scoped to the user's reach
(casework.intake.queries.visible_to). A page takes three or four statements whatever the
number of results: references, the page's person ids (on PostgreSQL: the matches of a
rare name, then the cases among them the user may see), those persons with their cases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import column, literal_column, select, table, text
from sqlalchemy.orm import joinedload

from casework.auth.models import Office
from casework.core.authz import Role
from casework.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from casework.extensions import db
from casework.intake.models.cases import Case, ReferenceCounter
from casework.intake.models.persons import Person
from casework.intake.names import normalise_arabic, normalise_latin
from casework.intake.queries import visible_to
from casework.intake.references import format_reference

# PostgreSQL: the stored, GIN-indexed tsvector of migration 0005 (not mapped).
PG_NAMES_MATCH = "persons.persons_fts_document @@ to_tsquery('simple'::regconfig, :terms)"
# Below this many matches a name is rare: read them all through the GIN index, scope and
# sort them. From it on, walk persons newest first and filter: a page needs few rows.
PG_RARE_LIMIT = 5000
PERSONS_FTS = table("persons_fts", column("rowid"))

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_FULL_REFERENCE = re.compile(r"^([A-Za-z]{2,10})[-\s]?(\d{4})[-\s]?(\d{1,6})$")
_YEAR_NUMBER = re.compile(r"^(\d{4})[-\s](\d{1,6})$")
_NUMBER = re.compile(r"^\d{1,6}$")


@dataclass
class SearchTerms:
    """A query as the index sees it: reference candidates and name-key prefixes."""

    text: str
    # (office code or None, year or None, number) read from a reference-like query.
    reference_parts: tuple[str | None, int | None, int] | None = None
    arabic: list[str] = field(default_factory=list)
    latin: list[str] = field(default_factory=list)

    @property
    def name_terms(self) -> list[str]:
        return (self.arabic + self.latin)[:MAX_TERMS]

    @property
    def empty(self) -> bool:
        return self.reference_parts is None and not self.name_terms


@dataclass
class SearchHit:
    person: Person
    case: Case


@dataclass
class SearchResults:
    terms: SearchTerms
    reference_matches: list[Case]
    hits: list[SearchHit]
    next_after: int | None


def parse_query(query: str | None) -> SearchTerms:
    """Split a query into a reference (when it looks like one) and normalised name words."""
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    terms = SearchTerms(query)
    if not query:
        return terms
    if match := _FULL_REFERENCE.match(query):
        terms.reference_parts = (match[1].upper(), int(match[2]), int(match[3]))
        return terms
    if match := _YEAR_NUMBER.match(query):
        terms.reference_parts = (None, int(match[1]), int(match[2]))
        return terms
    if _NUMBER.match(query):
        terms.reference_parts = (None, None, int(query))
        return terms
    words = query.split()
    arabic_words = [w for w in words if _ARABIC_CHAR.search(w)]
    latin_words = [w for w in words if not _ARABIC_CHAR.search(w)]
    terms.arabic = normalise_arabic(" ".join(arabic_words)).split()
    terms.latin = normalise_latin(" ".join(latin_words)).split()
    return terms


def _references(user: Any, parts: tuple[str | None, int | None, int]) -> list[str]:
    """Every reference a partial one may stand for, within the offices the user reaches."""
    code, year, number = parts
    if code is not None and year is not None:
        return [format_reference(code, year, number)]
    counters = select(Office.code, ReferenceCounter.year).join(
        ReferenceCounter, ReferenceCounter.office_id == Office.id
    ).where(ReferenceCounter.last_number >= number)
    if user.role != Role.auditor:
        counters = counters.where(Office.id == user.office_id)
    if year is not None:
        counters = counters.where(ReferenceCounter.year == year)
    return [format_reference(code, y, number) for code, y in db.session.execute(counters)]


def _reference_matches(user: Any, terms: SearchTerms) -> list[Case]:
    if terms.reference_parts is None:
        return []
    references = _references(user, terms.reference_parts)
    if not references:
        return []
    return list(db.session.scalars(
        select(Case).where(Case.reference.in_(references), visible_to(user)).order_by(Case.id.desc())
    ))


# Each word is matched whole, except the last, which may be the start of a word (the
# user is still typing it). Whole words keep the indexes' work small: a prefix stands for
# every word that starts with it. A last word of one letter is matched whole too.
MIN_PREFIX_LENGTH = 2


def _prefix(words: list[str], index: int) -> bool:
    return index == len(words) - 1 and len(words[index]) >= MIN_PREFIX_LENGTH


def _fts5_query(words: list[str]) -> str:
    # Normalised words hold only letters and digits; quoting keeps FTS5 syntax out anyway.
    return " ".join(
        '"' + word.replace('"', "") + '"' + ("*" if _prefix(words, index) else "")
        for index, word in enumerate(words)
    )


def _tsquery(words: list[str]) -> str:
    return " & ".join(
        re.sub(r"[^\w]", "", word) + (":*" if _prefix(words, index) else "")
        for index, word in enumerate(words)
    )


def _matching_person_ids(user: Any, words: list[str], after: int | None, size: int) -> list[int]:
    """Ids of the next matching persons, newest first."""
    if db.session.get_bind().dialect.name == "sqlite":
        # FTS5 yields matches in rowid order, so ordering by its rowid needs no sort and
        # stops after one page even for the commonest name.
        order_column = PERSONS_FTS.c.rowid
        statement = (
            select(order_column)
            .select_from(PERSONS_FTS)
            .join(Person, Person.id == order_column)
            .where(literal_column("persons_fts").op("MATCH")(_fts5_query(words)))
        )
    else:
        terms = _tsquery(words)
        match = text(PG_NAMES_MATCH).bindparams(terms=terms)
        # A GIN index yields matches in no useful order. Read up to PG_RARE_LIMIT of them
        # through it: a rare name's matches are then all there, to scope and sort here.
        # Reading them costs a heap visit each (about 300 ms for a common name at a million
        # cases), so the planner's estimate, from the column's statistics, decides first.
        if _estimated_matches(terms) < PG_RARE_LIMIT:
            found = db.session.execute(
                select(Person.id, Person.case_id).where(match).limit(PG_RARE_LIMIT)
            ).all()
            if len(found) < PG_RARE_LIMIT:
                return _visible_page(user, found, after, size)
        # A common name: walk persons newest first; a page is found after about
        # size * persons / matches rows.
        order_column = Person.id
        statement = select(order_column).where(match)
    statement = statement.join(Case, Case.id == Person.case_id).where(visible_to(user))
    if after is not None:
        statement = statement.where(order_column < after)
    return list(db.session.scalars(statement.order_by(order_column.desc()).limit(size + 1)))


def _estimated_matches(terms: str) -> int:
    """PostgreSQL's estimate of the persons a name query matches (planned, not run)."""
    plan = db.session.execute(
        text(f"EXPLAIN (FORMAT JSON) SELECT persons.id FROM persons WHERE {PG_NAMES_MATCH}"),  # noqa: S608 (a constant)
        {"terms": terms},
    ).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _visible_page(user: Any, found: list[Any], after: int | None, size: int) -> list[int]:
    """The next page of (person id, case id) matches, among the cases the user may see."""
    found = [row for row in found if after is None or row.id < after]
    case_ids = {row.case_id for row in found}
    visible = set(db.session.scalars(
        select(Case.id).where(Case.id.in_(case_ids), visible_to(user))
    )) if case_ids else set()
    return sorted((row.id for row in found if row.case_id in visible), reverse=True)[:size + 1]


def _name_hits(user: Any, words: list[str], after: int | None, size: int) -> list[Person]:
    person_ids = _matching_person_ids(user, words, after, size)
    if not person_ids:
        return []
    return list(db.session.scalars(
        select(Person).where(Person.id.in_(person_ids)).options(joinedload(Person.case, innerjoin=True))
        .order_by(Person.id.desc())
    ).unique())


def search_cases(user: Any, query: str | None, after: int | None = None,
                 size: int = DEFAULT_PAGE_SIZE) -> SearchResults:
    """Cases the user may see whose reference or a member's name matches the query."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    terms = parse_query(query)
    references = _reference_matches(user, terms) if after is None else []
    persons = _name_hits(user, terms.name_terms, after, size) if terms.name_terms else []
    has_more = len(persons) > size
    hits = [SearchHit(person, person.case) for person in persons[:size]]
    return SearchResults(terms, references, hits, hits[-1].person.id if has_more else None)
