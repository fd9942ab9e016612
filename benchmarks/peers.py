"""flake8-otel-context next to its peers, in one run: a benchmark, not a test.

Why: the README states two speed goals (the plugin adds at most 5 percent to a flake8 run; the fix
command takes under half of what flake8 alone takes), and a reader wants to see them against things
they already know: flake8 alone, flake8 with flake8-bugbear (a popular plugin that walks every file's
tree), and libcst parsing every file (the floor for a tool that rewrites with libcst). This script
times all five over the same tree, with the same ``--jobs`` and the same excludes, alternating the
runs round-robin so that machine drift hits every command alike, and prints medians, ratios to flake8
alone, lines per second, the two goals with PASS/FAIL, and the machine and versions.

    python benchmarks/peers.py [--tree DIR | --tree-corpus [DIR]] [--repeat N] [--jobs N] [--markdown]

Run it twice, and quote both:

* the default tree, the installed standard library, shows what a project that does not use
  OpenTelemetry pays: no file names it, so the plugin's text pre-check rules out every file and
  "flake8 + plugin" measures only that pre-check;
* ``--tree-corpus [DIR]`` uses the real-world corpus of packages that use OpenTelemetry, as
  ``python -m evaluation.fetch --into DIR`` unpacks it (``DIR/src``; DIR defaults to the fetch
  script's), which is what a traced code base pays.

Each flake8 run sees only the plugins it names: flake8's own (pyflakes, pycodestyle, mccabe) plus at
most one third-party package; the others are hidden from flake8's plugin discovery, the mechanism
``flake8_overhead.py`` uses. (``--select`` would not do: flake8 still runs every installed plugin and
only drops their reports.) flake8 and the fix command run with ``--isolated``, so no configuration
file found from the working directory changes what they do.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import time
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fix_speed import FIX_CHECK, LIBCST_PARSE
from flake8_overhead import EXCLUDE

from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import SpanScope
from flake8_otel_context.cli.paths import python_files

# What `pip install flake8` brings: flake8 registers the pyflakes and pycodestyle checks under those
# packages' names, and mccabe is a dependency of flake8.
FLAKE8_ITSELF = ("flake8", "pyflakes", "pycodestyle", "mccabe")
PLUGIN = "flake8-otel-context"
BUGBEAR = "flake8-bugbear"
# The workers must inherit the filtered plugins, which only fork guarantees (with spawn or
# forkserver, flake8 looks the plugins up again in each worker, unfiltered).
FLAKE8_WITH_ONLY = """
import multiprocessing
import sys
if "fork" in multiprocessing.get_all_start_methods():
    multiprocessing.set_start_method("fork")
import flake8.plugins.finder as finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if p.package in {keep!r})
from flake8.main.cli import main
sys.exit(main())
"""
FLAKE8_ALONE = "flake8 alone"
WITH_PLUGIN = "flake8 + flake8-otel-context"
WITH_BUGBEAR = "flake8 + flake8-bugbear"
FIX = "otel-context-fix --check"
LIBCST = "libcst parse of every file"
OVERHEAD_GOAL = 0.05
FIX_GOAL = 0.5


@dataclass(frozen=True)
class Tree:
    files: int
    lines: int
    prechecked: int  # files the plugin's text pre-check lets through (default scope)


def flake8_program(extra: Iterable[str] = ()) -> str:
    """A ``python -c`` program running flake8 with flake8's own plugins and ``extra`` packages only."""
    return FLAKE8_WITH_ONLY.format(keep=sorted({*FLAKE8_ITSELF, *extra}))


def commands(tree: Path, jobs: int) -> dict[str, list[str]]:
    flake8_args = ["--isolated", f"--jobs={jobs}", f"--exclude={EXCLUDE}", str(tree)]
    python = [sys.executable, "-c"]
    return {
        FLAKE8_ALONE: [*python, flake8_program(), *flake8_args],
        WITH_PLUGIN: [*python, flake8_program([PLUGIN]), *flake8_args],
        WITH_BUGBEAR: [*python, flake8_program([BUGBEAR]), *flake8_args],
        FIX: [*python, FIX_CHECK, "--check", *flake8_args],
        LIBCST: [*python, LIBCST_PARSE, str(jobs), EXCLUDE, str(tree)],
    }


def measure_tree(tree: Path) -> Tree:
    """Files and physical lines the runs cover (the fix command's and libcst's file list)."""
    files = lines = prechecked = 0
    for name in python_files([str(tree)], EXCLUDE.split(",")):
        data = Path(name).read_bytes()
        files += 1
        lines += data.count(b"\n") + (not data.endswith(b"\n") and bool(data))
        try:
            with tokenize.open(name) as handle:
                prechecked += may_match(handle.read(), SpanScope.ASYNC)
        except (SyntaxError, UnicodeDecodeError):
            continue
    return Tree(files, lines, prechecked)


@dataclass
class Runs:
    """Wall seconds, and CPU seconds (user + system, the command and the processes it waited for), of
    each run of one command. CPU time barely moves when something else shares the machine; wall time
    does, so the CPU column is the one to trust on a busy machine."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def children_cpu_seconds() -> float:
    if sys.platform == "win32":
        return math.nan
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(name: str, command: list[str], runs: Runs) -> None:
    """Output is discarded, but a crash (a traceback) stops the benchmark."""
    cpu = children_cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    runs.wall.append(time.perf_counter() - start)
    runs.cpu.append(children_cpu_seconds() - cpu)
    if "Traceback (most recent call last)" in done.stderr:
        sys.exit(f"{name} crashed (exit status {done.returncode}):\n{done.stderr[-3000:]}")


def plugin_versions(name: str, command: list[str]) -> str:
    """What flake8 reports as loaded, e.g. ``7.5.0 (mccabe: 0.7.0, ...)``: proof of what each run sees."""
    version = subprocess.run([*command[:3], "--version"], capture_output=True, text=True, check=True)
    loaded = " ".join(version.stdout.split()).split(" CPython")[0]  # argparse wraps it at 80 columns
    return f"{name}: flake8 {loaded}"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def environment() -> list[str]:
    return [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {cpu_model()}, {platform.system()}",
        f"versions: {platform.python_implementation()} {platform.python_version()}, "
        + ", ".join(f"{d} {version(d)}" for d in ("flake8", BUGBEAR, "libcst", PLUGIN)),
    ]


def goals(results: dict[str, Runs]) -> list[str]:
    base, plugin, fix = results[FLAKE8_ALONE], results[WITH_PLUGIN], results[FIX]
    overhead = plugin.median_wall / base.median_wall - 1
    ratio = fix.median_wall / base.median_wall
    verdict = {True: "PASS", False: "FAIL"}
    return [
        f"plugin overhead: {overhead:+.1%} wall, {plugin.median_cpu / base.median_cpu - 1:+.1%} CPU "
        f"(flake8 + plugin / flake8 alone - 1; goal: at most {OVERHEAD_GOAL:.0%}): "
        f"{verdict[overhead <= OVERHEAD_GOAL]}",
        f"fix command: {ratio:.3f}x wall, {fix.median_cpu / base.median_cpu:.3f}x CPU of flake8 alone "
        f"(goal: under {FIX_GOAL}x): {verdict[ratio < FIX_GOAL]}",
    ]


def text_report(results: dict[str, Runs], tree: Tree) -> list[str]:
    base = results[FLAKE8_ALONE]
    columns = zip(("wall", "vs flake8", "lines/s", "CPU", "vs flake8"), (9, 10, 10, 9, 10))
    rows = [f"{'run':30}" + "".join(f" {column:>{width}}" for column, width in columns) + "  wall runs"]
    for name, runs in results.items():
        rows.append(
            f"{name:30} {runs.median_wall:7.2f} s {runs.median_wall / base.median_wall:9.3f}x "
            f"{tree.lines / runs.median_wall:10,.0f} {runs.median_cpu:7.2f} s "
            f"{runs.median_cpu / base.median_cpu:9.3f}x  {[round(t, 2) for t in runs.wall]}"
        )
    return [*rows, "", *goals(results)]


def markdown_report(results: dict[str, Runs], tree: Tree) -> list[str]:
    base = results[FLAKE8_ALONE]
    rows = [
        "| run | median wall | vs flake8 alone | lines/s | median CPU (user+sys) | vs flake8 alone |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        label = f"`{name}`" if name == FIX else name
        rows.append(
            f"| {label} | {runs.median_wall:.2f} s | {runs.median_wall / base.median_wall:.3f}x "
            f"| {tree.lines / runs.median_wall:,.0f} | {runs.median_cpu:.2f} s "
            f"| {runs.median_cpu / base.median_cpu:.3f}x |"
        )
    return [*rows, "", *(f"- {line}" for line in goals(results))]


def corpus_tree(corpus: Path | None) -> Path:
    """``DIR/src`` of the corpus ``python -m evaluation.fetch --into DIR`` unpacked."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for evaluation/
    from evaluation.corpus import default_corpus, require_corpus

    corpus = (corpus or default_corpus()).resolve()
    require_corpus(corpus)
    return corpus / "src"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tree", type=Path, help="directory to lint (default: the installed standard library)"
    )
    where.add_argument(
        "--tree-corpus",
        nargs="?",
        const="",
        metavar="DIR",
        help="the real-world corpus unpacked by `python -m evaluation.fetch --into DIR` (DIR/src; "
        "without DIR, fetch's default)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default: %(default)s)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes for every command (default: %(default)s)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the results as a README-ready table")
    args = parser.parse_args()
    if args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs must be at least 1")
    if args.tree_corpus is not None:
        tree_path = corpus_tree(Path(args.tree_corpus) if args.tree_corpus else None)
    else:
        tree_path = args.tree or Path(sysconfig.get_paths()["stdlib"])
    if not tree_path.is_dir():
        parser.error(f"{tree_path}: not a directory")

    tree = measure_tree(tree_path)
    runs = commands(tree_path, args.jobs)
    header = [
        f"tree: {tree_path} ({tree.files:,} files, {tree.lines:,} lines; excluded: {EXCLUDE}); "
        f"{tree.prechecked:,} files pass the plugin's text pre-check",
        f"--jobs={args.jobs}, medians of {args.repeat} round-robin runs each",
        *environment(),
        *(plugin_versions(name, runs[name]) for name in (FLAKE8_ALONE, WITH_PLUGIN, WITH_BUGBEAR)),
    ]
    for line in header:
        print(line, file=sys.stderr, flush=True)

    results = {name: Runs() for name in runs}
    for round_ in range(1, args.repeat + 1):
        for name, command in runs.items():
            run_once(name, command, results[name])
            wall, cpu = results[name].wall[-1], results[name].cpu[-1]
            progress = f"  round {round_}/{args.repeat}: {name}: {wall:.2f} s wall, {cpu:.2f} s CPU"
            print(progress, file=sys.stderr, flush=True)

    if args.markdown:
        report = [*(f"- {line}" for line in header), "", *markdown_report(results, tree)]
    else:
        report = [*header, "", *text_report(results, tree)]
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
