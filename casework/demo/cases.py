"""Demo intake data for `flask demo seed`: incidents in Raqqa, June to October 2017 (dates
and stated targets as in the public record, see CONTEXT.md), and fictional households
in both demo offices, entered through the same operations as the pages.

Every family, person, phone number and address here is invented; report identifiers
are marked DEMO. Deterministic: the same seed gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from casework.auth.models import Office, User
from casework.core import dates
from casework.demo.evidence import seed_demo_evidence
from casework.intake import operations
from casework.intake.lifecycle import CaseAction, apply_case_transition
from casework.intake.models.cases import Case, VulnerabilityFlag
from casework.intake.models.incidents import Incident
from casework.intake.validation import CaseDetails, IncidentDetails, LossDetails, PersonDetails

COALITION = "US-led coalition (member state not disclosed)"
MONTHLY_REPORT = "Coalition monthly civilian casualty report, {month}"

# (reference, date, time, neighbourhood, weapon, stated target, parties, assessments,
#  external references, description)
DEMO_INCIDENTS: list[dict[str, Any]] = [
    {
        "reference": "RQA-2017-06-28", "occurred_on": date(2017, 6, 28),
        "occurred_time": time(22, 40), "neighbourhood": "al-Badu",
        "weapon": "air_dropped_bomb", "stated_target": "Daesh fighting position",
        "latitude": 35.9521, "longitude": 39.0094,
        "parties": [(COALITION, "strike")],
        "assessments": [("non_credible", date(2017, 9, 30), "September 2017"),
                        ("credible", date(2018, 7, 15), "July 2018")],
        "references": [("Amnesty International", "DEMO-AI-2018-001")],
        "description": "A four-storey residential building hit at night; one of 17 strikes "
                       "on the city that day.",
    },
    {
        "reference": "RQA-2017-07-18", "occurred_on": date(2017, 7, 18),
        "occurred_time": None, "neighbourhood": "al-Sinaa",
        "weapon": "guided_missile", "stated_target": "Daesh headquarters",
        "latitude": 35.9489, "longitude": 39.0231,
        "parties": [(COALITION, "strike"), ("Unknown", "surveillance_intelligence")],
        "assessments": [("pending", date(2017, 8, 31), "August 2017"),
                        ("credible", date(2018, 6, 28), "June 2018")],
        "references": [("Airwars", "DEMO-AW-CS1207")],
        "description": "Two houses in a side street destroyed in the afternoon.",
    },
    {
        "reference": "RQA-2017-08-09", "occurred_on": date(2017, 8, 9),
        "occurred_time": time(6, 15), "neighbourhood": "al-Rumaniya",
        "weapon": "artillery", "stated_target": "Daesh fighting position",
        "latitude": None, "longitude": None,
        "parties": [("Unknown", "artillery")],
        "assessments": [],
        "references": [],
        "description": "Several shells landed in a market street in the early morning.",
    },
    {
        "reference": "RQA-2017-08-21", "occurred_on": date(2017, 8, 21),
        "occurred_time": None, "neighbourhood": "al-Daraiya",
        "weapon": "mortar", "stated_target": None,
        "latitude": None, "longitude": None,
        "parties": [("Syrian Democratic Forces", "artillery")],
        "assessments": [("non_credible", date(2017, 11, 30), "November 2017")],
        "references": [("Human Rights Watch", "DEMO-HRW-0821")],
        "description": "Mortar rounds hit a courtyard where families sheltered.",
    },
    {
        "reference": "RQA-2017-09-03", "occurred_on": date(2017, 9, 3),
        "occurred_time": time(13, 5), "neighbourhood": "al-Thakana",
        "weapon": "air_dropped_bomb", "stated_target": "Daesh fighting position",
        "latitude": 35.9568, "longitude": 39.0132,
        "parties": [(COALITION, "strike"), ("Unknown", "refuelling")],
        "assessments": [("non_credible", date(2017, 12, 31), "December 2017"),
                        ("reopened", date(2018, 5, 31), "May 2018")],
        "references": [("Amnesty International", "DEMO-AI-2018-014")],
        "description": "A basement used as a shelter collapsed.",
    },
    {
        "reference": "RQA-2017-09-25", "occurred_on": date(2017, 9, 25),
        "occurred_time": None, "neighbourhood": "Hisham Ibn Abdul Malik",
        "weapon": "artillery", "stated_target": None,
        "latitude": None, "longitude": None,
        "parties": [("Unknown", "unknown")],
        "assessments": [],
        "references": [],
        "description": "Shelling over two days; families could not leave the street.",
    },
    {
        "reference": "RQA-2017-10-12", "occurred_on": date(2017, 10, 12),
        "occurred_time": time(9, 50), "neighbourhood": "al-Nahda",
        "weapon": "air_dropped_bomb", "stated_target": "Daesh fighting position",
        "latitude": 35.9502, "longitude": 39.0175,
        "parties": [(COALITION, "strike")],
        "assessments": [("credible", date(2018, 4, 30), "April 2018")],
        "references": [("Amnesty International", "DEMO-AI-2018-022")],
        "description": "A strike on a residential building, one of 29 that day.",
    },
]

FAMILIES = [("الحسن", "al-Hassan"), ("العلي", "al-Ali"), ("الخلف", "al-Khalaf"),
            ("العبدالله", "al-Abdullah"), ("الحمد", "al-Hamad"), ("الجاسم", "al-Jassem"),
            ("العيسى", "al-Issa"), ("الصالح", "al-Saleh"), ("الرمضان", "al-Ramadan"),
            ("الخليل", "al-Khalil"), ("المصطفى", "al-Mustafa"), ("الحسين", "al-Hussein")]
MEN = [("أحمد", "Ahmad"), ("محمد", "Mohammed"), ("خالد", "Khaled"), ("عمر", "Omar"),
       ("يوسف", "Yusuf"), ("حسين", "Hussein"), ("إبراهيم", "Ibrahim"), ("مصطفى", "Mustafa"),
       ("عبدالرحمن", "Abdulrahman"), ("سامر", "Samer"), ("علي", "Ali"), ("حمزة", "Hamza")]
WOMEN = [("فاطمة", "Fatima"), ("عائشة", "Aisha"), ("مريم", "Maryam"), ("نور", "Nour"),
         ("هبة", "Hiba"), ("رنا", "Rana"), ("سلمى", "Salma"), ("آمنة", "Amina"),
         ("زينب", "Zainab"), ("لمى", "Lama"), ("خديجة", "Khadija"), ("ريم", "Reem")]

# (relationship, sex, age, harm, injury severity, disability): age is today's age, or the
# age when killed. Each shape is one kind of household the programme meets.
HOUSEHOLDS: dict[str, list[tuple]] = {
    "widow_with_children": [
        ("head", "female", 41, "injured", "moderate", None),
        ("spouse", "male", 44, "killed", None, None),
        ("son", "male", 17, "unharmed", None, None),
        ("daughter", "female", 14, "injured", "severe", "Hearing loss in one ear"),
    ],
    "child_killed": [
        ("head", "male", 52, "injured", "minor", None),
        ("spouse", "female", 47, "unharmed", None, None),
        ("son", "male", 9, "killed", None, None),
        ("daughter", "female", 22, "unharmed", None, None),
    ],
    "orphans_with_grandmother": [
        ("head", "female", 67, "unharmed", None, None),
        ("grandchild", "male", 15, "injured", "moderate", None),
        ("grandchild", "female", 13, "unharmed", None, None),
    ],
    "home_destroyed": [
        ("head", "male", 58, "unharmed", None, None),
        ("spouse", "female", 55, "unharmed", None, None),
        ("son", "male", 29, "unharmed", None, None),
    ],
    "amputation": [
        ("head", "male", 36, "injured", "permanent", "Lower-leg amputation"),
        ("spouse", "female", 33, "unharmed", None, None),
        ("son", "male", 11, "unharmed", None, None),
    ],
    "missing_son": [
        ("head", "male", 61, "unharmed", None, None),
        ("son", "male", 27, "missing", None, None),
        ("daughter", "female", 25, "injured", "minor", None),
    ],
    "parents_killed": [
        ("head", "male", 39, "killed", None, None),
        ("spouse", "female", 35, "killed", None, None),
        ("son", "male", 16, "injured", "severe", None),
        ("daughter", "female", 12, "unharmed", None, None),
    ],
}

# (office, household shape, incident, losses, what happens after intake)
DEMO_CASES = [
    ("RQA", "widow_with_children", "RQA-2017-06-28", ["home_destroyed"], "register"),
    ("RQA", "child_killed", "RQA-2017-06-28", ["home_damaged"], "register"),
    ("RQA", "orphans_with_grandmother", "RQA-2017-07-18", ["home_destroyed"], "register"),
    ("RQA", "home_destroyed", "RQA-2017-08-09", ["home_destroyed", "livelihood"], "register"),
    ("RQA", "amputation", "RQA-2017-09-03", ["livelihood"], "register"),
    ("RQA", "missing_son", "RQA-2017-10-12", [], "intake"),
    ("RQA", "parents_killed", "RQA-2017-10-12", ["home_destroyed"], "register"),
    ("RQA", "child_killed", "RQA-2017-08-21", ["other_property"], "withdraw"),
    ("TBQ", "child_killed", "RQA-2017-07-18", ["home_destroyed"], "register"),
    ("TBQ", "widow_with_children", "RQA-2017-09-25", ["livelihood"], "register"),
    ("TBQ", "home_destroyed", "RQA-2017-06-28", ["home_damaged"], "register"),
    ("TBQ", "amputation", "RQA-2017-08-21", [], "register"),
    ("TBQ", "missing_son", "RQA-2017-09-03", ["home_damaged"], "intake_no_consent"),
    ("TBQ", "parents_killed", "RQA-2017-10-12", ["home_destroyed", "other_property"],
     "register"),
    # More RQA families, so that the workflow demo shows every stage in one office.
    ("RQA", "home_destroyed", "RQA-2017-07-18", ["home_destroyed"], "register"),
    ("RQA", "child_killed", "RQA-2017-09-25", ["home_damaged"], "register"),
    ("RQA", "widow_with_children", "RQA-2017-08-21", ["livelihood"], "register"),
    ("RQA", "amputation", "RQA-2017-06-28", ["other_property"], "register"),
]

LOSS_VALUES = {  # USD, in cents
    "home_destroyed": (1_500_000, 3_500_000),
    "home_damaged": (300_000, 900_000),
    "livelihood": (200_000, 1_200_000),
    "other_property": (50_000, 400_000),
}
LOSS_DESCRIPTIONS = {
    "home_destroyed": "Family home destroyed (demo data)",
    "home_damaged": "Roof and two rooms damaged (demo data)",
    "livelihood": "Small shop and its stock (demo data)",
    "other_property": "Car and household goods (demo data)",
}
OFFICE_ADDRESSES = {"RQA": "Raqqa", "TBQ": "al-Thawra (Tabqa)"}


@dataclass
class IntakeDemo:
    incidents: dict[str, Incident] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)


def seed_intake_demo(offices: dict[str, Office], users: dict[str, User],
                     today: date | None = None) -> IntakeDemo:
    """Create the demo incidents and cases (with evidence); flushes, the caller commits."""
    today = today or dates.today()
    rng = random.Random(2017)
    demo = IntakeDemo()
    supervisor = users["supervisor@demo.casework"]
    caseworkers = {"RQA": users["caseworker@demo.casework"],
                   "TBQ": users["caseworker2@demo.casework"]}
    for spec in DEMO_INCIDENTS:
        demo.incidents[spec["reference"]] = _incident(spec, caseworkers["RQA"], supervisor)
    for number, (office_code, shape, incident_ref, losses, outcome) in enumerate(DEMO_CASES):
        case = _case(rng, number, offices[office_code], caseworkers[office_code],
                     demo.incidents[incident_ref], shape, losses, outcome, today)
        demo.cases.append(case)
    seed_demo_evidence(demo.cases)
    return demo


def _incident(spec: dict, recorder: User, supervisor: User) -> Incident:
    incident = operations.create_incident(IncidentDetails(
        reference=spec["reference"], occurred_on=spec["occurred_on"], city="Raqqa",
        weapon=spec["weapon"], occurred_time=spec["occurred_time"],
        neighbourhood=spec["neighbourhood"], latitude=spec["latitude"],
        longitude=spec["longitude"], stated_target=spec["stated_target"],
        description=spec["description"],
    ), recorder)
    for name, role in spec["parties"]:
        operations.add_party(incident, name, role)
    for source, identifier in spec["references"]:
        operations.add_external_reference(incident, source, identifier, None)
    for status, on, month in spec["assessments"]:
        operations.record_assessment(incident, status, on, MONTHLY_REPORT.format(month=month),
                                     supervisor)
    return incident


def _name(rng: random.Random, sex: str, father: tuple[str, str],
          family: tuple[str, str]) -> tuple[str, str]:
    given = rng.choice(MEN if sex == "male" else WOMEN)
    return (f"{given[0]} {father[0]} {family[0]}", f"{given[1]} {father[1]} {family[1]}")


def _person(rng: random.Random, member: tuple, head_given: tuple[str, str],
            family: tuple[str, str], today: date) -> PersonDetails:
    relationship, sex, age, harm, severity, disability = member
    # Children carry the head's given name as their father's name; adults their own.
    father = head_given if relationship in ("son", "daughter") else rng.choice(MEN)
    name_ar, name_latin = _name(rng, sex, father, family)
    # Some living children with a known date of birth (born before the strike).
    born = None
    if relationship in ("son", "daughter") and harm != "killed" and rng.random() < 0.5:
        born = date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
    return PersonDetails(
        sex=sex, relationship_to_head=relationship, harm=harm, name_ar=name_ar,
        name_latin=name_latin, date_of_birth=born, approximate_age=None if born else age,
        injury_severity=severity, has_disability=disability is not None,
        disability_description=disability, is_payee=relationship == "head" and harm != "killed",
    )


def _case(rng: random.Random, number: int, office: Office, caseworker: User,
          incident: Incident, shape: str, losses: list[str], outcome: str,
          today: date) -> Case:
    family = FAMILIES[number % len(FAMILIES)]
    members = HOUSEHOLDS[shape]
    head_given = rng.choice(MEN if members[0][1] == "male" else WOMEN)
    asserted = (VulnerabilityFlag.orphaned_children if shape == "orphans_with_grandmother"
                else VulnerabilityFlag(0))
    consent = outcome != "intake_no_consent"
    details = CaseDetails(
        preferred_language="ar" if number % 5 else "en",
        delivery_channel=("in_person", "messaging", "post")[number % 3],
        contact_phone=f"+963 9{rng.randint(30, 99)} {rng.randint(100, 999)} "
                      f"{rng.randint(100, 999)}",
        current_address=f"{incident.neighbourhood}, {OFFICE_ADDRESSES[office.code]} "
                        "(demo address)",
        contact_notes="Via the neighbour's phone in the evening" if number % 4 == 0 else None,
        consent_given_on=today - timedelta(days=40 - number) if consent else None,
        consent_text_version="2026-01" if consent else None,
        asserted_vulnerability=asserted,
    )
    people = [_person(rng, member, head_given, family, today) for member in members]
    case = operations.create_case(office, caseworker, details, [incident.id], head=people[0])
    for member in people[1:]:
        operations.add_person(case, member, caseworker, None)
    for kind in losses:
        low, high = LOSS_VALUES[kind]
        operations.add_loss(case, LossDetails(
            kind=kind, description=LOSS_DESCRIPTIONS[kind],
            estimated_value_minor=rng.randrange(low, high, 50_000), currency="USD",
        ), caseworker, None)
    if outcome in ("register", "withdraw"):
        apply_case_transition(case, CaseAction.register, caseworker, expected_version=None)
    if outcome == "withdraw":
        apply_case_transition(case, CaseAction.withdraw, caseworker, expected_version=None,
                              reason="The family moved abroad and asked to withdraw the claim.")
    return case
