"""The lifecycle kernel on a small table of its own: registering rows, conditions added by
other domains, the order actions are offered in, refusals, the checks before a transition,
and the next steps.

`casework.core.lifecycle` names no domain, so it is exercised here on a claim with four
stages; the case lifecycle's own rows are tested in test_case_lifecycle_assembly.py and
the stage tests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

import pytest

from casework.core.authz import Role
from casework.core.errors import InvalidInput
from casework.core.lifecycle import (
    Lifecycle,
    Offer,
    StaleRecord,
    Transition,
    TransitionRefused,
)


class Stage(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    withdrawn = "withdrawn"


class Step(StrEnum):  # declared in the order steps are offered
    submit = "submit"
    approve = "approve"
    send_back = "send_back"
    withdraw = "withdraw"


@dataclass
class Claim:
    stage: Stage = Stage.draft
    version: int = 3
    complete: bool = True
    author_id: int = 1


@dataclass
class Person:
    role: Role
    id: int = 1


CASEWORKER, SUPERVISOR = Person(Role.caseworker), Person(Role.supervisor, id=2)
WORKERS = frozenset({Role.caseworker, Role.supervisor})


def complete(claim, actor):
    return None if claim.complete else "The claim is not complete."


def not_the_author(claim, actor):
    return "You wrote this claim." if actor.id == claim.author_id else None


def in_draft(claim, actor):
    return "" if claim.stage == Stage.draft else "Not a draft."  # empty: met


def signed(claim, actor):
    return None


def clear_deadline(claim, actor):
    return None


SUBMIT = Transition(Stage.submitted, WORKERS, (complete,))
APPROVE = Transition(Stage.approved, frozenset({Role.supervisor}), (not_the_author,),
                     awaited="a supervisor's approval")
SEND_BACK = Transition(Stage.draft, frozenset({Role.supervisor}), reason_required=True,
                       awaited="a supervisor's approval")
WITHDRAW = Transition(Stage.withdrawn, WORKERS, reason_required=True, aside=True,
                      awaited="a withdrawal")


def _lifecycle() -> Lifecycle:
    lifecycle = Lifecycle({(Stage.draft, Step.withdraw): WITHDRAW,
                           (Stage.submitted, Step.withdraw): WITHDRAW,
                           (Stage.submitted, Step.send_back): SEND_BACK})
    lifecycle.register({(Stage.submitted, Step.approve): APPROVE},
                       labels={Step.approve: "Approve"}, pages={Step.approve: "claims.approve"})
    lifecycle.register({(Stage.draft, Step.submit): SUBMIT}, labels={Step.submit: "Submit"})
    return lifecycle


# --- Registering -------------------------------------------------------------------------


def test_rows_labels_and_pages_come_from_every_registration():
    lifecycle = _lifecycle()
    assert lifecycle.transition(Stage.draft, Step.submit) is SUBMIT
    assert lifecycle.transition(Stage.submitted, Step.approve) is APPROVE
    assert lifecycle.transition(Stage.approved, Step.approve) is None
    assert lifecycle.labels == {Step.approve: "Approve", Step.submit: "Submit"}
    assert lifecycle.pages == {Step.approve: "claims.approve"}
    assert Lifecycle().table == {} and Lifecycle().labels == {} and Lifecycle().pages == {}


def test_registering_the_same_rows_again_changes_nothing():
    lifecycle = _lifecycle()
    table = dict(lifecycle.table)
    lifecycle.register({(Stage.draft, Step.submit): SUBMIT})
    assert lifecycle.table == table


def test_another_row_for_a_stage_and_action_already_taken_is_refused():
    lifecycle = _lifecycle()
    widened = dataclasses.replace(SUBMIT, roles=WORKERS | {Role.admin})
    with pytest.raises(ValueError) as refused:
        lifecycle.register({(Stage.draft, Step.submit): widened})
    assert str(refused.value) == (
        f"{(Stage.draft, Step.submit)} is already in the lifecycle, with another row")
    assert lifecycle.transition(Stage.draft, Step.submit) is SUBMIT


def test_a_row_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SUBMIT.roles = frozenset(Role)


def test_required_conditions_join_rows_registered_before_and_after_in_order_once_each():
    lifecycle = Lifecycle({(Stage.draft, Step.withdraw): WITHDRAW})
    lifecycle.require(Step.withdraw, signed)
    lifecycle.require(Step.withdraw, clear_deadline, signed)
    lifecycle.register({(Stage.submitted, Step.withdraw): WITHDRAW,
                        (Stage.draft, Step.submit): SUBMIT})
    for stage in (Stage.draft, Stage.submitted):
        assert lifecycle.transition(stage, Step.withdraw).preconditions == (signed, clear_deadline)
    assert lifecycle.transition(Stage.draft, Step.submit).preconditions == (complete,)
    # A second application registering the original rows again is not a conflict.
    lifecycle.register({(Stage.draft, Step.withdraw): WITHDRAW})
    assert lifecycle.transition(Stage.draft, Step.withdraw).preconditions == (signed, clear_deadline)
    with pytest.raises(ValueError, match="with another row"):
        lifecycle.register({(Stage.draft, Step.withdraw): dataclasses.replace(
            WITHDRAW, preconditions=(complete,))})


def test_a_condition_a_row_already_has_is_not_added_twice():
    lifecycle = Lifecycle({(Stage.draft, Step.submit): SUBMIT})
    lifecycle.require(Step.submit, complete, signed)
    assert lifecycle.transition(Stage.draft, Step.submit).preconditions == (complete, signed)


def test_actions_are_listed_in_declaration_order_whoever_registered_them_first():
    lifecycle = _lifecycle()
    assert lifecycle.actions_from(Stage.draft) == [Step.submit, Step.withdraw]
    assert lifecycle.actions_from(Stage.submitted) == [Step.approve, Step.send_back, Step.withdraw]
    assert lifecycle.actions_from(Stage.approved) == []


# --- What stands in the way ------------------------------------------------------------


def test_refusals_name_the_missing_row_the_role_and_every_unmet_condition():
    lifecycle = _lifecycle()
    assert lifecycle.refusals(Claim(), Step.approve, SUPERVISOR) == [
        "“approve” is not possible at stage “draft”."]
    submitted = Claim(Stage.submitted)
    assert lifecycle.refusals(submitted, Step.approve, CASEWORKER) == [
        "Your role may not do “approve”."]
    assert lifecycle.refusals(submitted, Step.approve, None) == ["Your role may not do “approve”."]
    assert lifecycle.refusals(submitted, Step.approve, Person(Role.supervisor, id=1)) == [
        "You wrote this claim."]
    assert lifecycle.refusals(submitted, Step.approve, SUPERVISOR) == []
    refusals = lifecycle.refusals(Claim(complete=False), Step.submit, CASEWORKER)
    assert refusals == ["The claim is not complete."] and type(refusals[0]) is str


def test_an_empty_reason_from_a_condition_means_it_is_met():
    lifecycle = Lifecycle({(Stage.draft, Step.submit): dataclasses.replace(
        SUBMIT, preconditions=(in_draft, complete))})
    assert lifecycle.refusals(Claim(), Step.submit, CASEWORKER) == []
    assert lifecycle.refusals(Claim(complete=False), Step.submit, CASEWORKER) == [
        "The claim is not complete."]


def test_offers_are_the_role_s_actions_from_the_stage_with_what_blocks_them():
    lifecycle = _lifecycle()
    offers = lifecycle.offers(Claim(complete=False), CASEWORKER)
    assert [(offer.action, offer.allowed, offer.refusals) for offer in offers] == [
        (Step.submit, False, ["The claim is not complete."]), (Step.withdraw, True, [])]
    assert offers[0].transition is SUBMIT
    assert [offer.action for offer in lifecycle.offers(Claim(Stage.submitted), SUPERVISOR)] == [
        Step.approve, Step.send_back, Step.withdraw]
    assert [offer.action for offer in lifecycle.offers(Claim(Stage.submitted), CASEWORKER)] == [
        Step.withdraw]
    assert lifecycle.offers(Claim(), None) == []
    assert Offer(Step.submit, SUBMIT).allowed


# --- Checking a transition -----------------------------------------------------------


def test_check_gives_the_row_to_apply():
    lifecycle = _lifecycle()
    assert lifecycle.check(Claim(), Step.submit, CASEWORKER, expected_version=3,
                           reason=None) is SUBMIT
    assert lifecycle.check(Claim(), Step.submit, CASEWORKER, expected_version=None,
                           reason=None) is SUBMIT
    assert lifecycle.check(Claim(), Step.withdraw, CASEWORKER, expected_version=3,
                           reason="The family asked.") is WITHDRAW


def test_check_refuses_a_stale_version_before_anything_else():
    claim = Claim(complete=False)
    with pytest.raises(StaleRecord) as stale:
        _lifecycle().check(claim, Step.submit, CASEWORKER, expected_version=2, reason=None)
    assert stale.value.record is claim
    assert stale.value.message == (
        "This record was changed by someone else after you opened it (version 2, now 3). "
        "Reload the page and try again.")


def test_check_refuses_with_every_reason_joined():
    lifecycle = Lifecycle({(Stage.draft, Step.submit): dataclasses.replace(
        SUBMIT, preconditions=(complete, not_the_author))})
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(Claim(complete=False), Step.submit, CASEWORKER, expected_version=3,
                        reason="x")
    assert refused.value.reasons == ["The claim is not complete.", "You wrote this claim."]
    assert refused.value.message == "The claim is not complete. You wrote this claim."


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_check_asks_for_a_reason_where_the_row_requires_one(reason):
    with pytest.raises(InvalidInput) as refused:
        _lifecycle().check(Claim(Stage.submitted), Step.send_back, SUPERVISOR, expected_version=3,
                           reason=reason)
    assert refused.value.field == "reason"
    assert refused.value.message == "Give a reason: it is kept in the case history."


def test_the_stage_and_version_attributes_can_be_named():
    @dataclass
    class Letter:
        state: Stage
        revision: int

    lifecycle = Lifecycle({(Stage.draft, Step.submit): Transition(Stage.submitted, WORKERS)},
                          stage_attribute="state", version_attribute="revision")
    letter = Letter(Stage.draft, 5)
    assert lifecycle.stage_of(letter) is Stage.draft
    assert lifecycle.check(letter, Step.submit, CASEWORKER, expected_version=5, reason=None)
    with pytest.raises(StaleRecord):
        lifecycle.check(letter, Step.submit, CASEWORKER, expected_version=4, reason=None)


# --- Next steps ---------------------------------------------------------------------------


def test_next_steps_put_the_possible_steps_forward_and_the_steps_aside_apart():
    steps = _lifecycle().next_steps(Claim(), CASEWORKER)
    assert [offer.action for offer in steps.forward] == [Step.submit]
    assert steps.not_yet == []
    assert [offer.action for offer in steps.aside] == [Step.withdraw]
    assert steps.awaiting == []


def test_next_steps_list_what_is_not_yet_possible_with_why():
    steps = _lifecycle().next_steps(Claim(complete=False), CASEWORKER)
    assert steps.forward == []
    assert [(offer.action, offer.refusals) for offer in steps.not_yet] == [
        (Step.submit, ["The claim is not complete."])]
    assert [offer.action for offer in steps.aside] == [Step.withdraw]


def test_next_steps_say_once_what_the_record_awaits_from_another_role():
    lifecycle = _lifecycle()
    submitted = Claim(Stage.submitted)
    # Approval is awaited from someone in the role, not from a particular person: that the
    # viewer wrote the claim (and so could not approve it) does not matter here.
    caseworker = lifecycle.next_steps(submitted, CASEWORKER)
    assert caseworker.awaiting == ["a supervisor's approval"]  # two rows await it: said once
    assert caseworker.forward == [] and [o.action for o in caseworker.aside] == [Step.withdraw]
    assert lifecycle.next_steps(submitted, None).awaiting == ["a supervisor's approval"]
    # The supervisor is the one who acts: nothing awaited, the steps are theirs.
    supervisor = lifecycle.next_steps(submitted, SUPERVISOR)
    assert supervisor.awaiting == []
    assert [offer.action for offer in supervisor.forward] == [Step.approve, Step.send_back]


def test_nothing_is_awaited_from_a_role_that_could_not_take_the_step_now():
    lifecycle = Lifecycle({(Stage.submitted, Step.approve): dataclasses.replace(
        APPROVE, preconditions=(complete,))})
    assert lifecycle.next_steps(Claim(Stage.submitted, complete=False), CASEWORKER).awaiting == []
    assert lifecycle.next_steps(Claim(Stage.submitted), CASEWORKER).awaiting == [
        "a supervisor's approval"]
