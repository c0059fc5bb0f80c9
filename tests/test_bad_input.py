"""Bad input never gives a 500 or a half-written record (issue 10).

Every form of the application is found by walking its pages: each GET route of the URL
map, its ids filled with real records (made by the domains' fixtures), fetched as the
users whose role may take the route's action. Each form found is posted as the page shows
it with bad values in some of its fields: every field at once with each kind of bad value
(empty, huge, control and bidirectional characters, invisible-only text, wrong types,
impossible dates, negative and enormous numbers), each id-carrying field with ids no
record can have, each choice with one the page never offers, then values Hypothesis draws
(several where one is expected, the page's own choices...). No answer is a 500, and a
refused post (4xx, or the form shown again with its errors) leaves every table as it was,
row for row, and the evidence store too. Every POST route of the URL map must be walked.

The audit table is compared too, except for the events the audit trail records on
purpose in their own transaction, whatever becomes of the request (tests/bad_input.py).

Every GET route is also asked with each path id replaced by what no record has (4xx),
and with page cursors, page sizes and filters no link carries (never a 500; a cursor that
is not one shows the first page, as casework.core.pagination says); and with unknown
languages (refused, or the page shown in a language Casework has).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from casework.acknowledgement.models import Acknowledgement
from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.core.authz import PERMISSIONS, Role, declared_access
from casework.eligibility import operations as eligibility_operations
from casework.eligibility.models import EligibilityDecision, ReconsiderationEntry
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake import operations as intake_operations
from casework.intake.models import Case, CaseStage, Incident, Loss, Person
from tests.bad_input import PROFILE, snapshot, written_after
from tests.conftest import PASSWORD, login
from tests.evidence_samples import pdf
from tests.fixtures_eligibility import record_all_findings
from tests.fixtures_evidence import upload
from tests.fixtures_import import csv_bytes, household, incident_row

# Besides its sweeps (see `sweeps`), a form gets max_examples random posts per two fields
# it has, at least 3 and at most 8 (times max_examples).
MIN_EXAMPLES = 3

# -- values no form should choke on, by kind --------------------------------------------

HUGE = "x" * 100_000
NASTY = {
    "empty": ["", " ", "\t\r\n"],
    "huge": [HUGE, "ب" * 50_000, "9" * 100_000],
    "control": ["\x00", "a\x00b", "\x1b[31mred", "\x07\x08\x7f", "\u202egpj.exe.pdf",
                "\U0001f4a9", "\r\n\r\n"],
    # Nothing a reader sees: the bidirectional controls and zero-width characters that
    # single-line columns drop (casework.core.text) leave such a value empty.
    "invisible": ["\ufeff", "\u200b", "\u202e", "\u2066\u2069", "\u200b\u200f \ufeff"],
    "wrong type": ["abc", "1.5", "nan", "inf", "-inf", "1e309", "0x10", "1_000", " 7 ", "true",
                   "null", "[]", "{}", "None", "²³", "٣٤", "𝟘𝟙𝟚", "½",
                   "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%s%n%x",
                   "{0}{1}", "=cmd|' /C calc'!A0"],
    "date": ["2017-02-31", "2017-13-01", "0000-00-00", "9999-12-31", "10000-01-01",
             "-2017-06-28", "2017-06-28T25:61", "28/06/2017", "25:99", "24:00", "1900-01-01"],
    "number": ["-1", str(10**30), "0", str(-(10**30)), str(2**63), "-0", str(2**31), "9" * 400],
}
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)
ABSENT = object()


@dataclass(frozen=True)
class Upload:
    """A file field's value: bytes under a file name."""

    filename: str
    content: bytes


def _csv_utf16() -> bytes:
    return csv_bytes([incident_row(), *household()]).decode("utf-8").encode("utf-16")


FILES = [
    Upload("empty.pdf", b""),
    Upload("statement.pdf", pdf()),
    Upload("binary.bin", bytes(range(256)) * 64),
    Upload("huge.csv", b"record," + b"\xff" * 100_000),
    Upload("\u202egpj.exe.pdf", pdf()),
    Upload("../../../etc/passwd", b"root:x:0:0"),
    Upload("x" * 5000 + ".pdf", pdf()),
    Upload("", pdf()),
    Upload("cases.csv", csv_bytes([incident_row(), *household()])),
    Upload("cases-utf16.csv", _csv_utf16()),
    Upload("cases-bom.csv", csv_bytes([incident_row(), *household()], bom=True)),
]


# -- forms as the pages show them -------------------------------------------------------

@dataclass
class FormField:
    name: str
    kind: str  # text, hidden, select, radio, checkbox, file, textarea, ...
    values: list[str] = field(default_factory=list)   # what the page would send
    options: list[str] = field(default_factory=list)  # choices the page offers


@dataclass
class FoundForm:
    action: str
    multipart: bool
    fields: dict[str, FormField]
    # Shown with its button disabled: the page says why the step is refused.
    blocked: bool = False


class FormParser(HTMLParser):
    """The POST forms of a page, with their fields, values and choices."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FoundForm] = []
        self.links: list[str] = []
        self.get_fields: set[str] = set()
        self._form: FoundForm | None = None
        self._get_form = False
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def _field(self, name: str, kind: str) -> FormField:
        return self._form.fields.setdefault(name, FormField(name, kind))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            self.links.append(a["href"])
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = FoundForm(a.get("action") or self.page_url,
                                       "multipart" in a.get("enctype", ""), {})
                self.forms.append(self._form)
            else:
                self._get_form = True
            return
        name = a.get("name")
        if self._get_form and name and tag in ("input", "select", "textarea"):
            self.get_fields.add(name)
        if self._form is not None and tag in ("button", "input") and "disabled" in a \
                and a.get("type", "submit") == "submit":
            self._form.blocked = True
        if self._form is None or not name and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            found = self._field(name, kind)
            if kind in ("checkbox", "radio"):
                found.options.append(a.get("value", "on"))
                if "checked" in a:
                    found.values.append(a.get("value", "on"))
            elif kind != "file":
                found.values.append(a.get("value", ""))
        elif tag == "button" and name:
            self._field(name, "button").options.append(a.get("value", ""))
        elif tag == "select":
            self._select = self._field(name, "select-multiple" if "multiple" in a else "select")
        elif tag == "option" and self._select is not None and "value" in a:
            self._select.options.append(a["value"])
            if "selected" in a:
                self._select.values.append(a["value"])
        elif tag == "textarea":
            self._textarea = self._field(name, "textarea")
            self._textarea.values.append("")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form, self._get_form = None, False
        elif tag == "select":
            if self._select is not None and not self._select.values and self._select.options \
                    and self._select.kind == "select":
                self._select.values.append(self._select.options[0])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.values[-1] = self._textarea.values[-1].removeprefix("\n")
            self._textarea = None


def parse_page(url: str, html: str) -> FormParser:
    parser = FormParser(url)
    parser.feed(html)
    parser.close()
    return parser


# -- the records the walk fills URLs with -----------------------------------------------

@dataclass
class Walker:
    """A logged-in (or anonymous) client and the role it walks as."""

    name: str
    role: Role | None
    client: Any


@dataclass
class World:
    office_id: int
    case_ids: list[int]
    incident_id: int
    evidence_id: int
    acknowledgement_ids: list[int]
    import_token: str
    spare_office_id: int
    spare_user_id: int
    criteria_version_id: int
    walkers: dict[str, Walker]


@pytest.fixture
def world(app, create_office, create_user, open_case, workflow_case, case_at_stage,
          record_acknowledgement, create_incident, default_criteria, evidence_root) -> World:
    """One office with a case at each stage of the workflow (two in intake, duplicates of
    each other; one recommended, one decided and not yet delivered), an incident with a
    party and a report, evidence, a reconsideration entry, acknowledgements (one delivered),
    a checked import, a spare office and user for the admins' pages, and a client per role."""
    office = create_office("RQA")
    caseworker = create_user(Role.caseworker, office_id=office, email="walker.cw@example.org")
    supervisor = create_user(Role.supervisor, office_id=office, email="walker.sup@example.org")
    admin = create_user(Role.admin, email="walker.admin@example.org")
    auditor = create_user(Role.auditor, email="walker.auditor@example.org")
    # The intake pair are each other's duplicate candidates (the same household).
    cases = [open_case(office, caseworker_id=caseworker), open_case(office,
                                                                    caseworker_id=caseworker)]
    at_stage = {stage: workflow_case(stage, office_id=office).case_id
                for stage in (CaseStage.registered, CaseStage.under_review,
                              CaseStage.ineligible, CaseStage.appeal)}
    cases += at_stage.values()
    recommended = workflow_case(CaseStage.under_review, office_id=office)
    decided = workflow_case(CaseStage.under_review, office_id=office)
    with app.app_context():
        for people, decide in ((recommended, False), (decided, True)):
            case = db.session.get(Case, people.case_id)
            worker = db.session.get(User, people.caseworker_id)
            record_all_findings(case, worker)
            eligibility_operations.recommend(case, "ineligible", "Not verified.", worker, None)
            if decide:
                eligibility_operations.decide(case, "ineligible", "Not verified.",
                                              db.session.get(User, people.supervisor_id), None)
            cases.append(case.id)
        db.session.commit()
    eligible = case_at_stage(CaseStage.eligible, office_id=office)
    acknowledged = case_at_stage(CaseStage.acknowledged, office_id=office)
    cases += [eligible, acknowledged]
    acknowledgement_ids = [record_acknowledgement(eligible)]
    with app.app_context():
        acknowledgement_ids.append(db.session.scalar(
            select(Acknowledgement.id).where(Acknowledgement.case_id == acknowledged)))
    incident_id = create_incident(reference="RQA-2017-WALK")
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        intake_operations.add_party(incident, "United States", "strike")
        intake_operations.add_external_reference(incident, "Airwars", "CS1234", None)
        db.session.commit()
    walkers = {}
    for name, role, user_id in (("caseworker", Role.caseworker, caseworker),
                                ("supervisor", Role.supervisor, supervisor),
                                ("admin", Role.admin, admin), ("auditor", Role.auditor, auditor)):
        client = app.test_client()
        login(client, app, user_id)
        walkers[name] = Walker(name, role, client)
    # Evidence on the ineligible case puts it in the "to reconsider" queue.
    assert upload(walkers["caseworker"].client, at_stage[CaseStage.ineligible],
                  pdf("New statement")).status_code == 302
    with app.app_context():
        evidence_id = db.session.scalar(select(func.max(Evidence.id)))
        assert db.session.scalar(select(func.count(ReconsiderationEntry.id))) == 1
    response = walkers["supervisor"].client.post(
        "/cases/import", content_type="multipart/form-data",
        data={"file": (io.BytesIO(csv_bytes([incident_row(), *household()])), "cases.csv"),
              "dry_run": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return World(
        office_id=office, case_ids=cases, incident_id=incident_id, evidence_id=evidence_id,
        acknowledgement_ids=acknowledgement_ids,
        import_token=response.headers["Location"].rsplit("/", 1)[-1],
        spare_office_id=create_office("SPR"),
        # A supervisor: enrolled in TOTP, so that the admins' pages offer its reset too.
        spare_user_id=create_user(Role.supervisor, office_id=office,
                                  email="spare@example.org"),
        criteria_version_id=default_criteria, walkers=walkers,
    )


def _ids_of(model: type, column: str, case_id: int) -> list[int]:
    return list(db.session.scalars(select(model.id).where(getattr(model, column) == case_id)
                                   .order_by(model.id)))


def fillings(app, rule, world: World) -> list[dict[str, Any]]:
    """Values for the rule's arguments, for every combination of the world's records
    that fits it (each case with its first member, loss and decision; each
    acknowledgement)."""
    ids: dict[str, Any] = {
        "incident_id": world.incident_id, "evidence_id": world.evidence_id,
        "token": world.import_token,
        "office_id": world.spare_office_id, "user_id": world.spare_user_id,
        "version_id": world.criteria_version_id,
    }
    with app.app_context():
        ids["event_id"] = db.session.scalar(select(func.max(AuditEvent.id)))
        if "acknowledgement_id" in rule.arguments:
            combinations: list[dict[str, Any]] = [{"acknowledgement_id": a}
                                                  for a in world.acknowledgement_ids]
        elif "case_id" not in rule.arguments:
            combinations = [{}]
        else:
            combinations = []
            for case_id in world.case_ids:
                combination: dict[str, Any] = {"case_id": case_id}
                for name, model in (("person_id", Person), ("loss_id", Loss),
                                    ("decision_id", EligibilityDecision)):
                    if name in rule.arguments:
                        found = _ids_of(model, "case_id", case_id)
                        if not found:
                            break
                        combination[name] = found[0]
                else:
                    combinations.append(combination)
    filled = []
    for combination in combinations:
        values = {**{name: ids[name] for name in rule.arguments if name in ids},
                  **combination}
        if set(values) >= set(rule.arguments):
            filled.append(values)
    return filled


def filled_urls(app, rule, world: World) -> list[str]:
    """The rule's URL for every combination of the world's records that fits it."""
    adapter = app.url_map.bind("localhost")
    return [adapter.build(rule.endpoint, values) for values in fillings(app, rule, world)]


# -- the walk ---------------------------------------------------------------------------

# Files, not pages: no forms to find on them (the GET walk asks them all the same).
DOWNLOADS = ("evidence.download", "audit.export")


def _get_rules(app, *, downloads: bool = False) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"
            and (downloads or rule.endpoint not in DOWNLOADS)]


def _roles_of(app, endpoint: str) -> set[Role] | None:
    """The roles that may take the endpoint's action (None: public)."""
    access = declared_access(app.view_functions[endpoint], endpoint)
    return None if access == "public" else set(PERMISSIONS[access].roles)


@dataclass
class Target:
    """A form to post: where, as whom, the page it is on, and its fields."""

    endpoint: str
    url: str
    walker: Walker
    page: str
    form: FoundForm

    @property
    def key(self) -> str:
        return f"{self.endpoint} {self.url} as {self.walker.name}"

    def current_form(self) -> FoundForm:
        """The form as its page shows it now (a saved post moves a record's version on)."""
        response = self.walker.client.get(self.page)
        if response.status_code == 200:
            for form in parse_page(self.page, response.get_data(as_text=True)).forms:
                if urlsplit(form.action).path == self.url:
                    self.form = form
        return self.form


# The layout's forms, on every page: walked once.
LAYOUT_FORMS = ("auth.logout", "home.set_language")
# The case page offers each stage's steps: it is walked for every case. Other pages are
# walked until one has a live form (for each role: supervisors see forms caseworkers do not).
EVERY_CASE_PAGE = "intake.case_page"


def discover_forms(app, world: World) -> list[Target]:
    """Walk the GET pages the world's records fill, as the roles that may see them; keep
    every POST form once per endpoint and URL pattern (as the first role that found it,
    preferring a form whose button is live)."""
    adapter = app.url_map.bind("localhost")
    targets: dict[tuple, Target] = {}
    for rule in _get_rules(app):
        roles = _roles_of(app, rule.endpoint)
        for walker in world.walkers.values():
            # Auditors change nothing: their pages have the layout's forms only.
            if walker.role == Role.auditor or roles is not None and walker.role not in roles:
                continue
            for url in filled_urls(app, rule, world):
                response = walker.client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                page = parse_page(url, response.get_data(as_text=True))
                live = False
                for form in page.forms:
                    path = urlsplit(form.action).path
                    endpoint, args = adapter.match(path, method="POST")
                    shape = tuple(sorted((k, v) for k, v in args.items()
                                         if not k.endswith("id")))
                    known = targets.get((endpoint, shape))
                    if known is None or known.form.blocked and not form.blocked:
                        targets[(endpoint, shape)] = Target(endpoint, path, walker, url, form)
                    live = live or endpoint not in LAYOUT_FORMS and not form.blocked
                if live and rule.endpoint != EVERY_CASE_PAGE:
                    break
    return list(targets.values())


# Posts that may end what later posts need (a session, a household member, a case that
# is merged or withdrawn) are walked last.
WALKED_LAST = ("intake.person_remove", "intake.loss_remove", "intake.party_remove",
               "intake.reference_remove", "evidence.withdraw", "duplicates.decide",
               "intake.case_transition", "auth.logout")


def _order(target: Target) -> tuple:
    return (WALKED_LAST.index(target.endpoint) if target.endpoint in WALKED_LAST else -1,
            target.endpoint, target.url)


def as_sent(found: FormField) -> Any:
    """What a browser sends for the field as the page shows it."""
    if found.kind == "file":
        return FILES[1]
    return list(found.values) if found.values else ABSENT


def _scalars(found: FormField) -> st.SearchStrategy:
    own = found.values + found.options
    return st.one_of(*[st.sampled_from(values) for values in NASTY.values()], TEXT,
                     *([st.sampled_from(own)] if own else []))


def bad_value(found: FormField) -> st.SearchStrategy:
    """A value for one field: left out, one value, or several where one is expected."""
    if found.kind == "file":
        return st.one_of(st.just(ABSENT), st.sampled_from(FILES),
                         st.sampled_from(NASTY["empty"] + NASTY["huge"]))
    return st.one_of(st.just(ABSENT), _scalars(found).map(lambda value: [value]),
                     st.lists(_scalars(found), min_size=2, max_size=3))


def changes(form: FoundForm) -> st.SearchStrategy:
    """Bad values for one to three of the form's fields; the others are sent as the page
    shows them, so that a bad value meets the checks behind the form's valid fields."""
    names = sorted(form.fields)
    if not names:
        return st.fixed_dictionaries({"unexpected": bad_value(FormField("unexpected", "text"))})
    return st.lists(st.sampled_from(names), min_size=1, max_size=min(3, len(names)),
                    unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: bad_value(form.fields[name])
                                              for name in chosen}))


def _id_like(found: FormField) -> bool:
    return found.kind in ("hidden", "select", "select-multiple", "checkbox", "radio") and any(
        value.isdigit() for value in found.values + found.options)


def _sweep_value(found: FormField, kind: str, index: int) -> str:
    """The sweep's value of this kind for the field (dates for date fields, numbers for
    the others), varied from field to field."""
    values = NASTY["date" if kind == "number" and found.kind == "date" else kind]
    return values[index % len(values)]


def sweeps(form: FoundForm) -> list[dict[str, Any]]:
    """Changes every form gets whatever Hypothesis draws: no field at all, then each kind
    of bad value in every field the user sees at once; two enormous and a doubled value in
    each field that carries a record's id or version; an invisible choice in each select."""
    visible = [f for _, f in sorted(form.fields.items()) if f.kind != "hidden"]
    result: list[dict[str, Any]] = [{found.name: ABSENT for found in visible}]
    for kind in ("empty", "huge", "control", "invisible", "wrong type", "number"):
        result.append({found.name: FILES[index % len(FILES)] if found.kind == "file"
                       else [_sweep_value(found, kind, index)]
                       for index, found in enumerate(visible)})
    for found in form.fields.values():
        if _id_like(found):
            # Beyond PostgreSQL's INTEGER, and beyond any integer SQLite's driver can send.
            result += [{found.name: [str(2**31)]}, {found.name: [str(10**30)]}]
            if found.kind != "hidden":
                result.append({found.name: [*found.values, *found.values] or ["1", "2"]})
        if found.kind in ("select", "radio"):
            # A choice the page never offers, which the other fields' values do not mask.
            result.append({found.name: [NASTY["invisible"][0]]})
    return result


def examples_for(form: FoundForm) -> int:
    return PROFILE.max_examples * min(8, max(MIN_EXAMPLES, len(form.fields) // 2))


def encode(values: dict[str, Any], multipart: bool) -> MultiDict:
    data = MultiDict()
    for name, value in values.items():
        if value is ABSENT:
            continue
        if isinstance(value, Upload):
            data.add(name, (io.BytesIO(value.content), value.filename))
        elif isinstance(value, str):
            data.add(name, value)
        else:
            for item in value:
                data.add(name, item)
    return data


# How a page shows a refusal: a field's error, the form's error above it, a danger flash.
REFUSAL_MARKS = ("is-invalid", "invalid-feedback", "alert-danger")


def refused(response) -> bool:
    """A 4xx, or the form shown again with its errors. (A page that shows what was done,
    such as a temporary password, answers 200 too: without errors it is a success.)"""
    if 400 <= response.status_code < 500:
        return True
    return response.status_code == 200 and response.mimetype == "text/html" and any(
        mark in response.get_data(as_text=True) for mark in REFUSAL_MARKS)


def walk_form(app, target: Target, caplog, failures: list[str]) -> None:
    """Post generated values to one form; collect what went wrong."""
    state = {"before": snapshot(app), "form": target.current_form()}

    def post(changed: dict[str, Any]) -> None:
        before, form = state["before"], state["form"]
        values = {**{name: as_sent(found) for name, found in form.fields.items()}, **changed}
        caplog.clear()
        response = target.walker.client.post(
            target.url, data=encode(values, form.multipart),
            content_type="multipart/form-data" if form.multipart else None)
        after = snapshot(app)
        state["before"] = after
        if 300 <= response.status_code < 400 and any(
                found.kind == "hidden" for found in form.fields.values()):
            state["form"] = target.current_form()  # a new version to send
        error = "\n".join(record.getMessage() + "\n" + (record.exc_text or "")
                          for record in caplog.records if record.levelno >= logging.ERROR)
        assert response.status_code != 500, f"500 from {target.key}:\n{error[-3000:]}"
        if refused(response):
            assert after.rows == before.rows, (
                f"{target.key} answered {response.status_code} but changed rows")
            assert after.files == before.files, (
                f"{target.key} answered {response.status_code} but changed stored files")
            written = written_after(app, before.audit_head)
            assert not written, (
                f"{target.key} answered {response.status_code} but recorded {written}")

    walk = settings(PROFILE, max_examples=examples_for(target.form))(
        given(changed=changes(target.form))(post))
    for changed in reversed(sweeps(target.form)):
        walk = example(changed=changed)(walk)
    try:
        walk()
    except Exception as error:  # noqa: BLE001 - every form is walked; failures are listed
        notes = "\n".join(getattr(error, "__notes__", []))
        failures.append(f"{target.key}: {error}\n{notes[:2000]}")


def auth_walkers(app, create_user) -> list[Target]:
    """The login pages' forms, as an anonymous visitor and as supervisors half logged in,
    each from an address of its own (failed attempts are throttled by address)."""
    targets = []
    with_totp = create_user(Role.supervisor, email="walker.totp@example.org")
    enrolling = create_user(Role.supervisor, email="walker.enrol@example.org", enrol_totp=False)
    for number, (user_id, url) in enumerate(((None, "/login"), (with_totp, "/login/totp"),
                                             (enrolling, "/login/totp/enrol")), start=2):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number}"
        if user_id is not None:
            with app.app_context():
                email = db.session.get(User, user_id).email
            response = client.post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302
        response = client.get(url)
        assert response.status_code == 200, url
        walker = Walker(f"anonymous {url}", None, client)
        for form in parse_page(url, response.get_data(as_text=True)).forms:
            path = urlsplit(form.action).path
            endpoint, _args = app.url_map.bind("localhost").match(path, method="POST")
            if endpoint not in LAYOUT_FORMS:
                targets.append(Target(endpoint, path, walker, url, form))
    return targets


def logout_walker(app, create_user) -> Walker:
    """A session of its own for the logout form, so that the other walkers stay logged in."""
    client = app.test_client()
    login(client, app, create_user(Role.caseworker, email="walker.logout@example.org"))
    return Walker("logout", Role.caseworker, client)


def _walk(app, world: World, create_user, caplog) -> tuple[list[Target], list[str]]:
    targets = discover_forms(app, world)
    logout = logout_walker(app, create_user)
    for target in targets:
        if target.endpoint == "auth.logout":
            target.walker = logout
    targets = [*auth_walkers(app, create_user), *sorted(targets, key=_order)]
    failures: list[str] = []
    for target in targets:
        walk_form(app, target, caplog, failures)
    return targets, failures


def test_every_form_refuses_bad_input_without_a_500_or_a_change(app, world, create_user,
                                                                caplog):
    caplog.set_level(logging.ERROR)
    targets, failures = _walk(app, world, create_user, caplog)
    post_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                      if "POST" in rule.methods}
    unwalked = post_endpoints - {target.endpoint for target in targets}
    if unwalked:
        failures.append(f"POST routes no walked page has a form for: {sorted(unwalked)}")
    assert not failures, "\n\n".join(failures)


# -- GET routes: ids, cursors, page sizes and filters no link carries ---------------------

# Path segments where an id is expected: none names a record.
BAD_IDS = ["abc", "-1", "0", "1.5", "1e3", "0x1", str(2**31), str(2**63),
           "99999999999999999999", "9" * 400, "%00", "%20", "1%20", "null", "\u202e1"]
# Numbers in other forms: a route may take them (Arabic-Indic digits are digits), never 500.
ODD_IDS = ["\u0663", "0001", "\U0001d7d9"]
BAD_TEXT_SEGMENTS = ["abc", "..", "%2e%2e%2fetc%2fpasswd", "x" * 5000, "%00", "\u202e"]
# What the pages read from the query string and no link on the walked pages carries.
UNLINKED_PARAMETERS = {"size", "round", "next", "lang", "page", "per_page", "outcome", "kind",
                       # url_for's own keywords, should a page pass its query string on
                       "endpoint", "_external", "_scheme", "_anchor", "_method"}
QUERY_VALUES = [
    "", "abc", "-5", "0", "99999999999999999999", str(2**31), str(2**63), "9" * 5000, "²",
    "\u0663",
    "1~2", "~", "~~~", "2~abc", "abc~1", "9999-12-31~1", "2017-02-31~1", "1~99999999999999999999",
    "1,2", "1;2", "1 2", "-1~-1", "\u202e", "\x1f", "x" * 20_000, "%", "[]", "2017-02-31",
    "../../etc/passwd", "<script>", "ar", "xx",
]
QUERY_WALK = st.dictionaries(st.text(st.characters(codec="ascii", exclude_categories=["Cc"]),
                                     min_size=1, max_size=8) | st.sampled_from(["after"]),
                             st.sampled_from(QUERY_VALUES), max_size=3)

# Sent in every parameter at once, to every route.
QUERY_SWEEPS = ["", "²", str(2**31), "1~99999999999999999999", "9" * 5000,
                "2017-02-31~\u202e-1"]


def _walker_for(world: World, roles: set[Role] | None, anonymous: Walker) -> Walker:
    if roles is None:
        return anonymous
    return next(w for w in world.walkers.values() if w.role in roles)


def _path(rule, values: dict[str, Any]) -> str:
    """The rule's path with these values as they are (no conversion, no quoting)."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + ">", str(values[name]), path)
    return path


def _assert_answer(app, response, url: str, caplog) -> None:
    error = "\n".join((record.exc_text or record.getMessage())
                      for record in caplog.records if record.levelno >= logging.ERROR)
    assert response.status_code < 500, f"{response.status_code} from {url}:\n{error[-3000:]}"


def query_walk(app, walker: Walker, url: str, caplog) -> Any:
    """A Hypothesis test asking the page with generated query strings."""

    @settings(PROFILE, max_examples=2 * PROFILE.max_examples)
    @given(query=QUERY_WALK)
    def ask(query: dict[str, str]) -> None:
        caplog.clear()
        _assert_answer(app, walker.client.get(url, query_string=query), f"{url}?{query}",
                       caplog)

    return ask


def test_every_get_route_answers_bad_ids_and_query_parameters_without_a_500(app, world, caplog):
    caplog.set_level(logging.ERROR)
    anonymous = Walker("anonymous", None, app.test_client())
    parameters = set(UNLINKED_PARAMETERS)
    routes = []
    for rule in _get_rules(app, downloads=True):
        walker = _walker_for(world, _roles_of(app, rule.endpoint), anonymous)
        filled = fillings(app, rule, world)
        if not filled:
            continue
        routes.append((rule, walker, filled[0]))
        response = walker.client.get(app.url_map.bind("localhost").build(rule.endpoint,
                                                                          filled[0]))
        if response.mimetype == "text/html":
            page = parse_page("", response.get_data(as_text=True))
            parameters |= page.get_fields
            parameters |= {name for link in page.links
                           for name, _ in parse_qsl(urlsplit(link).query)}
    before = snapshot(app)
    failures: list[str] = []
    for rule, walker, values in routes:
        # Each id of the path, and each text segment, replaced by what no record has.
        for name in sorted(rule.arguments):
            numeric = name.endswith("id")
            for bad in (BAD_IDS + ODD_IDS) if numeric else BAD_TEXT_SEGMENTS:
                url = _path(rule, {**values, name: bad})
                caplog.clear()
                response = walker.client.get(url)
                try:
                    _assert_answer(app, response, url, caplog)
                    if bad not in ODD_IDS:
                        assert 400 <= response.status_code < 500, (
                            f"{url} answered {response.status_code}, not 4xx")
                except AssertionError as error:
                    failures.append(str(error))
        # Every query parameter a page reads, with what no link would carry.
        walk = query_walk(app, walker, app.url_map.bind("localhost").build(rule.endpoint,
                                                                            values), caplog)
        for value in QUERY_SWEEPS:
            walk = example(query={name: value for name in sorted(parameters)})(walk)
        try:
            walk()
        except Exception as error:  # noqa: BLE001 - every route is walked; failures are listed
            failures.append(f"{rule.endpoint}: {error}\n"
                            + "\n".join(getattr(error, "__notes__", []))[:2000])
    after = snapshot(app)
    assert not failures, "\n\n".join(failures)
    assert after.rows == before.rows, "a GET changed a table"
    assert written_after(app, before.audit_head) == []


def test_an_unknown_language_is_refused_or_ignored_never_a_500(app, login_as, create_office):
    client = login_as(Role.caseworker, create_office("RQA"))
    shown = re.compile(r'<html lang="(en|ar)"')
    for lang in ("xx", "", "AR", "ar-SY", "ar_SY", "ku", "x" * 4000, "\u202ear", "../ar"):
        assert client.post("/language", data={"lang": lang}).status_code == 400, lang
        client.set_cookie("lang", lang)
        for path in ("/", "/cases", "/incidents"):
            response = client.get(path, query_string={"lang": lang},
                                  headers={"Accept-Language": f"{lang};q=1, *;q=0.5"})
            # Shown in a language Casework has (a browser's "AR" or "ar-SY" is Arabic).
            assert response.status_code == 200, (lang, path)
            assert shown.search(response.get_data(as_text=True)), (lang, path)
    assert client.post("/language", data={"lang": ["ar", "en"]}).status_code == 302
    assert client.post("/language", data={"lang": "ar"}).status_code == 302
    assert '<html lang="ar"' in client.get("/").get_data(as_text=True)
