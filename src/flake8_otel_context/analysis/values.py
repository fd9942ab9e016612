"""What the names in a module stand for: executors, contexts, spans, tasks, coroutines, functions.

Flow-insensitive on purpose: a name bound to a thread pool anywhere in its function is a thread pool
everywhere in it. Ordering questions (captured before or after a span) are answered from the
``Binding`` records themselves.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable

from flake8_otel_context.analysis.facts import Binding, FunctionFacts, ModuleFacts
from flake8_otel_context.analysis.names import annotated_types, dotted_name
from flake8_otel_context.analysis.vocabulary import (
    COPY_CONTEXT,
    EXECUTOR_TYPES,
    MP_GET_CONTEXT,
    OTEL_CONTEXT_PRODUCERS,
    PROCESS_POOLS,
    TASK_FACTORIES,
    TASK_GROUP,
    TASK_METHODS,
    THREAD_POOLS,
)

_MAX_DEPTH = 8


class Kind(enum.Enum):
    THREAD_POOL = "thread pool"
    PROCESS_POOL = "process pool"
    # ``concurrent.futures.Executor``: a thread pool or a process pool, whichever the caller gives.
    EXECUTOR = "executor"
    MP_CONTEXT = "multiprocessing context"
    TASK_GROUP = "task group"
    TASK = "task"
    COROUTINE = "coroutine"
    SPAN = "span"
    OTEL_CONTEXT = "OpenTelemetry context"
    COPIED_CONTEXT = "contextvars copy"


class Values:
    def __init__(
        self, facts: ModuleFacts, elsewhere: Callable[[ast.expr, FunctionFacts], Kind | None] | None = None
    ) -> None:
        self.facts = facts
        # What another module says an expression is, asked when this module cannot tell.
        self._elsewhere = elsewhere
        self._bound_kinds: dict[tuple[int, int], Kind | None] = {}

    def bindings(self, expr: ast.expr, fn: FunctionFacts) -> list[Binding]:
        """Every binding of a plain name (innermost function outwards) or of ``self.attr``."""
        if isinstance(expr, ast.Name):
            scope: FunctionFacts | None = fn
            while scope is not None:
                found = scope.bindings.get(expr.id)
                if found:
                    return found
                scope = scope.parent
            return []
        dotted = dotted_name(expr)
        if dotted and dotted.count(".") == 1 and dotted.split(".")[0] in ("self", "cls") and fn.cls:
            return fn.cls.attributes.get(dotted.split(".")[1], [])
        return []

    def assigned(self, expr: ast.expr, fn: FunctionFacts) -> list[ast.expr]:
        """The values assigned to ``expr``'s name, in source order (annotations left out)."""
        return [b.value for b in self.bindings(expr, fn) if not b.is_annotation]

    def kind(self, expr: ast.expr, fn: FunctionFacts, depth: int = 0) -> Kind | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Call):
            return self._call_kind(expr, fn, depth)
        if isinstance(expr, ast.Await):
            return None
        if isinstance(expr, ast.IfExp):  # both branches are meant to be the same kind of thing
            return self.kind(expr.body, fn, depth + 1) or self.kind(expr.orelse, fn, depth + 1)
        bindings = self.bindings(expr, fn)
        if depth == 0 and bindings:
            # The same answer for every use of the name: worked out once (a name rebound n times
            # and used n times must not cost n * n).
            key = (id(bindings), id(fn))
            if key not in self._bound_kinds:
                self._bound_kinds[key] = self._bound_kind(bindings, fn, depth)
            found = self._bound_kinds[key]
        else:
            found = self._bound_kind(bindings, fn, depth)
        if found is not None:
            return found
        return self._elsewhere(expr, fn) if self._elsewhere is not None and depth == 0 else None

    def may_be(self, expr: ast.expr, fn: FunctionFacts, kinds: frozenset[Kind]) -> bool:
        """Some binding of ``expr`` is one of ``kinds`` (``kind`` answers with the latest known):
        ``self._executor`` set to a caller's ``Executor`` on one path and a thread pool on another."""
        return any(
            (self.annotation_kind(b.value) if b.is_annotation else self.kind(b.value, fn, 1)) in kinds
            for b in self.bindings(expr, fn)
        )

    def _bound_kind(self, bindings: list[Binding], fn: FunctionFacts, depth: int) -> Kind | None:
        """The kind of the latest binding whose kind is known."""
        for binding in reversed(bindings):
            found = (
                self.annotation_kind(binding.value)
                if binding.is_annotation
                else self.kind(binding.value, fn, depth + 1)
            )
            if found is not None:
                return found
        return None

    def _call_kind(self, call: ast.Call, fn: FunctionFacts, depth: int) -> Kind | None:
        qualname = self.facts.imports.qualname(call.func)
        method = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if qualname is not None:
            by_name = class_kind(qualname)
            if by_name is not None:
                return by_name
            if qualname == MP_GET_CONTEXT:
                return Kind.MP_CONTEXT
            if qualname == TASK_GROUP:
                return Kind.TASK_GROUP
            if qualname == COPY_CONTEXT:
                return Kind.COPIED_CONTEXT
            if qualname in OTEL_CONTEXT_PRODUCERS:
                return Kind.OTEL_CONTEXT
            if qualname in TASK_FACTORIES:
                return Kind.TASK
        if method is not None:
            receiver = call.func.value  # type: ignore[attr-defined]
            if method == "start_span":
                return Kind.SPAN
            if method in TASK_METHODS:
                return Kind.TASK
            if method in ("Pool", "ThreadPoolExecutor", "ProcessPoolExecutor"):
                if self.kind(receiver, fn, depth + 1) is Kind.MP_CONTEXT:
                    return Kind.PROCESS_POOL
        if isinstance(call.func, ast.Name) and call.func.id in self.facts.classes:
            for base in self.facts.classes[call.func.id].bases:
                found = class_kind(base)
                if found is not None:
                    return found
        target = self.function(call.func, fn)
        if target is not None and target.is_async and not target.is_generator:
            return Kind.COROUTINE
        if self._elsewhere is not None and depth == 0 and target is None:
            return self._elsewhere(call, fn)
        return None

    def annotation_kind(self, annotation: ast.expr) -> Kind | None:
        for named in annotated_types(annotation):
            qualname = self.facts.imports.qualname(named)
            kind = class_kind(qualname) if qualname else None
            if kind is not None:
                return kind
        return None

    def function(self, expr: ast.expr, fn: FunctionFacts) -> FunctionFacts | None:
        """The function defined in this file that ``expr`` names, if any."""
        if isinstance(expr, ast.Lambda):
            return self.facts.lambdas.get(id(expr))
        if isinstance(expr, ast.Name):
            scope: FunctionFacts | None = fn
            while scope is not None:
                if expr.id in scope.local_defs:
                    return scope.local_defs[expr.id]
                scope = scope.parent
            return None
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id in ("self", "cls")
            and fn.cls is not None
        ):
            return fn.cls.methods.get(expr.attr)
        return None


def class_kind(qualname: str) -> Kind | None:
    """What an instance of the class ``qualname`` is, for the classes whose kind matters."""
    if qualname in THREAD_POOLS:
        return Kind.THREAD_POOL
    if qualname in PROCESS_POOLS:
        return Kind.PROCESS_POOL
    if qualname in EXECUTOR_TYPES:
        return Kind.EXECUTOR
    return None
