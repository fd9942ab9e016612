"""The project model: every module's summary, resolved across modules, answering three questions.

1. What is this object? (an executor's kind, through imports, class attributes, base classes and
   factory functions anywhere in the project)
2. May this function run while a span is current? (it is reached, through the project's calls, from a
   span block, a span decorator, a tracing helper of the project, or an entry point that
   instrumentation runs inside a span) And if so, where is that span opened, and by which path?
3. Does this worker make spans? (it opens one, calls an instrumented library, a callback, or project
   code that does) A worker that makes none loses nothing a trace would show.

Each answer is computed once per run and memoised; every walk over the call graph is iterative.
"""

from __future__ import annotations

import builtins
from collections import deque
from dataclasses import dataclass
from functools import cached_property

from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.analysis.vocabulary import EXECUTOR_TYPES, PROCESS_POOLS, THREAD_POOLS
from flake8_otel_context.project.libraries import UNTRACED_METHODS, instrumented, is_stdlib
from flake8_otel_context.project.summary import ClassSummary, FunctionSummary, ModuleSummary, Value

_MAX_DEPTH = 12
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Origin:
    """Where the span a function may run under is opened, and how the calls get there."""

    what: str  # "span 'GET /report'", "a FastAPI route's server span"...
    path: str
    line: int
    via: tuple[str, ...] = ()  # the functions between the span and here, outermost first

    def describe(self) -> str:
        where = f"{self.what} (opened at {self.path}:{self.line}"
        if self.via:
            where += f", reached via {' -> '.join(name + '()' for name in self.via)}"
        return where + ")"


@dataclass(frozen=True)
class FunctionRef:
    module: ModuleSummary
    function: FunctionSummary

    @property
    def qualified(self) -> str:
        return f"{self.module.name}.{self.function.name}"


class ProjectModel:
    def __init__(self, summaries: list[ModuleSummary]) -> None:
        self.modules = {summary.name: summary for summary in summaries}
        self.by_path = {summary.path: summary for summary in summaries}
        self._traced: dict[str, str | None] = {}

    # -- names -------------------------------------------------------------------------------------

    def lookup(self, qualified: str, depth: int = 0) -> FunctionRef | ClassSummary | list[Value] | None:
        """What a qualified name is in the project: a function, a class, a global's values, or None
        (not the project's: a third-party or standard-library name)."""
        if depth > _MAX_DEPTH:
            return None
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.modules.get(".".join(parts[:cut]))
            if module is None:
                continue
            rest = parts[cut:]
            inner = ".".join(rest)
            if inner in module.functions:
                return FunctionRef(module, module.functions[inner])
            head = rest[0]
            if head in module.classes:
                cls = module.classes[head]
                if len(rest) == 1:
                    return cls
                method = self.method(f"{module.name}.{head}", rest[1])
                return method
            if head in module.imports:
                target = module.imports[head]
                return self.lookup(".".join([target, *rest[1:]]), depth + 1)
            if head in module.globals and len(rest) == 1:
                return module.globals[head]
            return None
        return None

    def class_named(self, qualified: str) -> tuple[str, ClassSummary] | None:
        found = self.lookup(qualified)
        if isinstance(found, ClassSummary):
            module = self._module_of_class(qualified, found)
            return (f"{module}.{found.name}", found) if module else None
        return None

    def _module_of_class(self, qualified: str, cls: ClassSummary) -> str | None:
        for name, module in self.modules.items():
            if module.classes.get(cls.name) is cls:
                return name
        return None

    def _mro(self, qualified: str) -> list[tuple[str, ClassSummary]]:
        """The class and its project base classes, nearest first (breadth-first, cycles cut)."""
        found = self.class_named(qualified)
        if found is None:
            return []
        order, seen, pending = [], set(), deque([found])
        while pending and len(order) < 50:
            name, cls = pending.popleft()
            if name in seen:
                continue
            seen.add(name)
            order.append((name, cls))
            for base in cls.bases:
                parent = self.class_named(base)
                if parent is not None:
                    pending.append(parent)
        return order

    def method(self, class_qualified: str, name: str) -> FunctionRef | None:
        for qualified, cls in self._mro(class_qualified):
            if name in cls.methods:
                module = self.modules[qualified.rpartition(".")[0]]
                function = module.functions.get(f"{cls.name}.{name}")
                if function is not None:
                    return FunctionRef(module, function)
        return None

    def external_bases(self, class_qualified: str) -> list[str]:
        """The base classes of a project class (and of its project bases) that the project does not
        define: where a thread pool subclass says what it is."""
        return [
            base for _, cls in self._mro(class_qualified) for base in cls.bases if self.class_named(base) is None
        ]

    # -- 1. what an object is ----------------------------------------------------------------------

    def kind(self, ref: str | None, depth: int = 0) -> Kind | None:
        if ref is None or depth > _MAX_DEPTH:
            return None
        if ref.endswith("()") and "#" not in ref:
            return self._call_kind(ref[:-2], depth)
        if "#" in ref:
            instance, _, attribute = ref.rpartition("#")
            return self._attribute_kind(instance, attribute, depth)
        found = self.lookup(ref)
        if isinstance(found, list):
            return self._values_kind(found, depth)
        return None

    def _values_kind(self, values: list[Value], depth: int) -> Kind | None:
        for value in reversed(values):
            if value.kind is not None:
                try:
                    return Kind(value.kind)
                except ValueError:
                    continue
            found = self.kind(value.ref, depth + 1)
            if found is not None:
                return found
        return None

    def _call_kind(self, callee: str, depth: int) -> Kind | None:
        by_name = _class_kind(callee)
        if by_name is not None:
            return by_name
        found = self.lookup(callee)
        if isinstance(found, ClassSummary):
            for base in self.external_bases(callee):
                kind = _class_kind(base)
                if kind is not None:
                    return kind
            return None
        if isinstance(found, FunctionRef):
            return self._values_kind(found.function.returns, depth)
        if isinstance(found, list):
            return None
        return None

    def _attribute_kind(self, instance: str, attribute: str, depth: int) -> Kind | None:
        if attribute.endswith("()"):  # what a method returns
            method = self._instance_method(instance, attribute[:-2])
            return self._values_kind(method.function.returns, depth) if method else None
        class_name = self._instance_class(instance, depth)
        if class_name is None:
            return None
        for _, cls in self._mro(class_name):
            values = cls.attributes.get(attribute)
            if values:
                found = self._values_kind(values, depth)
                if found is not None:
                    return found
        return None

    def _instance_class(self, instance: str, depth: int) -> str | None:
        """The project class an instance reference is of (``pkg.Agent()``, ``pkg.Agent()#helper``)."""
        if depth > _MAX_DEPTH:
            return None
        if instance.endswith("()") and "#" not in instance:
            callee = instance[:-2]
            found = self.lookup(callee)
            if isinstance(found, ClassSummary):
                named = self.class_named(callee)
                return named[0] if named else None
            if isinstance(found, FunctionRef):
                for value in found.function.returns:
                    if value.ref:
                        named_class = self._instance_class(value.ref, depth + 1)
                        if named_class:
                            return named_class
            return None
        if "#" in instance:
            owner, _, attribute = instance.rpartition("#")
            owner_class = self._instance_class(owner, depth + 1)
            if owner_class is None:
                return None
            for _, cls in self._mro(owner_class):
                for value in reversed(cls.attributes.get(attribute, [])):
                    if value.ref:
                        named_class = self._instance_class(value.ref, depth + 1)
                        if named_class:
                            return named_class
            return None
        found = self.lookup(instance)
        if isinstance(found, list):
            for value in reversed(found):
                if value.ref:
                    named_class = self._instance_class(value.ref, depth + 1)
                    if named_class:
                        return named_class
        return None

    def _instance_method(self, instance: str, name: str) -> FunctionRef | None:
        class_name = self._instance_class(instance, 0)
        return self.method(class_name, name) if class_name else None

    def executor_carries_context(self, ref: str | None) -> bool:
        """An executor of a project class whose ``submit`` captures the caller's context itself
        (langchain's ``ContextThreadPoolExecutor``)."""
        if ref is None:
            return False
        class_name = self._instance_class(ref, 0)
        if class_name is None:
            return False
        submit = self.method(class_name, "submit")
        return submit is not None and (submit.function.captures or submit.function.enters)

    # -- callees -----------------------------------------------------------------------------------

    def resolve_call(self, callee: str) -> FunctionRef | ClassSummary | None:
        """The project function (or class) a tagged call reaches, if any."""
        tag, _, rest = callee.partition(":")
        if tag == "f":
            found = self.lookup(rest)
            if isinstance(found, (FunctionRef, ClassSummary)):
                return found
            if isinstance(found, list):  # a global bound to a function: ``handler = _impl``
                for value in reversed(found):
                    if value.ref and not value.ref.endswith(")"):
                        target = self.lookup(value.ref)
                        if isinstance(target, FunctionRef):
                            return target
            return None
        if tag == "m":
            instance, _, method = rest.rpartition("|")
            if instance.endswith(")") or "#" in instance:
                return self._instance_method(instance, method)
            found = self.lookup(f"{instance}.{method}")
            return found if isinstance(found, FunctionRef) else None
        return None

    # -- 2. where spans are current ----------------------------------------------------------------

    @cached_property
    def _live(self) -> dict[str, Origin]:
        """Every project function that may run while a span is current, with where it comes from."""
        live: dict[str, Origin] = {}
        pending: deque[FunctionRef] = deque()

        def reach(target: FunctionRef | ClassSummary | None, origin: Origin) -> None:
            if isinstance(target, ClassSummary):
                return
            if target is not None and target.qualified not in live:
                live[target.qualified] = origin
                pending.append(target)

        for module in self.modules.values():
            for function in module.functions.values():
                ref = FunctionRef(module, function)
                if function.entry:
                    reach(ref, Origin(f"the server or consumer span around {function.entry}", module.path, function.line))
                elif function.opens_span and function.span_line == function.line:
                    reach(ref, Origin(f"span {function.span_name!r}", module.path, function.line))
        for module in self.modules.values():
            for function in module.functions.values():
                for call in function.calls:
                    origin = self._span_at(module, function, call.under)
                    if origin is not None:
                        reach(self.resolve_call(call.callee), _through(origin, function.name))
        while pending:
            ref = pending.popleft()
            origin = live[ref.qualified]
            for call in ref.function.calls:
                reach(self.resolve_call(call.callee), _through(origin, ref.function.name))
        return live

    def _span_at(self, module: ModuleSummary, function: FunctionSummary, under: str | None) -> Origin | None:
        if under is None:
            return None
        if under.startswith("line "):
            return Origin(f"span {function.span_name!r}", module.path, int(under[5:]))
        helper = self.resolve_call(under[5:])
        if isinstance(helper, FunctionRef) and helper.function.yields_in_span:
            span = helper.function.span_name or helper.function.name
            return Origin(f"span {span!r} of {helper.function.name}()", helper.module.path, helper.function.span_line)
        return None

    def live(self, module: str, function: str) -> Origin | None:
        return self._live.get(f"{module}.{function}")

    def span_helper(self, callee: str) -> Origin | None:
        """``with helper(...)``: the project's own tracing helper opens a span for the block."""
        return self._span_at(ModuleSummary("", ""), FunctionSummary("", 0), f"with:{callee}")

    # -- 3. whether a worker makes spans -----------------------------------------------------------

    def call_traced(self, callee: str, params: frozenset[str] = frozenset()) -> str | None:
        """Why calling ``callee`` may make a span, or None when it cannot."""
        tag, _, rest = callee.partition(":")
        if tag == "p":
            return f"calls {rest}(), a callable it is given"
        if tag == "b":
            return None if rest in _BUILTINS else f"calls {rest}(), which the analysis cannot see"
        target = self.resolve_call(callee)
        if isinstance(target, FunctionRef):
            why = self.traced(target)
            return f"calls {target.function.name}(), which {why}" if why else None
        if isinstance(target, ClassSummary):
            return None
        if tag == "f":
            if instrumented(rest):
                return f"calls {rest}(), which is instrumented"
            return None
        if tag == "m":
            instance, _, method = rest.rpartition("|")
            root = instance.split("#")[0].removesuffix("()")
            if self._instance_class(instance, 0) is not None:
                return None  # a project object whose method is not found: a property or attribute
            if instrumented(root):
                return f"calls {method}() of {root}, which is instrumented"
            if self.lookup(root) is not None or is_stdlib(root) or "." in root:
                return None
            return None if method in UNTRACED_METHODS else f"calls .{method}() of an object it cannot see"
        if tag == "u":
            return None if rest in UNTRACED_METHODS else f"calls .{rest}() of an object it cannot see"
        return None

    def traced(self, ref: FunctionRef) -> str | None:
        """Why a project function may make spans (memoised; a call cycle counts as untraced)."""
        key = ref.qualified
        if key in self._traced:
            return self._traced[key]
        self._traced[key] = None  # in progress: a recursive call adds nothing
        function = ref.function
        why: str | None = None
        if function.opens_span:
            why = f"opens span {function.span_name!r}" if function.span_name else "opens a span"
        else:
            for call in function.calls:
                why = self.call_traced(call.callee)
                if why:
                    break
        self._traced[key] = why
        return why

    def has_live_boundary(self, path: str) -> bool:
        """The module at ``path`` holds a call that may cross a boundary in a function that may run
        under a span: worth a full analysis even if it never mentions OpenTelemetry."""
        summary = self.by_path.get(path)
        if summary is None:
            return False
        return any(self.live(summary.name, name) for name in summary.boundary_functions)

    def function(self, module: str, name: str) -> FunctionRef | None:
        summary = self.modules.get(module)
        if summary is None or name not in summary.functions:
            return None
        return FunctionRef(summary, summary.functions[name])


def _through(origin: Origin, function: str) -> Origin:
    return Origin(origin.what, origin.path, origin.line, (*origin.via, function)[-4:])


def _class_kind(qualified: str) -> Kind | None:
    if qualified in THREAD_POOLS or qualified in EXECUTOR_TYPES:
        return Kind.THREAD_POOL
    if qualified in PROCESS_POOLS:
        return Kind.PROCESS_POOL
    return None
