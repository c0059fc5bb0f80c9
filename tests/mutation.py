"""Mutation testing: do the tests notice when the code they protect is changed?

A small, deterministic AST driver (issue 10, "Tests that do not yet guard what they
protect"). For each target module it makes one change at a time (a comparison negated or
its boundary moved, `and`/`or` swapped, a `not` or a minus removed, a constant altered, an
arithmetic operator swapped, a statement replaced by `pass`, a returned value replaced by
None), runs that module's tests against the change (stopping at the first failure), and
counts the changes no test noticed. A survivor is then run against the module's tests on
PostgreSQL (when TEST_DATABASE_URL is set), the whole suite, and the whole suite on
PostgreSQL: only a change all of them miss survives. Survivors reviewed and accepted
(REVIEWED below, each with its reason) are listed apart and skip those re-runs unless
--rerun-reviewed is given; they still count against the score.

The mutants never touch the working tree: the repository is copied to a private
directory (one copy per parallel job), the mutated file is written into the copy, and
pytest runs there with the copy first on the import path; every run checks that casework
was imported from its copy. Each job keeps a test server in its copy that imports the
libraries once and forks a child per run (a run then costs about half the CPU).

    .venv/bin/python tests/mutation.py                  # every module (also `make mutation`)
    .venv/bin/python tests/mutation.py money authz      # some modules
    .venv/bin/python tests/mutation.py --list money     # the mutants, without running them
    .venv/bin/python tests/mutation.py --mutant money-12 --show   # one mutant's change
    .venv/bin/python tests/mutation.py --mutant money-12          # run one (or several)

`make mutation MUTATION_ARGS="..."` passes options. Mutant numbers are stable while the
module's source does not change. The script is not a test module (pytest collects
test_*.py only) and takes long, so CI does not run it. It exits 1 when a module kills
fewer than --threshold (90%) of its mutants.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from queue import Queue

import pytest
from sqlalchemy import make_url

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "mutation-work"
# Not copied: the virtualenv (the copy uses the repository's), local data, caches, history.
NOT_COPIED = (".venv", "instance", ".git", "__pycache__", ".pytest_cache", ".hypothesis",
              ".ruff_cache", ".grimp_cache", ".import_linter_cache", "*.egg-info")
PYTEST_OPTIONS = ("-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
                  "-W", "ignore::pytest.PytestAssertRewriteWarning")
# Imported once by each job's test server, before it forks a child per run: the libraries
# casework and the tests use (never casework itself, which each run imports from its copy).
PRELOADED = ("flask", "flask_sqlalchemy", "sqlalchemy", "sqlalchemy.orm", "flask_migrate",
             "alembic", "flask_babel", "flask_login", "flask_wtf", "wtforms", "email_validator",
             "flask_limiter", "argon2", "pyotp", "segno", "weasyprint", "psycopg", "redis", "rq",
             "cryptography.hazmat.primitives.asymmetric.ed25519", "hypothesis", "werkzeug.test")
NO_TESTS = 5  # pytest's exit code when nothing was collected
WRONG_COPY = 99  # a run's exit code when casework was not imported from its copy


@dataclass(frozen=True)
class Target:
    """A module under mutation and its tests, the quickest and most pointed first
    (pytest stops at the first failure)."""

    path: str
    tests: tuple[str, ...]


TARGETS = {
    "chain": Target("casework/audit/chain.py", (
        "tests/test_chain_guards.py", "tests/test_audit_chain.py", "tests/test_audit_capture.py",
        "tests/test_audit_pages.py",
    )),
    "authz": Target("casework/core/authz.py", (
        "tests/test_authz_table.py", "tests/test_access.py", "tests/test_intake_access.py",
        "tests/test_security.py",
    )),
    "money": Target("casework/core/money.py", (
        "tests/test_money.py", "tests/test_intake_cases.py", "tests/test_import.py",
    )),
    "lifecycle": Target("casework/core/lifecycle.py", (
        "tests/test_lifecycle_table.py", "tests/test_case_lifecycle_assembly.py",
        "tests/test_eligibility_lifecycle_table.py", "tests/test_intake_lifecycle.py",
    )),
}

# Survivors reviewed and accepted, with the reason: equivalent (no behaviour can tell them
# from the original) or beyond a test's reach. Keyed by module, the mutated line in its
# function (the replaced part in ⟦ ⟧; any edit of the line drops the entry, to be reviewed
# again) and the replacement. They are still run and counted against the score; the report
# lists them apart, and they are not re-run on the whole suite unless asked.
_SQLITE_FAST_PATH = (
    "a fast path for SQLite's stored time text only: without it the text goes to "
    "datetime.fromisoformat, which gives the same canonical time for every value SQLite stores")
_NO_RETURN_VALUE = "the function's last statement: without it the function returns None all the same"
_TIME_CONDITION = 'canonical_time_text: if len(value) == 26 and value[10] == " " and value[19] == ".":'
REVIEWED: dict[tuple[str, str, str], str] = {
    ("money", 'parse_amount: cleaned = (text or ⟦""⟧).strip().replace(" ", "")', "'XXXX'"):
        "a missing amount becomes 'XXXX' instead of '': the pattern refuses both, with the "
        "same message and field",
    ("money", 'parse_amount: ⟦raise InvalidInput(_l("Enter an amount such as 1500 or 1500.50."), '
              'field) from error⟧', "pass"):
        "unreachable (marked `pragma: no cover`): the pattern admits only digits with one "
        "optional decimal point, which Decimal always reads",
    ("money", 'parse_amount: raise InvalidInput(_l(⟦"Enter an amount such as 1500 or 1500.50."⟧), '
              'field) from error', "'XXEnter an amount such as 1500 or 1500.50.XX'"):
        "the message of the unreachable branch above",
    ("authz", "module: ⟦_check_table()⟧", "pass"):
        "the import-time call of the table check: _check_table itself is tested on bad tables "
        "(test_authz_table.py), but the call is observable only by importing the module with "
        "a bad table, which would rebuild every enum the running application holds",
    ("authz", 'declared_access: def declared_access(view: Callable, endpoint: str = ⟦""⟧) '
              "-> Action | str | None:", "'XXXX'"):
        "any default endpoint that is neither 'static' nor ends in '.static' reads the same",
    ("authz", "enforce_route_access: ⟦return None⟧", "pass"):
        "with no endpoint there is no view either, and the next check returns None",
    ("authz", "enforce_route_access: ⟦return None⟧ #2", "pass"):
        "Flask gives every endpoint of the URL map its view: an endpoint without one cannot "
        "reach this check in this application",
    ("authz", "enforce_route_access: ⟦return None⟧ #4", "pass"): _NO_RETURN_VALUE,
    ("lifecycle", "_StandIn: @dataclass(frozen=⟦True⟧)", "False"):
        "the stand-in is private to next_steps, made per call and never changed or hashed",
    ("chain", 'module: APPEND_LOCK_KEY = ⟦0x4341_5345_4155_4454⟧  # "CASEAUDT"',
     "4846246230941320277"):
        "any 64-bit key serialises appends the same, as long as every writer uses this one",
    ("chain", "read_head: .limit(⟦1⟧)", "2"): "first() takes the newest row either way",
    ("chain", "append: if head.occurred_at is not None and ⟦head.occurred_at > now⟧:",
     "(head.occurred_at >= now)"): "at equal times, taking the head's time changes nothing",
    ("chain", "module: VERIFY_BATCH = ⟦10_000⟧", "10001"):
        "the batch size bounds memory, not what is verified",
    ("chain", '_time_as_text: if connection.dialect.name == ⟦"postgresql"⟧:', "'XXpostgresqlXX'"):
        "PostgreSQL then returns occurred_at as a timestamp, which canonical_time_text turns "
        "into the same text (formatting it in SQL is a speed-up)",
    ("chain", 'stream_rows: columns = ", ".join(_time_as_text(connection) if name == '
              '⟦"occurred_at"⟧ else name', "'XXoccurred_atXX'"):
        "occurred_at is then read as stored: the same text on SQLite, and on PostgreSQL a "
        "timestamp that canonical_time_text formats the same (see _time_as_text)",
    ("chain", 'stream_rows: if connection.dialect.name == ⟦"postgresql"⟧:', "'XXpostgresqlXX'"):
        "PostgreSQL then reads the rows through a client-side cursor: the same rows, in more "
        "memory (the named server-side cursor keeps it constant)",
    ("chain", 'stream_rows: cursor = driver_connection.cursor(name=⟦"casework_audit_verify"⟧)',
     "'XXcasework_audit_verifyXX'"): "any cursor name",
    ("chain", "stream_rows: ⟦cursor.close()⟧", "pass"):
        "the cursor is closed with its connection or when collected: only the moment changes",
    ("chain", _TIME_CONDITION.replace("== 26", "== ⟦26⟧"), "27"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace('value[10] == " "', '⟦value[10] == " "⟧'),
     "(value[10] != ' ')"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace("value[10]", "value[⟦10⟧]"), "11"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace('== " "', '== ⟦" "⟧'), "'XX XX'"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace('value[19] == "."', '⟦value[19] == "."⟧'),
     "(value[19] != '.')"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace("value[19]", "value[⟦19⟧]"), "20"): _SQLITE_FAST_PATH,
    ("chain", _TIME_CONDITION.replace('== "."', '== ⟦"."⟧'), "'XX.XX'"): _SQLITE_FAST_PATH,
    ("chain", "_check_redaction_record: ⟦return None⟧", "pass"): _NO_RETURN_VALUE,
    ("chain", "_check_expected_head: ⟦return None⟧", "pass"): _NO_RETURN_VALUE,
}


@dataclass
class Mutant:
    module: str
    number: int
    line: int
    operator: str
    original: str
    replacement: str
    start: int  # byte offsets of the replaced span in the module's UTF-8 source
    end: int
    context: str = ""  # the mutated line, the replaced part in ⟦ ⟧
    outcome: str = "not run"  # killed, survived, timeout, killed (whole suite) ...
    seconds: float = 0.0
    reviewed: str | None = None  # why it is accepted, when it was reviewed

    @property
    def id(self) -> str:
        return f"{self.module}-{self.number}"

    def describe(self) -> str:
        return (f"{TARGETS[self.module].path}:{self.line}  [{self.operator}]  "
                f"{_short(self.original)}  ->  {_short(self.replacement)}")


@dataclass
class ModuleRun:
    module: str
    mutants: list[Mutant] = field(default_factory=list)

    @property
    def killed(self) -> int:
        return sum(1 for mutant in self.mutants if mutant.outcome != "survived")

    @property
    def score(self) -> float:
        return self.killed / len(self.mutants) if self.mutants else 1.0


def _short(text: str, width: int = 70) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[:width - 1] + "…"


# --- Making mutants -------------------------------------------------------------------

# Each comparison becomes its negation; an ordering also moves its boundary (< to <=).
COMPARISON_SWAPS = {
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Lt: (ast.GtE, ast.LtE),
    ast.LtE: (ast.Gt, ast.Lt), ast.Gt: (ast.LtE, ast.GtE), ast.GtE: (ast.Lt, ast.Gt),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}
ARITHMETIC_SWAPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}
# Statements that can be replaced by `pass` on their own (compound statements are mutated
# through their parts).
DELETABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Raise, ast.Assert,
             ast.Delete, ast.Break, ast.Continue, ast.Return)


class _Source:
    """A module's source with byte offsets for AST positions (col_offset counts UTF-8 bytes)."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == ord("\n"):
                self.line_starts.append(index + 1)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.line_starts[node.lineno - 1] + node.col_offset,
                self.line_starts[node.end_lineno - 1] + node.end_col_offset)

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode("utf-8")

    def marked(self, start: int, end: int) -> str:
        """The line where a span starts, the span in ⟦ ⟧ (to its line's end if it runs on)."""
        line_start = self.data.rfind(b"\n", 0, start) + 1
        line_end = self.data.find(b"\n", start)
        line_end = len(self.data) if line_end < 0 else line_end
        before = self.data[line_start:start].decode("utf-8")
        inside = self.data[start:min(end, line_end)].decode("utf-8")
        after = self.data[end:line_end].decode("utf-8") if end <= line_end else "…"
        return f"{before}⟦{inside}⟧{after}".strip()

    def replaced(self, start: int, end: int, replacement: str) -> bytes:
        return self.data[:start] + replacement.encode("utf-8") + self.data[end:]


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0]))
                found.add(id(body[0].value))
    return found


def _not_mutated(tree: ast.Module) -> set[int]:
    """Nodes left alone: annotations (never evaluated here), docstrings, f-string parts
    (whose positions Python 3.11 does not keep; the f-string is mutated whole)."""
    skipped = _docstrings(tree)
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            roots.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            roots.append(node)
    for root in roots:
        skipped.update(id(node) for node in ast.walk(root))
    return skipped


def _in_function(tree: ast.Module) -> set[int]:
    """The statements inside function bodies (module and class bodies only declare)."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def _enclosing_names(tree: ast.Module) -> dict[int, str]:
    """For every node inside a function or class, the qualified name of the innermost one."""
    names: dict[int, str] = {}
    for node in ast.walk(tree):  # outer definitions first: inner ones overwrite them
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qualified = f"{names[id(node)]}.{node.name}" if id(node) in names else node.name
            for child in ast.walk(node):
                names[id(child)] = qualified
            names[id(node)] = qualified.rpartition(".")[0] if "." in qualified else ""
    return names


def _swapped(node: ast.AST, **changes) -> str:
    copy = type(node)(**{name: getattr(node, name) for name in node._fields})
    for name, value in changes.items():
        setattr(copy, name, value)
    return ast.unparse(copy)


def _constant_mutation(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0
    if isinstance(value, str):
        return f"XX{value}XX"
    if isinstance(value, bytes):
        return b"XX" + value + b"XX"
    return None


def make_mutants(module: str) -> list[Mutant]:
    """Every mutant of the module, in source order (their numbers are stable while the
    source does not change)."""
    text = (REPOSITORY / TARGETS[module].path).read_text(encoding="utf-8")
    source, tree = _Source(text), ast.parse(text)
    skipped, inside = _not_mutated(tree), _in_function(tree)
    names = _enclosing_names(tree)
    # start, end, operator, original, replacement, where (the enclosing function or class)
    found: list[tuple[int, int, str, str, str, str]] = []

    def add(node: ast.AST, operator: str, replacement: str) -> None:
        start, end = source.span(node)
        found.append((start, end, operator, source.text(node), replacement,
                      names.get(id(node)) or "module"))

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                for swap in COMPARISON_SWAPS.get(type(op), ()):
                    ops = list(node.ops)
                    ops[index] = swap()
                    add(node, "comparison", f"({_swapped(node, ops=ops)})")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            add(node, "boolean", f"({_swapped(node, op=other)})")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
            add(node, "unary", f"({ast.unparse(node.operand)})")
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC_SWAPS:
            add(node, "arithmetic", f"({_swapped(node, op=ARITHMETIC_SWAPS[type(node.op)]())})")
        elif isinstance(node, ast.AugAssign) and type(node.op) in ARITHMETIC_SWAPS:
            add(node, "arithmetic", _swapped(node, op=ARITHMETIC_SWAPS[type(node.op)]()))
        elif isinstance(node, ast.Constant) and _constant_mutation(node.value) is not None:
            add(node, "constant", repr(_constant_mutation(node.value)))
        elif isinstance(node, ast.JoinedStr):
            add(node, "constant", f'("XX" + {source.text(node)})')
        if isinstance(node, DELETABLE) and (id(node) in inside or isinstance(node, ast.Expr)):
            if isinstance(node, ast.Return) and node.value is not None and not (
                    isinstance(node.value, ast.Constant) and node.value.value is None):
                add(node.value, "return", "None")
            else:
                add(node, "statement", "pass")
    found.sort(key=lambda item: (item[0], item[1], item[2], item[4]))
    mutants = []
    seen: dict[tuple[str, str], int] = {}
    for number, (start, end, operator, original, replacement, where) in enumerate(found, 1):
        line = source.data[:start].count(b"\n") + 1
        context = f"{where}: {source.marked(start, end)}"
        # The same change on an identical line elsewhere in the function: numbered.
        seen[context, replacement] = occurrence = seen.get((context, replacement), 0) + 1
        if occurrence > 1:
            context += f" #{occurrence}"
        mutant = Mutant(module, number, line, operator, original, replacement, start, end, context)
        mutant.reviewed = REVIEWED.get((module, context, replacement))
        mutants.append(mutant)
    return mutants


def mutated_source(mutant: Mutant) -> bytes:
    text = (REPOSITORY / TARGETS[mutant.module].path).read_text(encoding="utf-8")
    mutated = _Source(text).replaced(mutant.start, mutant.end, mutant.replacement)
    compile(mutated, TARGETS[mutant.module].path, "exec")  # a mutant must at least parse
    return mutated


# --- Private copies and test runs ---------------------------------------------------------


def environment(copy: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a test run in a copy: the copy first on the import path."""
    variables = {name: value for name, value in os.environ.items()
                 if not name.startswith(("PYTEST", "TEST_DATABASE_URL", "COV_"))}
    # The installed (editable) package points at the working tree; its finder comes after
    # the path, so the copy's casework is the one imported (checked at every run).
    variables["PYTHONPATH"] = str(copy)
    variables["PYTHONHASHSEED"] = "0"
    if database_url:
        variables["TEST_DATABASE_URL"] = database_url
    return variables


class Copy:
    """A private copy of the repository, and the job's test server running in it."""

    def __init__(self, path: Path):
        self.path = path
        self.server: subprocess.Popen | None = None

    def make(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        shutil.copytree(REPOSITORY, self.path, ignore=shutil.ignore_patterns(*NOT_COPIED))
        imported = subprocess.run(
            [sys.executable, "-c", "import casework; print(casework.__file__)"],
            cwd=self.path, env=environment(self.path), capture_output=True, text=True, check=True,
        ).stdout.strip()
        if not Path(imported).is_relative_to(self.path):
            raise SystemExit(f"the copy {self.path} imports casework from {imported}, "
                             "not from itself: mutants would not be tested")
        self.server = subprocess.Popen(
            [sys.executable, str(self.path / "tests" / "mutation.py"), "--serve"],
            cwd=self.path, env=environment(self.path), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.stdin.close()
            self.server.wait(timeout=60)

    def write(self, path: str, content: bytes) -> None:
        destination = (self.path / path).resolve()
        if not destination.is_relative_to(self.path):
            raise SystemExit(f"refusing to write {destination} outside the copy {self.path}")
        destination.write_bytes(content)
        # A mutant of the same size written in the same second could reuse a stale .pyc.
        for cached in (destination.parent / "__pycache__").glob(f"{destination.stem}.*.pyc"):
            cached.unlink()

    def restore(self, path: str) -> None:
        self.write(path, (REPOSITORY / path).read_bytes())

    def run(self, tests: tuple[str, ...], timeout: float) -> tuple[str, float, str]:
        """Run the tests through the server: ('passed' | 'failed' | 'timeout', seconds,
        the output's tail)."""
        log = self.path / "last-run.log"
        request = {"args": [*PYTEST_OPTIONS, *tests], "timeout": timeout, "log": str(log)}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        if not reply:
            raise SystemExit(f"the test server in {self.path} stopped")
        outcome, seconds = json.loads(reply)
        tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-15:])
        return _outcome(outcome, tests, tail), seconds, tail

    def run_in_process(self, tests: tuple[str, ...], workers: int,
                       database_url: str | None) -> str:
        """Run tests in a pytest process of their own, with pytest-xdist workers (each with
        its own PostgreSQL database, made by conftest): 'passed' or 'failed'."""
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST_OPTIONS, "-n", str(workers), *tests],
            cwd=self.path, env=environment(self.path, database_url), capture_output=True,
            text=True, timeout=3600, check=False,
        )
        tail = "\n".join((finished.stdout + finished.stderr).strip().splitlines()[-15:])
        return _outcome(finished.returncode, tests, tail)


def _outcome(code: int | str, tests: tuple[str, ...], tail: str) -> str:
    if code == "timeout":
        return "timeout"
    if code == NO_TESTS:
        raise SystemExit(f"no tests collected from {tests}:\n{tail}")
    if code == WRONG_COPY:
        raise SystemExit("a test run imported casework from outside its copy: "
                         "mutants would not be tested")
    return "passed" if code == 0 else "failed"


class Workspace:
    """One private copy of the repository per job; mutants are written only there."""

    def __init__(self, workdir: Path, jobs: int):
        workdir = workdir.resolve()
        if workdir == REPOSITORY or REPOSITORY in workdir.parents or workdir in REPOSITORY.parents:
            raise SystemExit(f"the work directory {workdir} overlaps the repository")
        self.workdir = workdir
        self.copies = [Copy(workdir / f"copy{number}") for number in range(jobs)]
        self.free: Queue[Copy] = Queue()

    def __enter__(self) -> Workspace:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for copy in self.copies:
            copy.make()
            self.free.put(copy)
        return self

    def __exit__(self, *exc) -> None:
        for copy in self.copies:
            copy.stop()


# --- The test server (one per job) -------------------------------------------------------


def serve() -> None:
    """Run pytest on request, each run in a forked child of this process.

    The libraries every run needs are imported here once; each child imports casework
    afresh from the copy (where the mutant is) and ends with pytest's exit code, or
    WRONG_COPY if casework came from anywhere else. Requests and replies are JSON lines.
    """
    copy = Path.cwd()
    sys.path[0] = str(copy)  # not tests/, where this script lies
    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for line in sys.stdin:
        request = json.loads(line)
        started = time.monotonic()
        child = os.fork()
        if child == 0:
            _run_in_child(request, copy)
        code = _wait(child, request["timeout"])
        print(json.dumps([code, time.monotonic() - started]), flush=True)


def _run_in_child(request: dict, copy: Path) -> None:
    code = 3
    try:
        os.setpgid(0, 0)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        code = int(pytest.main(request["args"]))
        # (A mutant that breaks the import leaves no casework module: pytest failed then.)
        module = sys.modules.get("casework")
        if (module is None and code == 0) or (
                module is not None and not Path(module.__file__).is_relative_to(copy)):
            code = WRONG_COPY
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(child: int, timeout: float) -> int | str:
    deadline = time.monotonic() + timeout
    while True:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
            os.waitpid(child, 0)
            return "timeout"
        time.sleep(0.02)


def _postgresql_url() -> str | None:
    """TEST_DATABASE_URL with a database name of our own (conftest adds _gw0, _gw1)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_mutation").render_as_string(hide_password=False)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _existing_tests(target: Target) -> tuple[str, ...]:
    return tuple(test for test in target.tests if (REPOSITORY / test).exists())


def run_module(workspace: Workspace, module: str, mutants: list[Mutant], jobs: int,
               tests: tuple[str, ...]) -> ModuleRun:
    target = TARGETS[module]
    copy = workspace.free.get()
    try:
        outcome, baseline, tail = copy.run(tests, timeout=1800)
    finally:
        workspace.free.put(copy)
    if outcome != "passed":
        raise SystemExit(f"{module}: the tests fail before any mutation:\n{tail}")
    timeout = baseline * 3 + 30
    _log(f"{module}: {len(mutants)} mutants, tests take {baseline:.1f} s unmutated")
    lock = threading.Lock()
    done = [0]

    def run_one(mutant: Mutant) -> None:
        content = mutated_source(mutant)
        copy = workspace.free.get()
        try:
            copy.write(target.path, content)
            outcome, mutant.seconds, _ = copy.run(tests, timeout)
        finally:
            copy.restore(target.path)
            workspace.free.put(copy)
        mutant.outcome = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[outcome]
        with lock:
            done[0] += 1
            if mutant.outcome == "survived":
                _log(f"  [{done[0]}/{len(mutants)}] survived {mutant.id}: {mutant.describe()}")
            elif done[0] % 25 == 0:
                _log(f"  [{done[0]}/{len(mutants)}]")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run_one, mutants))
    return ModuleRun(module, mutants)


def rerun_survivors(workspace: Workspace, run: ModuleRun, tests: tuple[str, ...], jobs: int,
                    reviewed_too: bool) -> None:
    """Run each survivor against the module's tests on PostgreSQL (when TEST_DATABASE_URL is
    set), then the whole suite, then the whole suite on PostgreSQL; the first that fails
    kills it.

    Survivors already reviewed are left out unless `reviewed_too`. Each stage must
    pass unmutated first: otherwise every survivor would look killed.
    """
    target = TARGETS[run.module]
    survivors = [mutant for mutant in run.mutants if mutant.outcome == "survived"
                 and (reviewed_too or not mutant.reviewed)]
    postgresql = _postgresql_url()
    stages = [("whole suite", ("tests",), None, jobs)]
    if postgresql is not None:
        stages.insert(0, ("module's tests on PostgreSQL", tests, postgresql, 1))
        stages.append(("whole suite on PostgreSQL", ("tests",), postgresql, jobs))
    copy = workspace.free.get()
    try:
        for label, stage_tests, database_url, workers in stages:
            if not survivors:
                break
            if copy.run_in_process(stage_tests, workers, database_url) != "passed":
                _log(f"  the {label} fails unmutated: survivors not re-run there")
                continue
            for mutant in survivors:
                copy.write(target.path, mutated_source(mutant))
                try:
                    outcome = copy.run_in_process(stage_tests, workers, database_url)
                finally:
                    copy.restore(target.path)
                if outcome != "passed":
                    mutant.outcome = f"killed ({label})"
                    _log(f"  {mutant.id} killed by the {label}")
            survivors = [mutant for mutant in survivors if mutant.outcome == "survived"]
    finally:
        workspace.free.put(copy)


# --- Reporting ------------------------------------------------------------------------------


def report(runs: list[ModuleRun], seconds: float, threshold: float) -> bool:
    lines = ["", "Mutation score per module (killed / mutants):"]
    passed = True
    for run in runs:
        reviewed = sum(1 for m in run.mutants if m.outcome == "survived" and m.reviewed)
        flag = "" if run.score >= threshold else f"   BELOW {threshold:.0%}"
        passed = passed and run.score >= threshold
        lines.append(f"  {TARGETS[run.module].path:32} {run.killed:4} / {len(run.mutants):<4} "
                     f"{run.score:6.1%}   ({reviewed} of the survivors reviewed and "
                     f"accepted){flag}")
    for run in runs:
        survivors = [m for m in run.mutants if m.outcome == "survived"]
        if survivors:
            lines.append(f"\nSurvivors in {TARGETS[run.module].path}:")
            for mutant in survivors:
                note = f"\n        accepted: {mutant.reviewed}" if mutant.reviewed else ""
                lines.append(f"  {mutant.id:14} {mutant.describe()}{note}")
    lines.append(f"\nTook {seconds / 60:.1f} minutes.")
    print("\n".join(lines))
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules to mutate: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (default 2)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help=f"where the private copies go (default {DEFAULT_WORKDIR})")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--mutant", action="append", default=[], metavar="ID",
                        help="run only this mutant (e.g. money-12); repeatable")
    parser.add_argument("--show", action="store_true", help="with --mutant: print the mutated lines")
    parser.add_argument("--no-rerun", action="store_true",
                        help="do not re-run survivors against the whole suite")
    parser.add_argument("--rerun-reviewed", action="store_true",
                        help="re-run the survivors already reviewed on the whole suite too")
    parser.add_argument("--tests", nargs="+", default=(), metavar="FILE",
                        help="run the mutants against these test files instead of the module's")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threshold", type=float, default=0.9,
                        help="the score each module must reach (default 0.9)")
    parser.add_argument("--json", type=Path, help="also write every mutant's outcome here")
    options = parser.parse_args(argv)
    if options.serve:
        serve()
        return 0
    if unknown := set(options.modules) - set(TARGETS):
        parser.error(f"unknown modules: {', '.join(sorted(unknown))}")
    modules = options.modules or list(TARGETS)
    _warn_of_stale_reviews()
    if options.mutant:
        modules = list(dict.fromkeys(ident.rsplit("-", 1)[0] for ident in options.mutant))
    selected = {module: [m for m in make_mutants(module)
                         if not options.mutant or m.id in options.mutant] for module in modules}

    if options.list or options.show:
        for mutants in selected.values():
            for mutant in mutants:
                print(f"{mutant.id:14} {mutant.describe()}")
                if options.show:
                    _print_change(mutant)
        return 0

    started = time.monotonic()
    runs = []
    with Workspace(options.workdir, options.jobs) as workspace:
        for module, mutants in selected.items():
            tests = tuple(options.tests) or _existing_tests(TARGETS[module])
            run = run_module(workspace, module, mutants, options.jobs, tests)
            if not options.no_rerun:
                rerun_survivors(workspace, run, tests, options.jobs, options.rerun_reviewed)
            runs.append(run)
    passed = report(runs, time.monotonic() - started, options.threshold)
    if options.json:
        options.json.write_text(json.dumps([asdict(m) for run in runs for m in run.mutants],
                                           indent=1, ensure_ascii=False))
    return 0 if passed else 1


def _warn_of_stale_reviews() -> None:
    """Name the reviewed survivors no mutant matches any more (their line changed)."""
    current = {(mutant.module, mutant.context, mutant.replacement)
               for module in TARGETS for mutant in make_mutants(module)}
    for module, context, replacement in sorted(set(REVIEWED) - current):
        _log(f"reviewed survivor no longer found, review again: {module}: {context} -> "
             f"{replacement}")


def _print_change(mutant: Mutant) -> None:
    original = (REPOSITORY / TARGETS[mutant.module].path).read_text(encoding="utf-8").splitlines()
    mutated = mutated_source(mutant).decode("utf-8").splitlines()
    first = mutant.line - 1
    last_original = first + mutant.original.count("\n")
    last_mutated = first + (len(mutated) - len(original)) + mutant.original.count("\n")
    for line in original[first:last_original + 1]:
        print(f"    - {line}")
    for line in mutated[first:last_mutated + 1]:
        print(f"    + {line}")


if __name__ == "__main__":
    sys.exit(main())
