"""The project model: every module's summary, resolved across modules, answering three questions.

1. What is this object? (an executor's kind, through imports, class attributes, base classes and
   factory functions anywhere in the project)
2. May this function run while a span is current? (it is reached, through the project's calls, from a
   span block, a span decorator, a tracing helper of the project, or an entry point that
   instrumentation runs inside a span) And if so, where is that span opened, and by which path?
3. Does this worker make spans? (it opens one, calls an instrumented library, a callback, or project
   code that does) A worker that makes none loses nothing a trace would show.

And a small fourth: does any module read this context key (``get_value``)? A value attached and
never read changes no span.

Each answer is computed once per run and memoised; every walk over the call graph is iterative.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeVar

from flake8_otel_context.analysis.values import Kind, class_kind
from flake8_otel_context.project.libraries import (
    DATA_METHODS,
    INSTRUMENTED_ENTRY_POINTS,
    UNTRACED_METHODS,
    instrumented,
)
from flake8_otel_context.project.cache import SummaryCache
from flake8_otel_context.project.summary import (
    Call,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    Value,
    inert,
)

_MAX_DEPTH = 30
_MAX_REACHED = 2_000
_MAX_GIVEN_TO = 8
_PROPERTIES = frozenset({"property", "cached_property"})
# A method call on an object of unknown type is linked, in the call graph, to the project's methods of
# that name when there are at most this many: ``self.agent.execute_task(...)`` reaches
# ``Agent.execute_task``; a name every class defines (``run``) says nothing.
_MAX_NAMESAKES = 3
# Module or function names that are programs or their tests, not an API users call under a span.
_NOT_LIBRARY = frozenset({"tests", "test", "testing", "cli", "main", "__main__", "scripts", "examples"})
# Words of a function's name that say it sets up, maintains or tears something down (an object, a
# connection, a registration): it runs at start-up, at shutdown or from a framework's callback, not
# as work users do inside their own spans. Matched on the ``_``-separated words of the name.
_LIFECYCLE = frozenset(
    {"init", "initialize", "setup", "start", "stop", "close", "shutdown", "cancel", "connect",
     "reconnect", "disconnect", "teardown", "cleanup", "register", "unregister", "refresh", "resync",
     "configure", "install", "uninstall"}
)  # fmt: skip
# Base classes of OpenTelemetry's pipeline: their subclasses' methods handle spans already made (or
# export them), on whatever thread the pipeline uses.
_TELEMETRY_PIPELINE = ("SpanProcessor", "SpanExporter", "LogRecordProcessor", "LogExporter", "MetricExporter",
                       "MetricReader")  # fmt: skip
# Implementations of one method name read as "what an object of unknown type may run" for tracing.
_MAX_IMPLEMENTATIONS = 12


_TYPING_PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol"})

_T = TypeVar("_T")
_IN_PROGRESS: Any = object()


def _memoised(method: Callable[..., _T]) -> Callable[..., _T | None]:
    """Each answer once per model: references form a graph with cycles and shared paths (a factory
    returning another factory's value), which unmemoised resolution walks exponentially often. An
    answer asked for while it is being computed (a cycle) is None."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: ProjectModel, key: str, *rest: Any) -> _T | None:
        cache = self._memo.setdefault(name, {})
        if key in cache:
            found = cache[key]
            return None if found is _IN_PROGRESS else found
        cache[key] = _IN_PROGRESS
        value = method(self, key, *rest)
        cache[key] = value
        return value

    return wrapper


def _remembered(method: Callable[..., _T]) -> Callable[..., _T]:
    """Each answer once per model, for questions that depend only on their (hashable) arguments
    and never ask themselves again on the way (no cycle): the walks over the call graph ask the
    same few (a class's bases, a call's targets) once per call site, and they are not cheap."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: ProjectModel, *arguments: Any) -> _T:
        cache = self._answers.setdefault(name, {})
        try:
            return cache[arguments]  # type: ignore[no-any-return]
        except KeyError:
            value = cache[arguments] = method(self, *arguments)
            return value

    return wrapper


@dataclass(frozen=True)
class Origin:
    """Where the span a function may run under is opened, and how the calls get there."""

    what: str  # "span 'GET /report'", "a FastAPI route's server span"...
    path: str
    line: int
    via: tuple[str, ...] = ()  # the functions between the span and here, outermost first
    # Assumed, not seen: a public function is called by users under their own spans. Such a
    # boundary is reported only on strong evidence that the worker makes spans, or when the worker
    # runs the callable users hand a public function that reaches it (``Evidence.given_to``).
    assumed: bool = False
    entry: str = ""  # the public function assumed to run in its caller's span (qualified), when assumed

    def describe(self) -> str:
        verb = "assumed at" if self.assumed else "opened at"
        where = f"{self.what} ({verb} {_shown(self.path)}:{self.line}"
        if self.via:
            where += f", reached via {' -> '.join(name + '()' for name in self.via)}"
        return where + ")"


@dataclass(frozen=True)
class Evidence:
    """Why a worker may make spans. Strong: it opens one, or calls an instrumented library or an
    instrumented entry point. Weak: it calls something it is given, which may. Guessed: somewhere
    on the way, a method of an object of unknown type was taken to be one of the project's methods
    of that name (``provider.finetune()`` as ``DatabricksProvider.finetune``). Given to a public
    function: the worker runs a callable that users hand that function (``execute(fn, data)``), weak
    evidence, but the one that counts when the users' spans are only assumed around the same call."""

    text: str
    strong: bool = True
    guessed: bool = False
    given_to: tuple[str, ...] = ()  # the public functions (qualified) whose users hand the callable

    def because(self, prefix: str) -> Evidence:
        return Evidence(f"{prefix} {self.text}", self.strong, self.guessed, self.given_to)

    @property
    def rank(self) -> tuple[bool, bool, bool]:
        return self.strong, not self.guessed, bool(self.given_to)


@dataclass(frozen=True)
class Returned:
    """What calling a call's value may run: the functions its factory returns (``complete`` when
    the model can read every value it returns), or a class's ``__call__`` (no factory)."""

    factory: FunctionRef | None
    functions: list[FunctionRef]
    complete: bool


@dataclass(frozen=True)
class FunctionRef:
    module: ModuleSummary
    function: FunctionSummary

    @property
    def qualified(self) -> str:
        return f"{self.module.name}.{self.function.name}"


def real_path(path: str, known: Container[str]) -> str:
    """``os.path.realpath(path)``, which costs an ``lstat`` per directory of the path, skipped when
    the absolute path is already one of the ``known`` real paths (a module's path is kept real): a
    string that is some file's real path names that file. Not with ``..`` in it: ``abspath``
    removes ``link/..`` as text, where the link's target's parent is meant."""
    if ".." not in path:
        absolute = os.path.abspath(path)
        if absolute in known:
            return absolute
    return os.path.realpath(path)


class ProjectModel:
    def __init__(
        self, summaries: list[ModuleSummary], digest: str = "", aliases: dict[str, str] | None = None
    ) -> None:
        # What the model was built from (every module's content key): a file's findings can be reused
        # while the file, the settings and this digest stay the same.
        self.digest = digest
        self.caches: dict[str, SummaryCache] = {}
        self.modules = {summary.name: summary for summary in summaries}
        # The other names a module is imported by: a namespace package (PEP 420, no ``__init__.py``:
        # ``google/cloud/spanner_v1/``) is imported as ``google.cloud.spanner_v1`` though the module's
        # own name starts at its first regular package.
        self._aliases = {
            alias: self.modules[name] for alias, name in (aliases or {}).items() if name in self.modules
        }
        # The top-level names each module is imported by: ``google`` for the module found as
        # ``adk.runners`` under the namespace package ``google/`` (and ``src`` in a src layout, which
        # is why every name counts, not only the longest).
        self._tops = {summary.name: {summary.name.partition(".")[0]} for summary in summaries}
        for alias, module in self._aliases.items():
            self._tops[module.name].add(alias.partition(".")[0])
        self.by_path = {summary.path: summary for summary in summaries}
        self._traced: dict[str, Evidence | None] = {}
        self._passed: dict[str, Evidence | None] = {}
        self._workers: dict[str, Evidence | None] = {}
        self._reached: dict[str, bool] = {}
        self._memo: dict[str, dict[str, Any]] = {}
        self._answers: dict[str, dict[tuple[Any, ...], Any]] = {}  # see ``_remembered``

    def cache_for(self, path: str) -> SummaryCache | None:
        """The cache of the project root ``path`` lies under, if the run has one."""
        return next((cache for root, cache in self.caches.items() if path.startswith(root + os.sep)), None)

    def prepare(self) -> ProjectModel:
        """Answer the whole-project questions now, once, in the process that builds the model: flake8
        forks its workers after, and each would otherwise work them out again."""
        _ = self._live, self._tracing_helpers, self._methods_by_name, self._subclasses, self._callers
        return self

    # -- names -------------------------------------------------------------------------------------

    @_memoised
    def lookup(self, qualified: str, depth: int = 0) -> FunctionRef | ClassSummary | list[Value] | None:
        """What a qualified name is in the project: a function, a class, a global's values, or None
        (not the project's: a third-party or standard-library name)."""
        if depth > _MAX_DEPTH:
            return None
        parts = qualified.split(".")
        # The longest module prefix first (``from pkg.mod import name`` names a module path); when
        # the rest is not found there, a shorter one, as attribute access would go (``tracing.tracer``
        # where the package re-exports ``tracer`` over its submodule of the same name).
        for cut in range(len(parts) - 1, 0, -1):
            module = self._module_named(".".join(parts[:cut]))
            if module is not None:
                found = self._lookup_in(module, parts[cut:], depth)
                if found is not None:
                    return found
        return None

    def _module_named(self, name: str) -> ModuleSummary | None:
        return self.modules.get(name) or self._aliases.get(name)

    def _lookup_in(
        self, module: ModuleSummary, rest: list[str], depth: int
    ) -> FunctionRef | ClassSummary | list[Value] | None:
        inner = ".".join(rest)
        if inner in module.functions:
            return FunctionRef(module, module.functions[inner])
        head = rest[0]
        if head in module.classes:
            if len(rest) == 1:
                return module.classes[head]
            return self.method(f"{module.name}.{head}", rest[1])
        if head in module.imports:
            target = module.imports[head]
            if target != f"{module.name}.{head}":
                return self.lookup(".".join([target, *rest[1:]]), depth + 1)
        if head in module.globals:
            if len(rest) == 1:
                return module.globals[head]
            if len(rest) == 2:  # a method of a module-level instance: ``tracer.trace``
                return self._instance_method(f"{module.name}.{head}", rest[1])
        return None

    @_remembered
    def class_named(self, qualified: str) -> tuple[str, ClassSummary] | None:
        found = self.lookup(qualified)
        if isinstance(found, ClassSummary):
            module = self._class_modules.get(id(found))
            return (f"{module}.{found.name}", found) if module else None
        return None

    @cached_property
    def _class_modules(self) -> dict[int, str]:
        return {id(cls): name for name, module in self.modules.items() for cls in module.classes.values()}

    @_remembered
    def _mro(self, qualified: str) -> list[tuple[str, ClassSummary]]:
        """The class and its project base classes, nearest first (breadth-first, cycles cut)."""
        found = self.class_named(qualified)
        if found is None:
            return []
        order: list[tuple[str, ClassSummary]] = []
        seen: set[str] = set()
        pending = deque([found])
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

    @_remembered
    def external_bases(self, class_qualified: str) -> list[str]:
        """The base classes of a project class (and of its project bases) that the project does not
        define: where a thread pool subclass says what it is."""
        return [
            base
            for _, cls in self._mro(class_qualified)
            for base in cls.bases
            if self.class_named(base) is None
        ]

    # -- 1. what an object is ----------------------------------------------------------------------

    @_memoised
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
        by_name = class_kind(callee)
        if by_name is not None:
            return by_name
        found = self.lookup(callee)
        if isinstance(found, ClassSummary):
            for base in self.external_bases(callee):
                kind = class_kind(base)
                if kind is not None:
                    return kind
            return None
        if isinstance(found, FunctionRef):
            return self._values_kind(found.function.returns, depth)
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
        getter = self._property(class_name, attribute)
        return self._values_kind(getter.function.returns, depth) if getter is not None else None

    def _property(self, class_name: str, attribute: str) -> FunctionRef | None:
        """The ``@property`` (or ``cached_property``) getter that computes ``attribute``."""
        getter = self.method(class_name, attribute)
        if getter is not None and any(
            d.rpartition(".")[2] in _PROPERTIES for d in getter.function.decorators
        ):
            return getter
        return None

    @_memoised
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
                if _unreadable_return(found.function):
                    return None  # a factory that may also build what the model cannot read
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
            values = [
                v for _, cls in self._mro(owner_class) for v in reversed(cls.attributes.get(attribute, []))
            ]
            getter = self._property(owner_class, attribute)
            values += getter.function.returns if getter is not None else []
            for value in values:
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

    @_memoised
    def _built_by(self, instance: str, depth: int) -> str | None:
        """The third-party callable that built an instance reference the project does not define:
        ``self.client`` assigned ``openai.OpenAI(...)`` in ``__init__`` makes
        ``Provider()#client#chat#completions`` an OpenAI client's attribute."""
        if depth > _MAX_DEPTH:
            return None
        owner, _, attribute = instance.rpartition("#")
        if not owner:
            if instance.endswith("()"):
                return None if self.lookup(instance[:-2]) is not None else instance[:-2]
            found = self.lookup(instance)
            values = found if isinstance(found, list) else []
        else:
            found_in_owner = self._built_by(owner, depth + 1)
            if found_in_owner is not None:
                return found_in_owner
            owner_class = self._instance_class(owner, depth + 1)
            if owner_class is None:
                return None
            values = [v for _, cls in self._mro(owner_class) for v in cls.attributes.get(attribute, [])]
        for value in reversed(values):
            if value.ref:
                built = self._built_by(value.ref, depth + 1)
                if built is not None:
                    return built
        return None

    def _factory_made(self, instance: str) -> bool:
        """An attribute that a project function builds, of a class the model cannot name (mem0's
        ``self.graph = GraphStoreFactory.create(...)``): one of the project's own objects, so
        ``.add()`` or ``.search()`` on it runs project code, not a set's or a regex's method."""
        owner, _, attribute = instance.rpartition("#")
        owner_class = self._instance_class(owner, 0) if owner else None
        if owner_class is None:
            return False
        values = [v for _, cls in self._mro(owner_class) for v in cls.attributes.get(attribute, [])]
        for value in values:
            factory = self.lookup(value.ref[:-2]) if value.ref and value.ref.endswith("()") else None
            if isinstance(factory, FunctionRef) and _unreadable_return(factory.function):
                return True
        return False

    def _instance_method(self, instance: str, name: str) -> FunctionRef | None:
        class_name = self._instance_class(instance, 0)
        return self.method(class_name, name) if class_name else None

    @cached_property
    def _subclasses(self) -> dict[str, list[str]]:
        """Each project class's direct subclasses in the project (for calls through a base class),
        and each ``Protocol``'s implementations (for calls through an annotation that names it)."""
        found: dict[str, list[str]] = {}
        protocols: list[tuple[str, ClassSummary]] = []
        for module in self.modules.values():
            for cls in module.classes.values():
                qualified = f"{module.name}.{cls.name}"
                if self._is_protocol(qualified):
                    protocols.append((qualified, cls))
                for base in cls.bases:
                    named = self.class_named(base)
                    if named is not None:
                        found.setdefault(named[0], []).append(qualified)
        for qualified, protocol in protocols:
            found.setdefault(qualified, []).extend(self._implementations(protocol))
        return found

    def _is_protocol(self, qualified: str) -> bool:
        """A ``typing.Protocol`` (not ``asyncio.Protocol``, a base class like any other)."""
        named = self.class_named(qualified)
        return named is not None and any(base in _TYPING_PROTOCOLS for base in named[1].bases)

    def _implementations(self, protocol: ClassSummary) -> list[str]:
        """The project classes that implement a ``Protocol`` without naming it as a base: those
        that define every method it declares and are named after it (``OpenAIChatGenerator`` for
        ``ChatGenerator``). A protocol of one common method (``run``) would otherwise match every
        class that has one."""
        found = []
        for module in self.modules.values():
            for cls in module.classes.values():
                if cls.name == protocol.name or not cls.name.endswith(protocol.name):
                    continue
                qualified = f"{module.name}.{cls.name}"
                defined = {method for _, ancestor in self._mro(qualified) for method in ancestor.methods}
                if defined.issuperset(protocol.methods):
                    found.append(qualified)
        return found

    def overrides(self, ref: FunctionRef) -> list[FunctionRef]:
        """``ref`` and every override of it in the project's subclasses: what a call through the
        base class may run (``self.actual_tracer.trace`` with ``actual_tracer: Tracer``)."""
        owner, _, method = ref.function.name.rpartition(".")
        if not owner or "." in owner:
            return [ref]
        return [ref, *self._subclass_methods(f"{ref.module.name}.{owner}", method)]

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

    @_memoised
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
        if tag == "r":
            returned = self._returned_functions(rest)
            return returned.functions[0] if returned is not None and returned.functions else None
        return None

    @_memoised
    def _returned_functions(self, value: str) -> Returned | None:
        """The project functions a call's value may be, for a call of a project function that
        returns them (``wrapped = self._wrap(fn)``: the closure ``_wrap`` defines; a dispatcher's
        handlers), or ``__call__`` of the project class whose instance it is. None when the call
        runs nothing the project defines."""
        if not value.endswith("()"):
            return None
        owner, _, method = value[:-2].rpartition("#")
        factory = self._instance_method(owner, method) if owner else self.lookup(value[:-2])
        if isinstance(factory, ClassSummary):
            named = self.class_named(value[:-2])
            call = self.method(named[0], "__call__") if named else None
            return Returned(None, [call], True) if call is not None else None
        if not isinstance(factory, FunctionRef):
            return None
        functions = []
        for returned in factory.function.returns:
            target = self.lookup(returned.ref) if returned.ref and not returned.ref.endswith(")") else None
            if isinstance(target, FunctionRef):
                functions.append(target)
        complete = len(functions) == len(factory.function.returns)
        return Returned(factory, functions, complete) if functions else None

    # -- 2. where spans are current ----------------------------------------------------------------

    @cached_property
    def _live(self) -> tuple[dict[str, Origin], dict[str, Origin]]:
        """Every project function that may run while a span is current, with where it comes from:
        first where the project shows the span (span blocks, decorators, tracing helpers,
        instrumented entry points, routes), then also where it is only assumed (users call the
        public API under their own spans), for the ``public`` scope and wider."""
        live: dict[str, Origin] = {}
        shown: dict[str, Origin] = {}
        seen, assumed = self._span_seeds()
        for seeds in (seen, assumed):
            if seeds is assumed:
                shown = dict(live)
            pending: deque[FunctionRef] = deque()
            for target, origin in seeds:
                if target.qualified not in live:
                    live[target.qualified] = origin
                    pending.append(target)
            while pending:
                ref = pending.popleft()
                origin = live[ref.qualified]
                for call in ref.function.calls:
                    for target in self.callees(call.callee):
                        if target.qualified not in live:
                            live[target.qualified] = _through(origin, ref.function.name)
                            pending.append(target)
        return shown, live

    def _span_seeds(self) -> tuple[list[tuple[FunctionRef, Origin]], list[tuple[FunctionRef, Origin]]]:
        """Where spans start: (functions the project shows in a span, functions only assumed in one)."""
        seen: list[tuple[FunctionRef, Origin]] = []
        assumed: list[tuple[FunctionRef, Origin]] = []
        for module in self.modules.values():
            instrumented_by = self._instrumented_entry_points(module)
            for function in module.functions.values():
                ref = FunctionRef(module, function)
                if instrumented_by is not None and self._wrapped(module, function, instrumented_by[1]):
                    what = f"the span {instrumented_by[0]} opens around {function.name}()"
                    seen.append((ref, Origin(what, module.path, function.line)))
                elif function.entry:
                    seen.append((ref, Origin(function.entry, module.path, function.line)))
                elif function.opens_span and function.span_line == function.line:
                    seen.append((ref, Origin(f"span {function.span_name!r}", module.path, function.line)))
                elif _public(module, function) and not self._pipeline_method(module, function):
                    what = f"the caller's span ({function.name}() is public: users call it in their spans)"
                    public = Origin(what, module.path, function.line, assumed=True, entry=ref.qualified)
                    assumed.append((ref, public))
                for call in function.calls:
                    origin = self._span_at(module, function, call.under)
                    if origin is not None:
                        seen += [
                            (target, _through(origin, function.name)) for target in self.callees(call.callee)
                        ]
        return seen, assumed

    @_remembered
    def callees(self, callee: str) -> list[FunctionRef]:
        """The project functions a call may run: the one it resolves to (each function a factory
        may return, for a call of its value), or, for a method of an object of unknown type, the
        project's few methods of that name."""
        if callee.startswith("r:"):
            returned = self._returned_functions(callee[2:])
            return returned.functions if returned is not None else []
        if inert(callee):
            return []
        target = self.resolve_call(callee)
        if isinstance(target, FunctionRef):
            return self.overrides(target)
        if target is not None:
            init = self.method(self._class_key(target), "__init__")
            return [init] if init is not None else []
        tag, _, rest = callee.partition(":")
        if tag == "m":
            instance, _, method = rest.rpartition("|")
            class_name = self._instance_class(instance, 0)
            if class_name is not None:
                return self._subclass_methods(class_name, method)
        name = rest.rpartition("|")[2] if tag == "m" else rest if tag == "u" else ""
        if not name or name.startswith("__") or name in UNTRACED_METHODS:
            return []
        namesakes = self._methods_by_name.get(name, [])
        return namesakes if len(namesakes) <= _MAX_NAMESAKES else []

    def _class_key(self, cls: ClassSummary) -> str:
        return f"{self._class_modules.get(id(cls))}.{cls.name}"

    @cached_property
    def _methods_by_name(self) -> dict[str, list[FunctionRef]]:
        found: dict[str, list[FunctionRef]] = {}
        for module in self.modules.values():
            for function in module.functions.values():
                owner, _, method = function.name.rpartition(".")
                if owner and "." not in owner:
                    found.setdefault(method, []).append(FunctionRef(module, function))
        return found

    def _instrumented_entry_points(self, module: ModuleSummary) -> tuple[str, frozenset[str]] | None:
        """What an instrumentation wraps in the distribution ``module`` belongs to, keyed by the top
        of the name it is imported by (``google`` for ``google.adk``, a namespace package)."""
        tops = sorted(self._tops[module.name])
        return next((found for top in tops if (found := INSTRUMENTED_ENTRY_POINTS.get(top))), None)

    def _pipeline_method(self, module: ModuleSummary, function: FunctionSummary) -> bool:
        """A method of a span processor or exporter (one of OpenTelemetry's, a subclass of one, or a
        class named as one): telemetry plumbing, not an API users call for their own work."""
        owner, _, _ = function.name.rpartition(".")
        if not owner or "." in owner:
            return False
        qualified = f"{module.name}.{owner}"
        names = [cls.name for _, cls in self._mro(qualified)] + self.external_bases(qualified)
        return any(name.rpartition(".")[2].endswith(_TELEMETRY_PIPELINE) for name in names)

    def _wrapped(self, module: ModuleSummary, function: FunctionSummary, names: frozenset[str]) -> bool:
        """``function`` is one an instrumentation wraps: named in ``names``, or the same method of a
        subclass of a class named there."""
        if function.name in names:
            return True
        owner, _, method = function.name.rpartition(".")
        if not owner or "." in owner:
            return False
        return any(f"{cls.name}.{method}" in names for _, cls in self._mro(f"{module.name}.{owner}")[1:])

    def _span_at(self, module: ModuleSummary, function: FunctionSummary, under: str | None) -> Origin | None:
        if under is None:
            return None
        if under.startswith("line "):
            line, _, name = under[5:].partition("|")
            return Origin(f"span {(name or function.span_name)!r}", module.path, int(line))
        for entered in under[5:].split(";"):
            origin = self.span_helper(entered)
            if origin is not None:
                return origin
        return None

    def _helper_span(
        self, target: FunctionRef | ClassSummary | None, helpers: dict[str, Origin] | None = None
    ) -> Origin | None:
        if not isinstance(target, FunctionRef):
            return None
        known = self._tracing_helpers if helpers is None else helpers
        for candidate in self.overrides(target):
            origin = known.get(candidate.qualified)
            if origin is not None:
                return origin
        return None

    @cached_property
    def _tracing_helpers(self) -> dict[str, Origin]:
        """The project's own tracing helpers, entered with ``with``: a generator that yields inside
        a span (or inside another helper), or a function that returns a helper's context manager
        (``return tracing.tracer.trace(...)``). Found by iterating to a fixpoint."""
        helpers: dict[str, Origin] = {}
        candidates = []
        for module in self.modules.values():
            for function in module.functions.values():
                ref = FunctionRef(module, function)
                if function.yields_in_span:
                    span = function.span_name or function.name
                    helpers[ref.qualified] = Origin(
                        f"span {span!r} of {function.name}()", module.path, function.span_line
                    )
                elif function.yield_withs or function.return_calls:
                    candidates.append(ref)
        changed = True
        while changed:
            changed = False
            for ref in candidates:
                if ref.qualified in helpers:
                    continue
                for callee in ref.function.yield_withs + ref.function.return_calls:
                    origin = self._helper_span(self.resolve_call(callee), helpers)
                    if origin is not None:
                        helpers[ref.qualified] = origin
                        changed = True
                        break
        return helpers

    def live(self, module: str, function: str, assume_public: bool = False) -> Origin | None:
        """Where a span current while ``function`` runs is opened; with ``assume_public``, also a
        public function's callers' span."""
        return self._live[assume_public].get(f"{module}.{function}")

    @_remembered
    def span_helper(self, callee: str) -> Origin | None:
        """``with helper(...)``: the project's own tracing helper opens a span for the block."""
        return self._helper_span(self.resolve_call(callee))

    # -- 3. whether a worker makes spans -----------------------------------------------------------

    def serves(self, callee: str) -> bool:
        """``callee`` is a project function whose body loops for the life of its thread (another
        module's queue drainer or batch loop): as a worker it serves many requests."""
        target = self.resolve_call(callee)
        return isinstance(target, FunctionRef) and target.function.serves

    def call_traced(self, callee: str, caller: FunctionRef | None = None) -> Evidence | None:
        """Why calling ``callee`` (in ``caller``, when known) may make a span, or None when nothing
        shows it can."""
        if inert(callee):
            return None
        tag, _, rest = callee.partition(":")
        if tag == "p":
            return self._passed_traced(caller, rest, 0) if caller is not None else _given(rest)
        if tag == "b":
            return Evidence(f"calls {rest}(), which the analysis cannot see", False)
        if tag == "r":
            return self._returned_traced(rest, self.traced)
        target = self.resolve_call(callee)
        if isinstance(target, ClassSummary):
            return None
        if isinstance(target, FunctionRef):
            found = self._any_traced(self.overrides(target))
            owner = f"{target.module.name}.{target.function.name.rpartition('.')[0]}"
            if found is None and self._is_protocol(owner) and not self._subclasses.get(owner):
                return Evidence(f"calls {target.function.name}(), an interface whose implementations "
                                "the analysis cannot see", strong=False)  # fmt: skip
            return found
        # A class is only constructed, or one of its class or static methods runs
        # (``SchemaField.from_api_repr``, OpenTelemetry's ``ReadableSpan(...)``): no request, and
        # nothing reads the current context.
        constructs = any(part[:1].isupper() for part in rest.split(".")[1:])
        if tag == "f" and rest.startswith("opentelemetry.") and not constructs:
            return Evidence(f"reads the current context ({rest.rpartition('.')[2]}())")
        if tag == "f":
            return (
                Evidence(f"calls {rest}(), which is instrumented")
                if self._instrumented(rest) and not constructs
                else None
            )
        if tag == "m":
            instance, _, method = rest.rpartition("|")
            if method in DATA_METHODS:
                return None
            root = instance.split("#")[0].removesuffix("()")
            if self._instrumented(root):
                if instance.endswith("()"):  # ``requests.get(url).json()``: the request is the call
                    return Evidence(f"calls {root}(), which is instrumented")
                return Evidence(f"calls {method}() of {root}, which is instrumented")
            built_by = self._built_by(instance, 0)
            if built_by is not None and self._instrumented(built_by):
                return Evidence(f"calls {method}() on what {built_by}() returns, which is instrumented")
            class_name = self._instance_class(instance, 0)
            if method in UNTRACED_METHODS and not (class_name is None and self._factory_made(instance)):
                return None
            if class_name is None:
                return self._implementations_traced(method)
            overridden = self._any_traced(self._subclass_methods(class_name, method))
            return overridden or Evidence(f"calls .{method}(), a callable it holds", strong=False)
        if tag == "u":
            return self._implementations_traced(rest)
        return None

    def _returned_traced(
        self, value: str, traced: Callable[[FunctionRef], Evidence | None], carried: bool = True
    ) -> Evidence | None:
        """Why calling what the call ``value`` returns may make spans (each function it may
        return, read by ``traced``). A closure that runs in a context its factory captured, at the
        call that made it, makes no span that loses its parent (unless not ``carried``: the call
        was made before the span). A value the model cannot read at all is weak evidence."""
        returned = self._returned_functions(value)
        if returned is None:
            return Evidence(f"calls what {value} returns, which the analysis cannot see", False)
        best = None
        captured = carried and returned.factory is not None and returned.factory.function.captures
        for function in returned.functions:
            if captured and function.function.enters:
                continue
            why = traced(function)
            if why is not None and (best is None or why.rank > best.rank):
                best = why.because(f"calls {function.function.name}(), which")
        if best is None and not returned.complete:
            return Evidence(f"calls what {value} returns, which the analysis cannot see", False)
        return best

    def worker_traced(self, ref: FunctionRef) -> Evidence | None:
        """Why a boundary's worker may make spans: what ``traced`` says, or, where it only calls a
        callable it is given, what the project's callers hand it (asked for workers only: read for
        every function, callbacks handed around a client would make every method traced).
        Memoised; a worker reached again while it is being read (a closure that calls its own
        factory) adds nothing."""
        key = ref.qualified
        if key not in self._workers:
            self._workers[key] = None
            self._workers[key] = self._worker_evidence(ref)
        return self._workers[key]

    def _worker_evidence(self, ref: FunctionRef) -> Evidence | None:
        def read(callee: str) -> Evidence | None:
            handed = callee[:2] in ("p:", "r:")
            return self._handed_traced(ref, callee, -1) if handed else self.call_traced(callee)

        return None if ref.function.reenters else self._makes_spans(ref, read)

    def handed_traced(self, callee: str, caller: FunctionRef | None, carried: bool = True) -> Evidence | None:
        """Why the callable a boundary in ``caller`` hands its worker (``callee``: a parameter, a
        call's value, a function) may make spans, read as a worker. ``carried``: whether a closure
        that runs in a context its factory captured keeps its spans' parent (see ``_returned_traced``)."""
        if callee.startswith("r:") and not carried:
            return self._returned_traced(callee[2:], self.worker_traced, carried=False)
        return self._handed_traced(caller, callee, -1) if caller is not None else self.call_traced(callee)

    def _passed_traced(self, ref: FunctionRef, parameter: str, depth: int) -> Evidence | None:
        """Why the function the project's callers pass as ``parameter`` of ``ref`` (or of the
        function ``ref`` is nested in) may make spans: ``create_thread(target)`` runs what
        ``Runner.run`` hands it, and a helper that hands its own parameter on runs what its callers
        pass. A public function's parameter is also what its users hand it. Weak evidence of a
        callable it is given when the project hands it nothing the model can read; None when the
        project's calls hand it only work that makes no span (and users do not)."""
        owner: FunctionRef | None = ref
        while owner is not None and parameter not in owner.function.params:
            owner = self.function(ref.module.name, owner.function.name.rpartition(".")[0])
        if owner is None or depth > 8:
            return _given(parameter)
        key = f"{owner.qualified}|{parameter}"
        if key not in self._passed:
            self._passed[key] = None  # in progress: a helper that hands its parameter back adds nothing
            passed, handed = self._passed_by_callers(owner, parameter, depth)
            # Users of a public function may hand it their own work, traced or not: the project's own
            # calls (and the parameter's default) are the sample of what it is for. Where they hand
            # it only work that makes no span, users are taken to do the same. Evidence that already
            # comes from the users of a public caller further up keeps that caller.
            users_too = passed is not None or not handed
            weak = passed is None or not (passed.strong or passed.given_to)
            if users_too and weak and _public(owner.module, owner.function):
                passed = Evidence(
                    f"calls {parameter}(), which users of {owner.function.name}() hand it",
                    strong=False,
                    given_to=(owner.qualified,),
                )
            elif passed is None and not handed:
                passed = _given(parameter)  # nothing the project hands it can be read
            self._passed[key] = passed
        return self._passed[key]

    def _passed_by_callers(
        self, owner: FunctionRef, parameter: str, depth: int
    ) -> tuple[Evidence | None, bool]:
        """The strongest evidence among the callables the project's calls hand ``owner`` as
        ``parameter``, and whether any call hands one the model can read."""
        params = owner.function.params
        index = params.index(parameter)
        best: Evidence | None = None
        default = owner.function.defaults.get(parameter)
        # A callable handed in is a sample of what the parameter is for; a parameter handed on
        # (recursion, a helper's own parameter) is not: its sample is further up.
        handed = default is not None
        if default is not None:
            best = self._handed_traced(owner, default, depth)
        for caller, call in self._callers.get(owner.qualified, []):
            passed = call.passes.get(parameter)
            if passed is None and index < owner.function.positional:
                passed = call.passes.get(str(index - self._bound(call.callee, owner)))
            if passed is None:
                continue
            handed = handed or not passed.startswith("p:")
            why = self._handed_traced(caller, passed, depth)
            if why is None:
                continue
            if best is None or why.rank > best.rank:
                best = why.because(f"calls {parameter}(), given by {caller.function.name}(), so it")
            elif why.rank == best.rank and why.given_to:  # users of either hand it: keep both
                given_to = tuple(dict.fromkeys(best.given_to + why.given_to))[:_MAX_GIVEN_TO]
                best = replace(best, given_to=given_to)
        return best, handed

    def _handed_traced(self, caller: FunctionRef, passed: str, depth: int) -> Evidence | None:
        """Why the callable ``caller`` hands over (``passed``, a callee reference) may make spans:
        one of its own parameters, what its callers hand it; a closure a project function returns,
        read as a worker (its parameters are what that function's callers hand it)."""
        tag, _, name = passed.partition(":")
        if tag == "p":
            return self._passed_traced(caller, name, depth + 1)
        if tag == "r":
            return self._returned_traced(name, self.worker_traced)
        return self.call_traced(passed)

    def _bound(self, callee: str, target: FunctionRef) -> int:
        """How many of ``target``'s parameters the call does not pass: its ``self`` or ``cls`` when
        called on an instance (``runner.spawn(fn)``, ``background.submit(fn)`` with a module-level
        instance) or as a class method; none through the class (``Threads.spawn(self, fn)``)."""
        function = target.function
        if function.params[:1] not in (["self"], ["cls"]) or "staticmethod" in function.decorators:
            return 0
        tag, _, rest = callee.partition(":")
        if tag == "f" and isinstance(self.lookup(rest.rpartition(".")[0]), ClassSummary):
            return 1 if function.params[0] == "cls" else 0
        return 1

    @cached_property
    def _callers(self) -> dict[str, list[tuple[FunctionRef, Call]]]:
        """The project's calls that pass a name or attribute as an argument (a function, perhaps,
        that the callee runs), by the function they call."""
        found: dict[str, list[tuple[FunctionRef, Call]]] = {}
        for module in self.modules.values():
            for function in module.functions.values():
                caller = FunctionRef(module, function)
                for call in function.calls:
                    target = self.resolve_call(call.callee) if call.passes else None
                    if isinstance(target, FunctionRef):
                        found.setdefault(target.qualified, []).append((caller, call))
        return found

    def _implementations_traced(self, method: str) -> Evidence | None:
        """A method of an object of unknown type, where the project's own classes implement that
        name (providers, stores, clients behind a factory): strong evidence when one of a few
        implementations makes spans; otherwise none either way."""
        implementations = self._methods_by_name.get(method, [])
        if not implementations or method.startswith("__"):
            return None
        if len(implementations) > _MAX_IMPLEMENTATIONS:
            strong = [f for f in implementations if (why := self.traced(f)) is not None and why.strong]
            if len(strong) * 2 < len(implementations):
                return None
            implementations = strong
        found = self._any_traced(implementations)
        if found is None or not found.strong:
            return None
        return Evidence(
            f"calls .{method}(); one implementation {found.text.removeprefix('calls ')}", guessed=True
        )

    @_remembered
    def _subclass_methods(self, class_name: str, method: str) -> list[FunctionRef]:
        """``method`` as the project's subclasses of ``class_name`` define it: what a call through
        the base class may run when the base does not define it (``self.forward()`` in ``Module``)."""
        found: list[FunctionRef] = []
        pending, seen = [class_name], set[str]()
        while pending and len(seen) < 200:
            current = pending.pop()
            for sub in self._subclasses.get(current, []):
                if sub in seen:
                    continue
                seen.add(sub)
                pending.append(sub)
                module, _, name = sub.rpartition(".")
                function = self.modules[module].functions.get(f"{name}.{method}")
                if function is not None:
                    found.append(FunctionRef(self.modules[module], function))
        return found

    def _instrumented(self, qualified: str) -> bool:
        """A third-party library with an instrumentation; the project's own code is read instead."""
        return not self._own(qualified) and instrumented(qualified)

    def _own(self, qualified: str) -> bool:
        """``qualified`` names something in one of the project's modules (or packages), even one the
        model cannot resolve: in a namespace package, ``google.cloud.spanner_v1.x`` is the project's
        while ``google.cloud.bigquery`` is not."""
        parts = qualified.split(".")
        return any(self._module_named(".".join(parts[:cut])) is not None for cut in range(1, len(parts) + 1))

    def _any_traced(self, functions: list[FunctionRef]) -> Evidence | None:
        """The strongest evidence that one of ``functions`` makes spans."""
        best = None
        for function in functions:
            why = self.traced(function)
            if why is not None:
                found = why.because(f"calls {function.function.name}(), which")
                if found.strong and not found.guessed:
                    return found
                if best is None or found.rank > best.rank:
                    best = found
        return best

    def traced(self, ref: FunctionRef) -> Evidence | None:
        """Why a project function may make spans that start a new trace (memoised; a call cycle
        counts as untraced). Strong evidence (a span, an instrumented library) wins over weak (a
        callback that may make one). A function that re-enters a span it is handed makes none."""
        key = ref.qualified
        if key not in self._traced:
            self._traced[key] = None  # in progress: a recursive call adds nothing
            self._traced[key] = None if ref.function.reenters else self._makes_spans(ref, self.call_traced)
        return self._traced[key]

    def _makes_spans(self, ref: FunctionRef, read: Callable[[str], Evidence | None]) -> Evidence | None:
        function = ref.function
        if function.suppresses:
            return None  # its instrumented calls run with instrumentation suppressed
        if function.opens_span:
            return Evidence(f"opens span {function.span_name!r}" if function.span_name else "opens a span")
        wrapper = self._instrumented_entry_points(ref.module)
        if wrapper is not None and self._wrapped(ref.module, function, wrapper[1]):
            return Evidence(f"runs in a span of {wrapper[0]}")
        why: Evidence | None = None
        for call in function.calls:
            found = read(call.callee)
            if found is not None and (why is None or found.rank > why.rank):
                why = found
                if why.strong and not why.guessed:
                    break
        return why

    def reaches(self, entry: str, target: str) -> bool:
        """The project's calls from the function ``entry`` reach the function ``target`` (both
        qualified), within ``_MAX_REACHED`` functions: a public function whose users' work a worker
        runs is one users call with the boundary below it."""
        key = f"{entry}>{target}"
        if key not in self._reached:
            start = self.lookup(entry)
            seen = {entry}
            pending = deque([start] if isinstance(start, FunctionRef) else [])
            while pending and target not in seen and len(seen) < _MAX_REACHED:
                for call in pending.popleft().function.calls:
                    for callee in self.callees(call.callee):
                        if callee.qualified not in seen:
                            seen.add(callee.qualified)
                            pending.append(callee)
            self._reached[key] = target in seen
        return self._reached[key]

    def module_at(self, path: str) -> ModuleSummary | None:
        """The summary of the module at ``path`` (as given: relative, or through a link)."""
        return self.by_path.get(real_path(path, self.by_path))

    def has_live_boundary(self, path: str, assume_public: bool = False) -> bool:
        """The module at ``path`` holds a call that may cross a boundary in a function that may run
        under a span: worth a full analysis even if it never mentions OpenTelemetry."""
        summary = self.module_at(path)
        if summary is None:
            return False
        for name in summary.boundary_functions:
            if self.live(summary.name, name, assume_public):
                return True
            function = summary.functions.get(name)
            if function is not None and any(
                self._span_at(summary, function, call.under) for call in function.calls if call.under
            ):
                return True
        return False

    # -- 4. context values --------------------------------------------------------------------------

    def unread_context_key(self, ref: str, module: str) -> bool:
        """The key (tagged, see ``summary``) that ``module`` sets is the project's own, a literal or
        a constant bound to one, and no module of the project reads it, nor a key it cannot name
        (``get_value(key)`` on a parameter). OpenTelemetry's keys (its packages' own, or set in
        them) are read by its other packages, another package's keys by that package, and a
        suppression key by every instrumentation: none of them is unread."""
        found = self._key(ref, module)
        if found is None or "suppress" in f"{ref} {found[1]}".lower():
            return False
        defined_in, literal = found
        if {module, defined_in} & self._opentelemetry_modules:
            return False
        read, anything = self._context_reads
        return not anything and literal not in read

    def _key(self, ref: str, module: str) -> tuple[str, str] | None:
        """The module that defines a key, and its literal."""
        tag, _, rest = ref.partition(":")
        if tag == "s":
            return module, rest
        return self._constant(rest) if tag == "n" else None

    @_memoised
    def _constant(self, qualified: str, depth: int = 0) -> tuple[str, str] | None:
        """The module a project name is bound in, once, to a string literal, and that literal,
        followed through imports and aliases (``KEY = keys.WORKFLOW``); None when it is not the
        project's or not a literal."""
        module_name, _, name = qualified.rpartition(".")
        module = self._module_named(module_name)
        if module is None or depth > _MAX_DEPTH:
            return None
        if name in module.constants:
            return module.name, module.constants[name]
        target = module.imports.get(name)
        values = module.globals.get(name, [])
        if target is None and len(values) == 1:
            target = values[0].ref
        return self._constant(target, depth + 1) if target and target != qualified else None

    @cached_property
    def _opentelemetry_modules(self) -> frozenset[str]:
        """The project's modules in OpenTelemetry's namespace; ``opentelemetry/instrumentation/``
        is a namespace package, so their names start at their first regular package."""
        return frozenset(name for name, tops in self._tops.items() if "opentelemetry" in tops)

    @cached_property
    def _context_reads(self) -> tuple[frozenset[str], bool]:
        """The literals the project reads as context keys, and whether it reads one it cannot name:
        a parameter, or a name of its own bound to something other than a literal. A name of
        another package is that package's key, which no literal of the project's stands for."""
        read: set[str] = set()
        anything = False
        for module in self.modules.values():
            for ref in module.context_reads:
                found = self._key(ref, module.name)
                if found is not None:
                    read.add(found[1])
                elif ref == "?" or self._own(ref[2:]):
                    anything = True
        return frozenset(read), anything

    def function(self, module: str, name: str) -> FunctionRef | None:
        summary = self.modules.get(module)
        if summary is None or name not in summary.functions:
            return None
        return FunctionRef(summary, summary.functions[name])


def _unreadable_return(function: FunctionSummary) -> bool:
    """One of the values ``function`` returns is nothing the summary could name (a class loaded by
    name, an item of a registry)."""
    return any(value.ref is None and value.kind is None for value in function.returns)


def _public(module: ModuleSummary, function: FunctionSummary) -> bool:
    """Part of a package's public API that users call for their work, under their own spans: in a
    package (a lone script's ``main()`` is run from the command line, not called under a span),
    nothing in its module path or name private or a program's, and not a set-up, maintenance or
    tear-down step (``__init__``, ``close``, ``reconnect_on_idle``, ``register_prompt``)."""
    if "." not in module.name and not module.is_package:
        return False
    parts = [*module.name.split("."), *function.name.split(".")]
    private = any(part.startswith("_") and part not in ("__init__", "__call__") for part in parts)
    lifecycle = any(word in _LIFECYCLE for word in parts[-1].lower().split("_"))
    return not private and not lifecycle and not any(part in _NOT_LIBRARY for part in parts)


def _given(parameter: str) -> Evidence:
    """Weak evidence: a callable the function is given, which the project does not show."""
    return Evidence(f"calls {parameter}(), a callable it is given", strong=False)


def _shown(path: str) -> str:
    """A path as a message shows it: relative to the working directory when under it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _through(origin: Origin, function: str) -> Origin:
    return replace(origin, via=(*origin.via, function)[-4:])
