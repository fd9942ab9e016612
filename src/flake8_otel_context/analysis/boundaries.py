"""The calls that hand work to another thread or process, and whether the context goes with it."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site
from flake8_otel_context.analysis.names import dotted_name, last_name
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.analysis.values import Kind, Values
from flake8_otel_context.analysis.vocabulary import (
    COPY_CONTEXT,
    EXECUTOR_METHODS,
    EXTRACT,
    INJECT,
    INSTRUMENTED_THREADING,
    MP_POOL_METHODS,
    OTEL_ATTACH,
    PARTIAL,
    PROCESS_CLASSES,
    THREAD_CLASSES,
)


@dataclass(eq=False)
class Boundary:
    """A call that runs ``worker`` (with ``arguments``) in another thread or process."""

    site: Site
    via: str  # "run_in_executor", "executor", "thread" or "process"
    worker: ast.expr
    arguments: list[ast.expr]
    process: bool

    @property
    def label(self) -> str:
        return self.site.method or last_name(self.site.call.func) or "call"


def find_boundaries(facts: ModuleFacts, values: Values) -> list[Boundary]:
    found = []
    for site in facts.all_sites():
        boundary = _classify(site, values)
        if boundary is not None:
            found.append(boundary)
    return found


def _classify(site: Site, values: Values) -> Boundary | None:
    call, fn = site.call, site.function
    if site.method == "run_in_executor" and len(call.args) >= 2:
        process = values.kind(call.args[0], fn) is Kind.PROCESS_POOL
        return Boundary(site, "run_in_executor", call.args[1], call.args[2:], process)
    if site.method in EXECUTOR_METHODS or site.method in MP_POOL_METHODS:
        receiver = site.receiver
        assert receiver is not None
        kind = values.kind(receiver, fn)
        if kind not in (Kind.THREAD_POOL, Kind.PROCESS_POOL) or not call.args:
            return None
        if site.method not in EXECUTOR_METHODS and not _is_mp_pool(receiver, values, fn):
            return None
        arguments = call.args[1:] + _tuple_items(_keyword(call, "args")) + [
            k.value for k in call.keywords if k.arg not in ("args", "kwds", "chunksize", "timeout")
        ]
        return Boundary(site, "executor", call.args[0], arguments, kind is Kind.PROCESS_POOL)
    qualname = site.qualname
    is_thread = qualname in THREAD_CLASSES
    is_process = qualname in PROCESS_CLASSES or (
        last_name(call.func) == "Process"
        and site.receiver is not None
        and values.kind(site.receiver, fn) is Kind.MP_CONTEXT
    )
    if not (is_thread or is_process):
        return None
    if _keyword(call, "context") is not None:  # Python 3.14 Thread(context=...)
        return None
    keyword = "function" if qualname == "threading.Timer" else "target"
    worker = _keyword(call, keyword)
    if worker is None and len(call.args) >= 2:
        worker = call.args[1]
    if worker is None or (isinstance(worker, ast.Constant) and worker.value is None):
        return None
    arguments = _tuple_items(_keyword(call, "args")) + _dict_values(_keyword(call, "kwargs"))
    if qualname == "threading.Timer":
        arguments += call.args[2:3]
    return Boundary(site, "process" if is_process else "thread", worker, arguments, is_process)


def _is_mp_pool(receiver: ast.expr, values: Values, fn: FunctionFacts) -> bool:
    """multiprocessing pools name their methods apply/map/imap...; executors only submit/map."""
    constructors = [receiver] + [b.value for b in values.bindings(receiver, fn)]
    for value in constructors:
        if isinstance(value, ast.Call):
            name = values.facts.imports.qualname(value.func) or last_name(value.func) or ""
            if name.endswith("Pool"):
                return True
    return False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _tuple_items(expr: ast.expr | None) -> list[ast.expr]:
    if isinstance(expr, (ast.Tuple, ast.List)):
        return list(expr.elts)
    return [expr] if expr is not None else []


def _dict_values(expr: ast.expr | None) -> list[ast.expr]:
    if isinstance(expr, ast.Dict):
        return [v for v in expr.values if v is not None]
    return [expr] if expr is not None else []


class Propagation:
    """Answers "does the caller's context reach the worker?" for a boundary."""

    def __init__(self, facts: ModuleFacts, values: Values, settings: Settings) -> None:
        self._imports = facts.imports
        self._values = values
        self._propagating = settings.propagating
        self.threads_instrumented = (
            facts.threading_instrumented or INSTRUMENTED_THREADING in settings.propagating
        )

    def context_run(self, expr: ast.expr, fn: FunctionFacts) -> ast.expr | None:
        """For ``X.run`` (or ``partial(X.run, ...)``) where X is a ``contextvars`` copy: X."""
        expr = self.unwrap_partial(expr)
        if isinstance(expr, ast.Attribute) and expr.attr == "run":
            if self._values.kind(expr.value, fn) is Kind.COPIED_CONTEXT:
                return expr.value
        return None

    def unwrap_partial(self, expr: ast.expr) -> ast.expr:
        if (
            isinstance(expr, ast.Call)
            and expr.args
            and self._imports.qualname(expr.func) == PARTIAL
        ):
            return expr.args[0]
        return expr

    def carries_context(self, boundary: Boundary) -> bool:
        """True when the worker runs in (a copy of) the caller's context or attaches a passed one."""
        fn = boundary.site.function
        if boundary.process:
            return self._carrier_used(boundary)
        if self.threads_instrumented or self.context_run(boundary.worker, fn) is not None:
            return True
        worker = self.unwrap_partial(boundary.worker)
        wrapper = worker.func if isinstance(worker, ast.Call) else worker
        if self._is_propagating(self._spellings(wrapper)):
            return True
        target = self._values.function(worker, fn)
        if target is not None and self._worker_propagates(target):
            return True
        return any(self._values.kind(arg, fn) is Kind.OTEL_CONTEXT for arg in boundary.arguments)

    def _spellings(self, expr: ast.expr) -> set[str]:
        return {n for n in (self._imports.qualname(expr), dotted_name(expr), last_name(expr)) if n}

    def _is_propagating(self, names: set[str]) -> bool:
        return bool(names & self._propagating)

    def _worker_propagates(self, worker: FunctionFacts) -> bool:
        if self._is_propagating({n for d in worker.decorators for n in (d, d.rpartition(".")[2])}):
            return True
        for site in worker.sites:
            if site.qualname == OTEL_ATTACH:
                return True
            receiver = site.receiver
            if site.method == "run" and receiver is not None and receiver_copied_by_caller(
                receiver, worker, self._values
            ):
                return True
        return False

    def _carrier_used(self, boundary: Boundary) -> bool:
        fn = boundary.site.function
        line = boundary.site.call.lineno
        if any((s.qualname == INJECT or s.method == "inject") and s.call.lineno <= line for s in fn.sites):
            return True
        target = self._values.function(boundary.worker, fn)
        return target is not None and any(
            s.qualname == EXTRACT or s.method == "extract" for s in target.sites
        )

    def copy_in_worker(self, boundary: Boundary) -> ast.Call | None:
        """The ``copy_context()`` call a worker makes itself (so it copies its own, empty, context)."""
        target = self._values.function(boundary.worker, boundary.site.function)
        if target is None:
            return None
        return next((s.call for s in target.sites if s.qualname == COPY_CONTEXT), None)


def receiver_copied_by_caller(receiver: ast.expr, worker: FunctionFacts, values: Values) -> bool:
    """``ctx.run(...)`` in a lambda or closure where ``ctx`` is a copy made by the enclosing code."""
    if not isinstance(receiver, ast.Name) or receiver.id in worker.bindings or worker.parent is None:
        return False
    return values.kind(receiver, worker.parent) is Kind.COPIED_CONTEXT
