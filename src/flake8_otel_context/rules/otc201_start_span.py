"""OTC201: a ``start_span`` span that is never made current, while work is started under it."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.facts import FunctionFacts, Site
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.vocabulary import GATHER, TASK_FACTORIES, TASK_METHODS, TO_THREAD
from flake8_otel_context.analysis.walker import child_fields
from flake8_otel_context.rules.rule import Rule

_SPAN_STARTS = ("start_span", "start_as_current_span")


def check(analysis: Analysis) -> Iterator[Finding]:
    starts_work = _WorkFinder(analysis)
    escaping: dict[int, frozenset[str]] = {}
    for fn in analysis.facts.functions:
        for site in fn.sites:
            if site.method != "start_span" or not _is_opentelemetry(site):
                continue
            lifetime = _lifetime(site, fn)
            if lifetime is None:
                continue
            first, last, name, end = lifetime
            if name is not None and _escapes(fn, name, escaping):
                continue
            # ``with tracer.start_span(...)`` reads as "the span of this block": any span started in
            # the block was meant as its child. A span started alone (``span = start_span(...)``)
            # beside other bare ``start_span`` calls is often recorded as their sibling on purpose;
            # only work that becomes current under it (a current span, a task, a thread) shows it
            # was meant as their parent.
            block = isinstance(site.statement, (ast.With, ast.AsyncWith))
            child = next(
                (
                    s
                    for s in fn.sites
                    if s is not site and first < s.call.lineno <= last and starts_work(s, bare_spans=block)
                ),
                None,
            )
            if child is not None:
                anchors: dict[Anchor, ast.expr | ast.stmt] = {Anchor.STATEMENT: site.statement}
                if end is not None:
                    anchors[Anchor.END] = end
                yield RULE.finding(site.call, anchors, line=str(child.call.lineno))


def _is_opentelemetry(site: Site) -> bool:
    return site.qualname is None or site.qualname.startswith("opentelemetry.")


def _lifetime(
    site: Site, fn: FunctionFacts
) -> tuple[int, int, str | None, ast.Call | None] | None:
    """(first line, last line, span variable, ``end()`` call) of the span started by ``site``."""
    statement = site.statement
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            if item.context_expr is site.call:
                var = item.optional_vars
                name = var.id if isinstance(var, ast.Name) else None
                return statement.lineno, statement.end_lineno or statement.lineno, name, None
        return None
    if site.target is None or "." in site.target:
        return None
    end = next(
        (
            s.call
            for s in fn.sites
            if s.method == "end"
            and isinstance(s.receiver, ast.Name)
            and s.receiver.id == site.target
            and s.call.lineno > site.call.lineno
        ),
        None,
    )
    last = end.lineno if end is not None else (fn.node.end_lineno if fn.node is not None else None)
    return site.call.lineno, last or site.call.lineno, site.target, end


def _escapes(fn: FunctionFacts, name: str, known: dict[int, frozenset[str]]) -> bool:
    """The span is used other than through its own methods: made current, passed on, stored."""
    if fn.node is None:
        return True
    if id(fn) not in known:
        known[id(fn)] = _loaded_not_as_owner(fn.node)
    return name in known[id(fn)]


def _loaded_not_as_owner(node: ast.AST) -> frozenset[str]:
    """The names ``node`` loads other than as the owner of an attribute (``span`` of ``span.end()``):
    one walk per function, however many spans it starts."""
    loaded: set[str] = set()
    pending = [node]
    while pending:  # ``ast.walk`` without its generators, and without descending into owners
        current = pending.pop()
        for field_name in child_fields(type(current)):
            value = getattr(current, field_name, None)
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, ast.Name):
                    if isinstance(child.ctx, ast.Load) and not (
                        isinstance(current, ast.Attribute) and child is current.value
                    ):
                        loaded.add(child.id)
                elif isinstance(child, ast.AST):
                    pending.append(child)
    return frozenset(loaded)


class _WorkFinder:
    """Does a call start a span, a task or a thread, itself or through a function of this file?"""

    def __init__(self, analysis: Analysis) -> None:
        self._values = analysis.values
        self._boundary_calls = {id(b.site.call) for b in analysis.boundaries}
        self._functions: dict[tuple[FunctionFacts, bool], bool] = {}

    def __call__(self, site: Site, bare_spans: bool = True) -> bool:
        """``bare_spans``: a ``start_span`` that is not made current counts as work too."""
        if self._starts_work_itself(site, bare_spans):
            return True
        callee = self._values.function(site.call.func, site.function)
        return callee is not None and self._function_starts_work(callee, bare_spans)

    def _starts_work_itself(self, site: Site, bare_spans: bool) -> bool:
        if site.method in _SPAN_STARTS:
            explicit_parent = any(k.arg == "context" for k in site.call.keywords)
            return not explicit_parent and (bare_spans or site.method != "start_span")
        return (
            site.qualname in TASK_FACTORIES
            or site.qualname in (GATHER, TO_THREAD)
            or site.method in TASK_METHODS
            or id(site.call) in self._boundary_calls
        )

    def _function_starts_work(self, fn: FunctionFacts, bare_spans: bool) -> bool:
        """Whether ``fn``, or a function of this file it calls (at any depth), starts work: a
        search over the call graph with its own stack, so a long chain of calls costs no recursion.
        When nothing reachable starts work, every function visited is known not to either."""
        key = (fn, bare_spans)
        if key in self._functions:
            return self._functions[key]
        seen = {fn}
        pending = [fn]
        found = False
        while pending and not found:
            current = pending.pop()
            known = self._functions.get((current, bare_spans))
            if known is not None:
                found = known
                continue
            for site in current.sites:
                if site.function is not current:
                    continue
                if self._starts_work_itself(site, bare_spans):
                    found = True
                    break
                callee = self._values.function(site.call.func, current)
                if callee is not None and callee not in seen:
                    seen.add(callee)
                    pending.append(callee)
        if found:
            self._functions[key] = True
        else:
            self._functions.update(((visited, bare_spans), False) for visited in seen)
        return found


RULE = Rule(
    code="OTC201",
    name="start-span-never-current",
    summary=(
        "`tracer.start_span()` whose span is never made current while child spans or tasks start "
        "under it."
    ),
    message=(
        "this span is never made current, so the work started at line {line} is not its child "
        "(it joins the ambient span or a new trace); wrap the work in trace.use_span(span), or pass "
        "context=trace.set_span_in_context(span) to the child span"
    ),
    rationale=(
        "`start_span` only creates the span; it does not put it in the context (and `with "
        "tracer.start_span(...)` only ends it on exit). Spans, tasks and threads started "
        "afterwards see the previous current span, so the trace tree loses a level. Spans "
        "started with `start_span` beside it are not reported: recording spans as siblings "
        "without making any current is a common, deliberate idiom (timings measured after the "
        "fact, spans that must not parent each other); only work that becomes current under it, "
        "or any span started inside `with tracer.start_span(...)`, shows a parent was meant."
    ),
    invalid=(
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle():
    span = tracer.start_span("request")
    with tracer.start_as_current_span("db"):
        query()
    span.end()
""",
        """\
import asyncio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    with tracer.start_span("request"):
        await asyncio.gather(fetch(), fetch())
""",
    ),
    valid=(
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle():
    span = tracer.start_span("request")
    with trace.use_span(span, end_on_exit=True):
        with tracer.start_as_current_span("db"):
            query()
""",
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle():
    span = tracer.start_span("request")
    span.set_attribute("leaf", True)
    span.end()
""",
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def record(queued_at, started_at, done_at):
    waiting = tracer.start_span("queued", start_time=queued_at)
    running = tracer.start_span("run", start_time=started_at)
    waiting.end(end_time=started_at)
    running.end(end_time=done_at)
""",
    ),
    fix=(
        "Wraps the span's lifetime in `with trace.use_span(span, end_on_exit=...)`, keeping the "
        "span's end exactly where it was."
    ),
    check=check,
)
