"""OTC403: ``copy_context()`` evaluated on the worker's side of the boundary."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    reported: set[int] = set()
    for boundary in analysis.boundaries:
        if boundary.process:
            continue
        copy = analysis.propagation.copy_in_worker(boundary)
        if copy is not None and id(copy) not in reported:
            reported.add(id(copy))
            yield RULE.finding(copy, {Anchor.WORKER: boundary.worker, Anchor.CALL: boundary.site.call})


RULE = Rule(
    code="OTC403",
    name="context-copied-in-worker",
    summary="`copy_context()` evaluated inside the worker, which copies the worker's own (empty) context.",
    message=(
        "copy_context() runs in the worker, so it copies the worker thread's own empty context, "
        "not the caller's; evaluate it at the call site: submit(contextvars.copy_context().run, fn)"
    ),
    rationale=(
        "In `submit(lambda: copy_context().run(fn))` the lambda body runs on the pool thread: the "
        "copy is taken there, after the boundary, and holds nothing of the caller's span."
    ),
    invalid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(pool: ThreadPoolExecutor):
    with tracer.start_as_current_span("request"):
        pool.submit(lambda: contextvars.copy_context().run(work))
""",
    ),
    valid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(pool: ThreadPoolExecutor):
    with tracer.start_as_current_span("request"):
        pool.submit(contextvars.copy_context().run, work)
""",
    ),
    fix="Moves the `copy_context()` call to the call site.",
    check=check,
)
