"""Possible duplicates of a case: the comparison page, the supervisor's decision, and the
section the case page shows right after intake.

Who sees what, for a candidate case in ANOTHER office
------------------------------------------------------
- caseworkers: its reference, office and score only, never its household's data;
- supervisors and auditors: the compared fields side by side (names, sex, birth year,
  harm, relationship), not contact details, address or evidence: a supervisor must see
  what the score rests on to decide, and duplicates across offices are exactly the
  double payments the programme must catch.
A supervisor may dismiss such a pair, link its members as one victim, or merge THEIR
office's case into the other; merging the other office's case is for that office's
supervisors. A cross-office pair can only be decided while it is a current candidate of
the supervisor's own case, so ids of other offices' cases cannot be probed.

Who decides, and flags
----------------------
The office's supervisors decide, except one who registered either case. Everyone else
who works on the case (caseworkers, and a supervisor who registered one of the two) is
told so, and may flag a pair whose details they see for a supervisor, with a short note;
auditors and admins never flag. Open flags are shown with the pair, on the case page's
section and on the supervisors' "Flagged duplicates" list, until a decision clears them.
Flagging is an edit of the case's work (``Action.edit_case``: caseworkers and
supervisors, in their office).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.core.authz import Action, authorized, can, requires
from casework.core.bidi import isolated
from casework.core.errors import DomainError, InvalidInput
from casework.core.forms import attach_error
from casework.core.sections import (
    CaseSection,
    register_case_section,
)
from casework.core.transaction import refusal_shown
from casework.duplicates import operations, queries
from casework.duplicates.candidates import (
    SAME_PERSON_THRESHOLD,
    Candidate,
    compare_cases,
    find_duplicate_candidates,
)
from casework.duplicates.forms import (
    DECISION_LABELS,
    DISMISS,
    MERGE_OTHER,
    MERGE_THIS,
    SAME_VICTIM,
    DuplicateDecisionForm,
    DuplicateFlagForm,
)
from casework.duplicates.models import DUPLICATE_OUTCOME_LABELS, DuplicateFlag
from casework.intake import queries as intake_queries
from casework.intake.models.cases import FINAL_STAGES, Case, CaseStage

SECTION_LIMIT = 5
# Members blocked for the case page's short list: enough for the household's own namesakes
# in its incidents, not every namesake in a million cases (the duplicates page takes all).
SECTION_MAX_BLOCKED = 1000
# Flagging a pair for a supervisor is an edit of the case's work: caseworkers and
# supervisors of its office (auditors and admins never).
FLAG_ACTION = Action.edit_case


def _decision_choices(case: Case, other: Case) -> list[tuple[str, Any]]:
    choices = []
    if case.stage not in FINAL_STAGES and other.stage not in FINAL_STAGES:
        choices.append(MERGE_THIS)
        if other.office_id == case.office_id:
            choices.append(MERGE_OTHER)
    choices += [SAME_VICTIM, DISMISS]
    return [(value, DECISION_LABELS[value]) for value in choices]


def _decision_form(case: Case, candidate: Candidate, formdata: Any = None) -> DuplicateDecisionForm:
    form = DuplicateDecisionForm(formdata=formdata, prefix=f"c{candidate.case.id}")
    form.decision.choices = _decision_choices(case, candidate.case)
    form.pairs.choices = [(f"{m.left.id}-{m.right.id}", f"{m.left.display_name} = "
                           f"{m.right.display_name}") for m in candidate.person_matches]
    if formdata is None:
        form.pairs.data = [f"{m.left.id}-{m.right.id}" for m in candidate.person_matches
                           if m.score >= SAME_PERSON_THRESHOLD]
        form.version.data = case.version
        form.other_version.data = candidate.case.version
        form.other_id.data = str(candidate.case.id)
    return form


@dataclass
class CandidateView:
    candidate: Candidate
    details: bool
    # The decision form, for a supervisor who decides this pair.
    form: DuplicateDecisionForm | None
    # The pair's open flag, and the form to flag it for whoever may.
    flag: DuplicateFlag | None = None
    flag_form: DuplicateFlagForm | None = None


def _page(case: Case, failed: DuplicateDecisionForm | None = None, failed_other_id: int = 0,
          status: int = 200, failed_flag: DuplicateFlagForm | None = None):
    candidates = find_duplicate_candidates(case) if case.stage != CaseStage.merged else []
    may_flag = can(current_user, FLAG_ACTION, case)
    flags = {flag.other_than(case.id): flag for flag in queries.open_flags_of(case)}
    views = []
    for candidate in candidates:
        other = candidate.case
        details = queries.shows_details(current_user, case, other)
        view = CandidateView(candidate, details, None, flags.get(other.id))
        if failed is not None and other.id == failed_other_id:
            # A refused decision is shown with its reason, whoever sent it.
            view.form = failed
        elif queries.may_decide(current_user, case, other):
            view.form = _decision_form(case, candidate)
        elif failed_flag is not None and other.id == failed_other_id:
            view.flag_form = failed_flag
        elif may_flag and details and view.flag is None:
            view.flag_form = DuplicateFlagForm(prefix=f"f{other.id}")
        views.append(view)
    decisions = queries.decisions_of(case)
    related_ids = {d.case_id for d in decisions} | {d.other_case_id for d in decisions}
    related_ids |= set(queries.merged_case_ids(case))
    if case.merged_into_id:
        related_ids.add(case.merged_into_id)
    related_ids.discard(case.id)
    references = queries.case_references(sorted(related_ids)) if related_ids else {}
    deciders = [] if can(current_user, Action.decide_duplicate, case) else (
        queries.office_supervisors(case.office_id))
    return render_template(
        "duplicates/case_duplicates.html", case=case, views=views, decisions=decisions,
        references=references, merged_from=queries.merged_case_ids(case),
        outcome_labels=DUPLICATE_OUTCOME_LABELS, deciders=deciders,
        decides=can(current_user, Action.decide_duplicate, case),
    ), status


@requires(Action.view_duplicates)
def case_duplicates(case_id: int):
    case = authorized(Action.view_duplicates, intake_queries.load_case(case_id, full=True))
    return _page(case)


@requires(Action.decide_duplicate)
def decide(case_id: int, other_id: int):
    case = authorized(Action.decide_duplicate, intake_queries.load_case(case_id, full=True))
    other = intake_queries.load_case(other_id, full=True)
    if other is None or other.id == case.id:
        abort(404)
    if other.office_id != case.office_id and other.id not in {
        c.case.id for c in find_duplicate_candidates(case)
    }:
        # Another office's case is reachable only as a current candidate of this one.
        abort(404)
    candidate = compare_cases(case, other)
    form = DuplicateDecisionForm(prefix=f"c{other.id}")
    form.decision.choices = _decision_choices(case, other)
    form.pairs.choices = [(f"{m.left.id}-{m.right.id}", "") for m in candidate.person_matches]
    if not form.validate_on_submit():
        return _page(case, form, other.id, 422)
    reason = form.reason.data
    refusal: list[DomainError] = []  # what refused the decision (after the rollback)
    with refusal_shown(on_refusal=refusal.append):
        if form.decision.data == MERGE_THIS:
            operations.merge_cases(case, other, current_user, reason=reason,
                                   expected_version=form.version.data,
                                   person_pairs=form.person_pairs(), score=candidate.score)
        elif form.decision.data == MERGE_OTHER:
            operations.merge_cases(other, case, current_user, reason=reason,
                                   expected_version=form.other_version.data,
                                   person_pairs=[(theirs, mine) for mine, theirs in form.person_pairs()],
                                   score=candidate.score)
        elif form.decision.data == SAME_VICTIM:
            operations.confirm_same_victim(case, other, current_user, reason=reason,
                                           person_pairs=form.person_pairs(), score=candidate.score)
        else:
            operations.dismiss_candidate(case, other, current_user, reason=reason,
                                         score=candidate.score)
        flash(_("Decision recorded: %(outcome)s.", outcome=DECISION_LABELS[form.decision.data]),
              "success")
        if form.decision.data == MERGE_THIS:
            return redirect(url_for("intake.case_page", case_id=case.id), 303)
        return redirect(url_for("duplicates.case_duplicates", case_id=case.id), 303)
    [error] = refusal
    case = authorized(Action.decide_duplicate, intake_queries.load_case(case_id, full=True))
    attach_error(form, error)
    return _page(case, form, other_id, 422 if isinstance(error, InvalidInput) else 409)


@requires(FLAG_ACTION)
def flag(case_id: int, other_id: int):
    """Flag the pair for a supervisor, with a short note."""
    case = authorized(FLAG_ACTION, intake_queries.load_case(case_id, full=True))
    other = intake_queries.load_case(other_id, full=True)
    if other is None or other.id == case.id:
        abort(404)
    if other.office_id != case.office_id and other.id not in {
        c.case.id for c in find_duplicate_candidates(case)
    }:
        # Another office's case is reachable only as a current candidate of this one.
        abort(404)
    form = DuplicateFlagForm(prefix=f"f{other.id}")
    if not form.validate_on_submit():
        return _page(case, failed_other_id=other.id, status=422, failed_flag=form)
    with refusal_shown(form):
        operations.flag_for_supervisor(case, other, current_user, note=form.note.data)
        flash(isolated(_("Flagged for a supervisor: %(reference)s and %(other)s."),
                       reference=case.reference, other=other.reference), "success")
        return redirect(url_for("duplicates.case_duplicates", case_id=case.id), 303)
    case = authorized(FLAG_ACTION, intake_queries.load_case(case_id, full=True))
    return _page(case, failed_other_id=other_id, failed_flag=form)


@requires(Action.view_work_queues)
def flagged():
    """The pairs caseworkers flagged for the supervisor's office, oldest first."""
    rows = queries.open_flags_in_office(current_user.office_id) if current_user.office_id else []
    return render_template("duplicates/flagged.html", rows=rows)


# -- the case page's section ------------------------------------------------------------------

def duplicates_section(case: Case, user: Any) -> dict | None:
    """Possible duplicates, shown on the case page (so right after intake saves a case)."""
    if not can(user, Action.view_duplicates, case):
        return None
    # The case page scores only the best-blocked few (every opening of a case pays for it);
    # the duplicates page scores them all.
    candidates = [] if case.stage == CaseStage.merged else find_duplicate_candidates(
        case, max_cases=SECTION_LIMIT + 1, max_blocked=SECTION_MAX_BLOCKED)
    flags = queries.open_flags_of(case)
    wanted = {flag.other_than(case.id) for flag in flags}
    if case.merged_into_id:
        wanted.add(case.merged_into_id)
    references = queries.case_references(sorted(wanted)) if wanted else {}
    return {
        "case": case,
        "candidates": candidates[:SECTION_LIMIT],
        "count": len(candidates),
        "more": len(candidates) > SECTION_LIMIT,
        "details": {c.case.id: queries.shows_details(user, case, c.case) for c in candidates},
        "merged_into": references.get(case.merged_into_id) if case.merged_into_id else None,
        "decides": can(user, Action.decide_duplicate, case),
        "flags": [(flag, references.get(flag.other_than(case.id), "")) for flag in flags],
        "flagged_ids": wanted - {case.merged_into_id},
    }


register_case_section(CaseSection("duplicates", "duplicates/_case_section.html",
                                  load=duplicates_section, order=20))
