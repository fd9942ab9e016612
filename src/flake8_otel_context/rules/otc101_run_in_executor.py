"""OTC101: ``loop.run_in_executor`` runs the callable without the caller's context."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, describe, lost_context
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for boundary, why in lost_context(analysis, "run_in_executor"):
        yield RULE.finding(
            boundary.site.call,
            {Anchor.WORKER: boundary.worker},
            because=why,
            hazards=boundary.hazards,
            worker=describe(boundary.worker),
        )


RULE = Rule(
    code="OTC101",
    name="run-in-executor-loses-context",
    summary="`loop.run_in_executor(executor, fn)` runs `fn` without the caller's context.",
    message=(
        "run_in_executor() runs {worker} on a pool thread without the caller's context, so the "
        "span is lost and its child spans start a new trace; pass contextvars.copy_context().run "
        "as the callable, or pass otel_context.get_current() and attach it in the worker"
    ),
    rationale=(
        "Unlike `asyncio.to_thread`, `run_in_executor` does not copy the context (CPython keeps it "
        "that way because process pools cannot take one). The worker thread runs with whatever "
        "context it already has, normally an empty one, so a span started there is a new root "
        "trace. `functools.partial(fn)` does not help; `partial(ctx.run, fn)` does."
    ),
    invalid=(
        """\
import asyncio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handler():
    with tracer.start_as_current_span("request"):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, render_report)
""",
        """\
import asyncio
from functools import partial
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

@tracer.start_as_current_span("report")
async def handler(loop, pool):
    await loop.run_in_executor(pool, partial(render_report, 1))
""",
    ),
    valid=(
        """\
import asyncio
import contextvars
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handler():
    with tracer.start_as_current_span("request"):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, contextvars.copy_context().run, render_report)
""",
        """\
import asyncio
from opentelemetry import context as otel_context

def render_report(ctx):
    token = otel_context.attach(ctx)
    try:
        return build()
    finally:
        otel_context.detach(token)

async def handler(loop):
    await loop.run_in_executor(None, render_report, otel_context.get_current())
""",
        """\
import asyncio

def sync_entry_point(loop):
    loop.run_in_executor(None, render_report)
""",
    ),
    fix=(
        "Rewrites a nested worker into the attach/detach pattern and passes "
        "`otel_context.get_current()` to it; otherwise wraps the callable as "
        "`contextvars.copy_context().run`. Declined when the executor may be a process pool "
        "(a parameter, a factory's result): a context cannot be pickled to another process."
    ),
    check=check,
)
