"""Cases: the list, intake of a new case, the case page, editing, assignment, stage changes."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casework.auth.models import User
from casework.core import signals
from casework.core.authz import Action, Role, authorize, can, requires
from casework.core.bidi import isolated
from casework.core.dates import moment_text, office_date_text
from casework.core.errors import DomainError, InvalidInput
from casework.core.forms import (
    EditRefusal,
    attach_error,
    blank_choice,
    choices_of,
)
from casework.core.lifecycle import StaleRecord, TransitionRefused
from casework.core.sections import sections_for
from casework.core.transaction import refusal_shown
from casework.extensions import db
from casework.intake import operations, queries
from casework.intake.controllers.common import (
    conflict_after_rollback,
    load_case,
    render,
    stamp_form,
    user_today,
)
from casework.intake.forms import (
    CASE_FIELDS,
    AssignForm,
    CaseForm,
    NewCaseForm,
    TransitionForm,
)
from casework.intake.lifecycle import (
    ACTION_LABELS,
    ACTION_PAGES,
    CASE_LIFECYCLE,
    CaseAction,
    apply_case_transition,
)
from casework.intake.models.cases import STAGE_LABELS, Case, VulnerabilityFlag
from casework.intake.models.persons import Relationship
from casework.intake.validation import CaseDetails, PersonDetails, consent_text_versions


def _case_details(form: CaseForm) -> CaseDetails:
    flags = VulnerabilityFlag(0)
    for value in form.asserted_flags.data or []:
        flags |= VulnerabilityFlag(value)
    return CaseDetails(
        preferred_language=form.preferred_language.data,
        delivery_channel=form.delivery_channel.data,
        contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data,
        contact_notes=form.contact_notes.data,
        current_address=form.current_address.data,
        consent_given_on=form.consent_given_on.data,
        consent_text_version=form.consent_text_version.data or None,
        asserted_vulnerability=flags,
    )


def person_details(fields, relationship: str) -> PersonDetails:
    return PersonDetails(
        sex=fields.sex.data,
        relationship_to_head=relationship,
        harm=fields.harm.data,
        name_ar=fields.name_ar.data,
        name_latin=fields.name_latin.data,
        date_of_birth=fields.date_of_birth.data,
        approximate_age=fields.approximate_age.data,
        incident_id=fields.incident_id.data,
        injury_severity=fields.injury_severity.data or None,
        has_disability=fields.has_disability.data,
        disability_description=fields.disability_description.data,
        is_payee=fields.is_payee.data,
    )


def _fill_case_choices(form: CaseForm) -> None:
    form.incident_ids.choices = choices_of(queries.incident_choices())
    form.consent_text_version.choices = [blank_choice()] + choices_of(
        (v, v) for v in consent_text_versions())


def _caseworker_choices(office_id: int) -> list[SelectChoice]:
    return [blank_choice()] + choices_of(
        (user.id, user.name) for user in queries.caseworkers_of(office_id))


def _user_or_error(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidInput(_l("Unknown caseworker #%(id)s.", id=user_id), field)
    return user


@requires(Action.view_case)
def cases():
    today = user_today()
    filters = queries.parse_case_filters(request.args)
    result = queries.list_cases(current_user, filters, request.args.get("after"), today)
    caseworkers = queries.caseworkers_of(current_user.office_id)
    return render("case_list.html", filters=filters, result=result, caseworkers=caseworkers,
                  sorts=queries.CASE_SORTS, today=today)


@requires(Action.create_case)
def case_new():
    authorize(Action.create_case)
    office = current_user.office
    if office is None:
        abort(403)
    form = NewCaseForm()
    _fill_case_choices(form)
    form.head.incident_id.choices = [blank_choice(), *form.incident_ids.choices]
    choose_assignee = current_user.role == Role.supervisor
    if choose_assignee:
        form.assigned_to.choices = _caseworker_choices(office.id)
    if form.validate_on_submit():
        with refusal_shown(form, on_refusal=lambda error: _show_new_case_error(form, error)):
            assignee = (
                _user_or_error(form.assigned_to.data, "assigned_to") if choose_assignee else None
            )
            if choose_assignee and assignee is None:
                raise InvalidInput(_l("Choose the caseworker who will handle the case."),
                                   "assigned_to")
            case = operations.create_case(
                office, current_user, _case_details(form), form.incident_ids.data or [],
                assignee=assignee, head=person_details(form.head, Relationship.head.value),
            )
            flash(isolated(_("Case %(reference)s opened."), reference=case.reference), "success")
            return redirect(url_for("intake.case_page", case_id=case.id))
    return render("case_new.html", form=form, choose_assignee=choose_assignee)


def _show_new_case_error(form: NewCaseForm, error: DomainError) -> None:
    """An error about the head of household goes on the head's field."""
    if error.field in form.head.form and error.field not in form:
        form.head[error.field].errors = [*form.head[error.field].errors, error.message]
    else:
        attach_error(form, error)


@requires(Action.view_case)
def case_page(case_id: int):
    case = load_case(case_id, Action.view_case, full=True)
    signals.case_opened.send(current_app._get_current_object(), case=case)
    acts = can(current_user, Action.transition_case, case)
    # What happens next and who does it; a reader who may not act sees what the case awaits.
    steps = CASE_LIFECYCLE.next_steps(case, current_user if acts else None)
    transition_form = TransitionForm(formdata=None)
    transition_form.version.data = case.version
    assign_form = None
    if can(current_user, Action.assign_case, case):
        assign_form = AssignForm(formdata=None, assigned_to=case.assigned_to_id)
        assign_form.assigned_to.choices = _caseworker_choices(case.office_id)
        assign_form.version.data = case.version
    can_edit = can(current_user, Action.edit_case, case)
    return render(
        "case_page.html", case=case, steps=steps, transition_form=transition_form,
        assign_form=assign_form, sections=sections_for(case, current_user),
        incidents_by_id={incident.id: incident for incident in case.incidents},
        can_edit=can_edit, can_remove=can_edit and operations.entries_removable(case),
        today=user_today(),
        stage_since=office_date_text(case.stage_changed_at, case.office.timezone),
    )


@requires(Action.edit_case)
def case_edit(case_id: int):
    case = load_case(case_id, Action.edit_case)
    form = CaseForm(
        obj=case,
        incident_ids=[incident.id for incident in case.incidents],
        asserted_flags=[int(flag) for flag in case.asserted_vulnerability],
    )
    _fill_case_choices(form)
    refusal = EditRefusal(form, lambda: conflict_after_rollback(form, case, case, CASE_FIELDS))
    if request.method == "GET":
        stamp_form(form, case.version, case, CASE_FIELDS)
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=refusal):
            operations.update_case(case, _case_details(form), form.incident_ids.data or [],
                                   current_user, form.version.data)
            flash(isolated(_("Case %(reference)s saved."), reference=case.reference), "success")
            return redirect(url_for("intake.case_page", case_id=case.id))
    return render("case_form.html", form=form, case=case, conflict=refusal.conflict)


@requires(Action.assign_case)
def case_assign(case_id: int):
    case = load_case(case_id, Action.assign_case)
    form = AssignForm(assigned_to=case.assigned_to_id)
    form.assigned_to.choices = _caseworker_choices(case.office_id)
    refusal = EditRefusal(form, lambda: conflict_after_rollback(form, case, case, CASE_FIELDS))
    if request.method == "GET":
        stamp_form(form, case.version, case, CASE_FIELDS)
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=refusal):
            assignee = _user_or_error(form.assigned_to.data, "assigned_to")
            operations.assign_case(case, assignee, current_user, form.version.data)
            flash(isolated(_("Case %(reference)s assigned to %(name)s."), reference=case.reference,
                           name=assignee.name), "success")
            return redirect(url_for("intake.case_page", case_id=case.id))
    return render("case_assign.html", form=form, case=case, conflict=refusal.conflict)


@requires(Action.transition_case)
def case_transition(case_id: int, action: str):
    case = load_case(case_id, Action.transition_case, full=True)
    try:
        case_action = CaseAction(action)
    except ValueError:
        abort(404)
    if case_action in ACTION_PAGES:
        # It records more than a reason (a decision, an appeal...): taken on its own page.
        abort(409, description=_("“%(action)s” is recorded on its own page.",
                                 action=ACTION_LABELS[case_action]))
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_shown(on_refusal=lambda error: _transition_refused(case, error)):
        apply_case_transition(case, case_action, current_user,
                              expected_version=form.version.data, reason=form.reason.data)
        flash(isolated(_("Case %(reference)s is now at stage “%(stage)s”."),
                       reference=case.reference, stage=STAGE_LABELS[case.stage]), "success")
        return redirect(url_for("intake.case_page", case_id=case.id))


def _transition_refused(case: Case, error: DomainError) -> NoReturn:
    """Say why a stage change was refused (after the rollback, so the case is as saved):
    409 when the case changed meanwhile or the lifecycle refuses the step; any other
    error is flashed on the case page."""
    if isinstance(error, StaleRecord):
        who = case.updated_by.name if case.updated_by else _("someone else")
        abort(409, description=isolated(_(
            "Case %(reference)s was changed by %(name)s at %(when)s after you opened it; "
            "it is now at stage “%(stage)s”. Reload the case and try again."),
            reference=case.reference, name=who,
            when=moment_text(case.updated_at, case), stage=STAGE_LABELS[case.stage]))
    if isinstance(error, TransitionRefused):
        abort(409, description=str(error.message))
    flash(str(error.message), "danger")
    abort(redirect(url_for("intake.case_page", case_id=case.id)))
