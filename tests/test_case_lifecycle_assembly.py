"""The case lifecycle is assembled from each stage's registrations, and the assembled
table is exactly the one table it was when intake held every row: row for row (where
each leads, who may, the preconditions, a reason, the effects), the order the actions
are offered in, their labels and the pages they are taken on.

The expected rows below were listed from the single table before it was split, so a row
that goes missing, moves stage or loses a condition when a domain registers its part
fails here by name.
"""

from __future__ import annotations

import pytest

from casework.core.authz import Role
from casework.core.lifecycle import Lifecycle, Transition
from casework.intake.lifecycle import (
    ACTION_LABELS,
    ACTION_PAGES,
    CASE_LIFECYCLE,
    CASE_TRANSITIONS,
    CaseAction,
)
from casework.intake.models.cases import CaseStage

OPEN_NOTES = ("caseworker", "supervisor")
WITHDRAW = ("withdrawn", OPEN_NOTES, (), True, ("clear_deadline",))
MERGE = ("merged", ("supervisor",), ("has_merge_target",), True, ("clear_deadline",))
CLOSE = ("closed", ("supervisor",), ("payments_reconciled", "referrals_finished_or_declined"),
         True, ("clear_deadline",))
DECIDE = ("recommendation_awaits_decision", "decider_is_not_recommender")

# (stage, action): (to, roles, preconditions, reason required, effects)
EXPECTED_ROWS = {
    ("intake", "register"): ("registered", OPEN_NOTES, (
        "has_incident", "has_one_head_of_household", "has_harm_or_loss",
        "victims_linked_to_incidents", "has_contact", "has_informed_consent", "is_assigned"),
        False, ("mark_registered", "start_deadline_eligibility_decision")),
    ("registered", "start_review"): ("under_review", OPEN_NOTES, ("criteria_published",), False,
                                     ("open_review_first_review",)),
    ("reopened", "start_review"): ("under_review", OPEN_NOTES, ("criteria_published",), False,
                                   ("open_review_reopened", "start_deadline_eligibility_decision")),
    ("under_review", "recommend"): ("under_review", ("caseworker",),
                                    ("review_open", "every_criterion_has_finding"), True, ()),
    ("under_review", "decide_eligible"): ("eligible", ("supervisor",), DECIDE, False,
                                          ("clear_deadline",)),
    ("under_review", "decide_ineligible"): ("ineligible", ("supervisor",), DECIDE, True,
                                            ("clear_deadline",)),
    ("under_review", "request_more_information"): ("under_review", ("supervisor",), DECIDE, True,
                                                   ("open_review_more_information",)),
    ("ineligible", "appeal"): ("appeal", OPEN_NOTES, ("appeal_window_open",), True,
                               ("start_deadline_appeal_decision",)),
    ("appeal", "uphold_appeal"): ("under_review", ("supervisor",),
                                  ("appeal_decider_is_not_original_decider", "criteria_published"),
                                  True, ("open_review_appeal_upheld",
                                         "start_deadline_eligibility_decision")),
    ("appeal", "dismiss_appeal"): ("ineligible", ("supervisor",),
                                   ("appeal_decider_is_not_original_decider",), True,
                                   ("clear_deadline",)),
    ("ineligible", "reopen"): ("reopened", ("supervisor",), (), True,
                               ("resolve_reconsideration", "clear_deadline")),
    ("closed", "reopen"): ("reopened", ("supervisor",), (), True,
                           ("resolve_reconsideration", "clear_deadline")),
    ("eligible", "acknowledge"): ("acknowledged", OPEN_NOTES, ("has_delivered_acknowledgement",),
                                  False, ("clear_deadline",)),
    ("acknowledged", "start_compensation"): ("compensation", OPEN_NOTES, (), False,
                                             ("clear_deadline",)),
    ("eligible", "start_compensation"): ("compensation", OPEN_NOTES,
                                         ("compensation_may_precede_acknowledgement",), False,
                                         ("clear_deadline",)),
    ("acknowledged", "close"): CLOSE,
    ("compensation", "close"): CLOSE,
    **{(stage, "withdraw"): WITHDRAW
       for stage in ("intake", "registered", "under_review", "eligible", "ineligible", "appeal",
                     "reopened", "acknowledged", "compensation")},
    **{(stage, "merge"): MERGE
       for stage in ("intake", "registered", "under_review", "eligible", "ineligible", "appeal",
                     "reopened", "acknowledged", "compensation")},
}

EXPECTED_OFFER_ORDER = {
    "intake": ["register", "withdraw", "merge"],
    "registered": ["withdraw", "merge", "start_review"],
    "under_review": ["withdraw", "merge", "recommend", "decide_eligible", "decide_ineligible",
                     "request_more_information"],
    "eligible": ["withdraw", "merge", "acknowledge", "start_compensation"],
    "ineligible": ["withdraw", "merge", "appeal", "reopen"],
    "appeal": ["withdraw", "merge", "uphold_appeal", "dismiss_appeal"],
    "reopened": ["withdraw", "merge", "start_review"],
    "acknowledged": ["withdraw", "merge", "start_compensation", "close"],
    "compensation": ["withdraw", "merge", "close"],
    "closed": ["reopen"],
    "withdrawn": [],
    "merged": [],
}

EXPECTED_PAGES = {
    "recommend": "eligibility.recommend",
    "decide_eligible": "eligibility.decide",
    "decide_ineligible": "eligibility.decide",
    "request_more_information": "eligibility.decide",
    "appeal": "eligibility.appeal_new",
    "uphold_appeal": "eligibility.appeal_decide",
    "dismiss_appeal": "eligibility.appeal_decide",
    "acknowledge": "acknowledgement.new",
}


def _row(transition: Transition) -> tuple:
    return (str(transition.to), tuple(sorted(str(role) for role in transition.roles)),
            tuple(p.__name__ for p in transition.preconditions), transition.reason_required,
            tuple(e.__name__ for e in transition.effects))


def test_assembled_case_lifecycle_equals_the_single_table_row_for_row(app):
    assembled = {(str(stage), str(action)): _row(t) for (stage, action), t in
                 CASE_TRANSITIONS.items()}
    assert set(assembled) == set(EXPECTED_ROWS)
    for key, expected in EXPECTED_ROWS.items():
        assert assembled[key] == expected, key


def test_actions_are_offered_in_the_same_order_whichever_domain_registered_them(app):
    for stage in CaseStage:
        assert [str(a) for a in CASE_LIFECYCLE.actions_from(stage)] == \
            EXPECTED_OFFER_ORDER[str(stage)], stage


def test_every_action_has_its_label_and_the_pages_are_those_of_the_owning_domains(app):
    assert set(ACTION_LABELS) == set(CaseAction)
    assert {str(action): page for action, page in ACTION_PAGES.items()} == EXPECTED_PAGES


def test_each_stage_declares_its_rows_in_its_own_package(app):
    owners = {}
    for (_stage, action), transition in CASE_TRANSITIONS.items():
        for function in (*transition.preconditions, *transition.effects):
            owners.setdefault(str(action), set()).add(function.__module__.split(".")[1])
    assert owners["start_review"] <= {"eligibility", "intake"}
    assert "eligibility" in owners["decide_ineligible"]
    assert owners["acknowledge"] == {"acknowledgement", "intake"}
    assert "duplicates" in owners["merge"]
    assert {"compensation", "referrals"} <= owners["close"]
    assert "compensation" in owners["start_compensation"]


def _row_for(role: Role, **changes) -> Transition:
    return Transition(to=CaseStage.registered, roles=frozenset({role}), **changes)


def test_registering_the_same_rows_again_changes_nothing_but_a_different_row_is_refused():
    lifecycle = Lifecycle()
    rows = {(CaseStage.intake, CaseAction.register): _row_for(Role.caseworker)}
    lifecycle.register(rows)
    lifecycle.register(rows)
    assert lifecycle.table == rows
    with pytest.raises(ValueError, match="already in the lifecycle"):
        lifecycle.register({(CaseStage.intake, CaseAction.register): _row_for(Role.supervisor)})


def test_required_conditions_reach_rows_registered_before_and_after_once_each():
    def first(record, actor):
        return None

    def second(record, actor):
        return None

    lifecycle = Lifecycle()
    lifecycle.register({(CaseStage.acknowledged, CaseAction.close): _row_for(Role.supervisor)})
    lifecycle.require(CaseAction.close, first)
    lifecycle.require(CaseAction.close, first, second)
    lifecycle.register({(CaseStage.compensation, CaseAction.close): _row_for(Role.supervisor)})
    # The first row registered again, as a second app in the same process does.
    lifecycle.register({(CaseStage.acknowledged, CaseAction.close): _row_for(Role.supervisor)})
    for stage in (CaseStage.acknowledged, CaseStage.compensation):
        assert lifecycle.table[(stage, CaseAction.close)].preconditions == (first, second)
