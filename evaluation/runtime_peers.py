"""Run real projects' own test suites under ``pytest --otel-context`` and set its findings beside the
linter's: the run-time peer check.

    python -m evaluation.runtime_peers [--project NAME ...] [--into DIR] [--runs N]

For each pinned project of ``RUNTIME_PEERS`` below, whose own tests start OpenTelemetry spans across
threads and pools, this script

* unpacks the sdist where ``evaluation.peers_suite`` does (the same pinned downloads, shared with it),
  and makes one virtualenv per project in ``DIR/venvs`` (default
  ``~/.cache/flake8-otel-context/runtime-peers``, outside the repository) with the project, pytest, the
  suite's requirements and this repository, editable, with its ``[pytest]`` extra;
* copies the tree to ``DIR/runs/NAME-VERSION/tree``, installs the project from that copy, and runs the
  suite there without the plugin (``-p no:otel_context``) and with ``--otel-context
  --otel-context-report=PATH``, ``--runs`` times each (default 1), alternating; a test whose outcome
  differs between runs of one kind is flaky and not compared, and an outcome change is confirmed by
  one more run of each kind before it counts (the plugin must only observe);
* runs the linter over the same copy from its root, as a user would: ``flake8 --isolated
  --select=E9,OTC .`` in default settings (``--isolated``: the project's own flake8 configuration,
  written for other plugins, does not narrow it), with this repository's code;
* prints, per project, the tests, the outcome changes, the run-time findings and the table "linter vs
  run time": found by both (same file, line and code), at run time only (a linter miss), by the
  linter only (not exercised by the tests, or not a real loss). Reading each finding in the source,
  to say which is which, is the reader's work: ``evaluation/RUNTIME.md`` records it.

The JUnit XML, logs, the run-time JSON reports and the linter's output stay in ``DIR/runs``. Exits 0
when no outcome changed and nothing hung, 1 otherwise, 2 on a setup problem.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from evaluation.corpus import REPOSITORY
from evaluation.peers_suite import (
    PEERS,
    Peer,
    SetupError,
    Suite,
    compare,
    default_cache,
    environment,
    peers_parser,
    point_at,
    run_suite,
    unpacked,
)

MOCKSERVER_FILES = (
    "aborted_transaction", "basics", "dbapi_autocommit", "dbapi_databoost", "dbapi_partition_query"
)
RUNTIME_PEERS = (
    # batch span processors, metric readers and exporters run threads; its tests start spans around them
    next(peer for peer in PEERS if peer.name == "opentelemetry-sdk"),
    Peer(
        "opentelemetry-instrumentation-threading",
        "0.66b1",
        "carries the context into Thread, Timer and ThreadPoolExecutor; its tests start spans on both "
        "sides, instrumented and not",
        "src",
        "opentelemetry.instrumentation.threading",
        ("tests",),
        ("opentelemetry-test-utils==0.66b1",),
    ),
    Peer(
        "opentelemetry-instrumentation-asyncio",
        "0.66b1",
        "traces coroutines, to_thread and run_coroutine_threadsafe; its tests start spans in event "
        "loops, worker threads and thread pools",
        "src",
        "opentelemetry.instrumentation.asyncio",
        ("tests",),
        ("opentelemetry-test-utils==0.66b1", "pytest-asyncio"),
    ),
    Peer(
        "opentelemetry-opentracing-shim",
        "0.66b1",
        "OpenTracing on OpenTelemetry; its testbed runs the OpenTracing cross-thread scenarios (clients, "
        "servers, callbacks, late finishes) on thread pools and threads",
        "src",
        "opentelemetry.shim.opentracing_shim",
        ("tests",),
        ("opentelemetry-test-utils==0.66b1", "opentracing==2.4.0"),
    ),
    Peer(
        "google-cloud-spanner",
        "3.71.0",
        "every database call is traced (trace_call); partitioned queries run on a thread pool, sessions "
        "are refreshed by a maintenance thread; its unit tests record spans in memory",
        "google",
        "google.cloud.spanner_v1",
        # gapic: generated clients, thousands of tests that open no span and cross no boundary. Of the
        # mock-server tests (the client against an in-process gRPC server on localhost), the files that
        # run partitioned queries, and the basics; test_dbapi_inline_begin.py hangs, plugin or not.
        (
            "tests/unit",
            *(f"tests/mockserver_tests/test_{name}.py" for name in MOCKSERVER_FILES),
            "--ignore=tests/unit/gapic",
        ),
        ("mock", "asyncmock", "pytest-asyncio", "google-cloud-testutils"),
        limit=900,
    ),
)
WITHOUT = ("-p", "no:otel_context")
# What the sanitizer can report; the linter's other codes (OTC104, OTC2xx) are about process pools,
# asyncio and advice that no thread or attach shows at run time.
WATCHED = frozenset({"OTC101", "OTC102", "OTC103", "OTC301", "OTC302", "OTC303"})
LINTER = ("--isolated", "--select=E9,OTC", ".")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    code: str
    message: str
    tests: tuple[str, ...] = ()

    @property
    def place(self) -> tuple[str, int, str]:
        return self.file, self.line, self.code


@dataclass
class Result:
    peer: Peer
    without: Suite
    with_: Suite
    changes: list[tuple[str, str, str]]
    runtime: list[Finding]
    linter: list[Finding]


def runtime_cache() -> Path:
    return default_cache().parent / "runtime-peers"


def with_this_plugin(peer: Peer) -> Peer:
    """The peer with this repository, editable with its ``[pytest]`` extra, among its requirements
    (so ``environment`` installs it and remakes the venv when that changes)."""
    return dataclasses.replace(peer, requires=(*peer.requires, "-e", f"{REPOSITORY}[pytest]"))


def run_once(peer: Peer, python: Path, copy: Path, suite: Suite, kind: str) -> None:
    """One run of the suite on ``copy``, without the plugin or with it (then also its JSON report)."""
    label = f"{kind}{len(suite.runs) + 1}"
    if kind == "without":
        variant = dataclasses.replace(peer, tests=(*peer.tests, *WITHOUT))
        label = f"before-{label}"  # run_suite treats a "before" run that does not run as a setup error
    else:
        report = copy.parent / f"{label}.json"
        variant = dataclasses.replace(
            peer, tests=(*peer.tests, "--otel-context", f"--otel-context-report={report}")
        )
    run = run_suite(variant, python, copy, label)
    suite.runs.append(run)
    print(f"{peer.pin}: {kind} run {len(suite.runs)}: {len(run.outcomes)} tests, {run.seconds:.0f} s"
          f"{', HANG' if run.hung else ''}", flush=True)


def runtime_findings(directory: Path) -> list[Finding]:
    """Every place any run with the plugin reported, with the tests that exercised it."""
    found: dict[tuple[str, int, str], Finding] = {}
    for report in sorted(directory.glob("with*.json")):
        for item in json.loads(report.read_text(encoding="utf-8"))["results"]:
            finding = Finding(item["file"], item["line"], item["code"], item["message"], tuple(item["tests"]))
            found.setdefault(finding.place, finding)
    return sorted(found.values(), key=lambda f: f.place)


def linter_findings(copy: Path) -> list[Finding]:
    """flake8 with only this plugin's codes (and syntax errors), from the project's root."""
    command = [sys.executable, "-m", "flake8", *LINTER]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SetupError(f"flake8 exited {done.returncode}: {done.stderr.strip()[-300:]}")
    (copy.parent / "flake8.txt").write_text(done.stdout, encoding="utf-8")
    found = []
    for row in done.stdout.splitlines():
        path, line, _column, rest = row.split(":", 3)
        code, _, message = rest.strip().partition(" ")
        found.append(Finding(path.removeprefix("./"), int(line), code, message))
    return sorted(found, key=lambda f: f.place)


def check(peer: Peer, cache: Path, runs: int) -> Result:
    root = unpacked(peer, default_cache())
    python = environment(with_this_plugin(peer), cache, root)
    directory = cache / "runs" / peer.key
    shutil.rmtree(directory, ignore_errors=True)
    copy = directory / "tree"
    shutil.copytree(root, copy)
    point_at(peer, python, copy)
    without, with_ = Suite(), Suite()
    for _ in range(runs):
        run_once(peer, python, copy, without, "without")
        run_once(peer, python, copy, with_, "with")
    if compare(without, with_):  # confirmed by one more run of each before it counts
        run_once(peer, python, copy, without, "without")
        run_once(peer, python, copy, with_, "with")
    return Result(peer, without, with_, compare(without, with_), runtime_findings(directory),
                  linter_findings(copy))


def report(result: Result) -> None:
    peer, without, with_ = result.peer, result.without, result.with_
    print(f"\n== {peer.pin}: {peer.why}")
    print(f"  without the plugin: {len(without.tests)} tests, {seconds(without)}; "
          f"with --otel-context: {len(with_.tests)} tests, {seconds(with_)}")
    hang = "HANG" if without.hung or with_.hung else "no hang"
    print(f"  outcome changes: {len(result.changes)}, {hang}, flaky: {len(without.flaky | with_.flaky)}")
    for test in sorted(without.flaky | with_.flaky):
        print(f"    flaky: {test}")
    for test, old, new in result.changes:
        print(f"    changed: {test}: {old} -> {new}")
    print(f"  run time: {len(result.runtime)} findings; linter: {len(result.linter)} findings")
    for finding in result.runtime:
        first = finding.tests[0] if finding.tests else "no test"
        print(f"    {finding.file}:{finding.line}: {finding.message} (first seen in {first})")
    linter = {finding.place: finding for finding in result.linter}
    runtime = {finding.place: finding for finding in result.runtime}
    print("  linter vs run time:")
    linter_only = linter.keys() - runtime.keys()
    for label, places, source in (
        ("both", sorted(runtime.keys() & linter.keys()), runtime),
        ("run time only", sorted(runtime.keys() - linter.keys()), runtime),
        ("linter only, a code the run time watches", sorted(p for p in linter_only if p[2] in WATCHED),
         linter),
        ("linter only, a code it does not watch", sorted(p for p in linter_only if p[2] not in WATCHED),
         linter),
    ):
        print(f"    {label}: {len(places)}")
        for place in places:
            print(f"      {place[0]}:{place[1]}: {source[place].message}")


def seconds(suite: Suite) -> str:
    return ", ".join(f"{run.seconds:.0f} s" for run in suite.runs)


def main() -> int:
    parser = peers_parser(__doc__, [peer.name for peer in RUNTIME_PEERS], runtime_cache())
    parser.add_argument("--runs", type=int, default=1, help="runs of each kind (default: %(default)s)")
    arguments = parser.parse_args()
    cache = arguments.into.expanduser().resolve()
    if cache.is_relative_to(REPOSITORY):
        print(f"runtime_peers: {cache}: inside the repository; third-party code must stay outside it")
        return 2
    chosen = [peer for peer in RUNTIME_PEERS if not arguments.project or peer.name in arguments.project]
    results = []
    try:
        for peer in chosen:
            results.append(check(peer, cache, arguments.runs))
    except SetupError as error:
        print(f"runtime_peers: {error}")
        return 2
    for result in results:
        report(result)
    failures = sum(len(r.changes) + (r.without.hung or r.with_.hung) for r in results)
    print(f"\nthe plugin changed no test's outcome and nothing hung: {'yes' if not failures else 'NO'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
