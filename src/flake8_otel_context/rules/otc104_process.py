"""OTC104: work sent to another process without a propagation carrier."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, describe, why_lost
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for boundary in analysis.boundaries:
        if (
            boundary.process
            and analysis.activity.may_have_span(boundary.site)
            and not analysis.propagation.carries_context(boundary)
        ):
            why = why_lost(analysis, boundary)
            if why is not None:
                yield RULE.finding(boundary.site.call, because=why, worker=describe(boundary.worker))


RULE = Rule(
    code="OTC104",
    name="process-without-carrier",
    summary="Work sent to another process (process pool, `multiprocessing`) with no propagation carrier.",
    message=(
        "{worker} runs in another process, which never receives the span (spawn: a new trace; "
        "fork: a stale span from an earlier task); propagate.inject(carrier) here, pass the "
        "carrier, and attach(propagate.extract(carrier)) in the child"
    ),
    rationale=(
        "A `contextvars.Context` cannot be pickled, so no in-process fix crosses a process "
        "boundary. With spawn or forkserver the child has no span; with fork the first task of "
        "a worker inherits whatever was current at fork time and later tasks keep that stale span. "
        "Only a carrier (W3C `traceparent` via `opentelemetry.propagate`) works."
    ),
    invalid=(
        """\
from concurrent.futures import ProcessPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(data):
    with tracer.start_as_current_span("request"):
        with ProcessPoolExecutor() as pool:
            return pool.submit(crunch, data).result()
""",
        """\
import multiprocessing
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(data):
    with tracer.start_as_current_span("request"):
        multiprocessing.Process(target=crunch, args=(data,)).start()
""",
    ),
    valid=(
        """\
from concurrent.futures import ProcessPoolExecutor
from opentelemetry import context, propagate, trace

tracer = trace.get_tracer(__name__)

def crunch(carrier, data):
    token = context.attach(propagate.extract(carrier))
    try:
        return len(data)
    finally:
        context.detach(token)

def handle(data):
    with tracer.start_as_current_span("request"):
        carrier = {}
        propagate.inject(carrier)
        with ProcessPoolExecutor() as pool:
            return pool.submit(crunch, carrier, data).result()
""",
    ),
    fix=None,
    not_fixable=(
        "a child process cannot share the parent's context; the fix is a carrier (propagate.inject "
        "before the call, propagate.extract and attach in the child), which changes what the worker "
        "receives"
    ),
    check=check,
)
