"""The workflow demo for `flask demo seed`: the intake demo's registered cases taken to every
stage of the case lifecycle, so that a new user sees the whole workflow at once.

Every step goes through the real operations and the case lifecycle, by the demo users
who would take it: the caseworker records findings, field visits and recommendations,
the acknowledgement and its delivery; a supervisor decides; a second supervisor of the
same office decides the appeals of the first one's decisions; supervisors close. The
history of each case therefore reads as it would in the office. All text is fictional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from casework.acknowledgement import operations
from casework.acknowledgement.models import FactKind, Responsibility
from casework.auth.models import User
from casework.core.dates import office_today
from casework.duplicates.operations import merge_cases
from casework.eligibility import operations as eligibility
from casework.eligibility.rounds import current_review
from casework.intake import operations as intake
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
)
from casework.intake.models.cases import Case, CaseStage, Language
from casework.intake.validation import CaseDetails, PersonDetails

COALITION = "Combined Joint Task Force – Operation Inherent Resolve (the coalition)"
MEMBER_STATE = "Ministry of Defence of a coalition member state (demo)"

APOLOGIES = {
    Language.ar: ("نعبّر لكم عن أسفنا العميق ونعتذر عن مقتل أفراد عائلتكم وإصابتهم في الغارة "
                  "التي نفّذها التحالف. نقرّ بأن الغارة أصابت مدنيين، وبحقكم في معرفة ما حدث. "
                  "(نص تجريبي)"),
    Language.en: ("We express our deep regret and apologise for the death and injury of "
                  "members of your family in the strike carried out by the coalition. We "
                  "acknowledge that the strike harmed civilians, and your right to know what "
                  "happened. (Demo text.)"),
    Language.ku: ("Em ji ber mirin û birîndarbûna endamên malbata we di êrîşa hevpeymaniyê de "
                  "lêborînê dixwazin. (Nivîsa demo.)"),
}
EX_GRATIA_APOLOGIES = {
    Language.ar: ("نقدّم تعازينا لعائلتكم، ونقدّم هذه الدفعة على سبيل الهبة دون إقرار بخطأ. "
                  "(نص تجريبي)"),
    Language.en: ("We offer our condolences to your family. This payment is made ex gratia, "
                  "without admission of wrongdoing. (Demo text.)"),
    Language.ku: "Em serxweşiyê li malbata we dikin. (Nivîsa demo.)",
}


@dataclass
class OfficeTeam:
    """The demo users of one office who work its cases."""

    caseworker: User
    supervisor: User
    # Decides appeals of the first supervisor's decisions (absent: no appeals decided).
    second_supervisor: User | None = None


@dataclass
class WorkflowDemo:
    cases_by_stage: dict[CaseStage, list[Case]] = field(default_factory=dict)


def _facts(case: Case, disclosed: set[FactKind]) -> list[operations.FactDetails]:
    suggested = operations.suggested_facts(case)
    texts = {
        FactKind.target: suggested.get(FactKind.target, "A Daesh fighting position."),
        FactKind.location: suggested.get(FactKind.location, "Raqqa."),
        FactKind.weapon: suggested.get(FactKind.weapon, "An air-dropped munition."),
        FactKind.participating_states: suggested.get(
            FactKind.participating_states, "A coalition member state carried out the strike."),
        FactKind.target_verification: "Surveillance of the building over the two days before "
                                      "the strike; no civilians were seen to enter it.",
        FactKind.civilian_precautions: "The strike was timed for the night, when the coalition "
                                       "assessed that the neighbouring houses were empty. The "
                                       "assessment was wrong.",
    }
    withheld = {
        FactKind.target: "The target is not disclosed for operational security.",
        FactKind.location: "Reported only as “near Raqqa”; no more precise location was "
                           "released.",
        FactKind.weapon: "Munition types are not released for individual strikes.",
        FactKind.participating_states: "The coalition does not name the member state that "
                                       "carried out a strike.",
        FactKind.target_verification: "Intelligence sources and methods are not released.",
        FactKind.civilian_precautions: "No reason was given.",
    }
    return [
        operations.FactDetails(kind=kind, disclosed=True, text=texts[kind])
        if kind in disclosed else
        operations.FactDetails(kind=kind, disclosed=False, withheld_reason=withheld[kind])
        for kind in FactKind
    ]


class Walk:
    """Takes one office's registered cases forward, step by step, as its team would."""

    def __init__(self, team: OfficeTeam):
        self.team = team

    # Eligibility

    def review(self, case: Case, values: dict[str, str] | None = None,
               default: str = "met") -> None:
        """Start the review (unless open) and record a finding for every criterion."""
        if case.stage in (CaseStage.registered, CaseStage.reopened):
            apply_case_transition(case, CaseAction.start_review, self.team.caseworker,
                                  expected_version=None)
        criteria = current_review(case).criteria_version.criteria
        eligibility.record_findings(case, [
            eligibility.FindingInput(criterion.id, (values or {}).get(criterion.code, default),
                                     "Checked against the evidence on file (demo).")
            for criterion in criteria
        ], self.team.caseworker, None)

    def field_visit(self, case: Case) -> None:
        incident = case.incidents[0]
        eligibility.record_activity(case, eligibility.ActivityDetails(
            kind="field_visit", occurred_on=office_today(case) - timedelta(days=6),
            place=f"{incident.place} (strike site)",
            participants=f"{self.team.caseworker.name}; two neighbours (fictional)",
            summary="Crater and collapsed building consistent with an air strike; neighbours "
                    "confirm the date and that the family lived there (demo).",
        ), self.team.caseworker)

    def recommend(self, case: Case, outcome: str = "eligible") -> None:
        reasons = ("Every criterion is met: the incident is verified and the harm documented."
                   if outcome == "eligible" else
                   "The incident could not be verified: the assessment is non-credible and no "
                   "witness has been found yet.")
        eligibility.recommend(case, outcome, reasons, self.team.caseworker, None)

    def decide(self, case: Case, outcome: str) -> None:
        reasons = None if outcome == "eligible" else (
            "The incident is not verified by the official assessment or by field "
            "investigation; the family may appeal with new evidence.")
        decision = eligibility.decide(case, outcome, reasons, self.team.supervisor, None)
        # The decision letter reached the family (an ineligible one opens the appeal window).
        eligibility.record_decision_delivery(case, decision, office_today(case),
                                             self.team.caseworker)

    def make_eligible(self, case: Case) -> None:
        self.review(case)
        self.recommend(case)
        self.decide(case, "eligible")

    def make_ineligible(self, case: Case) -> None:
        self.review(case, {"incident_verified": "not_met"}, default="unknown")
        self.recommend(case, "ineligible")
        self.decide(case, "ineligible")

    def appeal(self, case: Case) -> None:
        self.make_ineligible(case)
        eligibility.lodge_appeal(
            case, "A neighbour who saw the strike has come forward, and the family found the "
                  "death certificate (demo).", office_today(case), [], self.team.caseworker,
            None)

    def decide_appeal(self, case: Case, outcome: str) -> None:
        reasons = ("The new witness statement verifies the incident: review again."
                   if outcome == "upheld" else
                   "The new statement does not place the family at the strike site.")
        eligibility.decide_appeal(case, outcome, reasons, self.team.second_supervisor, None)

    # Acknowledgement, compensation, closing

    def acknowledgement(self, case: Case, *, ex_gratia: bool = False,
                        deliver: bool = True) -> operations.Acknowledgement:
        today = office_today(case)
        language = case.preferred_language
        details = operations.AcknowledgementDetails(
            acknowledging_party=MEMBER_STATE if ex_gratia else COALITION,
            acknowledged_on=today - timedelta(days=7),
            responsibility=Responsibility.ex_gratia if ex_gratia else Responsibility.accepted,
            source=("Condolence letter, reference DEMO-CL-0042" if ex_gratia else
                    "Monthly civilian casualty report (demo reference DEMO-CCR-07)"),
            apology_text=(EX_GRATIA_APOLOGIES if ex_gratia else APOLOGIES)[language],
            facts=_facts(case, {FactKind.target} if ex_gratia else
                         set(FactKind) - {FactKind.target_verification}),
        )
        acknowledgement = operations.record_acknowledgement(case, details, self.team.caseworker)
        if deliver:
            operations.record_delivery(acknowledgement, operations.DeliveryDetails(
                delivered_on=today, method="in_person",
                delivered_by=("Liaison officer of the member state's embassy, with the "
                              "caseworker" if ex_gratia else
                              "Coalition civil-military liaison officer, with the caseworker"),
                notes="Delivered at the family's home; the family asked for a written copy.",
            ), self.team.caseworker, None)
        return acknowledgement

    def respond(self, acknowledgement: operations.Acknowledgement, response: str) -> None:
        today = office_today(acknowledgement.case)
        follow_up = response == "wants_meeting"
        operations.record_family_response(acknowledgement, operations.ResponseDetails(
            response=response, responded_on=today,
            notes={"accepted": "The family accepted the apology and thanked the office.",
                   "wants_meeting": "The father asks to meet someone who can explain why the "
                                    "house was targeted."}.get(response),
            follow_up_on=today + timedelta(days=14) if follow_up else None,
            follow_up_notes="Meeting with the liaison officer at the Raqqa office."
            if follow_up else None,
        ), self.team.caseworker)

    def compensation(self, case: Case) -> None:
        apply_case_transition(case, CaseAction.start_compensation, self.team.caseworker,
                              expected_version=None)

    def close(self, case: Case) -> None:
        apply_case_transition(case, CaseAction.close, self.team.supervisor,
                              expected_version=None,
                              reason="Compensation paid in full and reconciled; the family "
                                     "accepted the apology. Nothing remains open (demo).")

    def register_again(self, case: Case) -> Case:
        """The same household registered a second time (e.g. at a mobile desk)."""
        details = CaseDetails(
            preferred_language=case.preferred_language, delivery_channel=case.delivery_channel,
            contact_phone=case.contact_phone, current_address=case.current_address,
            consent_given_on=case.consent_given_on,
            consent_text_version=case.consent_text_version,
        )
        people = [PersonDetails(
            sex=p.sex, relationship_to_head=p.relationship_to_head, harm=p.harm,
            name_ar=p.name_ar, name_latin=p.name_latin, date_of_birth=p.date_of_birth,
            approximate_age=p.approximate_age, injury_severity=p.injury_severity,
            has_disability=p.has_disability, disability_description=p.disability_description,
            is_payee=p.is_payee, incident_id=p.incident_id,
        ) for p in case.persons]
        duplicate = intake.create_case(case.office, self.team.caseworker, details,
                                       [incident.id for incident in case.incidents],
                                       head=people[0])
        for person in people[1:]:
            intake.add_person(duplicate, person, self.team.caseworker, None)
        apply_case_transition(duplicate, CaseAction.register, self.team.caseworker,
                              expected_version=None)
        return duplicate

    def merge(self, duplicate: Case, survivor: Case) -> None:
        pairs = [(left.id, right.id) for left, right in zip(duplicate.persons, survivor.persons,
                                                            strict=True)]
        merge_cases(duplicate, survivor, self.team.supervisor, expected_version=None,
                    person_pairs=pairs,
                    reason="The same household registered twice, at the office and at the "
                           "mobile desk (demo).")


# What each office's registered cases become, in order; the rest stay registered.
Plan = list[tuple[CaseStage, Callable[[Walk, Case], object]]]


def _closed(walk: Walk, case: Case) -> None:
    walk.make_eligible(case)
    walk.respond(walk.acknowledgement(case), "accepted")
    walk.compensation(case)
    walk.close(case)


def _compensation(walk: Walk, case: Case) -> None:
    # Found ineligible first; the appeal, upheld by the second supervisor, changed that.
    walk.appeal(case)
    walk.decide_appeal(case, "upheld")
    walk.review(case)
    walk.recommend(case)
    walk.decide(case, "eligible")
    walk.respond(walk.acknowledgement(case), "accepted")
    walk.compensation(case)


def _acknowledged(walk: Walk, case: Case) -> None:
    walk.make_eligible(case)
    walk.respond(walk.acknowledgement(case), "wants_meeting")


def _acknowledged_ex_gratia(walk: Walk, case: Case) -> None:
    walk.make_eligible(case)
    walk.acknowledgement(case, ex_gratia=True)


def _eligible(walk: Walk, case: Case) -> None:
    walk.make_eligible(case)
    # The acknowledgement has come in; its delivery to the family is still to be arranged.
    walk.acknowledgement(case, deliver=False)


def _under_review(walk: Walk, case: Case) -> None:
    walk.review(case, {"harm_documented": "unknown", "no_unresolved_duplicate": "unknown"})
    walk.field_visit(case)


def _awaiting_decision(walk: Walk, case: Case) -> None:
    walk.review(case)
    walk.field_visit(case)
    walk.recommend(case)


def _reopened(walk: Walk, case: Case) -> None:
    walk.appeal(case)
    walk.decide_appeal(case, "dismissed")
    eligibility.reopen(case, "A new witness statement places the family at the site; the "
                             "incident's assessment was reopened (demo).",
                       walk.team.second_supervisor, None)


RQA_PLAN: Plan = [
    (CaseStage.closed, _closed),
    (CaseStage.compensation, _compensation),
    (CaseStage.acknowledged, _acknowledged),
    (CaseStage.appeal, lambda walk, case: walk.appeal(case)),
    (CaseStage.under_review, _under_review),
    (CaseStage.eligible, _eligible),
    (CaseStage.ineligible, lambda walk, case: walk.make_ineligible(case)),
    (CaseStage.reopened, _reopened),
    (CaseStage.under_review, _awaiting_decision),
]
TBQ_PLAN: Plan = [
    (CaseStage.acknowledged, _acknowledged_ex_gratia),
    (CaseStage.under_review, _awaiting_decision),
    (CaseStage.ineligible, lambda walk, case: walk.make_ineligible(case)),
]


def seed_workflow_demo(cases: Iterable[Case], teams: dict[str, OfficeTeam],
                       plans: dict[str, Plan] | None = None) -> WorkflowDemo:
    """Take each office's registered cases through its plan; one is merged as a duplicate.
    Flushes; the caller commits."""
    plans = plans if plans is not None else {"RQA": RQA_PLAN, "TBQ": TBQ_PLAN}
    eligibility.ensure_default_criteria()
    demo = WorkflowDemo()
    registered: dict[str, list[Case]] = {}
    for case in cases:
        if case.stage == CaseStage.registered:
            registered.setdefault(case.office.code, []).append(case)
    for code, plan in plans.items():
        walk = Walk(teams[code])
        office_cases = registered.get(code, [])
        for (stage, step), case in zip(plan, office_cases, strict=False):
            step(walk, case)
            if case.stage != stage:
                raise RuntimeError(f"demo case {case.reference} ended at {case.stage}, "
                                   f"not {stage}")
            demo.cases_by_stage.setdefault(stage, []).append(case)
        for case in office_cases[len(plan):]:
            demo.cases_by_stage.setdefault(CaseStage.registered, []).append(case)
    acknowledged = demo.cases_by_stage.get(CaseStage.acknowledged, [])
    if acknowledged:
        survivor = acknowledged[0]
        walk = Walk(teams[survivor.office.code])
        duplicate = walk.register_again(survivor)
        walk.merge(duplicate, survivor)
        demo.cases_by_stage.setdefault(CaseStage.merged, []).append(duplicate)
    return demo
