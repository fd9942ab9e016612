"""Run other projects' own test suites before and after the fixer rewrites them: the peer check.

    python -m evaluation.peers_suite [--project NAME ...] [--into DIR] [--keep] [--diff]

The fixer must never change what a program does. For each pinned project of ``PEERS`` below, real
code that uses threads, pools or asyncio and ships its tests in its sdist, this script

* downloads the sdist (``pip download --no-deps --no-binary :all: name==version``) and unpacks it into
  ``DIR/src/name-version``, and makes one virtualenv per project in ``DIR/venvs`` with the project,
  pytest and its test requirements; DIR (default ``~/.cache/flake8-otel-context/peers``) must lie
  outside the repository, and both steps are skipped when already done, so later runs start at once;
* copies the unpacked tree to a scratch directory and runs the suite there twice ("before");
* for each fixer setting, the default and ``--otc-span-scope everywhere``, copies the tree again, runs
  ``otel-context-fix --isolated --otc-cache-dir none`` over the package source (never its tests) with
  this repository's code, and runs the suite on that copy ("after"). A copy the fixer left unchanged
  is the pristine tree, so its suite is not run again.

Before each run the project is reinstalled in its virtualenv, editable, from the copy under test, and
the script checks that the copy is what the tests import. ``--isolated`` keeps a project's own flake8
configuration (a ``select`` list, say) from narrowing what the fixer does. Outcomes are compared test
by test from JUnit XML (passed, failed, error, skipped; a test absent from a run is "missing"), which
pytest writes, or a small unittest runner for suites only unittest runs right. A test whose outcome
differs between runs of one copy is flaky: reported apart, never compared. An outcome change is
confirmed by one more run of each copy before it counts. A suite that outlives its time limit is
killed with its process group and counts as a hang.

Prints, per project and setting, the tests run, every outcome change (before -> after), hangs and every
rewrite the fixer reported (``--diff``: the full unified diffs of the rewritten files too). Exits 0 when
no outcome changed and nothing hung, 1 otherwise, 2 on a setup problem (a download, an install, or a
"before" suite that does not run), with a one-line message. Scratch copies are deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.corpus import REPOSITORY, default_corpus
from flake8_otel_context.cli.paths import DEFAULT_EXCLUDE


@dataclass(frozen=True)
class Peer:
    """One pinned project: where its package source is, how its suite runs, what that needs."""

    name: str
    version: str
    why: str
    source: str  # the directory the fixer rewrites, relative to the unpacked sdist
    module: str  # imported from the copy under test, to prove the suite exercises that copy
    tests: tuple[str, ...]  # pytest arguments, or unittest's start directory, run from the copy's root
    requires: tuple[str, ...] = ()  # pip requirements of the suite besides the project and pytest
    exclude: tuple[str, ...] = ()  # names under ``source`` the fixer skips: tests shipped in the package
    limit: int = 300  # seconds one run of the suite may take
    runner: str = "pytest"  # or "unittest", for suites only unittest runs right (testscenarios)
    setup: str = ""  # Python run first, for what the project's own test runner sets up before its suite

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


PEERS = (
    Peer(
        "opentelemetry-sdk",
        "1.45.2",
        "batch processors and metric readers run export threads; attach/detach around exports",
        "src",
        "opentelemetry.sdk._shared_internal",
        ("tests",),
        ("opentelemetry-test-utils==0.66b2", "flaky", "psutil"),
        limit=600,
    ),
    Peer(
        "asgiref",
        "3.13.0",
        "sync_to_async and async_to_sync: thread pools, event loops in threads, contextvars copied by hand",
        "asgiref",
        "asgiref",
        ("tests",),
        ("pytest-asyncio", "packaging"),
    ),
    Peer(
        "futurist",
        "3.5.0",
        "thread, process, green and synchronous executors; a periodic-task runner with worker threads",
        "futurist",
        "futurist",
        ("futurist/tests",),
        ("eventlet", "oslotest", "testscenarios", "testtools", "PrettyTable"),
        exclude=("tests",),
        limit=600,
        runner="unittest",
    ),
    Peer(
        "pebble",
        "5.2.3",
        "thread and process pools with timeouts, decorators that run functions in threads or processes",
        "pebble",
        "pebble",
        ("test",),
        limit=600,
    ),
    Peer(
        "apscheduler",
        "3.11.0",
        "scheduler in a background thread; thread, process and asyncio executors",
        "src",
        "apscheduler",
        # the job stores of MongoDB, Redis, RethinkDB, etcd and ZooKeeper need those servers running
        ("tests", "-k", "not (mongodb or redis or rethinkdb or etcd or zookeeper)"),
        # its tests predate pytest 9 (pytest.raises(func=...)) and pytz 2025 (_FixedOffset._offset)
        ("pytest<9", "pytz<2025", "anyio", "tornado", "sqlalchemy", "twisted", "gevent"),
    ),
    Peer(
        "waitress",
        "3.0.2",
        "WSGI server whose thread pool runs the application for each request",
        "src",
        "waitress",
        ("tests", "-o", "addopts="),
    ),
    Peer(
        "pyee",
        "13.0.1",
        "event emitters that call handlers in executors, asyncio tasks and threads",
        "pyee",
        "pyee",
        ("tests",),
        ("pytest-asyncio", "pytest-trio", "trio", "twisted"),
    ),
    Peer(
        "pykka",
        "4.5.0",
        "actors, each running its message loop in a thread of its own",
        "src",
        "pykka",
        ("tests",),
        ("pytest-mock",),
    ),
    Peer(
        "tornado",
        "6.6.1",
        "asyncio event loop integration; run_in_executor and threads for blocking work",
        "tornado",
        "tornado",
        ("tornado/test",),
        exclude=("test",),
        limit=600,
        # as tornado.test.runtests does: access logs would fail the tests that assert no logs
        setup='import logging\nlogging.getLogger("tornado.access").setLevel(logging.CRITICAL)',
    ),
)

SETTINGS: dict[str, tuple[str, ...]] = {"default": (), "everywhere": ("--otc-span-scope", "everywhere")}
# unittest's discovery (which honours load_tests and testscenarios, as pytest does not), writing each
# test's outcome as JUnit XML the way pytest's --junitxml does, so both runners' reports read alike.
UNITTEST_JUNIT = """
import sys, unittest
from xml.etree import ElementTree
report, start = sys.argv[1:]
suite = ElementTree.Element("testsuite")
class Recorder(unittest.TextTestResult):
    def record(self, test, tag=None):
        case = ElementTree.SubElement(suite, "testcase", classname="", name=test.id())
        if tag:
            ElementTree.SubElement(case, tag)
    def addSuccess(self, test):
        super().addSuccess(test)
        self.record(test)
    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.record(test, "failure")
    def addError(self, test, err):
        super().addError(test, err)
        self.record(test, "error")
    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.record(test, "skipped")
    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.record(test, "skipped")
    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.record(test, "failure")
    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.record(subtest, "failure" if issubclass(err[0], test.failureException) else "error")
tests = unittest.defaultTestLoader.discover(start, top_level_dir=".")
result = unittest.TextTestRunner(resultclass=Recorder, verbosity=2).run(tests)
ElementTree.ElementTree(suite).write(report)
sys.exit(not result.wasSuccessful())
"""
PYTEST = "import sys, pytest\nsys.exit(pytest.main(sys.argv[1:]))"
INSTALL_LIMIT = 1800  # seconds for one pip command: a first install compiles and downloads
MISSING = "missing"


class SetupError(Exception):
    """The check could not be set up (download, install, a "before" suite that does not run)."""


@dataclass
class Run:
    """One run of a suite: each test's outcome, or a hang (then the outcomes are unknown)."""

    outcomes: dict[str, str]
    hung: bool = False
    seconds: float = 0.0


@dataclass
class Suite:
    """Every run of a suite on one copy of a project. A test whose outcome differs between them is
    flaky: it is reported apart and never compared."""

    runs: list[Run] = field(default_factory=list)

    @property
    def hung(self) -> bool:
        return any(run.hung for run in self.runs)

    @property
    def tests(self) -> set[str]:
        return set().union(*(run.outcomes for run in self.runs))

    @property
    def flaky(self) -> set[str]:
        seen = {test: {run.outcomes.get(test, MISSING) for run in self.runs} for test in self.tests}
        return {test for test, outcomes in seen.items() if len(outcomes) > 1}

    def outcome(self, test: str) -> str:
        return self.runs[0].outcomes.get(test, MISSING)


@dataclass
class Verdict:
    """One project under one fixer setting, compared with its "before" runs. No runs when the fixer
    changed nothing: that copy is the pristine tree, whose runs are the "before" ones."""

    setting: str
    after: Suite
    changes: list[tuple[str, str, str]]  # test id, before, after
    rewrites: list[str]
    errors: list[str]
    diff: str


def default_cache() -> Path:
    return default_corpus().parent / "peers"


def fixer_command() -> list[str]:
    """``otel-context-fix`` as [project.scripts] defines it, run by this interpreter; with the
    repository's ``src`` first on the path (see ``fixer_environment``), so it is always this checkout's
    code, whatever is installed."""
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="otel-context-fix")
    return [sys.executable, "-c", f"from {script.module} import {script.attr}; {script.attr}()"]


def fixer_environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPOSITORY / "src")}


def checked(command: Sequence[str], what: str, cwd: Path | None = None) -> str:
    """Run a setup command; its output is only shown when it fails, as the reason."""
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_LIMIT, check=False
        )
    except subprocess.TimeoutExpired:
        raise SetupError(f"{what}: timed out after {INSTALL_LIMIT} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise SetupError(f"{what}: exit {done.returncode}: {last}")
    return done.stdout


def unpacked(peer: Peer, cache: Path) -> Path:
    """The unpacked sdist; downloaded and unpacked (into a temporary sibling first, so an interrupted
    run never leaves half a tree behind) only when it is not there yet."""
    root = cache / "src" / peer.key
    if root.is_dir():
        return root
    print(f"fetching {peer.pin}", flush=True)
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=sdists) as scratch:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--quiet"]
        checked([*command, "--dest", scratch, peer.pin], f"{peer.pin}: download")
        (archive,) = Path(scratch).iterdir()
        partial = root.with_name(root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        extract(archive, partial)
        (top,) = partial.iterdir()  # an sdist holds one directory, name-version
        top.rename(root)
        partial.rmdir()
    return root


def extract(archive: Path, into: Path) -> None:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(into)
        return
    with tarfile.open(archive) as handle:
        if hasattr(tarfile, "data_filter"):  # refuses links and paths that leave ``into``
            handle.extractall(into, filter="data")
        else:
            handle.extractall(into)


def environment(peer: Peer, cache: Path, root: Path) -> Path:
    """The project's virtualenv, with the project, pytest and the suite's requirements; made once and
    remade only when the requirements change (a stamp file records them)."""
    venv = cache / "venvs" / peer.key
    python = venv / "bin" / "python"
    stamp = venv / "installed.json"
    wanted = json.dumps(["pytest", *peer.requires])
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    print(f"installing {peer.pin} and its test requirements in {venv}", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    checked([sys.executable, "-m", "venv", str(venv)], f"{peer.name}: venv")
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    checked([*install, "-e", str(root), "pytest", *peer.requires], f"{peer.name}: install")
    stamp.write_text(wanted, encoding="utf-8")
    return python


def point_at(peer: Peer, python: Path, copy: Path) -> None:
    """Reinstall the project editable from ``copy`` and prove that the copy is what gets imported,
    so a suite never passes by testing some other installed version of the code."""
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    checked([*install, "-e", str(copy)], f"{peer.name}: install from {copy.name}")
    found = checked(
        [str(python), "-c", f"import {peer.module}; print({peer.module}.__file__)"],
        f"{peer.name}: import {peer.module}",
        cwd=copy,
    ).strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise SetupError(f"{peer.name}: the suite would import {found}, not the copy in {copy}")


def run_suite(peer: Peer, python: Path, copy: Path, label: str) -> Run:
    """One run of the suite in its own process group, killed whole at the time limit (a worker process
    or thread the suite left behind must not stall the check)."""
    report = copy.parent / f"{label}.xml"
    log = copy.parent / f"{label}.log"
    command = suite_command(peer, python, report)
    variables = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    variables["PATH"] = f"{python.parent}{os.pathsep}{variables.get('PATH', '')}"
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=copy, stdout=output, stderr=subprocess.STDOUT, env=variables, start_new_session=True
        )
        try:
            status = process.wait(timeout=peer.limit)
        except subprocess.TimeoutExpired:
            stop_group(process)
            return Run({}, hung=True, seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    stop_group(process)  # workers a suite left running must not load the machine for the next run
    if status not in (0, 1) and label.startswith("before"):
        raise SetupError(f"{peer.name}: the suite {label} exited {status}; see {log} (--keep keeps it)")
    return Run(outcomes(report), seconds=seconds)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the whole group has already exited
        return
    process.wait()


def suite_command(peer: Peer, python: Path, report: Path) -> list[str]:
    """The runner as ``python -c``, so the project's own setup can come first; like ``-m``, ``-c`` puts
    the working directory (the copy under test) first on the path."""
    if peer.runner == "unittest":
        return [str(python), "-c", f"{peer.setup}\n{UNITTEST_JUNIT}", str(report), *peer.tests]
    options = ["-p", "no:cacheprovider", "-q", "-o", "junit_family=xunit2", f"--junitxml={report}"]
    return [str(python), "-c", f"{peer.setup}\n{PYTEST}", *options, *peer.tests]


def outcomes(report: Path) -> dict[str, str]:
    """Each test's outcome from the runner's JUnit XML. A test reported twice (a failure in the call and
    an error in teardown) keeps both, joined, so a change in either shows."""
    if not report.is_file():
        return {}
    found: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        tags = {child.tag for child in case}
        outcome = next((tag for tag in ("failure", "error", "skipped") if tag in tags), "passed")
        outcome = {"failure": "failed"}.get(outcome, outcome)
        found[test] = f"{found[test]}+{outcome}" if test in found else outcome
    return found


def compare(before: Suite, after: Suite) -> list[tuple[str, str, str]]:
    """Every test, flaky ones apart, whose outcome after the fixer is not the one before."""
    if before.hung or after.hung or not after.runs:
        return []
    tests = sorted((before.tests | after.tests) - before.flaky - after.flaky)
    return [(t, before.outcome(t), after.outcome(t)) for t in tests if before.outcome(t) != after.outcome(t)]


def fix(peer: Peer, copy: Path, setting: str) -> tuple[list[str], list[str]]:
    """Rewrite the copy's package source in place with this repository's fixer; the rewrites it
    reports (file:line code message) and the files it could not handle."""
    exclude = ",".join((*DEFAULT_EXCLUDE, *peer.exclude))
    options = ["--isolated", "--otc-cache-dir", "none", "--format", "json", "--exclude", exclude]
    command = [*fixer_command(), *options, *SETTINGS[setting], peer.source]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, env=fixer_environment())
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        raise SetupError(f"{peer.name}: the fixer exited {done.returncode}: {done.stderr.strip()[-300:]}")
    document = json.loads(done.stdout)
    rewrites = [
        f"{item['file']}:{item['line']} {item['code']} {item['message'].removeprefix(item['code']).strip()}"
        for item in document["results"]
        if item["fixable"]
    ]
    errors = [f"{item['file']}: {item['message']}" for item in document["errors"]]
    return rewrites, errors


def unified_diff(pristine: Path, copy: Path, source: str) -> str:
    """The fixer's rewrites as a unified diff of every changed module under ``source``."""
    chunks = []
    for changed in sorted((copy / source).rglob("*.py")):
        relative = changed.relative_to(copy).as_posix()
        old = (pristine / relative).read_text(encoding="utf-8").splitlines(keepends=True)
        new = changed.read_text(encoding="utf-8").splitlines(keepends=True)
        if old != new:
            chunks.append("".join(difflib.unified_diff(old, new, f"a/{relative}", f"b/{relative}")))
    return "".join(chunks)


def run_again(peer: Peer, python: Path, copy: Path, suite: Suite) -> None:
    """One more run of the suite on ``copy``, with the project installed from that copy."""
    point_at(peer, python, copy)
    suite.runs.append(run_suite(peer, python, copy, f"{copy.name}{len(suite.runs) + 1}"))


def check_peer(peer: Peer, cache: Path, scratch: Path) -> tuple[Suite, list[Verdict]]:
    """Set a project up, run its suite twice before, then after each fixer setting."""
    root = unpacked(peer, cache)
    python = environment(peer, cache, root)
    pristine = scratch / peer.key / "before"
    shutil.copytree(root, pristine)
    before = Suite()
    for _ in range(2):
        run_again(peer, python, pristine, before)
    seconds = " and ".join(f"{run.seconds:.0f} s" for run in before.runs)
    print(f"{peer.pin}: before: {len(before.tests)} tests, {len(before.flaky)} flaky, {seconds}", flush=True)
    if before.hung:
        return before, []
    verdicts = [judge(peer, python, root, pristine, before, setting, scratch) for setting in SETTINGS]
    return before, verdicts


def judge(
    peer: Peer, python: Path, root: Path, pristine: Path, before: Suite, setting: str, scratch: Path
) -> Verdict:
    """Fix a fresh copy with one setting and run the suite on it. A change is run once more on both
    copies before it counts, so a flaky test that happened to agree in the first two runs is caught."""
    copy = scratch / peer.key / setting
    shutil.copytree(root, copy)
    rewrites, errors = fix(peer, copy, setting)
    diff = unified_diff(root, copy, peer.source)
    after = Suite()
    if diff:
        run_again(peer, python, copy, after)
        if compare(before, after):
            run_again(peer, python, pristine, before)
            run_again(peer, python, copy, after)
    changes = compare(before, after)
    ran = f"{after.runs[0].seconds:.0f} s" if after.runs else "suite not rerun"
    print(f"{peer.pin}: {setting}: {len(rewrites)} rewrites, {len(changes)} outcome changes"
          f"{', HANG' if after.hung else ''}, {ran}", flush=True)
    return Verdict(setting, after, changes, rewrites, errors, diff)


def report(peer: Peer, before: Suite, verdicts: list[Verdict], show_diff: bool) -> None:
    print(f"\n== {peer.pin}: {peer.why}")
    if before.hung:
        print(f"  before: HANG (over {peer.limit} s): nothing to compare with")
    else:
        print(f"  before: {len(before.runs)} runs, {len(before.tests)} tests, {len(before.flaky)} flaky")
    for test in sorted(before.flaky):
        print(f"    flaky: {test}")
    for verdict in verdicts:
        after = verdict.after
        if not after.runs:
            print(f"  {verdict.setting}: no rewrites, so the copy is the pristine tree: suite not rerun")
        else:
            hang = f"HANG (over {peer.limit} s)" if after.hung else "no hang"
            print(f"  {verdict.setting}: {len(after.runs)} runs, {len(after.tests)} tests, "
                  f"{len(verdict.changes)} outcome changes, {hang}, {len(verdict.rewrites)} rewrites")
        for test in sorted(after.flaky - before.flaky):
            print(f"    flaky: {test}")
        for test, old, new in verdict.changes:
            print(f"    changed: {test}: {old} -> {new}")
        for rewrite in verdict.rewrites:
            print(f"    rewrote: {rewrite}")
        for error in verdict.errors:
            print(f"    fixer error: {error}")
        if show_diff and verdict.diff:
            print("\n".join(f"    {line}" for line in verdict.diff.splitlines()))


def summary(results: list[tuple[Peer, Suite, list[Verdict]]]) -> int:
    """A table of every project and setting; the number of failures (changes and hangs)."""
    columns = ("tests", 6), ("changes", 7), ("hang", 4), ("rewrites", 8), ("flaky", 5)
    print(f"\n{'project':28} {'setting':10} " + " ".join(f"{name:>{width}}" for name, width in columns))
    failures = 0
    for peer, before, verdicts in results:
        rows = [(v.setting, v.after, len(v.changes), len(v.rewrites)) for v in verdicts]
        for setting, after, changes, rewrites in rows or [("before", before, 0, 0)]:
            hung = before.hung or after.hung
            failures += changes + hung
            tests = len(after.tests) if after.runs else "-"
            flaky = len(before.flaky | after.flaky)
            print(f"{peer.pin:28} {setting:10} {tests:>6} {changes:7} {'yes' if hung else 'no':>4} "
                  f"{rewrites:8} {flaky:5}")
    return failures


def peers_parser(description: str | None, names: list[str], cache: Path) -> argparse.ArgumentParser:
    """The options every peer script takes: which projects, and where their sources and venvs live."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--project", action="append", choices=names, help="only this project (repeatable; default: all)"
    )
    parser.add_argument("--into", type=Path, default=cache, help="cache directory (default: %(default)s)")
    return parser


def main() -> int:
    parser = peers_parser(__doc__, [peer.name for peer in PEERS], default_cache())
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies; prints where they are")
    parser.add_argument("--diff", action="store_true", help="print the full unified diff of every rewrite")
    arguments = parser.parse_args()
    cache = arguments.into.expanduser().resolve()
    if cache.is_relative_to(REPOSITORY):
        print(f"peers_suite: {cache}: inside the repository; third-party code must stay outside it")
        return 2
    chosen = [peer for peer in PEERS if not arguments.project or peer.name in arguments.project]
    scratch = Path(tempfile.mkdtemp(prefix="otel-context-peers-"))
    results: list[tuple[Peer, Suite, list[Verdict]]] = []
    try:
        for peer in chosen:
            before, verdicts = check_peer(peer, cache, scratch)
            results.append((peer, before, verdicts))
    except SetupError as error:
        print(f"peers_suite: {error}")
        return 2
    finally:
        if arguments.keep:
            print(f"scratch copies kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    for peer, before, verdicts in results:
        report(peer, before, verdicts, arguments.diff)
    failures = summary(results)
    print(f"\nthe fixer changed no test's outcome and nothing hung: {'yes' if not failures else 'NO'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
