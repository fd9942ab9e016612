"""How much flake8-otel-context adds to a flake8 run: a benchmark, not a test.

Times the same flake8, in the same interpreter, over the same tree, with and without the plugin
(the "without" run hides the plugin from flake8's plugin discovery), alternating the two so that
machine noise hits both alike, and prints the median wall times and their ratio. It also times the
analysis alone, in process, against the ``ast.parse`` that flake8 does anyway.

    python benchmarks/flake8_overhead.py [--tree DIR] [--repeat N] [--jobs N] [--scope SCOPE]

The standard library never mentions OpenTelemetry, so with the default scope it measures the text
pre-check; ``--scope everywhere`` makes the plugin walk every file that names a boundary (the worst
case: what a traced code base pays).
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import sysconfig
import time
import tokenize
from pathlib import Path

from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import analyze

WITHOUT_PLUGIN = """
import sys
import flake8.plugins.finder as finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "flake8-otel-context")
from flake8.main.cli import main
sys.exit(main())
"""
WITH_PLUGIN = "import sys\nfrom flake8.main.cli import main\nsys.exit(main())\n"
EXCLUDE = "site-packages,test,tests,idlelib,lib2to3,__pycache__"


def flake8_seconds(program: str, tree: Path, jobs: int, scope: SpanScope) -> float:
    command = [sys.executable, "-c", program, f"--jobs={jobs}", f"--exclude={EXCLUDE}", str(tree)]
    if program is WITH_PLUGIN:
        command.insert(3, f"--otc-span-scope={scope.value}")
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def analysis_seconds(tree: Path, scope: SpanScope) -> tuple[int, int, int, float, float, float]:
    """(files, lines, files the pre-check lets through, parse seconds, parse seconds of the files
    the pre-check lets through, analysis seconds): the analysis reads only those files, so its goal
    is set against their parse."""
    excluded = set(EXCLUDE.split(","))
    files = lines = passed = 0
    parse_time = read_parse_time = analysis_time = 0.0
    for path in sorted(tree.rglob("*.py")):
        if excluded & set(path.relative_to(tree).parts):
            continue
        try:
            with tokenize.open(path) as handle:
                source = handle.read()
            start = time.perf_counter()
            module = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            continue
        middle = time.perf_counter()
        analyze(module, source, Settings(span_scope=scope))
        end = time.perf_counter()
        files += 1
        lines += source.count("\n")
        reads = may_match(source, scope)
        passed += reads
        parse_time += middle - start
        read_parse_time += (middle - start) if reads else 0.0
        analysis_time += end - middle
    return files, lines, passed, parse_time, read_parse_time, analysis_time


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--scope", type=SpanScope, default=SpanScope.ASYNC, choices=list(SpanScope)
    )
    args = parser.parse_args()

    runs = [analysis_seconds(args.tree, args.scope) for _ in range(args.repeat)]
    files, lines, passed = runs[0][:3]
    parse_time, read_parse_time, analysis_time = (
        statistics.median(run[i] for run in runs) for i in (3, 4, 5)
    )
    print(f"tree: {args.tree} ({files} files, {lines} lines; excluded: {EXCLUDE})")
    print(
        f"python {sys.version.split()[0]}, flake8 --jobs={args.jobs}, --otc-span-scope={args.scope.value}, "
        f"{args.repeat} alternating runs each"
    )
    print(
        f"in process (medians of {args.repeat}): ast.parse {parse_time:.2f} s, "
        f"analysis {analysis_time * 1000:.1f} ms ({analysis_time / parse_time:.2%} of parsing); "
        f"{passed} files pass the text pre-check"
    )
    print(
        f"analysis vs ast.parse of the {passed} files it reads: {read_parse_time:.2f} s parse, "
        f"{analysis_time / max(read_parse_time, 1e-9):.2f}x (goal: at most 0.5x)"
    )
    without, with_ = [], []
    for _ in range(args.repeat):
        without.append(flake8_seconds(WITHOUT_PLUGIN, args.tree, args.jobs, args.scope))
        with_.append(flake8_seconds(WITH_PLUGIN, args.tree, args.jobs, args.scope))
    base, plugin = statistics.median(without), statistics.median(with_)
    print(f"flake8 without the plugin: median {base:.2f} s  {[round(t, 2) for t in without]}")
    print(f"flake8 with the plugin:    median {plugin:.2f} s  {[round(t, 2) for t in with_]}")
    print(f"overhead ratio: {plugin / base:.3f}x (goal: at most 1.05x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
