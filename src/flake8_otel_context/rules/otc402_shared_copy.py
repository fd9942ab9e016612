"""OTC402: one ``copy_context()`` entered by several concurrent ``ctx.run`` calls."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.rules.rule import Rule

_MANY_CALLS = frozenset({"map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async"})


def check(analysis: Analysis) -> Iterator[Finding]:
    propagation = analysis.propagation
    seen: dict[int, ast.expr] = {}
    for boundary in analysis.boundaries:
        fn = boundary.site.function
        copy = propagation.context_run(boundary.worker, fn)
        if copy is None or boundary.process:
            continue
        if boundary.site.method in _MANY_CALLS:
            yield RULE.finding(boundary.site.call, why="every item of map() enters it at once")
            continue
        copied = analysis.values.bindings(copy, fn) if isinstance(copy, ast.Name) else []
        outside = [b for b in copied if not any(loop in b.loops for loop in boundary.site.loops)]
        if boundary.site.loops and copied and len(outside) == len(copied):
            yield RULE.finding(boundary.site.call, why="the loop enters the same copy on every iteration")
            continue
        key = id(copied[-1]) if copied else id(copy)
        if key in seen:
            yield RULE.finding(
                boundary.site.call,
                why=f"it is already handed to another thread at line {seen[key].lineno}",
            )
        else:
            seen[key] = boundary.site.call


RULE = Rule(
    code="OTC402",
    name="shared-context-copy",
    summary="One `copy_context()` shared by several concurrent `ctx.run` calls.",
    message=(
        "this contextvars copy is entered by several threads at once ({why}), which raises "
        "RuntimeError: cannot enter context; copy the context per call, or attach an "
        "OpenTelemetry context (which may be attached in many threads) in each worker"
    ),
    rationale=(
        "A `contextvars.Context` can be entered by one thread at a time. `ctx.run` used for "
        "several tasks that overlap raises `RuntimeError: cannot enter context: ... is already "
        "entered` in all but one of them, and those tasks never run."
    ),
    invalid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

def handle(items):
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor() as pool:
        return list(pool.map(ctx.run, [work] * len(items), items))
""",
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

def handle(items):
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor() as pool:
        for item in items:
            pool.submit(ctx.run, work, item)
""",
    ),
    valid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

def handle(items):
    with ThreadPoolExecutor() as pool:
        for item in items:
            pool.submit(contextvars.copy_context().run, work, item)
""",
    ),
    fix=None,
    not_fixable=(
        "each call needs its own copy_context() made where the call is made, and only a person can "
        "see which calls run at once"
    ),
    check=check,
    needs=("copy_context",),
)
