"""Everything a rule may ask about one module, computed once per file."""

from __future__ import annotations

import ast
from functools import cached_property

from flake8_otel_context.analysis.boundaries import Boundary, Propagation, Via, find_boundaries, tears_down
from flake8_otel_context.analysis.facts import Binding, FunctionFacts, ModuleFacts, Site, SpanRegion
from flake8_otel_context.analysis.findings import Because, Step
from flake8_otel_context.analysis.lifetime import long_lived
from flake8_otel_context.analysis.scope import SpanActivity
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.analysis.values import Kind, Values
from flake8_otel_context.analysis.vocabulary import CALLBACK_METHODS, GATHER, TASK_FACTORIES, TASK_METHODS
from flake8_otel_context.project.view import ProjectView


class Analysis:
    def __init__(self, facts: ModuleFacts, settings: Settings, project: ProjectView | None = None) -> None:
        self.facts = facts
        self.settings = settings
        # What the rest of the project says about this module; None when the file is read alone.
        self.project = project
        self.values = Values(facts, project.kind if project is not None else None)

    @cached_property
    def activity(self) -> SpanActivity:
        return SpanActivity(self.facts, self.settings.span_scope, self.project)

    @cached_property
    def propagation(self) -> Propagation:
        return Propagation(self.facts, self.values, self.settings)

    @cached_property
    def boundaries(self) -> list[Boundary]:
        return find_boundaries(self.facts, self.values)

    def bindings_of_kind(self, *kinds: Kind) -> list[tuple[FunctionFacts, str, Binding]]:
        """Every ``name = <call>`` in the module whose value is one of ``kinds``."""
        return [(fn, name, binding) for fn, name, binding, kind in self._call_bindings if kind in kinds]

    @cached_property
    def _call_bindings(self) -> list[tuple[FunctionFacts, str, Binding, Kind | None]]:
        """Every ``name = <call>`` with the kind of its value, worked out once for the rules that
        each ask for a few kinds."""
        return [
            (fn, name, binding, self.values.kind(binding.value, fn))
            for fn in self.facts.functions
            for name, bindings in fn.bindings.items()
            for binding in bindings
            if binding.site is not None
        ]


def entered_after(earlier: tuple[SpanRegion, ...], later: tuple[SpanRegion, ...]) -> SpanRegion | None:
    """A span current at ``later`` that was not yet current at ``earlier`` (decorators excluded)."""
    return next((r for r in later if r not in earlier and r.kind != "decorator"), None)


def exited_before(earlier: tuple[SpanRegion, ...], later: tuple[SpanRegion, ...]) -> SpanRegion | None:
    """A span current at ``earlier`` that is no longer current at ``later``."""
    return next((r for r in earlier if r not in later and r.kind != "decorator"), None)


def describe(expr: ast.AST, limit: int = 40) -> str:
    """Short source text for a message."""
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def lost_context(analysis: Analysis, *vias: Via) -> list[tuple[Boundary, Because]]:
    """Thread-side boundaries of the given kinds that run their worker without the caller's span,
    each with what the project model adds to the message (why it believes it; nothing for a file
    read alone). A worker that serves for the life of its thread is never among them."""
    propagation = analysis.propagation
    lost = []
    for b in analysis.boundaries:
        if (
            b.via in vias
            and not b.process
            and analysis.activity.may_have_span(b.site)
            and propagation.copy_in_worker(b) is None
            and not propagation.carries_context(b)
            and not tears_down(b, analysis.values)
            and not _serves_its_thread(analysis, b)
        ):
            why = why_lost(analysis, b)
            if why is not None:
                lost.append((b, why))
    return lost


def _serves_its_thread(analysis: Analysis, boundary: Boundary) -> bool:
    fn = boundary.site.function
    local = analysis.values.function(analysis.propagation.unwrap_partial(boundary.worker), fn)
    return long_lived(local, boundary.site.call, fn)


def why_lost(analysis: Analysis, boundary: Boundary) -> Because | None:
    """With the project: where the span comes from and what in the worker makes spans, or None when
    the project shows there is nothing to lose (a worker that makes no span, a wrapper or executor
    of the project that carries the context)."""
    project = analysis.project
    if project is None:
        return Because()
    fn, worker = boundary.site.function, analysis.propagation.unwrap_partial(boundary.worker)
    worker = _coroutine_of(analysis, boundary, worker)
    stale = _bound_before_a_span(analysis, worker, boundary.site)
    made = _made_by(analysis, worker, boundary.site)
    if made is not None and not stale and project.wrapper_captures_context(made, fn):
        return None
    receiver = boundary.site.receiver
    if boundary.via == "executor" and receiver is not None and project.executor_carries_context(receiver, fn):
        return None
    local = analysis.values.function(worker, fn)
    traced = project.worker_traced(worker, fn, local, carried=not stale)
    if traced is None:
        return None
    origin = analysis.activity.origin(boundary.site)
    # A span only assumed and a worker only maybe traced are not enough to report, unless the worker
    # runs what users hand a public function they call in their span, with this boundary below it
    # (``execute(fn)``).
    users_work = (
        origin is not None
        and not traced.guessed
        and any(entry == origin.entry or project.reaches(entry, fn) for entry in traced.given_to)
    )
    if origin is not None and origin.assumed and not traced.strong and not users_work:
        if analysis.settings.span_scope is SpanScope.PUBLIC:
            return None
        origin = None  # a wider scope assumes the span itself
    where = f"it runs under {origin.describe()} and " if origin is not None else ""
    text = f" (here {where}{traced.text}: that span will start a new trace)"
    if origin is None:
        return Because(text)
    via = f", reached via {' -> '.join(name + '()' for name in origin.via)}" if origin.via else ""
    seen = "assumed" if origin.assumed else "opened"
    opened = Step(origin.path, origin.line, f"{origin.what} is {seen} here")
    crossing = f"{boundary.label}() crosses to another thread without it{via}; {traced.text}"
    return Because(text, (opened, Step(project.path, boundary.site.call.lineno, crossing)))


def _made_by(analysis: Analysis, worker: ast.expr, site: Site) -> ast.Call | None:
    """The call whose value the worker is: ``with_current_context(work)`` itself, or the one call
    a local name is bound to (``bound = self._context_bound(tool); pool.submit(bound)``)."""
    if isinstance(worker, ast.Name):
        bound = _bindings(analysis, worker, site)
        worker = bound[0].value if len(bound) == 1 else worker
    return worker if isinstance(worker, ast.Call) else None


def _bound_before_a_span(analysis: Analysis, worker: ast.expr, site: Site) -> bool:
    """The worker is a name bound before a span the boundary runs in was opened: a context its
    maker captured then lacks that span."""
    if not isinstance(worker, ast.Name):
        return False
    return any(region not in b.spans for b in _bindings(analysis, worker, site) for region in site.spans)


def _bindings(analysis: Analysis, name: ast.Name, site: Site) -> list[Binding]:
    return [b for b in analysis.values.bindings(name, site.function) if not b.is_annotation]


def _coroutine_of(analysis: Analysis, boundary: Boundary, worker: ast.expr) -> ast.expr:
    """``submit(asyncio.run, coro())``: the worker thread runs the coroutine (in a new loop whose
    tasks copy the thread's own, empty, context), so what is traced is the coroutine function."""
    if analysis.facts.imports.qualname(worker) != "asyncio.run" or not boundary.arguments:
        return worker
    coroutine = boundary.arguments[0]
    if isinstance(coroutine, ast.Name):
        assigned = analysis.values.assigned(coroutine, boundary.site.function)
        coroutine = assigned[-1] if assigned else coroutine
    return coroutine.func if isinstance(coroutine, ast.Call) else worker


def is_asyncio_scheduler(site: Site) -> bool:
    """Calls that copy the current context into a new task or callback."""
    return (
        site.qualname in TASK_FACTORIES
        or site.qualname == GATHER
        or site.method in TASK_METHODS
        or site.method in CALLBACK_METHODS
    )


def passes(call: ast.Call, name: str) -> bool:
    """``name`` is given to ``call`` as an argument (directly, or inside a list, tuple or starred)."""
    values = list(call.args) + [k.value for k in call.keywords if k.arg != "context"]
    while values:
        value = values.pop()
        if isinstance(value, ast.Name) and value.id == name:
            return True
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            values.extend(value.elts)
        elif isinstance(value, ast.Starred):
            values.append(value.value)
    return False


def context_keyword(call: ast.Call) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == "context"), None)
