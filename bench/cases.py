"""Benchmark the case pages, name search and duplicate detection at a million cases.

    .venv/bin/python bench/cases.py --cases 1000000
    .venv/bin/python bench/cases.py --cases 1000000 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_cases

The database is built by the migrations and seeded with the demo offices and users
(`demo seed`); if it holds fewer than --cases cases, the missing ones are generated with
`demo generate` (its time is printed). An existing benchmark database is reused, so the
measurements can be repeated without generating again; with no --database-url a SQLite
file under /tmp/bench_cases/ is used. Nothing is written inside the repository.

Every scenario goes through the real code paths: pages through the Flask test client,
logged in as the demo caseworker or supervisor of RQA (so the full request runs:
authorization, queries, templates, audit of the case opening); search and duplicate
detection through their functions. Each is run a few times to warm the caches, then
--runs times; the p50 and p95 of the wall times are printed, against the target of
100 ms at p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
from flask_migrate import upgrade
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework import create_app  # noqa: E402
from casework.auth.models import Office, User  # noqa: E402
from casework.core.pagination import CURSOR_SEPARATOR  # noqa: E402
from casework.demo.cli import seed_demo  # noqa: E402
from casework.demo.generate import generate_cases  # noqa: E402
from casework.duplicates.candidates import find_duplicate_candidates  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.intake import operations  # noqa: E402
from casework.intake.models import Case, CaseIncident, Incident, Person  # noqa: E402
from casework.intake.validation import CaseDetails, PersonDetails  # noqa: E402
from casework.search.queries import search_cases  # noqa: E402

DEFAULT_DIRECTORY = Path("/tmp/bench_cases")  # noqa: S108  (benchmark data, never in the repository)
TARGET_MS = 100.0
PAGE_SIZE = 50
WARM_UP = 3
CASEWORKER = "caseworker@demo.casework"
SUPERVISOR = "supervisor@demo.casework"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--only", default="",
                        help="Time only the scenarios whose name contains this text.")
    parser.add_argument("--password", default="bench-password-2017",
                        help="The demo users' password (set when this script seeds them).")
    return parser.parse_args()


def open_app(database_url: str | None):
    DEFAULT_DIRECTORY.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{DEFAULT_DIRECTORY / 'cases.sqlite3'}"
    app = create_app({"CASEWORK_ENV": "development", "DATABASE_URL": url,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "SERVER_NAME": None})
    app.instance_path = str(DEFAULT_DIRECTORY / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    return app


def prepare(app, wanted: int, seed: int, password: str) -> None:
    with app.app_context():
        upgrade()
        if not db.session.scalar(select(func.count(User.id))):
            seed_demo(password)
            db.session.commit()
        existing = db.session.scalar(select(func.count(Case.id)))
        if existing >= wanted:
            print(f"{existing:,} cases already in the database.")
            return
        missing = wanted - existing
        print(f"Generating {missing:,} cases ({existing:,} already there) ...", flush=True)
        started_cpu = time.process_time()

        def progress(summary) -> None:
            if summary.cases % 100_000 == 0:
                print(f"  {summary.cases:,} cases in {summary.seconds:,.0f} s", flush=True)

        summary = generate_cases(missing, ["RQA", "TBQ"], seed, batch_size=10_000,
                                 progress=progress)
        cpu = time.process_time() - started_cpu
        print(f"Generated {summary.cases:,} cases, {summary.persons:,} persons, "
              f"{summary.losses:,} losses, {summary.transitions:,} transitions in "
              f"{summary.seconds:,.0f} s wall ({summary.cases / summary.seconds:,.0f} cases/s), "
              f"{cpu:,.0f} s CPU in this process.", flush=True)


def logged_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.headers.get("Location", "").endswith("/login/totp"):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            # Each code is accepted once: after a recent login, the next one.
            step = max(int(time.time() // 30), (user.totp_last_counter or 0) + 1)
            code = pyotp.TOTP(user.totp_secret).generate_otp(step)
        response = client.post("/login/totp", data={"code": code})
    if response.status_code != 302 or response.headers["Location"].endswith("/login"):
        raise SystemExit(f"cannot log in as {email}: wrong --password?")
    return client


def measure(runs: int, action: Callable[[int], object]) -> list[float]:
    for run in range(WARM_UP):
        action(run)
    samples = []
    for run in range(runs):
        started = time.perf_counter()
        action(WARM_UP + run)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def ok_page(response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.path}: {response.status_code}")


class Scenarios:
    """Everything to measure, with the data each needs picked once beforehand."""

    def __init__(self, app, password: str, seed: int):
        self.app = app
        self.rng = random.Random(seed)
        self.caseworker = logged_in(app, CASEWORKER, password)
        self.supervisor = logged_in(app, SUPERVISOR, password)
        with app.app_context():
            office = db.session.scalar(select(Office).where(Office.code == "RQA"))
            self.office_id = office.id
            top = db.session.scalar(select(func.max(Case.id)))
            sample = [self.rng.randint(1, top) for _ in range(2000)]
            self.case_ids = list(db.session.scalars(
                select(Case.id).where(Case.id.in_(sample), Case.office_id == office.id)))[:500]
            in_office = db.session.scalar(
                select(func.count(Case.id)).where(Case.office_id == office.id))
            self.page = max(2, min(1000, in_office // PAGE_SIZE))
            self.cursor = self._page_cursor(self.page)
            self.incident = db.session.scalar(
                select(Incident.reference).where(Incident.reference.like("SYN-%"))
                .order_by(Incident.id).offset(17).limit(1))
            # Households to register again, as a family coming back to another office would.
            self.sources = []
            for case_id in self.case_ids[:60]:
                persons = db.session.scalars(
                    select(Person).where(Person.case_id == case_id).order_by(Person.id)).all()
                incidents = db.session.scalars(
                    select(CaseIncident.incident_id).where(CaseIncident.case_id == case_id)).all()
                self.sources.append((incidents, [
                    (p.name_ar, p.name_latin, p.sex, p.relationship_to_head, p.harm,
                     p.approximate_age, p.date_of_birth, p.injury_severity, p.incident_id)
                    for p in persons]))
            db.session.remove()

    def _page_cursor(self, page: int) -> str:
        """The cursor the list's "next" link carries to page `page` (queue order)."""
        row = db.session.execute(
            select(Case.priority, Case.id).where(Case.office_id == self.office_id)
            .order_by(Case.priority, Case.id).offset((page - 1) * PAGE_SIZE - 1).limit(1)
        ).one()
        return f"{row.priority}{CURSOR_SEPARATOR}{row.id}"

    def get(self, client, url: str) -> Callable[[int], None]:
        return lambda run: ok_page(client.get(url))

    def case_page(self, run: int) -> None:
        ok_page(self.caseworker.get(f"/cases/{self.case_ids[run % len(self.case_ids)]}"))

    def search(self, query: str) -> Callable[[int], None]:
        def run(_run: int) -> None:
            with self.app.test_request_context():
                user = db.session.scalar(select(User).where(User.email == CASEWORKER))
                results = search_cases(user, query)
                if not results.hits:
                    raise RuntimeError(f"no hit for {query}")
                db.session.remove()
        return run

    def duplicates(self, run: int) -> None:
        """Time the candidates of a new case (its intake is not timed; it is rolled back)."""
        incident_ids, members = self.sources[run % len(self.sources)]
        with self.app.test_request_context():
            office = db.session.get(Office, self.office_id)
            head, *others = members
            case = operations.create_case(
                office, None, CaseDetails("ar", "in_person", contact_phone="+963 944 000 000"),
                incident_ids, head=self._person(head, head=True))
            for member in others:
                operations.add_person(case, self._person(member), None, None)
            started = time.perf_counter()
            find_duplicate_candidates(case)
            self.last_duplicates_ms = (time.perf_counter() - started) * 1000
            db.session.rollback()
            db.session.remove()

    @staticmethod
    def _person(member, head: bool = False) -> PersonDetails:
        name_ar, name_latin, sex, relationship, harm, age, born, severity, incident_id = member
        return PersonDetails(
            sex=sex, relationship_to_head="head" if head else relationship, harm=harm,
            name_ar=name_ar, name_latin=name_latin, approximate_age=age, date_of_birth=born,
            injury_severity=severity, incident_id=incident_id)


def main() -> None:
    options = arguments()
    app = open_app(options.database_url)
    print(f"Database: {app.config['DATABASE_URL']}")
    prepare(app, options.cases, options.seed, options.password)
    scenarios = Scenarios(app, options.password, options.seed)
    rows: list[tuple[str, list[float]]] = []

    def run(label: str, action: Callable[[int], object]) -> None:
        if options.only not in label:
            return
        samples = measure(options.runs, action)
        rows.append((label, samples))
        print(f"  {label:<44} p50 {statistics.median(samples):7.1f} ms", flush=True)

    print(f"Timing ({WARM_UP} warm-up runs, then {options.runs}):")
    run("case list, first page (caseworker)", scenarios.get(scenarios.caseworker, "/cases"))
    run("case list, filtered: stage + priority",
        scenarios.get(scenarios.caseworker, "/cases?stage=registered&priority=2"))
    run("case list, filtered: assigned to me",
        scenarios.get(scenarios.caseworker, "/cases?assigned=me"))
    run("case list, filtered: overdue, by deadline",
        scenarios.get(scenarios.caseworker, "/cases?overdue=1&sort=due"))
    run("case list, filtered: incident",
        scenarios.get(scenarios.caseworker, f"/cases?incident={scenarios.incident}"))
    run(f"case list, page {scenarios.page:,} by keyset",
        scenarios.get(scenarios.caseworker, f"/cases?after={scenarios.cursor}"))
    run("case list, first page (supervisor)", scenarios.get(scenarios.supervisor, "/cases"))
    run("name search, Arabic (function)", scenarios.search("محمد الحسن"))
    run("name search, Latin (function)", scenarios.search("Mohamed al-Hassan"))
    run("search page, Latin", scenarios.get(scenarios.caseworker, "/search?q=Khaled+al-Ali"))
    run("case page", scenarios.case_page)
    duplicate_samples: list[float] = []

    def duplicates(run_number: int) -> None:
        scenarios.duplicates(run_number)
        duplicate_samples.append(scenarios.last_duplicates_ms)

    duplicates_label = "duplicate candidates of a new case (function)"
    if options.only in duplicates_label:
        measure(options.runs, duplicates)
        rows.append((duplicates_label, duplicate_samples[WARM_UP:]))

    with app.app_context():
        total = db.session.scalar(select(func.count(Case.id)))
        persons = db.session.scalar(select(func.count(Person.id)))
    dialect = app.config["DATABASE_URL"].split(":", 1)[0]
    print(f"\n{dialect}, {total:,} cases, {persons:,} persons; {options.runs} runs each:")
    print(f"| {'scenario':<46} | p50 ms | p95 ms | max ms | < {TARGET_MS:.0f} ms |")
    print(f"|{'-' * 48}|--------|--------|--------|--------|")
    for label, samples in rows:
        p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
        print(f"| {label:<46} | {statistics.median(samples):6.1f} | {p95:6.1f} | "
              f"{max(samples):6.1f} | {'yes' if p95 < TARGET_MS else 'NO':>6} |")


if __name__ == "__main__":
    main()
