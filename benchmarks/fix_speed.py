"""How fast ``otel-context-fix --check`` is on a large tree: a benchmark, not a test.

Times, alternating over the same tree with the same number of processes: plain flake8 (the plugin
hidden), ``otel-context-fix --check``, and libcst parsing every file (the floor for any tool that
rewrites with libcst without a cheaper first pass). Prints medians and the two ratios.

    python benchmarks/fix_speed.py [--tree DIR] [--repeat N] [--jobs N]

Goal: the fix command under half of plain flake8 and under half of libcst's parse, because only files
the text pre-check and the ast analysis select ever reach libcst.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import sysconfig
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


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
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
    print(f"python {sys.version.split()[0]}, --jobs={jobs}, {args.repeat} alternating runs each")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            times[name].append(seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:26} median {medians[name]:6.2f} s  {[round(t, 2) for t in values]}")
    fix = medians["otel-context-fix --check"]
    print(f"fix --check / flake8:      {fix / medians['flake8 (no plugin)']:.3f}x (goal: under 0.5x)")
    print(f"fix --check / libcst parse: {fix / medians['libcst parse only']:.3f}x (goal: under 0.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
