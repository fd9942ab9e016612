"""How much ``pytest --otel-context`` adds to a test run: a benchmark, not a test.

Runs one project's own test suite with that project's interpreter (its virtualenv, where this package
is installed with the ``[pytest]`` extra), alternately without the plugin (``-p no:otel_context``, so
it is not even loaded) and with ``--otel-context``, N times each, so that machine noise hits both
alike. Prints the median wall times and their ratio (the goal: at most 1.3x), and whether every
test's outcome was the same in both, read from the JUnit XML each run writes. A test whose outcome
differs between runs of the same kind is flaky: it is listed apart and not compared.

    python benchmarks/pytest_overhead.py --python VENV/bin/python --project DIR [--repeat N]
        [--limit SECONDS] [-- PYTEST_ARGS...]

PYTEST_ARGS (default: none, so pytest's own configuration decides) are passed to both runs, which
run from DIR as ``python -m pytest -p no:cacheprovider -q``. ``python -m evaluation.runtime_peers``
sets such projects up and prints the command for each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for evaluation/

from evaluation.peers_suite import Run, Suite, compare, outcomes  # noqa: E402

WITHOUT = ("-p", "no:otel_context")
WITH = ("--otel-context",)


def timed_run(python: Path, project: Path, flags: tuple[str, ...], args: list[str], report: Path,
              limit: float) -> Run:
    """One run of the suite in its own process group, killed whole at the time limit."""
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "junit_family=xunit2",
               f"--junitxml={report}", *flags, *args]
    variables = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    variables["PATH"] = f"{python.parent}{os.pathsep}{variables.get('PATH', '')}"
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=variables, start_new_session=True)
    try:
        process.wait(timeout=limit)
        hung = False
    except subprocess.TimeoutExpired:
        hung = True
    seconds = time.perf_counter() - started
    try:
        os.killpg(process.pid, 9)  # workers a suite left running must not load the next run
    except ProcessLookupError:
        pass
    process.wait()
    return Run({} if hung else outcomes(report), hung=hung, seconds=seconds)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", type=Path, required=True, help="the project's interpreter (its venv)")
    parser.add_argument("--project", type=Path, required=True, help="where pytest runs from")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=900.0, help="seconds one run may take")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest in both runs")
    args = parser.parse_args()
    python = args.python.absolute()  # not resolved: a venv's python is a link to the base interpreter
    project = args.project.resolve()

    without, with_ = Suite(), Suite()
    with tempfile.TemporaryDirectory(prefix="otel-context-overhead-") as scratch:
        for index in range(args.repeat):
            for suite, flags, label in ((without, WITHOUT, "without"), (with_, WITH, "with")):
                report = Path(scratch) / f"{label}-{index}.xml"
                run = timed_run(python, project, flags, args.pytest_args, report, args.limit)
                suite.runs.append(run)
                print(f"  {label:7} run {index + 1}: {run.seconds:.2f} s, {len(run.outcomes)} tests"
                      f"{', HANG' if run.hung else ''}", flush=True)

    base = statistics.median(run.seconds for run in without.runs)
    plugin = statistics.median(run.seconds for run in with_.runs)
    print(f"project: {project}")
    print(f"python: {python}; pytest {' '.join(args.pytest_args) or '(its own configuration)'}; "
          f"{args.repeat} alternating runs each")
    print(f"without the plugin (-p no:otel_context): median {base:.2f} s  "
          f"{[round(run.seconds, 2) for run in without.runs]}")
    print(f"with --otel-context:                    median {plugin:.2f} s  "
          f"{[round(run.seconds, 2) for run in with_.runs]}")
    print(f"overhead ratio: {plugin / base:.3f}x (goal: at most 1.3x)")
    if without.hung or with_.hung:
        print("a run hung: outcomes not compared")
        return 1
    changes = compare(without, with_)
    flaky = sorted(without.flaky | with_.flaky)
    print(f"tests: {len(without.tests | with_.tests)}, flaky (not compared): {len(flaky)}")
    for test in flaky:
        print(f"  flaky: {test}")
    for test, old, new in changes:
        print(f"  changed: {test}: {old} -> {new}")
    print(f"every test's outcome the same with the plugin: {'yes' if not changes else 'NO'}")
    return 1 if changes else 0


if __name__ == "__main__":
    sys.exit(main())
