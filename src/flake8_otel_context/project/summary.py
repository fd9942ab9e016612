"""What the project model keeps of one module: small, plain data, cached on disk between runs.

A summary holds only what other modules need to ask about this one: what its names stand for (an
executor, a class, a function), which of its functions open spans or run inside one, what they call,
and what their workers do. Values that depend on another module are kept as references, resolved by
the model once every module is summarised.

References are strings, so a summary is plain JSON data (``rows`` stores it):
- ``"pkg.mod.name"``: whatever that qualified name is (a module global, a class, a function);
- ``"pkg.mod.Class()"``: an instance of that class, or what calling that function returns;
- ``"pkg.mod.Class()#attr"``: the attribute ``attr`` of such an instance.
Calls are tagged: ``"f:QUALIFIED"`` (a function or class by name), ``"m:REF|method"`` (a method of a
known instance), ``"p:name"`` (a parameter: a callback), ``"u:method"`` (a method of an unknown object),
``"b:name"`` (a name not bound in the project: a builtin), ``"r:REF"`` (the value of a call, ``REF``
ending in ``()``, called in turn: ``wrapped = wrap(fn); wrapped()`` runs the closure ``wrap`` returns).
Context keys (``opentelemetry.context.get_value(KEY)``) are tagged too: ``"s:text"`` (a string
literal), ``"n:QUALIFIED"`` (a name, resolved by the model to the literal it is bound to), ``"?"``
(anything else: a parameter, an expression).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flake8_otel_context.analysis.names import BUILTIN_NAMES
from flake8_otel_context.project.libraries import UNTRACED_METHODS


def inert(callee: str) -> bool:
    """A call no answer of the model depends on: a builtin (``len``, ``print``), or a method of
    an object of unknown type that runs no project code and makes no span (``.append()``,
    ``.items()``, a dunder). A fifth of a project's calls; a summary keeps them only where a span
    or ``with`` block encloses them (``Call.under``)."""
    tag, _, name = callee.partition(":")
    if tag == "b":
        return name in BUILTIN_NAMES
    return tag == "u" and (name in UNTRACED_METHODS or name.startswith("__"))


@dataclass(slots=True)
class Value:
    """What a name or attribute holds: a kind known here (``"thread pool"``...), or a reference."""

    kind: str | None = None
    ref: str | None = None


@dataclass(slots=True)
class Call:
    callee: str  # tagged, see the module docstring
    line: int
    # Where a span is current around this call in its own function: ``"line N|name"`` of a span block,
    # an attach or a decorator; or the callee references of the enclosing ``with`` blocks, innermost
    # first, whose helper the model may find to open one (``"with:REF;REF"``). None when nothing
    # encloses it.
    under: str | None = None
    # The functions it hands over as arguments (``create_thread(target=_main)``, ``run(entries,
    # upload)``), by position (``"1"``) or keyword: what a callee that runs a parameter runs.
    passes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class FunctionSummary:
    name: str  # qualified within the module: ``f``, ``Class.method``, ``outer.inner``
    line: int
    params: list[str] = field(default_factory=list)
    positional: int = 0  # how many of ``params`` a call may pass by position (not keyword-only)
    # Parameters whose default names a function (``log=print``, ``parser=json.loads``), as the callee
    # reference a call to it would have: a sample of what the parameter is for.
    defaults: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)  # parameter -> instance reference
    decorators: list[str] = field(default_factory=list)
    opens_span: bool = False  # a span block, a span decorator or an attach in its own body
    span_line: int = 0  # the first of them
    span_name: str = ""  # its literal name, for messages
    calls: list[Call] = field(default_factory=list)
    returns: list[Value] = field(default_factory=list)
    # It captures the current context (``copy_context``, ``get_current``): called at the call site, as
    # a wrapper (``with_current_context(fn)``) or an executor's ``submit``, it carries the caller's.
    captures: bool = False
    # It enters a context (``attach``, ``ctx.run``, ``var.set`` for every variable of a copy).
    enters: bool = False
    # It makes a span or context it is given current (``use_span(span)``, ``attach(ctx)`` on a
    # parameter): the spans it makes have the parent its caller handed over, not a new trace.
    reenters: bool = False
    yields_in_span: bool = False  # a generator that yields inside a span: a tracing helper
    yield_withs: list[str] = field(default_factory=list)  # calls entered by ``with`` around its yields
    return_calls: list[str] = field(default_factory=list)  # the calls whose values it returns
    entry: str = ""  # the span instrumentation runs it in ("the server span around a web route"), or ""
    # Its body is a loop that runs for as long as its thread does (a queue drainer, a batch loop): as a
    # thread's target it serves many requests, none of them its parent.
    serves: bool = False
    # It suppresses instrumentation (``with suppress_instrumentation():``, a suppress key attached):
    # the instrumented calls it makes make no spans.
    suppresses: bool = False


@dataclass(slots=True)
class ClassSummary:
    name: str
    line: int
    bases: list[str] = field(default_factory=list)  # qualified names
    attributes: dict[str, list[Value]] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ModuleSummary:
    name: str  # dotted module name
    path: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> absolute qualified name
    globals: dict[str, list[Value]] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    # Functions holding a call that may cross a thread or process boundary: the modules worth a
    # full analysis even when they never mention OpenTelemetry.
    boundary_functions: list[str] = field(default_factory=list)
    # Its module-level names bound once, to a string literal: the context keys other modules import.
    constants: dict[str, str] = field(default_factory=dict)
    # The context keys it reads with ``get_value`` (tagged, see the module docstring): a value the
    # project attaches and never reads changes no span it makes.
    context_reads: list[str] = field(default_factory=list)
    error: str = ""  # why it could not be summarised (it then contributes nothing)
