"""What the project model costs, side by side in one run (a benchmark, not a test).

    python benchmarks/project_model.py --tree DIR [--tree DIR ...] [--repeat N] [--jobs N] [--pairs N]

For the trees given (each a project root, e.g. unpacked packages of the application corpus):

1. flake8 alone, flake8 with this plugin on a cold cache (a fresh cache directory each run), and on
   a warm one (the cache a previous run left): medians of CPU time (user + system of flake8 and its
   workers) and their ratios. Goals: cold at most 1.15x flake8 alone, warm at most 1.03x. Each
   repeat runs the three back to back; the spread of each, and the ratios within a repeat, show how
   much of a difference the machine's own noise could make.
2. In process, over every module: ``ast.parse`` alone against summarising (parse plus the one walk),
   cold and from the cache, and what a flake8 run does first when nothing changed since the last.
   Goal: summarising costs at most one parse plus one walk per file.
3. Growth: the model built over the first 1/8, 1/4, 1/2 and all of the modules (cold), and the
   log-log slope of time against lines. Linear growth is a slope near 1.
4. With ``--pairs N``: flake8 alone and flake8 + plugin on a cold cache started at the same moment,
   ``--jobs=1`` each (one core each), N times. On a shared machine whose speed drifts from one
   minute to the next (flake8 alone took 29 to 42 CPU seconds over one run of this benchmark), the
   two of a pair see the same machine, so their ratio varies far less than the runs do. Both are
   slower than alone on an idle machine: they share its caches.
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import FLAKE8_ALONE, PLUGIN, Runs, flake8_program, run_once

from flake8_otel_context.project.handle import open_project
from flake8_otel_context.project.load import build_model, load_project, project_files, project_root

COLD = "flake8 + plugin, cold cache"
WARM = "flake8 + plugin, warm cache"
COLD_GOAL, WARM_GOAL = 1.15, 1.03


def flake8_runs(trees: list[Path], jobs: int, repeat: int) -> dict[str, Runs]:
    flake8_args = ["--isolated", f"--jobs={jobs}", *map(str, trees)]
    python = [sys.executable, "-c"]
    warm_cache = tempfile.mkdtemp(prefix="otel-context-bench-warm-")
    warm = [*python, flake8_program(["flake8-otel-context"]), f"--otc-cache-dir={warm_cache}"]
    run_once(WARM, [*warm, *flake8_args], Runs())  # fills the warm cache
    runs = {FLAKE8_ALONE: Runs(), COLD: Runs(), WARM: Runs()}
    for _ in range(repeat):
        cold_cache = tempfile.mkdtemp(prefix="otel-context-bench-cold-")
        cold = [*python, flake8_program(["flake8-otel-context"]), f"--otc-cache-dir={cold_cache}"]
        run_once(FLAKE8_ALONE, [*python, flake8_program(), *flake8_args], runs[FLAKE8_ALONE])
        run_once(COLD, [*cold, *flake8_args], runs[COLD])
        run_once(WARM, [*warm, *flake8_args], runs[WARM])
    return runs


def concurrent_pairs(trees: list[Path], pairs: int) -> list[tuple[float, float]]:
    """(flake8 alone, flake8 + plugin cold) CPU seconds of each pair, started together; which of the
    two starts first alternates."""
    flake8_args = ["--isolated", "--jobs=1", *map(str, trees)]
    python = [sys.executable, "-c"]
    found = []
    for index in range(pairs):
        cold_cache = tempfile.mkdtemp(prefix="otel-context-bench-pair-")
        commands = {
            FLAKE8_ALONE: [*python, flake8_program(), *flake8_args],
            COLD: [*python, flake8_program([PLUGIN]), f"--otc-cache-dir={cold_cache}", *flake8_args],
        }
        order = list(commands) if index % 2 == 0 else list(reversed(commands))
        started = {
            name: subprocess.Popen(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name in order
        }
        seconds = {}
        for name, process in started.items():
            _, _, usage = os.wait4(process.pid, 0)
            seconds[name] = usage.ru_utime + usage.ru_stime
        found.append((seconds[FLAKE8_ALONE], seconds[COLD]))
    return found


def in_process(trees: list[Path]) -> tuple[list[Path], float, float, float, float]:
    files = list(project_files(trees))
    start = time.process_time()
    for path in files:
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
    parse = time.process_time() - start
    cache = Path(tempfile.mkdtemp(prefix="otel-context-bench-inproc-"))
    start = time.process_time()
    load_project(map(str, trees), cache)
    cold = time.process_time() - start
    start = time.process_time()
    load_project(map(str, trees), cache)
    warm = time.process_time() - start
    open_project([str(tree) for tree in trees], cache, "bench")  # as a first flake8 run leaves it
    start = time.process_time()
    open_project([str(tree) for tree in trees], cache, "bench")
    unchanged = time.process_time() - start
    return files, parse, cold, warm, unchanged


def growth(files: list[Path]) -> list[tuple[int, int, float]]:
    rows = []
    for share in (8, 4, 2, 1):
        chosen = [(path, project_root(path)) for path in files[: max(1, len(files) // share)]]
        lines = sum(path.read_bytes().count(b"\n") for path, _ in chosen)
        start = time.process_time()
        model = build_model(chosen)  # as a run builds it, without a cache
        for module in model.modules.values():  # the whole-project questions, as a run asks them
            for name in module.boundary_functions:
                model.live(module.name, name)
        rows.append((len(chosen), lines, time.process_time() - start))
    return rows


def slope(rows: list[tuple[int, int, float]]) -> float:
    xs = [math.log(lines) for _, lines, _ in rows]
    ys = [math.log(max(seconds, 1e-6)) for _, _, seconds in rows]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, action="append", required=True, help="a project root")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=0, help="concurrent pairs to run (see 4. above)")
    arguments = parser.parse_args()
    trees = [tree.resolve() for tree in arguments.tree]

    files, parse, cold, warm, unchanged = in_process(trees)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    print(f"{len(files)} modules, {lines:,} lines in {len(trees)} tree(s)\n")
    print("| in process (CPU) | seconds | vs ast.parse |\n|---|---|---|")
    print(f"| ast.parse of every module | {parse:.2f} | 1.00x |")
    print(f"| project model, cold (parse + one walk + summary) | {cold:.2f} | {cold / parse:.2f}x |")
    print(f"| project model, warm (from the cache) | {warm:.2f} | {warm / parse:.2f}x |")
    print(f"| a flake8 run's start when nothing changed (no model built) | {unchanged:.2f} | "
          f"{unchanged / parse:.2f}x |")  # fmt: skip

    rows = growth(files)
    print("\n| modules | lines | model built (CPU s) |\n|---|---|---|")
    for count, size, seconds in rows:
        print(f"| {count} | {size:,} | {seconds:.2f} |")
    print(f"\nlog-log slope of time against lines: {slope(rows):.2f} (linear: about 1)")

    ok = True
    if arguments.pairs:
        pairs = concurrent_pairs(trees, arguments.pairs)
        ratios = [cold / alone for alone, cold in pairs]
        ok = statistics.median(ratios) <= COLD_GOAL
        print(f"\n| {arguments.pairs} pairs started together, --jobs=1 each | CPU s, median | least-most |")
        print("|---|---|---|")
        print(f"| {FLAKE8_ALONE} | {statistics.median(a for a, _ in pairs):.2f} | "
              f"{min(a for a, _ in pairs):.2f}-{max(a for a, _ in pairs):.2f} |")  # fmt: skip
        print(f"| {COLD} | {statistics.median(c for _, c in pairs):.2f} | "
              f"{min(c for _, c in pairs):.2f}-{max(c for _, c in pairs):.2f} |")  # fmt: skip
        print(f"| ratio within a pair (goal: at most {COLD_GOAL:.2f}x) | "
              f"{statistics.median(ratios):.3f}x | {min(ratios):.3f}-{max(ratios):.3f} |")  # fmt: skip
        print("\nratio of each pair: " + ", ".join(f"{ratio:.3f}x" for ratio in ratios))
    if not arguments.repeat:
        return 0 if ok else 1
    runs = flake8_runs(trees, arguments.jobs, arguments.repeat)
    alone = runs[FLAKE8_ALONE].median_cpu
    print(
        f"\n| flake8 run (--jobs={arguments.jobs}, {arguments.repeat} runs) | CPU s, median | "
        "vs alone | goal | CPU s, least-most | paired ratios: median (least-most) |"
    )
    print("|---|---|---|---|---|---|")
    cpu = runs[FLAKE8_ALONE].cpu
    print(f"| {FLAKE8_ALONE} | {alone:.2f} | 1.000x | | {min(cpu):.2f}-{max(cpu):.2f} | |")
    for name, goal in ((COLD, COLD_GOAL), (WARM, WARM_GOAL)):
        ratio = runs[name].median_cpu / alone
        ok &= ratio <= goal
        cpu = runs[name].cpu
        paired = [run / alone_run for run, alone_run in zip(cpu, runs[FLAKE8_ALONE].cpu)]
        print(
            f"| {name} | {runs[name].median_cpu:.2f} | {ratio:.3f}x | at most {goal:.2f}x | "
            f"{min(cpu):.2f}-{max(cpu):.2f} | {statistics.median(paired):.3f}x "
            f"({min(paired):.3f}-{max(paired):.3f}) |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
