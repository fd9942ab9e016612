"""How fast ``otel-context-fix --check`` is on a large tree: a benchmark, not a test.

Times, alternating over the same tree with the same number of processes: plain flake8 (the plugin
hidden), ``otel-context-fix --check``, and libcst parsing every file (the floor for any tool that
rewrites with libcst without a cheaper first pass). Prints the medians of wall and CPU time (user and
system, of each command and the workers it started: on a shared machine, the figure to read) and
the ratios.

    python benchmarks/fix_speed.py [--tree DIR] [--repeat N] [--jobs N] [--cold]

The fix command keeps its project model's summaries in its cache directory, so every run after the
first reads them; ``--cold`` gives each of its runs a new, empty one (a first run, or one after the
tool changed).

Goal: the fix command at most 0.3x of plain flake8 (issue 15) and under half of libcst's parse,
because only files the text pre-check and the ast analysis select ever reach libcst.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from flake8_overhead import EXCLUDE, WITHOUT_PLUGIN

FIX_CHECK = "import sys\nfrom flake8_otel_context.cli.main import main\nsys.exit(main())\n"
LIBCST_PARSE = """
import sys
from concurrent.futures import ProcessPoolExecutor
import libcst
from flake8_otel_context.cli.paths import python_files

def parse(path):
    try:
        with open(path, "rb") as handle:
            libcst.parse_module(handle.read())
        return 1
    except Exception:
        return 0

if __name__ == "__main__":
    jobs, exclude, tree = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
    files = list(python_files([tree], exclude))
    with ProcessPoolExecutor(jobs) as pool:
        parsed = sum(pool.map(parse, files, chunksize=16))
    print(f"{parsed}/{len(files)}")
"""


def seconds(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command``, its children (pool workers) included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def fix_seconds(command: list[str], cold: bool) -> tuple[float, float]:
    if not cold:
        return seconds(command)
    cache = tempfile.mkdtemp(prefix="otc-cold-cache-")
    try:
        return seconds([*command, f"--otc-cache-dir={cache}"])
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="an empty summary cache for every fix run")
    args = parser.parse_args()
    jobs, tree = str(args.jobs), str(args.tree)
    commands = {
        "flake8 (no plugin)": [
            sys.executable, "-c", WITHOUT_PLUGIN, f"--jobs={jobs}", f"--exclude={EXCLUDE}", tree
        ],
        "otel-context-fix --check": [
            sys.executable, "-c", FIX_CHECK, "--check", f"--jobs={jobs}", f"--exclude={EXCLUDE}", tree
        ],
        "libcst parse only": [sys.executable, "-c", LIBCST_PARSE, jobs, EXCLUDE, tree],
    }
    parsed = subprocess.run(commands["libcst parse only"], capture_output=True, text=True).stdout.strip()
    print(f"tree: {tree} (excluded: {EXCLUDE}); libcst parsed {parsed} files")
    cache = "an empty summary cache each run" if args.cold else "the summary cache as it is"
    print(f"python {sys.version.split()[0]}, --jobs={jobs}, {args.repeat} alternating runs each, {cache}")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            is_fix = name.startswith("otel-context-fix")
            times[name].append(fix_seconds(command, args.cold) if is_fix else seconds(command))
    walls = {name: statistics.median(wall for wall, _ in values) for name, values in times.items()}
    cpus = {name: statistics.median(cpu for _, cpu in values) for name, values in times.items()}
    for name, values in times.items():
        print(
            f"{name:26} wall median {walls[name]:6.2f} s {[round(wall, 2) for wall, _ in values]}, "
            f"CPU median {cpus[name]:6.2f} s {[round(cpu, 2) for _, cpu in values]}"
        )
    for label, medians in (("wall", walls), ("CPU", cpus)):
        fix = medians["otel-context-fix --check"]
        print(
            f"{label:4}: fix --check / flake8 {fix / medians['flake8 (no plugin)']:.3f}x "
            f"(goal: at most 0.3x), / libcst parse {fix / medians['libcst parse only']:.3f}x "
            "(goal: under 0.5x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
