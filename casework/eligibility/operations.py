"""Changes of the eligibility workflow. Operations flush, never commit.

Each step that moves the case goes through the case lifecycle
(:func:`casework.intake.lifecycle.apply_case_transition`), which checks the stage, the
role, the preconditions and the version the user loaded, and records the step; the
operation writes its record (recommendation, decision, appeal) in the same
transaction, linked to that step. Nothing recorded here is rewritten later: a new
review round, decision or appeal is a new row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from casework.core.dates import (
    date_text,
    local_today,
    office_today,
)
from casework.core.errors import Conflict, InvalidInput
from casework.core.models import utcnow
from casework.eligibility.models import (
    ActivityKind,
    Appeal,
    AppealEvidence,
    AppealOutcome,
    CriteriaVersion,
    Criterion,
    DecisionOutcome,
    EligibilityDecision,
    Finding,
    FindingEvidence,
    FindingValue,
    InformationRequest,
    Recommendation,
    ReconsiderationEntry,
    ReconsiderationStatus,
    ReconsiderationTrigger,
    Review,
    ReviewActivity,
    ReviewActivityEvidence,
    ReviewStatus,
)
from casework.eligibility.rounds import (
    current_criteria_version,
    current_review,
    latest_decision,
    open_appeal,
)
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.editing import check_case_version, flush_case, touch_case
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
    deadline_days,
)
from casework.intake.models.cases import Case, CaseIncident, CaseStage
from casework.intake.models.incidents import Credibility, CredibilityAssessment, Incident

TEXT_MAX = 5000
TITLE_MAX = 300
PLACE_MAX = 300
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

DECISION_ACTIONS = {
    DecisionOutcome.eligible: CaseAction.decide_eligible,
    DecisionOutcome.ineligible: CaseAction.decide_ineligible,
    DecisionOutcome.more_information: CaseAction.request_more_information,
}
APPEAL_ACTIONS = {
    AppealOutcome.upheld: CaseAction.uphold_appeal,
    AppealOutcome.dismissed: CaseAction.dismiss_appeal,
}
# Facts that may change an ineligible decision.
RECONSIDERED_STAGES = (CaseStage.ineligible, CaseStage.closed)
RECONSIDERED_CREDIBILITY = (Credibility.credible, Credibility.reopened)


def _id(user: Any) -> int | None:
    return user.id if user is not None else None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _required_text(value: str | None, field_name: str, message: Any,
                   limit: int = TEXT_MAX) -> str:
    value = _text(value)
    if value is None:
        raise InvalidInput(message, field_name)
    if len(value) > limit:
        raise InvalidInput(_l("At most %(limit)d characters.", limit=limit), field_name)
    return value


def _optional_text(value: str | None, field_name: str, limit: int = TEXT_MAX) -> str | None:
    value = _text(value)
    if value is not None and len(value) > limit:
        raise InvalidInput(_l("At most %(limit)d characters.", limit=limit), field_name)
    return value


def _enum(enum_class: type, value: Any, field_name: str) -> Any:
    try:
        return enum_class(value)
    except ValueError:
        raise InvalidInput(_l("Choose one of the options."), field_name) from None


def _case_evidence(case: Case, evidence_ids: Iterable[int], field_name: str) -> list[Evidence]:
    """The case's own, not withdrawn, evidence items with these ids."""
    wanted = sorted({int(i) for i in evidence_ids})
    if not wanted:
        return []
    found = list(db.session.scalars(
        select(Evidence).where(Evidence.id.in_(wanted), Evidence.case_id == case.id)
    ))
    if len(found) != len(wanted):
        raise InvalidInput(_l("Link only evidence of this case."), field_name)
    if any(item.is_withdrawn for item in found):
        raise InvalidInput(_l("Withdrawn evidence cannot be linked."), field_name)
    return found


def _step(case: Case, action: CaseAction, actor: Any, expected_version: int | None,
          reason: str | None, reason_field: str = "reasons") -> Any:
    """Apply the lifecycle step; a missing reason is reported on the form's own field."""
    try:
        return apply_case_transition(case, action, actor, expected_version=expected_version,
                                     reason=reason)
    except InvalidInput as error:
        if error.field == "reason":
            raise InvalidInput(error.message, reason_field) from error
        raise


# Criteria (admins)


@dataclass
class CriterionDetails:
    """A criterion as an admin writes it: its title (in Arabic, in English or both) and
    guidance in each language."""

    title_en: str | None = None
    title_ar: str | None = None
    guidance_en: str | None = None
    guidance_ar: str | None = None
    # Stable across versions; derived from the English title when left empty.
    code: str | None = None


DEFAULT_CRITERIA = (
    CriterionDetails(
        code="incident_verified",
        title_en="The incident is verified by the official assessment or by field "
                 "investigation",
        title_ar="الحادثة مثبتة بالتقييم الرسمي أو بالتحقيق الميداني",
        guidance_en="The incident's official assessment is credible, or a field visit and "
                    "witness interviews establish that the strike happened where and when the "
                    "family says.",
        guidance_ar="التقييم الرسمي للحادثة يعدّها موثوقة، أو تثبت زيارة ميدانية ومقابلات مع "
                    "الشهود أن الضربة وقعت في المكان والزمان اللذين تذكرهما الأسرة.",
    ),
    CriterionDetails(
        code="relationship_established",
        title_en="The claimant's relationship to the victim is established",
        title_ar="صلة صاحب المطالبة بالضحية ثابتة",
        guidance_en="Civil-status documents, family booklet, or consistent witness statements.",
        guidance_ar="وثائق الأحوال المدنية، أو دفتر العائلة، أو إفادات شهود متسقة.",
    ),
    CriterionDetails(
        code="harm_documented",
        title_en="The harm is documented",
        title_ar="الضرر موثّق",
        guidance_en="Death certificate, medical records, photos or site-visit report of the "
                    "loss.",
        guidance_ar="شهادة وفاة، أو سجلات طبية، أو صور، أو تقرير زيارة للموقع يوثّق الخسارة.",
    ),
    CriterionDetails(
        code="no_unresolved_duplicate",
        title_en="No unresolved duplicate claim",
        title_ar="لا توجد مطالبة مكررة لم يُبتّ فيها",
        guidance_en="The case's possible duplicates have been checked and decided.",
        guidance_ar="فُحصت الحالات المكررة المحتملة لهذه الحالة وبُتّ فيها.",
    ),
)


def code_from_title(title: str) -> str | None:
    """A code made of the title's Latin letters and digits; None when it has none."""
    code = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40].rstrip("_")
    if not code:
        return None
    if not code[0].isalpha():
        code = f"criterion_{code}"[:40].rstrip("_")
    return code


def _criterion(item: CriterionDetails, position: int) -> Criterion:
    """The criterion of one row of the form, checked; its fields are named after the row."""
    field_prefix = f"criteria-{position - 1}-"
    title_ar = _optional_text(item.title_ar, field_prefix + "title_ar", TITLE_MAX)
    title_en = _optional_text(item.title_en, field_prefix + "title_en", TITLE_MAX)
    if title_ar is None and title_en is None:
        raise InvalidInput(_l("Give the criterion a title, in Arabic, in English or both."),
                           field_prefix + "title_en")
    code = _text(item.code) or (code_from_title(title_en) if title_en else None)
    if code is None:
        raise InvalidInput(_l("Give the criterion a code: it has no English title to make "
                              "one from."), field_prefix + "code")
    code = code.lower()
    if not CODE.match(code):
        raise InvalidInput(_l("A code is 2 to 40 lower-case letters, digits or _, "
                              "starting with a letter."), field_prefix + "code")
    return Criterion(
        position=position, code=code, title_ar=title_ar, title_en=title_en,
        guidance_ar=_optional_text(item.guidance_ar, field_prefix + "guidance_ar"),
        guidance_en=_optional_text(item.guidance_en, field_prefix + "guidance_en"),
    )


def publish_criteria(items: Sequence[CriterionDetails], actor: Any,
                     note: str | None = None) -> CriteriaVersion:
    """Publish a new version of the checklist; reviews already opened keep theirs."""
    criteria: list[Criterion] = []
    codes: set[str] = set()
    for position, item in enumerate(items, start=1):
        criterion = _criterion(item, position)
        if criterion.code in codes:
            raise InvalidInput(_l("Two criteria have the code “%(code)s”.", code=criterion.code),
                               f"criteria-{position - 1}-code")
        codes.add(criterion.code)
        criteria.append(criterion)
    if not criteria:
        raise InvalidInput(_l("The checklist needs at least one criterion."), "criteria")
    last = db.session.scalar(select(func.max(CriteriaVersion.number))) or 0
    version = CriteriaVersion(number=last + 1, published_at=utcnow(),
                              published_by_id=_id(actor), note=_optional_text(note, "note"))
    version.criteria = criteria
    db.session.add(version)
    db.session.flush()
    return version


def ensure_default_criteria(actor: Any = None) -> CriteriaVersion:
    """The current checklist; the default one is published first if there is none."""
    return current_criteria_version() or publish_criteria(
        DEFAULT_CRITERIA, actor, "Default checklist."
    )


# Review: findings, activities, recommendation


@dataclass
class FindingInput:
    criterion_id: int
    value: str | None
    note: str | None = None
    evidence_ids: list[int] = field(default_factory=list)


def _open_round(case: Case) -> Review:
    review = current_review(case)
    if case.stage != CaseStage.under_review or review is None \
            or review.status != ReviewStatus.open:
        raise Conflict(_l("Case %(reference)s has no review round open for findings: "
                          "findings are recorded while the case is under review, before "
                          "the recommendation.", reference=case.reference))
    return review


def record_findings(case: Case, findings: Sequence[FindingInput], actor: Any,
                    expected_version: int | None) -> Review:
    """Record or correct the open round's findings; a criterion left blank is skipped."""
    check_case_version(case, expected_version)
    review = _open_round(case)
    criteria = {criterion.id: criterion for criterion in review.criteria_version.criteria}
    existing = {finding.criterion_id: finding for finding in review.findings}
    now = utcnow()
    for item in findings:
        criterion = criteria.get(item.criterion_id)
        if criterion is None:
            raise InvalidInput(_l("This criterion is not on the round's checklist."),
                               f"finding_{item.criterion_id}")
        if not item.value:
            continue
        value = _enum(FindingValue, item.value, f"finding_{criterion.id}")
        note = _optional_text(item.note, f"note_{criterion.id}")
        evidence = _case_evidence(case, item.evidence_ids, f"evidence_{criterion.id}")
        finding = existing.get(criterion.id)
        if finding is None:
            finding = Finding(case_id=case.id, criterion_id=criterion.id)
            review.findings.append(finding)
        linked = {link.evidence_id: link for link in finding.evidence_links}
        wanted = {item.id for item in evidence}
        changed = (finding.value != value or finding.note != note or set(linked) != wanted)
        if not changed:
            continue
        finding.value, finding.note = value, note
        finding.recorded_by_id, finding.recorded_at = _id(actor), now
        for evidence_id, link in linked.items():
            if evidence_id not in wanted:
                finding.evidence_links.remove(link)
        for evidence_id in sorted(wanted - set(linked)):
            finding.evidence_links.append(FindingEvidence(evidence_id=evidence_id,
                                                          case_id=case.id))
    touch_case(case, actor)
    flush_case(case)
    return review


@dataclass
class ActivityDetails:
    kind: str
    occurred_on: date | None
    place: str
    participants: str
    summary: str
    identity_protected: bool = False
    evidence_ids: list[int] = field(default_factory=list)


def record_activity(case: Case, details: ActivityDetails, actor: Any) -> ReviewActivity:
    """Record a field visit, a witness interview or another investigation step."""
    if case.stage in (CaseStage.withdrawn, CaseStage.merged, CaseStage.intake):
        raise Conflict(_l("Review activities are recorded once the case is registered, and "
                          "not on a withdrawn or merged case."))
    kind = _enum(ActivityKind, details.kind, "kind")
    if details.occurred_on is None:
        raise InvalidInput(_l("Give the date."), "occurred_on")
    if details.occurred_on > office_today(case):
        raise InvalidInput(_l("The date cannot be in the future."), "occurred_on")
    earliest = min((incident.occurred_on for incident in case.incidents), default=None)
    if earliest is not None and details.occurred_on < earliest:
        raise InvalidInput(_l("The date is before the incident (%(date)s).",
                              date=date_text(earliest)), "occurred_on")
    review = current_review(case)
    activity = ReviewActivity(
        case_id=case.id,
        review_id=review.id if review is not None and review.status == ReviewStatus.open
        else None,
        kind=kind,
        occurred_on=details.occurred_on,
        place=_required_text(details.place, "place", _l("Say where."), PLACE_MAX),
        participants=_required_text(details.participants, "participants",
                                    _l("Say who took part.")),
        identity_protected=bool(details.identity_protected),
        summary=_required_text(details.summary, "summary", _l("Summarise what was found.")),
        recorded_by_id=_id(actor),
        recorded_at=utcnow(),
    )
    activity.evidence_links = [
        ReviewActivityEvidence(evidence_id=item.id, case_id=case.id)
        for item in _case_evidence(case, details.evidence_ids, "evidence")
    ]
    db.session.add(activity)
    db.session.flush()
    return activity


def recommend(case: Case, recommendation: str, reasons: str | None, actor: Any,
              expected_version: int | None) -> Review:
    """Record the caseworker's recommendation; the round's findings are frozen from now."""
    outcome = _enum(Recommendation, recommendation, "recommendation")
    reasons = _optional_text(reasons, "reasons")
    step = _step(case, CaseAction.recommend, actor, expected_version, reasons)
    review = current_review(case)
    review.recommendation = outcome
    review.recommendation_reasons = step.reason
    review.recommended_by_id = _id(actor)
    review.recommended_at = step.at
    review.status = ReviewStatus.recommended
    db.session.flush()
    return review


# Decisions


def decide(case: Case, outcome: str, reasons: str | None, actor: Any,
           expected_version: int | None) -> EligibilityDecision:
    """The supervisor's decision on the recommended round: eligible, ineligible, or a
    request for more information (which opens a new round for the caseworker)."""
    outcome = _enum(DecisionOutcome, outcome, "outcome")
    reasons = _optional_text(reasons, "reasons")
    review = current_review(case)
    step = _step(case, DECISION_ACTIONS[outcome], actor, expected_version, reasons)
    decision = EligibilityDecision(
        case_id=case.id, review_id=review.id, transition_id=step.id, outcome=outcome,
        reasons=step.reason, decided_by_id=_id(actor), decided_at=step.at,
    )
    review.status = ReviewStatus.decided
    db.session.add(decision)
    db.session.flush()
    if outcome == DecisionOutcome.more_information:
        db.session.add(InformationRequest(
            case_id=case.id, decision_id=decision.id, review_id=current_review(case).id,
            request_text=step.reason, language=str(case.preferred_language),
            requested_by_id=_id(actor), requested_at=step.at,
        ))
        db.session.flush()
    return decision


def record_decision_delivery(case: Case, decision: EligibilityDecision, delivered_on: date | None,
                             actor: Any) -> EligibilityDecision:
    """Record when the decision letter reached the family (once); an ineligible decision's
    appeal window runs from that date."""
    if decision.case_id != case.id:
        raise InvalidInput(_l("This decision is not of this case."), "decision")
    if decision.delivered_on is not None:
        raise Conflict(_l("The delivery of this decision was already recorded (%(date)s).",
                          date=date_text(decision.delivered_on)), "delivered_on")
    if delivered_on is None:
        raise InvalidInput(_l("Give the date the family received the decision."),
                           "delivered_on")
    if delivered_on > office_today(case):
        raise InvalidInput(_l("The date cannot be in the future."), "delivered_on")
    decided_on = local_today(case.office.timezone, decision.decided_at)
    if delivered_on < decided_on:
        raise InvalidInput(_l("The decision was made on %(date)s: it cannot have been "
                              "delivered before.", date=date_text(decided_on)), "delivered_on")
    decision.delivered_on = delivered_on
    decision.delivery_recorded_by_id = _id(actor)
    decision.delivery_recorded_at = utcnow()
    if decision.outcome == DecisionOutcome.ineligible:
        decision.appeal_due_on = delivered_on + timedelta(days=deadline_days("appeal_window"))
        if case.stage == CaseStage.ineligible:
            # The ineligible stage's deadline: the end of the appeal window.
            case.due_on = decision.appeal_due_on
    # Bumps the case's version: of two deliveries recorded at once, one is refused.
    touch_case(case, actor)
    flush_case(case)
    return decision


# Appeals


def lodge_appeal(case: Case, grounds: str | None, lodged_on: date | None,
                 evidence_ids: Iterable[int], actor: Any,
                 expected_version: int | None) -> Appeal:
    """Record the family's appeal of the ineligible decision, with its grounds and the new
    evidence it rests on (upload the evidence to the case first).

    The family lodged it on a date from the delivery of the decision to the end of the
    appeal window; it is recorded up to `appeal_recording` days after the window closes
    (the lifecycle checks that, as of today). Raises after the step on a wrong date: the
    caller rolls the whole change back."""
    grounds = _required_text(grounds, "grounds", _l("Record the grounds of the appeal."))
    if lodged_on is None:
        raise InvalidInput(_l("Give the date the family lodged the appeal."), "lodged_on")
    evidence = _case_evidence(case, evidence_ids, "evidence")
    # The lifecycle first (stage, role, still time to record): a refusal answers 409.
    step = _step(case, CaseAction.appeal, actor, expected_version, grounds, "grounds")
    decision = latest_decision(case)
    if lodged_on > office_today(case):
        raise InvalidInput(_l("The date cannot be in the future."), "lodged_on")
    if lodged_on < decision.delivered_on:
        raise InvalidInput(_l("The decision was delivered on %(date)s: the appeal comes "
                              "after.", date=date_text(decision.delivered_on)), "lodged_on")
    if lodged_on > decision.appeal_due_on:
        raise InvalidInput(_l("The appeal window closed on %(date)s: an appeal lodged after it "
                              "is late.", date=date_text(decision.appeal_due_on)), "lodged_on")
    appeal = Appeal(
        case_id=case.id, decision_id=decision.id, grounds=grounds, lodged_on=lodged_on,
        recorded_by_id=_id(actor), recorded_at=step.at, lodged_transition_id=step.id,
    )
    appeal.evidence_links = [AppealEvidence(evidence_id=item.id, case_id=case.id)
                             for item in evidence]
    db.session.add(appeal)
    db.session.flush()
    return appeal


def decide_appeal(case: Case, outcome: str, reasons: str | None, actor: Any,
                  expected_version: int | None) -> Appeal:
    """Uphold (the case is reviewed again) or dismiss (it stays ineligible) the appeal."""
    outcome = _enum(AppealOutcome, outcome, "outcome")
    reasons = _optional_text(reasons, "reasons")
    appeal = open_appeal(case)
    step = _step(case, APPEAL_ACTIONS[outcome], actor, expected_version, reasons)
    appeal.outcome = outcome
    appeal.outcome_reasons = step.reason
    appeal.decided_by_id = _id(actor)
    appeal.decided_at = step.at
    appeal.decided_transition_id = step.id
    db.session.flush()
    return appeal


# Reconsideration


def _queue(case: Case, trigger: ReconsiderationTrigger, actor_id: int | None,
           **what_changed: Any) -> ReconsiderationEntry:
    entry = ReconsiderationEntry(
        case_id=case.id, office_id=case.office_id, trigger=trigger, case_stage=str(case.stage),
        created_at=utcnow(), created_by_id=actor_id, status=ReconsiderationStatus.open,
        **what_changed,
    )
    db.session.add(entry)
    return entry


def queue_for_new_evidence(case: Case, evidence: Evidence) -> ReconsiderationEntry | None:
    """New evidence on an ineligible or closed case puts it in the "to reconsider" queue."""
    if case.stage not in RECONSIDERED_STAGES:
        return None
    entry = _queue(case, ReconsiderationTrigger.new_evidence, evidence.uploaded_by_id,
                   evidence_id=evidence.id)
    db.session.flush()
    return entry


def cases_affected_by(incident: Incident) -> list[Case]:
    """The incident's cases an ineligible decision keeps from remedy: ineligible ones, and
    closed ones whose latest decision was ineligible."""
    latest_outcome = (
        select(EligibilityDecision.outcome)
        .where(EligibilityDecision.case_id == Case.id,
               EligibilityDecision.outcome != DecisionOutcome.more_information)
        .order_by(EligibilityDecision.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    return list(db.session.scalars(
        select(Case)
        .join(CaseIncident, CaseIncident.case_id == Case.id)
        .where(
            CaseIncident.incident_id == incident.id,
            or_(
                Case.stage == CaseStage.ineligible,
                and_(Case.stage == CaseStage.closed,
                     or_(latest_outcome.is_(None), latest_outcome == DecisionOutcome.ineligible)),
            ),
        )
        .order_by(Case.id)
    ))


def queue_for_assessment(incident: Incident, assessment: CredibilityAssessment,
                         previous: Credibility | None) -> list[ReconsiderationEntry]:
    """An incident whose official assessment became credible or reopened puts each of its
    affected cases in the "to reconsider" queue."""
    current = incident.credibility
    if current not in RECONSIDERED_CREDIBILITY or current == previous:
        return []
    entries = [
        _queue(case, ReconsiderationTrigger.assessment_changed, assessment.recorded_by_id,
               incident_id=incident.id, assessment_id=assessment.id,
               previous_credibility=str(previous) if previous else None,
               new_credibility=str(current))
        for case in cases_affected_by(incident)
    ]
    db.session.flush()
    return entries


def dismiss_reconsideration(entry: ReconsiderationEntry, reason: str | None,
                            actor: Any) -> ReconsiderationEntry:
    """Take an entry off the queue without reopening the case; the reason is kept."""
    if entry.status != ReconsiderationStatus.open:
        raise Conflict(_l("This entry was already dealt with."))
    entry.resolution_reason = _required_text(reason, "reason",
                                             _l("Say why the case is not reopened."))
    entry.status = ReconsiderationStatus.dismissed
    entry.resolved_at = utcnow()
    entry.resolved_by_id = _id(actor)
    db.session.flush()
    return entry


def reopen(case: Case, reason: str | None, actor: Any, expected_version: int | None) -> Case:
    """Reopen an ineligible or closed case; its open "to reconsider" entries are resolved."""
    _step(case, CaseAction.reopen, actor, expected_version, reason, "reason")
    return case
