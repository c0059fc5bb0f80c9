"""Incidents: list and search, record and edit, parties, external references, and the
history of the official credibility assessment."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.core.authz import Action, authorize, can, requires
from casework.core.bidi import isolated
from casework.core.forms import EditRefusal
from casework.core.transaction import refusal_shown
from casework.extensions import db
from casework.intake import operations, queries
from casework.intake.controllers.common import (
    conflict_after_rollback,
    render,
    stamp_form,
    user_today,
)
from casework.intake.forms import (
    INCIDENT_FIELDS,
    AssessmentForm,
    ExternalReferenceForm,
    IncidentForm,
    PartyForm,
)
from casework.intake.models.incidents import ExternalReference, Incident, IncidentParty
from casework.intake.validation import IncidentDetails

# An incident's parts whose changes its history lists with the incident's own (the audit
# trail finds them by the request that also stamped the incident).
INCIDENT_PARTS = ("incident_parties", "incident_external_references", "credibility_assessments")


def _load(incident_id: int, action: Action, *, full: bool = False) -> Incident:
    incident = queries.load_incident(incident_id, full=full)
    if incident is None:
        abort(404)
    authorize(action, incident)
    return incident


def _details(form: IncidentForm) -> IncidentDetails:
    return IncidentDetails(
        reference=form.reference.data or "",
        occurred_on=form.occurred_on.data,
        city=form.city.data or "",
        weapon=form.weapon.data,
        occurred_time=form.occurred_time.data,
        neighbourhood=form.neighbourhood.data,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        weapon_detail=form.weapon_detail.data,
        stated_target=form.stated_target.data,
        description=form.description.data,
    )


def _to_page(incident: Incident):
    return redirect(url_for("intake.incident_page", incident_id=incident.id))


@requires(Action.view_incident)
def incidents():
    search = request.args.get("q", "").strip()
    credibility = request.args.get("credibility", "").strip()
    page, errors = queries.list_incidents(search, credibility, request.args.get("after"))
    return render("incident_list.html", page=page, errors=errors, search=search,
                  credibility=credibility,
                  can_manage=can(current_user, Action.manage_incident))


@requires(Action.manage_incident)
def incident_new():
    authorize(Action.manage_incident)
    form = IncidentForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            incident = operations.create_incident(_details(form), current_user)
            flash(isolated(_("Incident %(reference)s recorded."), reference=incident.reference),
                  "success")
            return _to_page(incident)
    return render("incident_form.html", form=form, incident=None, conflict=None)


@requires(Action.view_incident)
def incident_page(incident_id: int):
    incident = _load(incident_id, Action.view_incident, full=True)
    cases = queries.incident_cases(current_user, incident, request.args.get("after"))
    return render(
        "incident_page.html", incident=incident, totals=queries.incident_totals(incident),
        cases=cases, party_form=PartyForm(formdata=None),
        reference_form=ExternalReferenceForm(formdata=None),
        assessment_form=AssessmentForm(formdata=None),
        can_manage=can(current_user, Action.manage_incident, incident),
        can_assess=can(current_user, Action.assess_incident, incident), today=user_today(),
        entering_office=queries.entering_office(incident), history_parts=INCIDENT_PARTS,
    )


@requires(Action.manage_incident)
def incident_edit(incident_id: int):
    incident = _load(incident_id, Action.manage_incident)
    form = IncidentForm(obj=incident)
    refusal = EditRefusal(
        form, lambda: conflict_after_rollback(form, incident, incident, INCIDENT_FIELDS))
    if request.method == "GET":
        stamp_form(form, incident.version, incident, INCIDENT_FIELDS)
    elif form.validate_on_submit():
        with refusal_shown(form, on_refusal=refusal):
            operations.update_incident(incident, _details(form), current_user,
                                       form.version.data)
            flash(isolated(_("Incident %(reference)s saved."), reference=incident.reference),
                  "success")
            return _to_page(incident)
    return render("incident_form.html", form=form, incident=incident,
                  conflict=refusal.conflict)


def _small_form_page(incident: Incident, **forms):
    """The incident page again, with the form that failed showing its errors."""
    context = {
        "party_form": PartyForm(formdata=None),
        "reference_form": ExternalReferenceForm(formdata=None),
        "assessment_form": AssessmentForm(formdata=None),
        **forms,
    }
    incident = _load(incident.id, Action.view_incident, full=True)
    return render(
        "incident_page.html", 400, incident=incident,
        totals=queries.incident_totals(incident),
        cases=queries.incident_cases(current_user, incident, None),
        can_manage=can(current_user, Action.manage_incident, incident),
        can_assess=can(current_user, Action.assess_incident, incident), today=user_today(),
        entering_office=queries.entering_office(incident), history_parts=INCIDENT_PARTS,
        **context,
    )


@requires(Action.manage_incident)
def party_add(incident_id: int):
    incident = _load(incident_id, Action.manage_incident)
    form = PartyForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.add_party(incident, form.name.data, form.role.data)
            return _to_page(incident)
    return _small_form_page(incident, party_form=form)


@requires(Action.manage_incident)
def party_remove(incident_id: int, party_id: int):
    incident = _load(incident_id, Action.manage_incident)
    party = db.session.get(IncidentParty, party_id)
    if party is None or party.incident_id != incident.id:
        abort(404)
    operations.remove_party(party)
    return _to_page(incident)


@requires(Action.manage_incident)
def reference_add(incident_id: int):
    incident = _load(incident_id, Action.manage_incident)
    form = ExternalReferenceForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.add_external_reference(incident, form.source.data,
                                              form.identifier.data, form.url.data)
            return _to_page(incident)
    return _small_form_page(incident, reference_form=form)


@requires(Action.manage_incident)
def reference_remove(incident_id: int, reference_id: int):
    incident = _load(incident_id, Action.manage_incident)
    reference = db.session.get(ExternalReference, reference_id)
    if reference is None or reference.incident_id != incident.id:
        abort(404)
    operations.remove_external_reference(reference)
    return _to_page(incident)


@requires(Action.assess_incident)
def assessment_add(incident_id: int):
    incident = _load(incident_id, Action.assess_incident)
    form = AssessmentForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.record_assessment(incident, form.status.data, form.assessed_on.data,
                                         form.source.data, current_user, form.notes.data)
            flash(_("Assessment recorded."), "success")
            return _to_page(incident)
    return _small_form_page(incident, assessment_form=form)
