"""How the analysis and the fixer grow with their input: a benchmark, not a test.

    python benchmarks/growth.py [--construct NAME ...] [--budget SECONDS]

Generates modules of growing size and times, in process, ``ast.parse``, the analysis of every
default rule (the file read alone) and the fixer (``fix_source``) on each, then prints the time per
size and the log-log slope of time against size. Linear growth is a slope near 1; the goal is at
most 1.15 for every construct. The inputs:

- ``mixed``: OpenTelemetry-heavy code, a realistic chunk (spans, pools, threads, tasks, attach and
  detach, a tracing helper) repeated with fresh names, 1k to 80k lines;
- one construct repeated n times in one function, n up to 5,000: attach/detach pairs reusing one
  token name, submits rebinding their argument and future names, ``create_task`` calls,
  ``-> Token`` helpers with their callers, a chain of functions each calling the next under a
  span (1,000 long: it must be analysed, not reported as OTC900), and a long ``elif`` chain inside
  a span.

A size whose run takes longer than ``--budget`` seconds ends that row: the slope is computed over
the sizes measured, and the row says where it stopped.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
import time
from collections.abc import Callable

from flake8_otel_context.checker import NOT_ANALYSED, analyze
from flake8_otel_context.fixer.engine import fix_source
from flake8_otel_context.fixer.run import nested_too_deeply
from flake8_otel_context.rules import DEFAULT_ON

HEADER = """\
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Token

tracer = trace.get_tracer(__name__)
POOL = ThreadPoolExecutor()

"""

MIXED_CHUNK = """

def work_{i}(item):
    with tracer.start_as_current_span("work {i}"):
        return item


def handle_{i}(items):
    with tracer.start_as_current_span("handle {i}"):
        futures = [POOL.submit(work_{i}, item) for item in items]
        threading.Thread(target=work_{i}, args=(items,)).start()
        return [f.result() for f in futures]


async def serve_{i}(request):
    with tracer.start_as_current_span("serve {i}"):
        task = asyncio.create_task(fetch_{i}(request))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, work_{i}, request)
        return await task


async def fetch_{i}(request):
    with tracer.start_as_current_span("fetch {i}"):
        await asyncio.sleep(0)
        return request


def consume_{i}(ctx, message):
    token = otel_context.attach(ctx)
    try:
        work_{i}(message)
    finally:
        otel_context.detach(token)


def leaky_{i}(ctx, message):
    token = otel_context.attach(ctx)
    work_{i}(message)
    otel_context.detach(token)
"""


def mixed(lines: int) -> str:
    chunk_lines = MIXED_CHUNK.count("\n")
    return HEADER + "".join(MIXED_CHUNK.format(i=i) for i in range(max(1, lines // chunk_lines)))


def one_function(body: Callable[[int], str], head: str = "def run(ctx, items):\n") -> Callable[[int], str]:
    def make(n: int) -> str:
        return HEADER + head + "".join(body(i) for i in range(n))

    return make


def token_helpers(n: int) -> str:
    helpers = "".join(
        f"def enter_{i}(ctx) -> Token:\n    return otel_context.attach(ctx)\n\n\n" for i in range(n)
    )
    callers = "".join(
        f"def use_{i}(ctx):\n    token = enter_{i}(ctx)\n    try:\n        pass\n"
        f"    finally:\n        otel_context.detach(token)\n\n\n"
        for i in range(n)
    )
    return HEADER + helpers + callers


def call_chain(n: int) -> str:
    functions = "".join(
        f"def step_{i}(item):\n    return step_{i + 1}(item)\n\n\n" for i in range(n)
    )
    tail = f"def step_{n}(item):\n    return POOL.submit(print, item)\n\n\n"
    head = "def start(item):\n    span = tracer.start_span('chain')\n    step_0(item)\n    span.end()\n"
    return HEADER + functions + tail + head


def elif_chain(n: int) -> str:
    branches = "".join(
        f"        {'if' if i == 0 else 'elif'} kind == {i}:\n            POOL.submit(print, {i})\n"
        for i in range(n)
    )
    return HEADER + "def route(kind):\n    with tracer.start_as_current_span('route'):\n" + branches


CONSTRUCTS: dict[str, tuple[Callable[[int], str], list[int]]] = {
    "mixed (lines)": (mixed, [1_000, 5_000, 20_000, 80_000]),
    "attach/detach pairs, one token name": (
        one_function(
            lambda i: "    token = otel_context.attach(ctx)\n    work(items)\n"
            "    otel_context.detach(token)\n"
        ),
        [250, 1_000, 5_000],
    ),
    "submits rebinding their names": (
        one_function(
            lambda i: f"    with tracer.start_as_current_span('s{i}'):\n        item = items[{i}]\n"
            f"        future = POOL.submit(print, item)\n        future.result()\n"
        ),
        [250, 1_000, 5_000],
    ),
    "create_task calls": (
        one_function(
            lambda i: f"        tasks.append(asyncio.create_task(asyncio.sleep({i})))\n",
            "async def run(ctx, items):\n    tasks = []\n    with tracer.start_as_current_span('r'):\n",
        ),
        [250, 1_000, 5_000],
    ),
    "-> Token helpers and callers": (token_helpers, [100, 400, 1_600]),
    "call chain under a span": (call_chain, [100, 300, 1_000]),
    "elif chain inside a span": (elif_chain, [250, 1_000, 2_500]),
}


def slope(points: list[tuple[int, float]]) -> float:
    usable = [(math.log(size), math.log(max(seconds, 1e-6))) for size, seconds in points]
    if len(usable) < 2:
        return float("nan")
    (x0, y0), (x1, y1) = usable[0], usable[-1]
    return (y1 - y0) / (x1 - x0)


def measure(name: str, make: Callable[[int], str], sizes: list[int], budget: float) -> None:
    print(f"\n### {name}\n")
    print("| size | lines | ast.parse (s) | analysis (s) | vs parse | fixer (s) | notes |")
    print("|---|---|---|---|---|---|---|")
    analysis: list[tuple[int, float]] = []
    fixer: list[tuple[int, float]] = []
    for size in sizes:
        row = _row(make(size), fix=not fixer or fixer[-1][1] <= budget)
        if row is None:
            print(f"| {size:,} | | | | | | stopped: Python's own ast.parse cannot nest this deep |")
            break
        lines, parse, seconds, fix_seconds, notes = row
        analysis.append((lines, seconds))
        if fix_seconds is not None:
            fixer.append((lines, fix_seconds))
        fixed = f"{fix_seconds:.3f}" if fix_seconds is not None else "(over budget)"
        print(
            f"| {size:,} | {lines:,} | {parse:.3f} | {seconds:.3f} | {seconds / max(parse, 1e-6):.1f}x "
            f"| {fixed} | {notes} |"
        )
        sys.stdout.flush()
        if seconds > budget:
            print(f"| | | | | | | stopped: the analysis took over {budget:.0f} s |")
            break
    slopes = f"analysis {slope(analysis):.2f}, fixer {slope(fixer):.2f}"
    print(f"\nlog-log slope: {slopes} (goal: at most 1.15)")


def _row(source: str, fix: bool) -> tuple[int, float, float, float | None, str] | None:
    """(lines, parse, analysis, fixer or None, notes) for one module; None when it does not parse."""
    try:
        start = time.process_time()
        tree = ast.parse(source)
        parse = time.process_time() - start
    except (RecursionError, SyntaxError, MemoryError):
        return None
    start = time.process_time()
    found = analyze(tree, source, codes=DEFAULT_ON)
    seconds = time.process_time() - start
    notes = "OTC900: not analysed" if any(f.code == NOT_ANALYSED for f in found) else ""
    fix_seconds = None
    if fix:
        start = time.process_time()
        try:
            fix_source(source)
        except Exception as error:  # the fix command skips such a file with a one-line reason
            if not nested_too_deeply(error):
                raise
            notes += " fixer: nested too deeply for libcst"
        fix_seconds = time.process_time() - start
    return source.count("\n"), parse, seconds, fix_seconds, notes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--construct", action="append", choices=sorted(CONSTRUCTS), help="only these rows")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per run before a row stops")
    args = parser.parse_args()
    for name in args.construct or CONSTRUCTS:
        make, sizes = CONSTRUCTS[name]
        measure(name, make, sizes, args.budget)


if __name__ == "__main__":
    main()
