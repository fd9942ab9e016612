"""What one walk over a module records: the few sites the rules reason about, with their context.

Rules never walk the module again; they read these records (and, for the rare function that holds an
``attach`` or a ``start_span``, look at that function's own statements).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Union

from flake8_otel_context.analysis.names import ImportTable, last_name

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


# What makes the span current: a ``with`` block, an ``attach`` (until its detach), a decorator.
RegionKind = Literal["with", "attach", "decorator"]


@dataclass(eq=False, slots=True)
class SpanRegion:
    """A stretch of a function in which a span is current: a ``with`` body, an attach, a decorator."""

    node: ast.AST
    kind: RegionKind
    line: int


@dataclass(eq=False, slots=True)
class Site:
    """A call, with what was lexically true where it was made."""

    call: ast.Call
    qualname: str | None
    method: str | None
    function: FunctionFacts
    spans: tuple[SpanRegion, ...]
    loops: tuple[ast.AST, ...]
    statement: ast.stmt
    target: str | None  # the name (or ``self.attr``) the call's value is bound to
    # The calls entered by the ``with`` statements around this one, outermost first: a project's own
    # tracing helper (``with trace_step(...)``) makes a span current only the project model can see.
    withs: tuple[ast.Call, ...] = ()

    @property
    def receiver(self) -> ast.expr | None:
        func = self.call.func
        return func.value if isinstance(func, ast.Attribute) else None


@dataclass(eq=False, slots=True)
class Binding:
    """``name = value`` (or ``with value as name``, or a parameter annotation) at one point."""

    value: ast.expr
    site: Site | None  # set when value is a call
    spans: tuple[SpanRegion, ...]
    loops: tuple[ast.AST, ...]
    is_annotation: bool = False


@dataclass(eq=False)
class ClassFacts:
    node: ast.ClassDef
    bases: list[str]  # qualified or dotted names
    methods: dict[str, FunctionFacts] = field(default_factory=dict)
    attributes: dict[str, list[Binding]] = field(default_factory=dict)


@dataclass(eq=False)
class FunctionFacts:
    """A function body (or the module body, or a lambda) and what happened in it, in source order."""

    node: FunctionNode | None  # None for the module body
    parent: FunctionFacts | None
    cls: ClassFacts | None
    decorators: list[str] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    yields: list[tuple[ast.Yield | ast.YieldFrom, tuple[SpanRegion, ...]]] = field(default_factory=list)
    awaited_names: list[tuple[str, ast.Await, tuple[SpanRegion, ...]]] = field(default_factory=list)
    local_defs: dict[str, FunctionFacts] = field(default_factory=dict)
    returns: list[ast.expr] = field(default_factory=list)  # the values of its ``return`` statements
    yield_withs: list[ast.Call] = field(default_factory=list)  # calls entered by ``with`` around a yield
    span_decorated: bool = False

    @property
    def name(self) -> str:
        if isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.node.name
        return "<lambda>" if self.node is not None else "<module>"

    @cached_property
    def parameters(self) -> frozenset[str]:
        """The names its parameters bind (none for the module body)."""
        node = self.node
        if node is None:
            return frozenset()
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        return frozenset(a.arg for a in every)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def is_generator(self) -> bool:
        return bool(self.yields)


@dataclass(eq=False)
class ModuleFacts:
    tree: ast.Module
    imports: ImportTable
    module: FunctionFacts
    functions: list[FunctionFacts] = field(default_factory=list)
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    lambdas: dict[int, FunctionFacts] = field(default_factory=dict)  # id(ast.Lambda) -> facts
    threading_instrumented: bool = False

    def all_sites(self) -> list[Site]:
        return [site for function in self.functions for site in function.sites]

    def release(self) -> None:
        """Break the references between the module's facts (a function and its parent, its sites
        and their function, a class and its methods), so that they and the tree they point into
        are freed with their last reference, not by the cyclic collector: the project model
        summarises every module of a project, keeps none of its facts, and scanning them cost it
        a tenth of its time. The facts are unusable after."""
        for function in self.functions:
            function.__dict__.clear()
        for cls in self.classes.values():
            cls.__dict__.clear()
        self.__dict__.clear()

    @cached_property
    def sites_by_called_name(self) -> dict[str, list[Site]]:
        """Every call of the module by the last name it calls (``f`` of ``f()``, ``self.f()``): built
        once, on first use, not rescanned for each function that asks who calls it."""
        found: dict[str, list[Site]] = {}
        for site in self.all_sites():
            name = last_name(site.call.func)
            if name is not None:
                found.setdefault(name, []).append(site)
        return found


def is_parameter(name: str, fn: FunctionFacts) -> bool:
    """``name`` is a parameter of ``fn`` or of a function around it."""
    scope: FunctionFacts | None = fn
    while scope is not None:
        if name in scope.parameters:
            return True
        scope = scope.parent
    return False
