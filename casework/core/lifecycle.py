"""Lifecycles as explicit tables: for each (stage, action), where it leads, who may, and when.

A lifecycle is ONE table of :class:`Transition` rows keyed by (stage, action), wrapped
in a :class:`Lifecycle`. The domain that owns a record's stages creates it; a table may
be assembled from several domains, each registering its own rows (with their labels and
the pages their actions are taken on) through :meth:`Lifecycle.register`, and adding its
conditions to another domain's row through :meth:`Lifecycle.require` (closing a case
waits for payments and referrals). Views ask the lifecycle which actions to offer
(:meth:`Lifecycle.offers`); the owner's single apply function calls
:meth:`Lifecycle.check` and then changes the stage. Nothing here touches the database,
so a table can be tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from casework.core.authz import Role
from casework.core.errors import Conflict, InvalidInput

# A precondition looks at the record and the user acting, and returns why the
# transition may not happen yet, or None when it may.
Precondition = Callable[[Any, Any], Any]
# An effect runs after the stage changed (e.g. sets a deadline); it must only flush.
Effect = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Transition:
    to: StrEnum
    roles: frozenset[Role]
    preconditions: tuple[Precondition, ...] = ()
    reason_required: bool = False
    effects: tuple[Effect, ...] = ()
    # A step aside from the record's path (withdrawing, merging): offered apart, never first.
    aside: bool = False
    # What the record waits for while this step is another role's ("a supervisor's
    # decision"), said to everyone else once its preconditions hold.
    awaited: Any = None


class TransitionRefused(Conflict):
    """The action is not allowed now; `reasons` says everything that stands in the way."""

    def __init__(self, reasons: list[Any]):
        super().__init__(" ".join(str(reason) for reason in reasons))
        self.reasons = [str(reason) for reason in reasons]


class StaleRecord(Conflict):
    """The record changed after the user loaded it; their change was not applied."""

    def __init__(self, message: Any, record: Any = None):
        super().__init__(message)
        self.record = record


@dataclass
class Offer:
    """An action the user's role may take from the current stage, and what blocks it now."""

    action: StrEnum
    transition: Transition
    refusals: list[Any] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.refusals


@dataclass
class NextSteps:
    """The case page's "Next steps" for one user (see :meth:`Lifecycle.next_steps`)."""

    forward: list[Offer] = field(default_factory=list)
    not_yet: list[Offer] = field(default_factory=list)
    aside: list[Offer] = field(default_factory=list)
    awaiting: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _StandIn:
    """Someone in a role, no one in particular: asks whether a step is possible for others."""

    role: Role
    id: None = None


class Lifecycle:
    def __init__(
        self,
        table: Mapping[tuple[StrEnum, StrEnum], Transition] | None = None,
        *,
        stage_attribute: str = "stage",
        version_attribute: str = "version",
    ):
        self.table: dict[tuple[StrEnum, StrEnum], Transition] = {}
        # What each action is called on pages, and the page (endpoint) an action that
        # records more than a reason is taken on.
        self.labels: dict[StrEnum, Any] = {}
        self.pages: dict[StrEnum, str] = {}
        # Conditions added to an action's rows by other domains, whenever the rows arrive.
        self.requirements: dict[StrEnum, tuple[Precondition, ...]] = {}
        self.stage_attribute = stage_attribute
        self.version_attribute = version_attribute
        if table:
            self.register(table)

    def register(
        self,
        rows: Mapping[tuple[StrEnum, StrEnum], Transition],
        *,
        labels: Mapping[StrEnum, Any] | None = None,
        pages: Mapping[StrEnum, str] | None = None,
    ) -> None:
        """Add a domain's rows. Registering the same rows again (a second app in one
        process) changes nothing; a different row for a (stage, action) already taken
        is a programming error."""
        for key, transition in rows.items():
            current = self.table.get(key)
            if current is not None and _without_added(current, transition) != transition:
                raise ValueError(f"{key} is already in the lifecycle, with another row")
            if current is None:
                self.table[key] = _with_required(transition, self.requirements.get(key[1], ()))
        self.labels.update(labels or {})
        self.pages.update(pages or {})

    def require(self, action: StrEnum, *preconditions: Precondition) -> None:
        """Add conditions to every row of `action`, registered or still to come (once
        each, in the order added)."""
        required = self.requirements.get(action, ())
        self.requirements[action] = required + tuple(
            p for p in preconditions if p not in required)
        for key, transition in self.table.items():
            if key[1] == action:
                self.table[key] = _with_required(transition, self.requirements[action])

    def stage_of(self, record: Any) -> StrEnum:
        return getattr(record, self.stage_attribute)

    def transition(self, stage: StrEnum, action: StrEnum) -> Transition | None:
        return self.table.get((stage, action))

    def actions_from(self, stage: StrEnum) -> list[StrEnum]:
        """The actions from a stage, in the order their enum declares them (whichever
        domain registered them first)."""
        actions = [action for (from_stage, action) in self.table if from_stage == stage]
        return sorted(actions, key=_declaration_order)

    def refusals(self, record: Any, action: StrEnum, actor: Any) -> list[Any]:
        """Everything that stands in the way of the action now; empty when it may happen."""
        stage = self.stage_of(record)
        transition = self.transition(stage, action)
        if transition is None:
            return [str(_l("“%(action)s” is not possible at stage “%(stage)s”.",
                           action=str(action), stage=str(stage)))]
        if actor is None or actor.role not in transition.roles:
            return [str(_l("Your role may not do “%(action)s”.", action=str(action)))]
        return [reason for reason in _unmet(transition.preconditions, record, actor)]

    def offers(self, record: Any, actor: Any) -> list[Offer]:
        """The actions from the current stage that the actor's role may take, with blockers."""
        stage = self.stage_of(record)
        offers = []
        for action in self.actions_from(stage):
            transition = self.table[(stage, action)]
            if actor is not None and actor.role in transition.roles:
                offers.append(
                    Offer(action, transition, list(_unmet(transition.preconditions, record, actor)))
                )
        return offers

    def next_steps(self, record: Any, actor: Any) -> NextSteps:
        """What happens next and who does it: the actor's steps on the record's path that
        are possible now, those not yet possible (with why), the steps aside, and what
        the record awaits from other roles."""
        steps = NextSteps()
        for offer in self.offers(record, actor):
            if offer.transition.aside:
                steps.aside.append(offer)
            elif offer.allowed:
                steps.forward.append(offer)
            else:
                steps.not_yet.append(offer)
        stage = self.stage_of(record)
        for action in self.actions_from(stage):
            transition = self.table[(stage, action)]
            if transition.awaited is None or transition.aside or transition.awaited in \
                    steps.awaiting or (actor is not None and actor.role in transition.roles):
                continue
            # Possible now for someone in that role? (A stand-in: no particular person.)
            if any(not list(_unmet(transition.preconditions, record, _StandIn(role)))
                   for role in sorted(transition.roles)):
                steps.awaiting.append(transition.awaited)
        return steps

    def check(
        self, record: Any, action: StrEnum, actor: Any, *, expected_version: int | None,
        reason: str | None,
    ) -> Transition:
        """The transition to apply, or a named error: stale, refused, or reason missing."""
        current = getattr(record, self.version_attribute)
        if expected_version is not None and expected_version != current:
            raise StaleRecord(
                _l("This record was changed by someone else after you opened it "
                   "(version %(expected)s, now %(current)s). Reload the page and try again.",
                   expected=expected_version, current=current),
                record,
            )
        refusals = self.refusals(record, action, actor)
        if refusals:
            raise TransitionRefused(refusals)
        transition = self.table[(self.stage_of(record), action)]
        if transition.reason_required and not (reason or "").strip():
            raise InvalidInput(_l("Give a reason: it is kept in the case history."), "reason")
        return transition


def _unmet(preconditions: Iterable[Precondition], record: Any, actor: Any) -> Iterable[str]:
    for precondition in preconditions:
        reason = precondition(record, actor)
        if reason:
            # A plain str, escaped in pages (a lazy string would pass as safe HTML).
            yield str(reason)


def _declaration_order(member: StrEnum) -> int:
    return list(type(member)).index(member)


def _with_required(transition: Transition, required: tuple[Precondition, ...]) -> Transition:
    added = tuple(p for p in required if p not in transition.preconditions)
    if not added:
        return transition
    return replace(transition, preconditions=transition.preconditions + added)


def _without_added(current: Transition, registered: Transition) -> Transition:
    """The current row without the conditions other domains added through `require`."""
    return replace(current, preconditions=current.preconditions[:len(registered.preconditions)])
