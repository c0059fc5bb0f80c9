"""Acknowledgement pages: record and correct it, record its delivery and the family's
responses, read it; and the case page's acknowledgement section."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.acknowledgement import operations
from casework.acknowledgement.forms import (
    DISCLOSED,
    WITHHELD,
    AcknowledgementForm,
    DeliveryForm,
    FamilyResponseForm,
)
from casework.acknowledgement.models import (
    DELIVERY_METHOD_LABELS,
    FACT_LABELS,
    FAMILY_RESPONSE_LABELS,
    RESPONSIBILITY_LABELS,
    Acknowledgement,
)
from casework.core import signals
from casework.core.authz import Action, authorize, can, requires
from casework.core.bidi import isolated
from casework.core.errors import DomainError
from casework.core.forms import EditRefusal, attach_error
from casework.core.lifecycle import StaleRecord
from casework.core.sections import (
    CaseSection,
    register_case_section,
)
from casework.core.transaction import refusal_shown
from casework.intake import queries as case_queries
from casework.intake.models.cases import LANGUAGE_LABELS, STAGE_LABELS, Case

LABELS = {
    "responsibility_label": lambda value: RESPONSIBILITY_LABELS.get(value, value),
    "fact_label": lambda value: FACT_LABELS.get(value, value),
    "method_label": lambda value: DELIVERY_METHOD_LABELS.get(value, value),
    "response_label": lambda value: FAMILY_RESPONSE_LABELS.get(value, value),
    "language_label": lambda value: LANGUAGE_LABELS.get(value, value),
    "stage_label": lambda value: STAGE_LABELS.get(value, value),
}


def render(template: str, status: int = 200, **context: Any):
    return render_template(f"acknowledgement/{template}", **LABELS, **context), status


def _case(case_id: int, action: Action) -> Case:
    case = case_queries.load_case(case_id, full=True)
    if case is None:
        abort(404)
    authorize(action, case)
    return case


def _acknowledgement(acknowledgement_id: int, action: Action) -> Acknowledgement:
    acknowledgement = operations.load_acknowledgement(acknowledgement_id)
    if acknowledgement is None:
        abort(404)
    authorize(action, acknowledgement.case)
    return acknowledgement


def _page_url(acknowledgement: Acknowledgement) -> str:
    return url_for("acknowledgement.page", acknowledgement_id=acknowledgement.id)


def _show_error(form: Any, error: DomainError) -> None:
    """Show an operation's error on its field; "weapon.text" names a fact's sub-field."""
    fact, _dot, name = (error.field or "").partition(".")
    if name and fact in form and name in form[fact].form:
        subfield = form[fact].form[name]
        subfield.errors = [*subfield.errors, error.message]
        return
    attach_error(form, error)


def _details(form: AcknowledgementForm) -> operations.AcknowledgementDetails:
    return operations.AcknowledgementDetails(
        acknowledging_party=form.acknowledging_party.data,
        acknowledged_on=form.acknowledged_on.data,
        responsibility=form.responsibility.data,
        source=form.source.data,
        apology_text=form.apology_text.data,
        facts=[
            operations.FactDetails(kind=kind, disclosed=fact.form.disclosed,
                                   text=fact.form.text.data,
                                   withheld_reason=fact.form.withheld_reason.data)
            for kind, fact in form.fact_forms()
        ],
    )


def _fill_from(form: AcknowledgementForm, acknowledgement: Acknowledgement) -> None:
    for kind, fact_form in form.fact_forms():
        fact = acknowledgement.fact(kind)
        if fact is not None:
            fact_form.form.disclosure.data = DISCLOSED if fact.disclosed else WITHHELD
            fact_form.form.text.data = fact.text
            fact_form.form.withheld_reason.data = fact.withheld_reason


def _stamp(form: Any, acknowledgement: Acknowledgement) -> None:
    form.version.data = acknowledgement.version
    form.version.raw_data = None


def _entered_and_current(form: AcknowledgementForm,
                         acknowledgement: Acknowledgement) -> list[tuple[Any, str, str]]:
    """(label, the user's entry, the saved value) for every value that differs."""
    def fact_text(disclosed: bool | None, text: str | None, reason: str | None) -> str:
        if disclosed is None:
            return ""
        return (f"{_('Disclosed')}: {(text or '').strip()}" if disclosed
                else f"{_('Withheld')}: {(reason or '').strip()}")

    pairs = [
        (form.acknowledging_party.label.text, form.acknowledging_party.data,
         acknowledgement.acknowledging_party),
        (form.acknowledged_on.label.text, form.acknowledged_on.data,
         acknowledgement.acknowledged_on),
        (form.responsibility.label.text,
         RESPONSIBILITY_LABELS.get(form.responsibility.data, form.responsibility.data),
         RESPONSIBILITY_LABELS.get(acknowledgement.responsibility)),
        (form.source.label.text, form.source.data, acknowledgement.source),
    ]
    for kind, fact_form in form.fact_forms():
        fact = acknowledgement.fact(kind)
        entered = fact_form.form
        pairs.append((
            FACT_LABELS[kind],
            fact_text(entered.disclosed, entered.text.data, entered.withheld_reason.data),
            fact_text(fact.disclosed, fact.text, fact.withheld_reason) if fact else "",
        ))
    pairs.append((form.apology_text.label.text, form.apology_text.data,
                  acknowledgement.apology_text))
    differences = []
    for label, entered_value, saved_value in pairs:
        entered_text = str(entered_value or "").strip()
        saved_text = str(saved_value or "").strip()
        if entered_text != saved_text:
            differences.append((label, entered_text, saved_text))
    return differences


def _conflict(form: AcknowledgementForm, acknowledgement: Acknowledgement) -> dict:
    """After a stale save, once refusal_shown has rolled it back: who changed it, and where
    the saved values differ from the user's entries. The form keeps the entries and now
    carries the current version."""
    _stamp(form, acknowledgement)
    return {"changed_by": acknowledgement.updated_by, "changed_at": acknowledgement.updated_at,
            "differences": _entered_and_current(form, acknowledgement)}


def acknowledgement_section(case: Case, user: Any) -> dict | None:
    """The case page's acknowledgement section: shown from eligibility on, or whenever the
    case has an acknowledgement (e.g. reopened after one was delivered)."""
    if not can(user, Action.view_acknowledgement, case):
        return None
    acknowledgements = operations.acknowledgements_of_case(case.id)
    may_record = (can(user, Action.record_acknowledgement, case)
                  and case.stage in operations.ACKNOWLEDGEABLE_STAGES)
    if not acknowledgements and case.stage not in operations.ACKNOWLEDGEABLE_STAGES:
        return None
    return {
        "case": case,
        "acknowledgements": acknowledgements,
        "may_record": may_record,
        "may_deliver": (can(user, Action.record_apology_delivery, case)
                        and case.stage in operations.ACKNOWLEDGEABLE_STAGES),
        **LABELS,
    }


register_case_section(CaseSection("acknowledgement", "acknowledgement/_case_section.html",
                                  acknowledgement_section, order=40))


@requires(Action.view_acknowledgement)
def page(acknowledgement_id: int):
    acknowledgement = _acknowledgement(acknowledgement_id, Action.view_acknowledgement)
    case = acknowledgement.case
    signals.case_opened.send(current_app._get_current_object(), case=case)
    return render(
        "page.html", acknowledgement=acknowledgement, case=case,
        may_edit=(can(current_user, Action.record_acknowledgement, case)
                  and not acknowledgement.is_delivered
                  and case.stage in operations.ACKNOWLEDGEABLE_STAGES),
        may_deliver=(can(current_user, Action.record_apology_delivery, case)
                     and not acknowledgement.is_delivered
                     and case.stage in operations.ACKNOWLEDGEABLE_STAGES),
        may_respond=(can(current_user, Action.record_family_response, case)
                     and acknowledgement.is_delivered
                     and case.stage in operations.RESPONSE_STAGES),
    )


@requires(Action.record_acknowledgement)
def new(case_id: int):
    case = _case(case_id, Action.record_acknowledgement)
    form = AcknowledgementForm()
    if request.method == "GET":
        for kind, text in operations.suggested_facts(case).items():
            form[kind.value].form.text.data = text
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=partial(_show_error, form)):
            acknowledgement = operations.record_acknowledgement(case, _details(form),
                                                                current_user)
            flash(isolated(_("Acknowledgement recorded for %(reference)s."), reference=case.reference),
                  "success")
            return redirect(_page_url(acknowledgement))
    return render("form.html", form=form, case=case, acknowledgement=None, conflict=None)


@requires(Action.record_acknowledgement)
def edit(acknowledgement_id: int):
    acknowledgement = _acknowledgement(acknowledgement_id, Action.record_acknowledgement)
    case = acknowledgement.case
    form = AcknowledgementForm(obj=acknowledgement)
    refusal = EditRefusal(form, lambda: _conflict(form, acknowledgement), show=_show_error)
    if request.method == "GET":
        _fill_from(form, acknowledgement)
        _stamp(form, acknowledgement)
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=refusal):
            operations.update_acknowledgement(acknowledgement, _details(form), current_user,
                                              form.version.data)
            flash(_("Acknowledgement saved."), "success")
            return redirect(_page_url(acknowledgement))
    return render("form.html", form=form, case=case, acknowledgement=acknowledgement,
                  conflict=refusal.conflict)


@requires(Action.record_apology_delivery)
def delivery(acknowledgement_id: int):
    acknowledgement = _acknowledgement(acknowledgement_id, Action.record_apology_delivery)
    case = acknowledgement.case
    form = DeliveryForm()
    if request.method == "GET":
        _stamp(form, acknowledgement)
    elif form.validate_on_submit():
        stage_before = case.stage
        with refusal_shown(form, on_refusal=partial(_delivery_refused, form, case)):
            operations.record_delivery(
                acknowledgement,
                operations.DeliveryDetails(
                    delivered_on=form.delivered_on.data, method=form.method.data,
                    delivered_by=form.delivered_by.data, notes=form.notes.data),
                current_user, form.version.data)
            if case.stage != stage_before:
                flash(isolated(_("Delivery recorded. Case %(reference)s is now at stage “%(stage)s”."),
                               reference=case.reference, stage=STAGE_LABELS[case.stage]),
                      "success")
            else:
                flash(_("Delivery recorded."), "success")
            return redirect(_page_url(acknowledgement))
    return render("delivery.html", form=form, case=case, acknowledgement=acknowledgement)


def _delivery_refused(form: DeliveryForm, case: Case, error: DomainError) -> None:
    """After the rollback: 409 when the acknowledgement or its case changed meanwhile
    (naming the case's stage now), else the error on the form."""
    if isinstance(error, StaleRecord):
        abort(409, description=_(
            "This acknowledgement or its case was changed by someone else after you "
            "opened the form (the case is at stage “%(stage)s”). Reload and try again.",
            stage=STAGE_LABELS[case.stage]))
    _show_error(form, error)


@requires(Action.record_family_response)
def response_new(acknowledgement_id: int):
    acknowledgement = _acknowledgement(acknowledgement_id, Action.record_family_response)
    case = acknowledgement.case
    form = FamilyResponseForm()
    if form.validate_on_submit():
        with refusal_shown(form, on_refusal=partial(_show_error, form)):
            operations.record_family_response(
                acknowledgement,
                operations.ResponseDetails(
                    response=form.response.data, responded_on=form.responded_on.data,
                    notes=form.notes.data, follow_up_on=form.follow_up_on.data,
                    follow_up_notes=form.follow_up_notes.data),
                current_user)
            flash(_("The family's response was recorded."), "success")
            return redirect(_page_url(acknowledgement))
    return render("response.html", form=form, case=case, acknowledgement=acknowledgement)
