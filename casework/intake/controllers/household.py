"""Household members and losses of a case.

Every form carries the case's version: a change to any part of the case (details,
members, losses, stage) makes a form opened before it stale.
"""

from __future__ import annotations

from typing import NoReturn

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casework.core.authz import Action, requires
from casework.core.bidi import isolated
from casework.core.dates import date_text
from casework.core.errors import DomainError, InvalidInput
from casework.core.forms import (
    EditRefusal,
    blank_choice,
    choices_of,
)
from casework.core.lifecycle import StaleRecord
from casework.core.money import MINOR_UNIT_DIGITS, amount_text, parse_amount
from casework.core.transaction import refusal_shown
from casework.extensions import db
from casework.intake import operations
from casework.intake.controllers.cases import person_details
from casework.intake.controllers.common import (
    conflict_after_rollback,
    load_case,
    render,
    stamp_form,
)
from casework.intake.forms import (
    LOSS_FIELDS,
    PERSON_FIELDS,
    LossForm,
    PersonForm,
    RemoveForm,
)
from casework.intake.models.cases import Case
from casework.intake.models.losses import Loss
from casework.intake.models.persons import Person
from casework.intake.validation import LossDetails


def _incident_choices(case: Case) -> list[SelectChoice]:
    return [blank_choice()] + choices_of(
        (i.id, f"{i.reference} — {date_text(i.occurred_on)}") for i in case.incidents)


def _owned(model: type, case: Case, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or item.case_id != case.id:
        abort(404)
    return item


def _reloaded(model: type, item_id: int | None):
    """The record again after a rollback (None for a new one), or 409 if someone removed
    it meanwhile."""
    if item_id is None:
        return None
    item = db.session.get(model, item_id)
    if item is None:
        abort(409, description=_("Someone else removed this entry after you opened the form."))
    return item


def _back_to(case: Case):
    return redirect(url_for("intake.case_page", case_id=case.id))


@requires(Action.edit_case)
def person_new(case_id: int):
    case = load_case(case_id, Action.edit_case)
    return _person_form(case, None)


@requires(Action.edit_case)
def person_edit(case_id: int, person_id: int):
    case = load_case(case_id, Action.edit_case)
    return _person_form(case, _owned(Person, case, person_id))


def _person_form(case: Case, person: Person | None):
    form = PersonForm(obj=person)
    form.incident_id.choices = _incident_choices(case)
    person_id = person.id if person is not None else None

    def what_changed():
        nonlocal person
        person = _reloaded(Person, person_id)
        return conflict_after_rollback(form, case, person, PERSON_FIELDS)

    refusal = EditRefusal(form, what_changed)
    if request.method == "GET":
        stamp_form(form, case.version, person, PERSON_FIELDS)
    elif form.validate_on_submit():
        details = person_details(form, form.relationship_to_head.data)
        with refusal_shown(form, on_refusal=refusal):
            if person is None:
                operations.add_person(case, details, current_user, form.version.data)
            else:
                operations.update_person(person, details, current_user, form.version.data)
            flash(isolated(_("Household of case %(reference)s saved."), reference=case.reference),
                  "success")
            return _back_to(case)
    return render("person_form.html", form=form, case=case, person=person,
                  conflict=refusal.conflict)


@requires(Action.edit_case)
def person_remove(case_id: int, person_id: int):
    case = load_case(case_id, Action.edit_case)
    person = _owned(Person, case, person_id)
    return _remove(case, person, operations.remove_person,
                   _("%(name)s removed from the household.", name=person.display_name))


@requires(Action.edit_case)
def loss_new(case_id: int):
    case = load_case(case_id, Action.edit_case)
    return _loss_form(case, None)


@requires(Action.edit_case)
def loss_edit(case_id: int, loss_id: int):
    case = load_case(case_id, Action.edit_case)
    return _loss_form(case, _owned(Loss, case, loss_id))


def _loss_details(form: LossForm) -> LossDetails:
    currency = form.currency.data or None
    value_text = (form.estimated_value.data or "").strip()
    if value_text and currency is None:
        raise InvalidInput(_l("Give the currency of the estimated value."), "currency")
    return LossDetails(
        kind=form.kind.data,
        description=form.description.data,
        estimated_value_minor=parse_amount(value_text, currency, "estimated_value")
        if value_text else None,
        currency=currency,
        incident_id=form.incident_id.data,
    )


def _loss_form(case: Case, loss: Loss | None):
    form = LossForm(obj=loss)
    form.incident_id.choices = _incident_choices(case)
    form.currency.choices = [blank_choice()] + choices_of((c, c) for c in MINOR_UNIT_DIGITS)
    loss_id = loss.id if loss is not None else None

    def what_changed():
        nonlocal loss
        loss = _reloaded(Loss, loss_id)
        return conflict_after_rollback(form, case, loss, LOSS_FIELDS)

    refusal = EditRefusal(form, what_changed)
    if request.method == "GET":
        if loss is not None:
            form.estimated_value.data = amount_text(loss.estimated_value_minor, loss.currency)
        stamp_form(form, case.version, loss, LOSS_FIELDS)
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=refusal):
            details = _loss_details(form)
            if loss is None:
                operations.add_loss(case, details, current_user, form.version.data)
            else:
                operations.update_loss(loss, details, current_user, form.version.data)
            flash(isolated(_("Losses of case %(reference)s saved."), reference=case.reference),
                  "success")
            return _back_to(case)
    return render("loss_form.html", form=form, case=case, loss=loss, conflict=refusal.conflict)


@requires(Action.edit_case)
def loss_remove(case_id: int, loss_id: int):
    case = load_case(case_id, Action.edit_case)
    loss = _owned(Loss, case, loss_id)
    return _remove(case, loss, operations.remove_loss, _("Loss removed."))


def _remove(case: Case, item, remove, done_message: str):
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_shown(on_refusal=lambda error: _removal_refused(case, error)):
        remove(item, current_user, form.version.data)
        flash(done_message, "success")
        return _back_to(case)


def _removal_refused(case: Case, error: DomainError) -> NoReturn:
    """A refused removal answers 409 (after the rollback), saying why."""
    if isinstance(error, StaleRecord):
        abort(409, description=_("Case %(reference)s was changed by someone else after you "
                                 "opened it. Reload the case and try again.",
                                 reference=case.reference))
    abort(409, description=str(error.message))
