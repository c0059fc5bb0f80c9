"""Duplicate candidates of a case: blocking by indexed keys, then scoring pairs in Python.

Blocking (one statement: a scan of one index per block, which reads no row, migration
0010) finds the household members of other cases that could be the same as one of this
case's members:

- A, same incident and same given name: a victim (killed, injured, missing) of one of this
  case's incidents whose given name has the same consonant skeleton, from either script
  (``incident_id`` + ``name_key_ar`` / ``name_key_latin``). This finds a killed relative
  claimed by two households, whatever else differs.
- B, same whole name: any member, in any incident, whose whole name has the same
  skeleton (``full_name_key``). This finds the same household registered twice (the heads
  are often unharmed, so they have no incident), and a victim attributed to the wrong
  incident.

Each blocked pair of persons is scored from the names, sex, date of birth or birth year,
incident, harm and relationship. Names are scored by graded similarity over their keys
(:func:`casework.intake.names.compare_names`: rapidfuzz's Jaro-Winkler, word by word,
with the variant table telling listed names apart), not by equal keys: "Fatma Ahmed
el-Ali" and "Fatima Ahmad al-Ali" are the same name, "Hassan" and "Hussein" are not. The
skeleton keys only block (which pairs are compared at all). A case pair takes its
best person pair, plus evidence that the whole household is the same (several members
matching one to one, both heads of household, the same contact phone). Every point
comes with a :class:`Reason` that shows both records' values side by side.

The work per check is bounded by the size of the blocks, not by the number of cases:
a few index range scans, then at most ``MAX_CANDIDATE_CASES`` cases loaded in full.
Pairs already decided (dismissed, merged, linked) and merged cases are not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.orm import selectinload

from casework.duplicates.models import DuplicateDecision
from casework.extensions import db
from casework.intake.models.cases import Case, CaseStage
from casework.intake.models.name_keys import fill_name_columns
from casework.intake.models.persons import (
    HARM_LABELS,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    Harm,
    Person,
    Relationship,
)
from casework.intake.names import GIVEN_NAME_FLOOR, compare_names, full_name_keys_of

# A case pair at or above this score is shown as a possible duplicate.
CANDIDATE_THRESHOLD = 50
# A person pair at or above this score counts as "the same person" for household matching.
SAME_PERSON_THRESHOLD = 60
# Names at least this similar (casework.intake.names.compare_names, 0-1) are taken for one
# name spelled two ways; a pair of names below it loses points (tests/test_name_matching.py
# measures the precision and recall of this line on labelled pairs).
NAME_MATCH_THRESHOLD = 0.85
NAME_POINTS = 50
NAME_MISMATCH_PENALTY = 15
# Person pairs blocked per check, and candidate cases scored in full, at most.
MAX_BLOCKED_PERSONS = 5000
MAX_CANDIDATE_CASES = 25
LIVING_HARMS = frozenset({Harm.injured, Harm.unharmed})


@dataclass
class Reason:
    """One line of a comparison: what was compared, both records' values, the points."""

    label: Any
    # Both records' values as shown (text, or a lazily translated label).
    left: Any
    right: Any
    points: int


@dataclass
class PersonMatch:
    left: Person
    right: Person
    score: int
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Candidate:
    """Another case that may claim for the same household or the same person."""

    case: Case
    score: int
    # "household": the same household registered twice (merge); "person": a member
    # claimed by two households (link as one victim).
    kind: str
    person_matches: list[PersonMatch]
    reasons: list[Reason] = field(default_factory=list)

    @property
    def case_id(self) -> int:
        return self.case.id

    @property
    def reference(self) -> str:
        return self.case.reference


# -- comparing two persons ------------------------------------------------------------------

NAME_LABELS = {
    "arabic": _l("Name (Arabic)"),
    "latin": _l("Name (Latin)"),
    "across": _l("Name (across scripts)"),
}


def name_points(similarity: float) -> int:
    """The points of a name comparison: up to 50; a name that is not the same name
    (below NAME_MATCH_THRESHOLD) loses NAME_MISMATCH_PENALTY of what its likeness gave."""
    points = round(NAME_POINTS * similarity)
    if similarity >= NAME_MATCH_THRESHOLD:
        return points
    return max(0, points - NAME_MISMATCH_PENALTY)


def _name_score(left: Person, right: Person) -> list[Reason]:
    """One reason per comparison of the names (Arabic, Latin, or across the scripts); one
    counts (the Arabic when both have it: casework.intake.names.compare_names says why)."""
    comparisons = compare_names(left.name_ar_norm, left.name_latin_norm,
                                right.name_ar_norm, right.name_latin_norm)
    shown = {"arabic": (left.name_ar, right.name_ar), "latin": (left.name_latin, right.name_latin),
             "across": (left.display_name, right.display_name)}
    return [
        Reason(NAME_LABELS[comparison.script], shown[comparison.script][0] or "",
               shown[comparison.script][1] or "",
               name_points(comparison.similarity) if comparison.counts else 0)
        for comparison in comparisons
    ]


def _age_reason(left: Person, right: Person) -> Reason:
    left_text = _age_text(left)
    right_text = _age_text(right)
    if left.date_of_birth and left.date_of_birth == right.date_of_birth:
        return Reason(_l("Date of birth"), left_text, right_text, 20)
    if left.birth_year is None or right.birth_year is None:
        return Reason(_l("Born"), left_text, right_text, 0)
    gap = abs(left.birth_year - right.birth_year)
    points = {0: 12, 1: 8, 2: 4}.get(gap, 0 if gap <= 5 else -20)
    return Reason(_l("Born"), left_text, right_text, points)


def _age_text(person: Person) -> str:
    if person.date_of_birth:
        return person.date_of_birth.isoformat()
    if person.birth_year:
        return f"~{person.birth_year}"
    return "?"


def _harm_reason(left: Person, right: Person) -> Reason:
    points = 0
    if left.harm == right.harm == Harm.killed:
        points = 10
    elif left.harm == right.harm:
        points = 5
    elif Harm.killed in (left.harm, right.harm) and (
        left.harm in LIVING_HARMS or right.harm in LIVING_HARMS
    ):
        points = -15
    return Reason(_l("Harm"), HARM_LABELS[left.harm], HARM_LABELS[right.harm], points)


def compare_persons(left: Person, right: Person) -> PersonMatch:
    """Score (0-100) that two household members of different cases are the same person."""
    reasons = _name_score(left, right)
    if left.sex != right.sex:
        reasons.append(Reason(_l("Sex"), SEX_LABELS[left.sex], SEX_LABELS[right.sex], -40))
    reasons.append(_age_reason(left, right))
    if left.incident_id is not None and left.incident_id == right.incident_id:
        reasons.append(Reason(_l("Incident"), _l("same incident"), _l("same incident"), 10))
    reasons.append(_harm_reason(left, right))
    if left.relationship_to_head == right.relationship_to_head:
        label = RELATIONSHIP_LABELS[left.relationship_to_head]
        reasons.append(Reason(_l("Relationship to the head"), label, label, 5))
    total = sum(reason.points for reason in reasons)
    return PersonMatch(left, right, max(0, min(100, total)), reasons)


# -- comparing two cases --------------------------------------------------------------------

def _one_to_one(matches: list[PersonMatch]) -> list[PersonMatch]:
    """The best pairs such that each person is used once (greedy by score)."""
    used_left: set[int] = set()
    used_right: set[int] = set()
    chosen = []
    for match in sorted(matches, key=lambda m: (-m.score, m.left.id, m.right.id)):
        if match.left.id in used_left or match.right.id in used_right:
            continue
        used_left.add(match.left.id)
        used_right.add(match.right.id)
        chosen.append(match)
    return chosen


@lru_cache(maxsize=16384)
def _first_words(*keys: str | None) -> tuple[str, ...]:
    """The given name in each script: the first word of each matching key."""
    return tuple({key.split(" ", 1)[0] for key in keys if key})


def comparable_members(persons: list[Person], others: list[Person]) -> dict[Person, set[Person]]:
    """For each of `persons`, the members of `others` whose given name may be its own: the
    same skeleton in either script (as blocking found them), or a spelling alike enough
    (Jaro-Winkler at least GIVEN_NAME_FLOOR). One rapidfuzz call per given name over all the
    others' given names, rather than one per pair; each member's names read once."""
    by_key: dict[str, list[Person]] = {}
    by_name: dict[str, list[Person]] = {}
    for other in others:
        for key in {other.name_key_ar, other.name_key_latin} - {None}:
            by_key.setdefault(key, []).append(other)
        for name in _first_words(other.name_ar_norm, other.name_latin_norm):
            by_name.setdefault(name, []).append(other)
    choices = list(by_name)
    comparable: dict[Person, set[Person]] = {}
    for person in persons:
        found = comparable[person] = set()
        for key in {person.name_key_ar, person.name_key_latin} - {None}:
            found.update(by_key.get(key, ()))
        for name in _first_words(person.name_ar_norm, person.name_latin_norm):
            for match, _score, _index in process.extract(
                    name, choices, scorer=JaroWinkler.normalized_similarity,
                    score_cutoff=GIVEN_NAME_FLOOR, limit=None):
                found.update(by_name[match])
    return comparable


def compare_cases(case: Case, other: Case,
                  comparable: dict[Person, set[Person]] | None = None) -> Candidate:
    """Score the pair of cases from the pairs of their members whose given names may be one
    name (:func:`comparable_members`); members with different given names are not the
    same."""
    if comparable is None:
        comparable = comparable_members(case.persons, other.persons)
    matches = [
        compare_persons(left, right)
        for left in case.persons
        for candidates in (comparable.get(left, set()),)
        for right in other.persons
        if right in candidates
    ]
    pairs = [m for m in _one_to_one(matches) if m.score >= SAME_PERSON_THRESHOLD // 2]
    same = [m for m in pairs if m.score >= SAME_PERSON_THRESHOLD]
    best = max((m.score for m in pairs), default=0)
    reasons: list[Reason] = []
    score = best
    heads_match = any(m.left.is_head and m.right.is_head for m in same)
    if heads_match:
        reasons.append(Reason(_l("Head of household"), _l("matches"), _l("matches"), 10))
        score += 10
    if len(same) >= 2:
        extra = min(20, 10 * (len(same) - 1))
        reasons.append(Reason(_l("Members matching one to one"), str(len(case.persons)),
                              str(len(other.persons)), extra))
        score += extra
    if case.contact_phone and _digits(case.contact_phone) == _digits(other.contact_phone):
        reasons.append(Reason(_l("Contact phone"), case.contact_phone, other.contact_phone or "",
                              15))
        score += 15
    shared_incidents = {i.incident_id for i in case.incident_links} & {
        i.incident_id for i in other.incident_links
    }
    if shared_incidents:
        reasons.append(Reason(_l("Incidents in common"), str(len(shared_incidents)),
                              str(len(shared_incidents)), 0))
    smaller = min(len(case.persons), len(other.persons)) or 1
    household = heads_match or len(same) >= max(2, (smaller + 1) // 2)
    return Candidate(other, min(100, score), "household" if household else "person", pairs, reasons)


def _digits(phone: str | None) -> str:
    return "".join(c for c in phone or "" if c.isdigit())[-9:]


# -- blocking -------------------------------------------------------------------------------

def _blocks(case: Case) -> list[Any]:
    """The conditions of this case's blocks, each answered by one index alone."""
    incident_ids = sorted({link.incident_id for link in case.incident_links})
    given_keys = sorted({
        key for person in case.persons
        for key in (person.name_key_ar, person.name_key_latin) if key
    })
    full_keys = sorted({
        key for person in case.persons
        for key in full_name_keys_of(person.name_ar_norm, person.name_latin_norm)
    })
    blocks = []
    if incident_ids and given_keys:
        blocks += [
            and_(Person.incident_id.in_(incident_ids), Person.name_key_ar.in_(given_keys)),
            and_(Person.incident_id.in_(incident_ids), Person.name_key_latin.in_(given_keys)),
        ]
    if full_keys:
        blocks.append(Person.full_name_key.in_(full_keys))
    return blocks


def _decided_case_ids(case: Case) -> set[int]:
    rows = db.session.execute(
        select(DuplicateDecision.case_id, DuplicateDecision.other_case_id).where(
            or_(DuplicateDecision.case_id == case.id, DuplicateDecision.other_case_id == case.id)
        )
    )
    return {a if b == case.id else b for a, b in rows}


def _block_ranker(case: Case) -> Callable[[tuple], int]:
    """A cheap first ranking of a blocked member, from its keys alone (no names compared):
    the best, over this case's members, of a shared whole-name key (+4), the same given
    name in the same incident (+3), birth years at most two apart (+2), another sex (-5)."""
    members = [
        (person.full_name_key, person.incident_id,
         frozenset({person.name_key_ar, person.name_key_latin} - {None}),
         person.birth_year, person.sex)
        for person in case.persons
    ]

    def rank(keys: tuple) -> int:
        incident_id, sex, birth_year, name_key_ar, name_key_latin, full_name_key = keys
        best = -100
        for member_full, member_incident, member_given, member_born, member_sex in members:
            rank = 0
            if full_name_key and full_name_key == member_full:
                rank += 4
            if incident_id is not None and incident_id == member_incident and (
                name_key_ar in member_given or name_key_latin in member_given
            ):
                rank += 3
            if member_born and birth_year and abs(member_born - birth_year) <= 2:
                rank += 2
            if sex != member_sex:
                rank -= 5
            best = max(best, rank)
        return best

    return rank


def blocking_statement(case: Case, max_blocked: int = MAX_BLOCKED_PERSONS) -> Any:
    """The members of other cases in this case's blocks: case_id, then the keys in the order
    `_block_ranker` reads them (or None when the case has nothing to block on).

    One scan per block, each reading its index only (the indexes carry these columns,
    migration 0010): an OR of the blocks would read every blocked member's row.
    """
    blocks = _blocks(case)
    if not blocks:
        return None
    return union_all(*(
        select(Person.case_id, Person.incident_id, Person.sex, Person.birth_year,
               Person.name_key_ar, Person.name_key_latin, Person.full_name_key)
        .where(block, Person.case_id != case.id)
        for block in blocks
    )).limit(max_blocked)


def blocked_case_ids(case: Case, max_blocked: int = MAX_BLOCKED_PERSONS) -> list[int]:
    """Other cases with a member in one of this case's blocks, most promising first."""
    statement = blocking_statement(case, max_blocked)
    if statement is None:
        return []
    rank = _block_ranker(case)
    # Namesakes repeat the same keys, sex and birth year: each combination is ranked once.
    ranks: dict[tuple, int] = {}
    best: dict[int, int] = {}
    for case_id, *keys in db.session.execute(statement):
        keys = tuple(keys)
        found = ranks.get(keys)
        if found is None:
            found = ranks[keys] = rank(keys)
        if found > best.get(case_id, -100):
            best[case_id] = found
    return sorted((i for i in best if best[i] > 0), key=lambda i: (-best[i], -i))


def find_duplicate_candidates(case: Case, *, threshold: int = CANDIDATE_THRESHOLD,
                              max_cases: int = MAX_CANDIDATE_CASES,
                              max_blocked: int = MAX_BLOCKED_PERSONS) -> list[Candidate]:
    """Other cases that may be the same household or claim for the same person, best first.

    Decided pairs and merged cases are left out. At most `max_blocked` members are blocked
    and `max_cases` of the best-blocked cases loaded and scored. A fixed number of
    statements, whatever the number of cases or household members.
    """
    if not case.persons:
        return []
    for person in case.persons:
        # Members added in this transaction and not flushed yet (e.g. by the CSV import)
        # get their keys now, exactly as the flush will give them.
        if person.name_ar_norm is None and person.name_latin_norm is None:
            fill_name_columns(person)
    decided = _decided_case_ids(case)
    case_ids = [i for i in blocked_case_ids(case, max_blocked) if i not in decided][:max_cases]
    if not case_ids:
        return []
    others = db.session.scalars(
        select(Case)
        .where(Case.id.in_(case_ids), Case.stage != CaseStage.merged)
        .options(selectinload(Case.persons), selectinload(Case.incident_links))
    ).all()
    comparable = comparable_members(case.persons, [p for other in others for p in other.persons])
    candidates = [compare_cases(case, other, comparable) for other in others]
    candidates = [c for c in candidates if c.score >= threshold]
    return sorted(candidates, key=lambda c: (-c.score, -c.case.id))


def heads_first(persons: list[Person]) -> list[Person]:
    return sorted(persons, key=lambda p: (p.relationship_to_head != Relationship.head, p.id))
