"""The calls that hand work to another thread or process, and whether the context goes with it."""

from __future__ import annotations

import ast
from typing import Literal
from collections.abc import Iterator
from dataclasses import dataclass

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site, is_parameter
from flake8_otel_context.analysis.findings import Hazard
from flake8_otel_context.analysis.names import dotted_name, last_name
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.analysis.values import Kind, Values
from flake8_otel_context.analysis.vocabulary import (
    CONTEXT_CAPTURES,
    COPY_CONTEXT,
    EXECUTOR_METHODS,
    EXTRACT,
    INJECT,
    INSTRUMENTED_THREADING,
    MP_POOL_METHODS,
    OTEL_ATTACH,
    OTEL_CONTEXT_PRODUCERS,
    PARTIAL,
    PROCESS_CLASSES,
    TEARDOWN_METHODS,
    THREAD_CLASSES,
)


# How a boundary hands its worker over: loop.run_in_executor, an executor's submit/map (or a
# multiprocessing pool's methods), a Thread/Timer, a Process.
Via = Literal["run_in_executor", "executor", "thread", "process"]


# Executors a rewrite must not hand a context to: it cannot be pickled to another process.
_MAY_BE_A_PROCESS_POOL = frozenset({Kind.EXECUTOR, Kind.PROCESS_POOL})


@dataclass(eq=False)
class Boundary:
    """A call that runs ``worker`` (with ``arguments``) in another thread or process."""

    site: Site
    via: Via
    worker: ast.expr
    arguments: list[ast.expr]
    process: bool
    hazards: frozenset[Hazard] = frozenset()

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
    # ``_utils.run_in_executor(fn, arg)`` names a module's function, not an event loop's method.
    if site.method == "run_in_executor" and site.qualname is None and len(call.args) >= 2:
        executor = call.args[0]
        kind = values.kind(executor, fn)
        default = isinstance(executor, ast.Constant) and executor.value is None
        thread_pool = kind is Kind.THREAD_POOL and not values.may_be(executor, fn, _MAY_BE_A_PROCESS_POOL)
        safe = default or thread_pool
        hazards = frozenset() if safe else frozenset({Hazard.MAY_BE_PROCESS_POOL})
        process = kind is Kind.PROCESS_POOL
        return Boundary(site, "run_in_executor", call.args[1], call.args[2:], process, hazards)
    if site.method in EXECUTOR_METHODS or site.method in MP_POOL_METHODS:
        receiver = site.receiver
        assert receiver is not None
        kind = values.kind(receiver, fn)
        if kind not in (Kind.THREAD_POOL, Kind.PROCESS_POOL, Kind.EXECUTOR) or not call.args:
            return None
        if site.method not in EXECUTOR_METHODS and not _is_mp_pool(receiver, values, fn):
            return None
        arguments = call.args[1:] + _tuple_items(_keyword(call, "args")) + [
            k.value for k in call.keywords if k.arg not in ("args", "kwds", "chunksize", "timeout")
        ]
        unsafe = kind is Kind.EXECUTOR or values.may_be(receiver, fn, _MAY_BE_A_PROCESS_POOL)
        hazards = frozenset({Hazard.MAY_BE_PROCESS_POOL}) if unsafe else frozenset()
        return Boundary(site, "executor", call.args[0], arguments, kind is Kind.PROCESS_POOL, hazards)
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
    hazards = (
        frozenset({Hazard.MAY_SERVE_THE_THREAD})
        if is_thread and _unread_target(worker, values, fn)
        else frozenset()
    )
    return Boundary(site, "process" if is_process else "thread", worker, arguments, is_process, hazards)


def _unread_target(worker: ast.expr, values: Values, fn: FunctionFacts) -> bool:
    """A thread's target the module cannot read: a parameter, or a method of an object that is
    not one of its functions (whose loop the analysis sees) nor a library's function."""
    if isinstance(worker, ast.Call) and values.facts.imports.qualname(worker.func) == PARTIAL and worker.args:
        return _unread_target(worker.args[0], values, fn)
    if values.function(worker, fn) is not None or values.facts.imports.qualname(worker) is not None:
        return False
    if isinstance(worker, ast.Attribute):
        return True
    return isinstance(worker, ast.Name) and is_parameter(worker.id, fn)


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


_CAPTURES = OTEL_CONTEXT_PRODUCERS | CONTEXT_CAPTURES


class Propagation:
    """Answers "does the caller's context reach the worker?" for a boundary."""

    def __init__(self, facts: ModuleFacts, values: Values, settings: Settings) -> None:
        self._imports = facts.imports
        self._values = values
        self._propagating = settings.propagating
        # Whether a name's bindings capture a context, by the identity of its list of bindings
        # (and of the function asking).
        self._capturing: dict[tuple[int, int], bool] = {}
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
        if any(self._values.kind(arg, fn) is Kind.OTEL_CONTEXT for arg in boundary.arguments):
            return True
        return self._hands_over_a_context(boundary)

    def _hands_over_a_context(self, boundary: Boundary) -> bool:
        """A context captured anywhere in what the call hands over, however deeply wrapped:
        ``partial(copy_vars, [Carrier(value=get_current())], fn)``, built here or bound to the
        name the call passes. The code that receives it is trusted to enter it."""
        fn = boundary.site.function
        handed = [boundary.worker, *boundary.arguments]
        return any(
            self._captures_now(expr) or self._bound_to_a_capture(expr, fn) or self._hands_a_runner(expr, fn)
            for expr in handed
        )

    def _hands_a_runner(self, expr: ast.expr, fn: FunctionFacts) -> bool:
        """A function of this module handed over inside ``expr`` (``partial(handler, run_in_copy,
        child)``) that runs its work in a context the caller copied or attaches one: asgiref's
        ``SyncToAsync`` hands its worker ``func``, which enters ``context.run``."""
        return any(
            isinstance(node, ast.Name)
            and (target := self._values.function(node, fn)) is not None
            and self._worker_propagates(target)
            for node in _evaluated_now(expr)
        )

    def _captures_now(self, expr: ast.expr) -> bool:
        return any(
            isinstance(node, ast.Call) and self._imports.qualname(node.func) in _CAPTURES
            for node in _evaluated_now(expr)
        )

    def _bound_to_a_capture(self, expr: ast.expr, fn: FunctionFacts) -> bool:
        """A name (or ``self.attr``) one of whose values captures a context or hands over a function
        that enters one: decided once per name, not again for every boundary that hands it over (a
        name rebound n times, n boundaries)."""
        bindings = self._values.bindings(expr, fn)
        if not bindings:
            return False
        key = (id(bindings), id(fn))
        if key not in self._capturing:
            self._capturing[key] = any(
                self._captures_now(b.value) or self._hands_a_runner(b.value, fn)
                for b in bindings
                if not b.is_annotation
            )
        return self._capturing[key]

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


def tears_down(boundary: Boundary, values: Values) -> bool:
    """The worker only closes or stops something (``client.close``, ``lambda: pool.shutdown()``,
    ``getattr(transport, "close")``): no span starts in it, so there is nothing to lose."""
    worker = boundary.worker
    if isinstance(worker, ast.Name):
        bound = values.assigned(worker, boundary.site.function)
        worker = bound[-1] if bound else worker
    if isinstance(worker, ast.Lambda) and isinstance(worker.body, ast.Call):
        worker = worker.body.func
    if isinstance(worker, ast.Attribute):
        return worker.attr in TEARDOWN_METHODS
    return (
        isinstance(worker, ast.Call)
        and last_name(worker.func) == "getattr"
        and len(worker.args) >= 2
        and isinstance(worker.args[1], ast.Constant)
        and worker.args[1].value in TEARDOWN_METHODS
    )


def _evaluated_now(expr: ast.expr) -> Iterator[ast.AST]:
    """The nodes of ``expr`` evaluated where it is written: a lambda's body runs later, in the worker."""
    pending: list[ast.AST] = [expr]
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


def receiver_copied_by_caller(receiver: ast.expr, worker: FunctionFacts, values: Values) -> bool:
    """``ctx.run(...)`` in a lambda or closure where ``ctx`` is a copy made by the enclosing code."""
    if not isinstance(receiver, ast.Name) or receiver.id in worker.bindings or worker.parent is None:
        return False
    return values.kind(receiver, worker.parent) is Kind.COPIED_CONTEXT
