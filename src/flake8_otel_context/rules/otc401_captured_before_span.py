"""OTC401: the context is captured before the span it should carry is entered."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, entered_after, is_asyncio_scheduler
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.analysis.vocabulary import CONTEXT_CAPTURES
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    crossings = {id(b.site.call) for b in analysis.boundaries}
    for fn, name, binding in analysis.bindings_of_kind(Kind.OTEL_CONTEXT, Kind.COPIED_CONTEXT):
        assert binding.site is not None
        if binding.site.qualname not in CONTEXT_CAPTURES:
            continue
        line = binding.site.call.lineno
        for site in fn.sites:
            if site.call.lineno <= line:
                continue
            if not (id(site.call) in crossings or is_asyncio_scheduler(site)):
                continue
            if not _hands_over(site.call, name):
                continue
            span = entered_after(binding.spans, site.spans)
            if span is not None:
                yield RULE.finding(
                    binding.site.call,
                    {Anchor.SPAN: span.node} if isinstance(span.node, (ast.With, ast.AsyncWith)) else {},
                    name=name, span=str(span.line), use=str(site.call.lineno)
                )
                break


def _hands_over(call: ast.Call, name: str) -> bool:
    """``name`` reaches the other side: as an argument, ``name.run``, inside ``partial(...)``...

    ``context=`` is left to OTC202, which owns the asyncio form of the same mistake.
    """
    arguments = list(call.args) + [k.value for k in call.keywords if k.arg != "context"]
    return any(
        isinstance(node, ast.Name) and node.id == name for arg in arguments for node in ast.walk(arg)
    )


RULE = Rule(
    code="OTC401",
    name="context-captured-before-span",
    summary=(
        "`get_current()` / `copy_context()` captured before the span is entered, then used inside "
        "it to cross a boundary."
    ),
    message=(
        "{name!s} is captured before the span at line {span} is entered, so the work it carries "
        "across the boundary at line {use} misses that span; capture it inside the span's with block"
    ),
    rationale=(
        "`get_current()` and `copy_context()` are snapshots. Taken before `with "
        "start_as_current_span(...)`, they hold the outer (or no) span; handing them to a worker "
        "inside the block makes the worker's spans siblings of the block's span, or new roots."
    ),
    invalid=(
        """\
import contextvars
from concurrent.futures import ThreadPoolExecutor
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(pool: ThreadPoolExecutor):
    ctx = contextvars.copy_context()
    with tracer.start_as_current_span("request"):
        pool.submit(ctx.run, work).result()
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
        ctx = contextvars.copy_context()
        pool.submit(ctx.run, work).result()
""",
        """\
from opentelemetry import context as otel_context, trace

tracer = trace.get_tracer(__name__)

def handle(span):
    base = otel_context.get_current()
    with tracer.start_as_current_span("request"):
        ctx = trace.set_span_in_context(span, base)
""",
    ),
    fix="Moves the capture inside the span's `with` block, when nothing in between uses it.",
    check=check,
)
