"""OTC202: asyncio copies the context at the wrong moment (before the span, or after it ended)."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import (
    Analysis,
    context_keyword,
    entered_after,
    exited_before,
    is_asyncio_scheduler,
    passes,
)
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.rules.rule import Rule

_WAITERS = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.wait_for", "asyncio.shield"})


def check(analysis: Analysis) -> Iterator[Finding]:
    yield from _tasks_created_before_span(analysis)
    yield from _coroutines_scheduled_after_span(analysis)
    yield from _contexts_copied_before_span(analysis)


def _tasks_created_before_span(analysis: Analysis) -> Iterator[Finding]:
    for fn, name, binding in analysis.bindings_of_kind(Kind.TASK):
        assert binding.site is not None
        line = binding.site.call.lineno
        uses = [spans for awaited, node, spans in fn.awaited_names if awaited == name and node.lineno > line]
        uses += [
            s.spans
            for s in fn.sites
            if s.call.lineno > line and s.qualname in _WAITERS and passes(s.call, name)
        ]
        span = next((r for spans in uses if (r := entered_after(binding.spans, spans))), None)
        if span is not None:
            yield RULE.finding(
                binding.site.call,
                what=f"task {name!r} is created before the span at line {span.line} is entered",
                fix="create the task inside the span",
            )


def _coroutines_scheduled_after_span(analysis: Analysis) -> Iterator[Finding]:
    for fn, name, binding in analysis.bindings_of_kind(Kind.COROUTINE):
        assert binding.site is not None
        line = binding.site.call.lineno
        for awaited, node, spans in fn.awaited_names:
            span = exited_before(binding.spans, spans) if awaited == name and node.lineno > line else None
            if span is not None:
                yield RULE.finding(node, what=_late(name, span.line), fix=_LATE_FIX)
        for site in fn.sites:
            if site.call.lineno <= line or not is_asyncio_scheduler(site) or not passes(site.call, name):
                continue
            span = exited_before(binding.spans, site.spans)
            if span is not None:
                yield RULE.finding(site.call, what=_late(name, span.line), fix=_LATE_FIX)


def _late(name: str, line: int) -> str:
    return f"coroutine {name!r} was created inside the span at line {line} but runs after it ended"


_LATE_FIX = "schedule it (create_task) inside the span"


def _contexts_copied_before_span(analysis: Analysis) -> Iterator[Finding]:
    for fn, name, binding in analysis.bindings_of_kind(Kind.COPIED_CONTEXT):
        assert binding.site is not None
        line = binding.site.call.lineno
        for site in fn.sites:
            keyword = context_keyword(site.call)
            if (
                site.call.lineno > line
                and is_asyncio_scheduler(site)
                and keyword is not None
                and getattr(keyword, "id", None) == name
            ):
                span = entered_after(binding.spans, site.spans)
                if span is not None:
                    yield RULE.finding(
                        binding.site.call,
                        what=f"{name!r} is copied before the span at line {span.line} is entered "
                        f"and given as context= at line {site.call.lineno}",
                        fix="copy the context inside the span",
                    )
                    break


RULE = Rule(
    code="OTC202",
    name="asyncio-context-copied-at-wrong-time",
    summary=(
        "A task or callback copies the context before the span is entered, or a coroutine made "
        "inside a span runs after it."
    ),
    message=(
        "{what}, so its spans miss this span (a new trace or the wrong parent); {fix}"
    ),
    rationale=(
        "`create_task`, `ensure_future`, `gather`, `TaskGroup.create_task` and `call_soon` copy "
        "the context at the moment they are called, and a coroutine object captures nothing. A "
        "task created before `with start_as_current_span(...)` keeps the earlier context even if "
        "awaited inside the span; a coroutine created inside the span but scheduled after it runs "
        "in the later context; `context=` given a copy taken before the span pins the old one."
    ),
    invalid=(
        """\
import asyncio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    task = asyncio.create_task(fetch())
    with tracer.start_as_current_span("request"):
        await task
""",
        """\
import asyncio
import contextvars
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    ctx = contextvars.copy_context()
    with tracer.start_as_current_span("request"):
        await asyncio.create_task(fetch(), context=ctx)
""",
    ),
    valid=(
        """\
import asyncio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    with tracer.start_as_current_span("request"):
        task = asyncio.create_task(fetch())
        await task
""",
    ),
    fix=None,
    not_fixable=(
        "moving where a task or coroutine is created, or where the context is copied, changes when "
        "that work starts; move it inside the span by hand"
    ),
    check=check,
)
