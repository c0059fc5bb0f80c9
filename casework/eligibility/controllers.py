"""Eligibility pages: the review (findings, activities), the recommendation, the decision,
decision delivery, appeals, the supervisors' queues, the admins' criteria; and the case
page's eligibility section.

Each handler loads the case, authorizes the action on it (404 across offices), then
calls one operation; the request's transaction commits it. A step the case lifecycle
refuses, or a form loaded before the case changed, answers 409 with the reason, on the
same page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casework.core import signals
from casework.core.authz import Action, authorize, can, requires
from casework.core.bidi import isolated
from casework.core.dates import (
    local_today,
    moment_text,
    office_today,
)
from casework.core.dates import today as utc_today
from casework.core.errors import Conflict, DomainError
from casework.core.forms import attach_error
from casework.core.lifecycle import StaleRecord
from casework.core.sections import (
    CaseSection,
    register_case_section,
)
from casework.core.transaction import refusal_shown
from casework.eligibility import operations, queries
from casework.eligibility.forms import (
    ActivityForm,
    AppealDecisionForm,
    AppealForm,
    CriteriaForm,
    DecisionForm,
    DeliveryForm,
    DismissReconsiderationForm,
    RecommendationForm,
    findings_form,
)
from casework.eligibility.models import ReviewStatus
from casework.eligibility.models.decisions import (
    APPEAL_OUTCOME_LABELS,
    DECISION_OUTCOME_LABELS,
)
from casework.eligibility.models.reconsideration import RECONSIDERATION_STATUS_LABELS
from casework.eligibility.models.reviews import (
    ACTIVITY_KIND_LABELS,
    FINDING_LABELS,
    RECOMMENDATION_LABELS,
    REVIEW_REASON_LABELS,
)
from casework.eligibility.queries import EligibilityRecord, QueueKind
from casework.eligibility.rounds import current_criteria_version, open_appeal
from casework.evidence.operations import (
    evidence_of_case,
    may_see_witness_identity,
)
from casework.intake import queries as case_queries
from casework.intake.lifecycle import (
    ACTION_LABELS,
    ACTION_PAGES,
    CASE_LIFECYCLE,
    CaseAction,
)
from casework.intake.models.cases import PRIORITY_LABELS, STAGE_LABELS, Case, CaseStage, Priority
from casework.intake.models.incidents import CREDIBILITY_LABELS

# Label helpers every template may use (registered as template globals by the blueprint,
# so that the case page's section and imported macros see them too).
TEMPLATE_GLOBALS = {
    "finding_label": lambda value: FINDING_LABELS.get(value, value),
    "recommendation_label": lambda value: RECOMMENDATION_LABELS.get(value, value),
    "decision_outcome_label": lambda value: DECISION_OUTCOME_LABELS.get(value, value),
    "appeal_outcome_label": lambda value: APPEAL_OUTCOME_LABELS.get(value, value),
    "activity_label": lambda value: ACTIVITY_KIND_LABELS.get(value, value),
    "review_reason_label": lambda value: REVIEW_REASON_LABELS.get(value, value),
    "reconsideration_label": lambda value: RECONSIDERATION_STATUS_LABELS.get(value, value),
}
LABELS = {
    "credibility_label": lambda value: CREDIBILITY_LABELS.get(value, value),
    "stage_label": lambda value: STAGE_LABELS.get(value, value),
    "priority_label": lambda value: PRIORITY_LABELS.get(Priority(value), value),
    "action_label": lambda value: ACTION_LABELS.get(value, value),
}


def render(template: str, status: int = 200, **context: Any):
    return render_template(f"eligibility/{template}", **LABELS, **context), status


def _case(case_id: int, action: Action, *, full: bool = False) -> Case:
    case = case_queries.load_case(case_id, full=full)
    if case is None:
        abort(404)
    authorize(action, case)
    return case


def _case_page(case: Case, anchor: str = "eligibility") -> str:
    return url_for("intake.case_page", case_id=case.id, _anchor=anchor)


def _evidence_choices(case: Case) -> list[SelectChoice]:
    return [SelectChoice(item.id, f"#{item.id} {item.title}")
            for item in evidence_of_case(case.id) if not item.is_withdrawn]


def _stamp(form: Any, case: Case) -> None:
    form.version.data = case.version
    form.version.raw_data = None


def _refusals(case: Case, *actions: CaseAction) -> dict[CaseAction, list]:
    return {action: CASE_LIFECYCLE.refusals(case, action, current_user) for action in actions}


def _stale_message(case: Case) -> str:
    who = case.updated_by.name if case.updated_by else _("someone else")
    return isolated(_("Case %(reference)s was changed by %(name)s at %(when)s after you opened "
                      "this page; it is now at stage “%(stage)s”. Check what changed below, "
                      "then submit again."), reference=case.reference, name=who,
                    when=moment_text(case.updated_at, case), stage=STAGE_LABELS[case.stage])


def _refusal_on(form: Any, case: Case) -> Callable[[DomainError], None]:
    """The `on_refusal` of a form that changes the case (called after the rollback): the
    case changed meanwhile (say who and when, and stamp the form with the case's version),
    a conflict (the lifecycle refuses the step) above the form, any other error at its
    field. refusal_shown is given no form, so that every conflict answers 409."""
    def show(error: DomainError) -> None:
        if isinstance(error, StaleRecord):
            form.form_errors.append(_stale_message(case))
            if "version" in form:
                _stamp(form, case)
        elif isinstance(error, Conflict):
            form.form_errors.append(error.message)
        else:
            attach_error(form, error)
    return show


def _form_page(case: Case, form: Any, template: str, run: Callable[[], Any], success: str,
               context: Callable[[], dict], on_get: Callable[[], None] = lambda: None,
               redirect_to: str | None = None):
    """A page whose form changes the case: on GET the form (stamped with the case's version),
    on POST the operation `run` (then a redirect); the page again, saying why, when it is
    refused. `context()` gives the template the rest, read after the attempt."""
    if request.method == "GET":
        if "version" in form:
            _stamp(form, case)
        on_get()
    elif form.validate_on_submit():
        with refusal_shown(on_refusal=_refusal_on(form, case)):
            run()
            flash(success, "success")
            return redirect(redirect_to or _case_page(case))
    return render(template, form=form, case=case, **context())


# The case page's section


def eligibility_section(case: Case, user: Any) -> dict | None:
    """Review, recommendation, decisions, appeals and reconsideration of the case."""
    if case.stage == CaseStage.intake:
        return None
    record = queries.eligibility_record(case)
    return {
        "eligibility": record,
        "identity_visible": may_see_witness_identity(user, case),
        "can_review": can(user, Action.review_eligibility, case),
        "can_record_delivery": can(user, Action.record_decision_delivery, case),
        "case_today": office_today(case),
    }


register_case_section(CaseSection("eligibility", "eligibility/_case_section.html",
                                  eligibility_section, order=15))


# The outcome an action's link preselects on its page (one page serves several actions).
ACTION_OUTCOMES = {
    CaseAction.decide_eligible: "eligible",
    CaseAction.decide_ineligible: "ineligible",
    CaseAction.request_more_information: "more_information",
    CaseAction.uphold_appeal: "upheld",
    CaseAction.dismiss_appeal: "dismissed",
}


def case_action_page(case: Case, action: Any) -> str | None:
    """The page an action of the case lifecycle is taken on, when it has its own."""
    endpoint = ACTION_PAGES.get(action)
    if endpoint is None:
        return None
    return url_for(endpoint, case_id=case.id, outcome=ACTION_OUTCOMES.get(action))


def _preselect(field: Any) -> None:
    wanted = request.args.get("outcome")
    if wanted in {str(choice[0]) for choice in field.iter_choices()}:
        field.data = wanted


# Review: findings and activities


def _findings_form(case: Case, record: EligibilityRecord, formdata: Any = None) -> Any:
    review = record.current
    criteria = review.criteria_version.criteria
    findings = record.findings_of(review)
    data = {}
    for criterion in criteria:
        finding = findings.get(criterion.id)
        if finding is not None:
            data[f"finding_{criterion.id}"] = finding.value.value
            data[f"note_{criterion.id}"] = finding.note
            data[f"evidence_{criterion.id}"] = [link.evidence_id for link in finding.evidence_links]
    form = findings_form(criteria, _evidence_choices(case), formdata=formdata, data=data)
    if formdata is None:
        _stamp(form, case)
    return form


def _review_context(case: Case, record: EligibilityRecord, round_number: int | None) -> dict:
    shown = record.current
    if round_number is not None:
        shown = next((r for r in record.reviews if r.round == round_number), None)
        if shown is None:
            abort(404)
    editable = (
        shown is not None and shown is record.current and shown.status == ReviewStatus.open
        and case.stage == CaseStage.under_review and can(current_user, Action.review_eligibility,
                                                         case)
    )
    return {"case": case, "record": record, "shown": shown, "editable": editable,
            "identity_visible": may_see_witness_identity(current_user, case),
            "refusals": _refusals(case, CaseAction.recommend)}


@requires(Action.view_case)
def review(case_id: int):
    case = _case(case_id, Action.view_case)
    # The review shows the case's findings, activities and witnesses: a sensitive read.
    signals.case_opened.send(current_app._get_current_object(), case=case)
    record = queries.eligibility_record(case)
    round_number = request.args.get("round", type=int)
    context = _review_context(case, record, round_number)
    form = _findings_form(case, record) if context["editable"] else None
    return render("review.html", form=form, **context)


@requires(Action.review_eligibility)
def findings_save(case_id: int):
    case = _case(case_id, Action.review_eligibility)
    record = queries.eligibility_record(case)
    context = _review_context(case, record, None)
    if not context["editable"]:
        return render("review.html", 409, form=None, conflict=_(
            "Findings are recorded while the case is under review and its round is open "
            "(before the recommendation)."), **context)
    form = _findings_form(case, record, formdata=request.form)
    if not form.validate_on_submit():
        return render("review.html", form=form, **context)
    entries = [
        operations.FindingInput(
            criterion_id=criterion.id,
            value=form[f"finding_{criterion.id}"].data,
            note=form[f"note_{criterion.id}"].data,
            evidence_ids=form[f"evidence_{criterion.id}"].data or [],
        )
        for criterion in context["shown"].criteria_version.criteria
    ]
    with refusal_shown(on_refusal=_refusal_on(form, case)):
        operations.record_findings(case, entries, current_user, form.version.data)
        flash(_("Findings saved."), "success")
        return redirect(url_for("eligibility.review", case_id=case.id))
    record = queries.eligibility_record(case)
    return render("review.html", form=form, **_review_context(case, record, None))


@requires(Action.review_eligibility)
def activity_new(case_id: int):
    case = _case(case_id, Action.review_eligibility, full=True)
    form = ActivityForm()
    form.evidence.choices = _evidence_choices(case)

    def today() -> None:
        form.occurred_on.data = office_today(case)

    def record() -> None:
        operations.record_activity(case, operations.ActivityDetails(
            kind=form.kind.data, occurred_on=form.occurred_on.data, place=form.place.data,
            participants=form.participants.data, summary=form.summary.data,
            identity_protected=form.identity_protected.data,
            evidence_ids=form.evidence.data or [],
        ), current_user)

    return _form_page(
        case, form, "activity_form.html", record, _("Review activity recorded."), dict,
        on_get=today,
        redirect_to=url_for("eligibility.review", case_id=case.id, _anchor="activities"),
    )


# Recommendation and decision


@requires(Action.review_eligibility)
def recommend(case_id: int):
    case = _case(case_id, Action.review_eligibility)
    form = RecommendationForm()
    return _form_page(
        case, form, "recommend.html",
        lambda: operations.recommend(case, form.recommendation.data, form.reasons.data,
                                     current_user, form.version.data),
        _("Recommendation recorded: a supervisor decides."),
        lambda: {"record": queries.eligibility_record(case),
                 "refusals": _refusals(case, CaseAction.recommend)},
    )


def _opened_with_choice(case: Case, field: Any) -> Callable[[], None]:
    """On GET of a deciding page: the case was opened (audited), and the choice preselected."""
    def on_get() -> None:
        signals.case_opened.send(current_app._get_current_object(), case=case)
        _preselect(field)
    return on_get


@requires(Action.decide_eligibility)
def decide(case_id: int):
    case = _case(case_id, Action.decide_eligibility)
    form = DecisionForm()
    return _form_page(
        case, form, "decide.html",
        lambda: operations.decide(case, form.outcome.data, form.reasons.data, current_user,
                                  form.version.data),
        _("Decision recorded."),
        lambda: {"record": queries.eligibility_record(case),
                 "identity_visible": may_see_witness_identity(current_user, case),
                 "refusals": _refusals(case, CaseAction.decide_eligible,
                                       CaseAction.decide_ineligible,
                                       CaseAction.request_more_information)},
        on_get=_opened_with_choice(case, form.outcome),
    )


@requires(Action.record_decision_delivery)
def decision_delivery(case_id: int, decision_id: int):
    case = _case(case_id, Action.record_decision_delivery)
    decision = queries.decision_for_case(case, decision_id)
    if decision is None:
        abort(404)
    form = DeliveryForm()

    def today() -> None:
        form.delivered_on.data = office_today(case)

    return _form_page(
        case, form, "delivery.html",
        lambda: operations.record_decision_delivery(case, decision, form.delivered_on.data,
                                                    current_user),
        _("Delivery of the decision recorded."),
        lambda: {"decision": decision},
        on_get=today,
    )


# Appeals


@requires(Action.record_appeal)
def appeal_new(case_id: int):
    case = _case(case_id, Action.record_appeal)
    form = AppealForm()
    form.evidence.choices = _evidence_choices(case)

    def today() -> None:
        form.lodged_on.data = office_today(case)

    return _form_page(
        case, form, "appeal_form.html",
        lambda: operations.lodge_appeal(case, form.grounds.data, form.lodged_on.data,
                                        form.evidence.data or [], current_user,
                                        form.version.data),
        _("Appeal recorded: a supervisor other than the one who decided will decide it."),
        lambda: {"record": queries.eligibility_record(case),
                 "refusals": _refusals(case, CaseAction.appeal)},
        on_get=today,
    )


@requires(Action.decide_appeal)
def appeal_decide(case_id: int):
    case = _case(case_id, Action.decide_appeal)
    form = AppealDecisionForm()
    return _form_page(
        case, form, "appeal_decide.html",
        lambda: operations.decide_appeal(case, form.outcome.data, form.reasons.data,
                                         current_user, form.version.data),
        _("Appeal decided."),
        lambda: {"record": queries.eligibility_record(case), "appeal": open_appeal(case),
                 "refusals": _refusals(case, CaseAction.uphold_appeal,
                                       CaseAction.dismiss_appeal)},
        on_get=_opened_with_choice(case, form.outcome),
    )


# Supervisors' queues


def _user_today() -> date:
    office = getattr(current_user, "office", None)
    return local_today(office.timezone) if office is not None else utc_today()


@requires(Action.view_work_queues)
def decision_queue():
    authorize(Action.view_work_queues)
    try:
        kind = QueueKind(request.args.get("kind") or QueueKind.decisions)
    except ValueError:
        abort(404)
    overdue = request.args.get("overdue", "") in ("1", "on", "true", "yes")
    today = _user_today()
    queue = queries.decision_queue(current_user, kind, request.args.get("after"), today,
                                   overdue_only=overdue)
    return render("queue.html", queue=queue, kind=kind, overdue=overdue, today=today,
                  kinds=list(QueueKind))


@requires(Action.view_work_queues)
def reconsider_queue():
    authorize(Action.view_work_queues)
    page = queries.reconsider_queue(current_user, request.args.get("after"))
    return render("reconsider.html", page=page, dismiss_form=DismissReconsiderationForm(),
                  may_reopen=lambda case: not CASE_LIFECYCLE.refusals(
                      case, CaseAction.reopen, current_user))


@requires(Action.reconsider_case)
def reconsider_dismiss(entry_id: int):
    entry = queries.load_entry(entry_id)
    if entry is None:
        abort(404)
    authorize(Action.reconsider_case, entry)
    form = DismissReconsiderationForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_shown(on_refusal=_dismissal_refused):
        operations.dismiss_reconsideration(entry, form.reason.data, current_user)
        flash(_("Entry dismissed; the case was not reopened."), "success")
        return redirect(url_for("eligibility.reconsider_queue"))


def _dismissal_refused(error: DomainError) -> NoReturn:
    """After the rollback: 409 for an entry already dealt with, else back to the queue
    with the reason."""
    if isinstance(error, Conflict):
        abort(409, description=error.message)
    flash(error.message, "danger")
    abort(redirect(url_for("eligibility.reconsider_queue")))


# Criteria (admins)


@requires(Action.manage_eligibility_criteria)
def criteria():
    authorize(Action.manage_eligibility_criteria)
    current = current_criteria_version()
    if current is not None:
        authorize(Action.manage_eligibility_criteria, current)
    versions = queries.criteria_versions(request.args.get("after"))
    return render("criteria.html", current=current, versions=versions)


@requires(Action.manage_eligibility_criteria)
def criteria_version(version_id: int):
    version = queries.load_criteria_version(version_id)
    if version is None:
        abort(404)
    authorize(Action.manage_eligibility_criteria, version)
    return render("criteria_version.html", version=version)


BLANK_ROWS = 2


@requires(Action.manage_eligibility_criteria)
def criteria_edit():
    authorize(Action.manage_eligibility_criteria)
    current = current_criteria_version()
    form = CriteriaForm()
    if request.method == "GET":
        rows = [{"code": c.code, "title_ar": c.title_ar, "title_en": c.title_en,
                 "guidance_ar": c.guidance_ar, "guidance_en": c.guidance_en}
                for c in (current.criteria if current is not None else [])]
        form = CriteriaForm(data={"criteria": rows + [{}] * BLANK_ROWS})
    elif form.validate_on_submit():
        items = [
            operations.CriterionDetails(
                title_ar=entry.title_ar.data, title_en=entry.title_en.data,
                guidance_ar=entry.guidance_ar.data, guidance_en=entry.guidance_en.data,
                code=entry.code.data)
            for entry in form.criteria if not entry.is_blank()
        ]
        with refusal_shown(on_refusal=lambda error: _attach_criteria_error(form, error)):
            version = operations.publish_criteria(items, current_user, form.note.data)
            flash(_("Version %(number)d of the criteria published. Reviews already opened "
                    "keep the version they started with.", number=version.number), "success")
            return redirect(url_for("eligibility.criteria"))
    return render("criteria_form.html", form=form, current=current)


def _attach_criteria_error(form: CriteriaForm, error: DomainError) -> None:
    field = error.field or ""
    if field.startswith("criteria-"):
        _, index, name = field.split("-", 2)
        entries = [entry for entry in form.criteria if not entry.is_blank()]
        if index.isdigit() and int(index) < len(entries) and name in entries[int(index)]:
            target = entries[int(index)][name]
            target.errors = [*target.errors, error.message]
            return
    form.form_errors.append(error.message)

