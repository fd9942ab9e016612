"""OTC102: ``Executor.submit``/``Executor.map`` run the callable without the caller's context."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, describe, lost_context
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for boundary, why in lost_context(analysis, "executor"):
        yield RULE.finding(
            boundary.site.call,
            {Anchor.WORKER: boundary.worker},
            because=why,
            hazards=boundary.hazards,
            method=boundary.label,
            worker=describe(boundary.worker),
        )


RULE = Rule(
    code="OTC102",
    name="executor-loses-context",
    summary=(
        "`Executor.submit(fn)` / `Executor.map(fn, ...)` on a thread pool runs `fn` without the "
        "caller's context."
    ),
    message=(
        "{method}() runs {worker} on a pool thread without the caller's context, so the span is lost "
        "and its child spans start a new trace; submit contextvars.copy_context().run with the "
        "function, or pass otel_context.get_current() and attach it in the worker"
    ),
    rationale=(
        "Pool threads are started once and reused; they never see the submitting thread's "
        "`contextvars`. A span started in the worker becomes a new root trace, and a worker that "
        "attaches without detaching leaks its span into the next unrelated task on that thread."
    ),
    invalid=(
        """\
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(items):
    with tracer.start_as_current_span("batch"):
        with ThreadPoolExecutor() as pool:
            return list(pool.map(process_item, items))
""",
        """\
import concurrent.futures as cf
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

class Service:
    def __init__(self):
        self._executor = cf.ThreadPoolExecutor(max_workers=4)

    @tracer.start_as_current_span("handle")
    async def handle(self, item):
        return self._executor.submit(process_item, item)
""",
    ),
    valid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(items):
    with tracer.start_as_current_span("batch"):
        with ThreadPoolExecutor() as pool:
            futures = [pool.submit(contextvars.copy_context().run, process_item, i) for i in items]
            return [f.result() for f in futures]
""",
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(form, items):
    with tracer.start_as_current_span("batch"):
        form.submit(items)
        return list(map(str, items))
""",
    ),
    fix=(
        "Rewrites a nested worker into the attach/detach pattern and passes "
        "`otel_context.get_current()`; otherwise submits `contextvars.copy_context().run`. For "
        "`map`, attaches one OpenTelemetry context per call (never one shared copy)."
    ),
    check=check,
)
