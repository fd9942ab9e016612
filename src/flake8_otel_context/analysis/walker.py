"""The one pass over a module's tree that builds its ``ModuleFacts``."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flake8_otel_context.analysis.facts import (
    Binding,
    ClassFacts,
    FunctionFacts,
    ModuleFacts,
    Site,
    SpanRegion,
)
from flake8_otel_context.analysis.names import ImportTable, dotted_name, last_name
from flake8_otel_context.analysis.vocabulary import OTEL_ATTACH, OTEL_DETACH, THREADING_INSTRUMENTOR, USE_SPAN

_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)

# Fields that hold nothing to walk: ``Load``/``Store``/``Del`` or an operator (leaves with no
# handler), or plain data (identifiers, numbers, the strings of ``global``; the one node among them,
# 3.12's ``TypeAlias.name``, is a ``Name``, a leaf). Every node has several; looked up for nothing,
# they were a sixth of the walk.
_INERT_FIELDS = frozenset({
    "ctx", "op", "ops",
    "id", "attr", "name", "names", "arg", "asname", "module", "level", "kind", "conversion",
    "is_async", "simple", "type_comment", "rest", "tag",
})
# ... and ``value`` where it is data, not a node.
_DATA_VALUES = frozenset({ast.Constant, ast.MatchSingleton})
# Names and constants, most of a tree's nodes: no handler and nothing below them but strings.
_LEAVES = frozenset({ast.Name, ast.Constant})
# Nodes whose one child is their ``value``: with a leaf there (``self.pool``, ``timeout=5``,
# ``*args``), nothing below them to record either.
_WRAPPERS = frozenset({ast.Attribute, ast.keyword, ast.Starred})
# Each node type's fields the walk descends into, in ``_fields`` order (as ``iter_child_nodes``).
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def collect_facts(tree: ast.Module) -> ModuleFacts:
    walker = _Walker(tree)
    walker.done()
    return walker.facts


def is_span_start(call: ast.Call, imports: ImportTable) -> bool:
    """A call whose value, entered with ``with``, makes a span current (a module's own
    ``_start_as_current_span`` wrapper included)."""
    name = last_name(call.func)
    return (name or "").lstrip("_") == "start_as_current_span" or (
        name == "use_span" and imports.qualname(call.func) == USE_SPAN
    )


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node of ``kind`` that can hold a node other than a context or an operator,
    in ``_fields`` order: where a walk that records names, calls or statements must look."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(
            field
            for field in kind._fields
            if field not in _INERT_FIELDS and not (field == "value" and kind in _DATA_VALUES)
        )
    return fields


class _Walker:
    def __init__(self, tree: ast.Module) -> None:
        imports = ImportTable()
        module = FunctionFacts(node=None, parent=None, cls=None)
        self.facts = ModuleFacts(tree=tree, imports=imports, module=module, functions=[module])
        self._imports = imports
        self._fn = module
        self._cls: ClassFacts | None = None
        self._in_class_body = False
        self._spans: list[SpanRegion] = []
        self._withs: list[ast.Call] = []
        self._loops: list[ast.AST] = []
        self._statement: ast.stmt = tree.body[0] if tree.body else ast.Pass()
        self._target: tuple[ast.Call, str] | None = None
        self._handlers: dict[type[ast.AST], Callable[[ast.AST], None]] = {
            ast.Import: self._import,
            ast.ImportFrom: self._import,
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.Lambda: self._lambda,
            ast.ClassDef: self._class,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.Assign: self._assign,
            ast.AnnAssign: self._assign,
            ast.Call: self._call,
            ast.Yield: self._yield,
            ast.YieldFrom: self._yield,
            ast.Await: self._await,
            ast.Return: self._return,
            ast.If: self._if,
        }
        for loop in _LOOPS:
            self._handlers[loop] = self._loop
        self._visit_children(tree)

    def done(self) -> None:
        """Drop the handlers: bound methods, they hold the walker (and through it the facts and the
        tree) in a reference cycle that only the cyclic collector would free."""
        self._handlers.clear()

    # -- traversal ---------------------------------------------------------------------------------

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            outer, self._statement = self._statement, node
            self._dispatch(node)
            self._statement = outer
        else:
            self._dispatch(node)

    def _dispatch(self, node: ast.AST) -> None:
        handler = self._handlers.get(type(node))
        if handler is None:
            self._visit_children(node)
        else:
            handler(node)

    def _visit_children(self, node: ast.AST) -> None:
        """``ast.iter_child_nodes``, inlined (its two generators were the walk's largest cost), and
        without the leaves the walk records nothing from: expression contexts, operators, names,
        constants, and an attribute, keyword or starred argument of either. The frames per
        level of nesting are the same, so the depth that ends in OTC900 is too (to within the
        leaf's own frames)."""
        fields = _CHILD_FIELDS.get(type(node))
        if fields is None:
            fields = child_fields(type(node))
        visit, leaves, wrappers = self._visit, _LEAVES, _WRAPPERS
        for name in fields:
            value: Any = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    kind = type(item)
                    if kind in leaves or (kind in wrappers and type(item.value) in leaves):
                        continue
                    if isinstance(item, ast.AST):
                        visit(item)
            else:
                kind = type(value)
                if kind in leaves or (kind in wrappers and type(value.value) in leaves):
                    continue
                if isinstance(value, ast.AST):
                    visit(value)

    def _visit_all(self, nodes: list[ast.expr] | list[ast.stmt]) -> None:
        for node in nodes:
            self._visit(node)

    @contextmanager
    def _enter(self, fn: FunctionFacts, spans: list[SpanRegion]) -> Iterator[None]:
        saved = (self._fn, self._spans, self._withs, self._loops, self._in_class_body, self._cls)
        self._fn, self._spans, self._withs, self._loops, self._in_class_body = fn, spans, [], [], False
        self._cls = fn.cls
        self.facts.functions.append(fn)
        try:
            yield
        finally:
            self._fn, self._spans, self._withs, self._loops, self._in_class_body, self._cls = saved

    # -- handlers ----------------------------------------------------------------------------------

    def _import(self, node: ast.AST) -> None:
        assert isinstance(node, (ast.Import, ast.ImportFrom))
        self._imports.add(node)

    def _function(self, node: ast.AST) -> None:
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        self._visit_all(node.decorator_list)
        self._visit_all([d for d in node.args.defaults + node.args.kw_defaults if d is not None])
        fn = FunctionFacts(node=node, parent=self._fn, cls=self._cls)
        spans: list[SpanRegion] = []
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            fn.decorators.append(self._imports.qualname(target) or dotted_name(target) or "")
            if isinstance(decorator, ast.Call) and last_name(decorator.func) == "start_as_current_span":
                fn.span_decorated = True
                spans.append(SpanRegion(node, "decorator", node.lineno))
        if self._in_class_body and self._cls is not None:
            self._cls.methods[node.name] = fn
        else:
            self._fn.local_defs[node.name] = fn
        arguments = node.args
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            if arg.annotation is not None:
                fn.bindings.setdefault(arg.arg, []).append(
                    Binding(arg.annotation, None, (), (), is_annotation=True)
                )
        with self._enter(fn, spans):
            self._visit_all(node.body)

    def _lambda(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Lambda)
        self._visit_all([d for d in node.args.defaults + node.args.kw_defaults if d is not None])
        fn = FunctionFacts(node=node, parent=self._fn, cls=self._cls)
        self.facts.lambdas[id(node)] = fn
        with self._enter(fn, []):
            self._visit(node.body)

    def _class(self, node: ast.AST) -> None:
        assert isinstance(node, ast.ClassDef)
        self._visit_all(node.decorator_list)
        self._visit_all(node.bases)
        bases = [self._imports.qualname(b) or dotted_name(b) or "" for b in node.bases]
        cls = ClassFacts(node=node, bases=bases)
        self.facts.classes[node.name] = cls
        saved = (self._cls, self._in_class_body)
        self._cls, self._in_class_body = cls, True
        self._visit_all(node.body)
        self._cls, self._in_class_body = saved

    def _with(self, node: ast.AST) -> None:
        assert isinstance(node, (ast.With, ast.AsyncWith))
        regions = []
        entered = []
        for item in node.items:
            self._visit(item.context_expr)
            expr = item.context_expr
            if isinstance(expr, ast.Call):
                entered.append(expr)
                if is_span_start(expr, self._imports):
                    regions.append(SpanRegion(node, "with", node.lineno))
            if item.optional_vars is not None:
                self._bind(item.optional_vars, expr)
        self._spans.extend(regions)
        self._withs.extend(entered)
        self._visit_all(node.body)
        del self._withs[len(self._withs) - len(entered) :]
        for region in regions:
            self._spans.remove(region)

    def _if(self, node: ast.AST) -> None:
        """An ``elif`` chain is an ``If`` nested in the previous one's ``orelse``: walked as a loop,
        so a chain of thousands of branches costs no stack."""
        current = node
        while isinstance(current, ast.If):
            self._statement = current
            self._visit(current.test)
            self._visit_all(current.body)
            orelse = current.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                current = orelse[0]
                continue
            self._visit_all(orelse)
            break

    def _loop(self, node: ast.AST) -> None:
        if isinstance(node, (ast.For, ast.AsyncFor)):
            self._visit(node.iter)
            self._loops.append(node)
            self._visit(node.target)
            self._visit_all(node.body)
            self._loops.pop()
            self._visit_all(node.orelse)
        elif isinstance(node, ast.While):
            self._loops.append(node)
            self._visit(node.test)
            self._visit_all(node.body)
            self._loops.pop()
            self._visit_all(node.orelse)
        else:
            self._loops.append(node)
            self._visit_children(node)
            self._loops.pop()

    def _assign(self, node: ast.AST) -> None:
        assert isinstance(node, (ast.Assign, ast.AnnAssign))
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if isinstance(node, ast.AnnAssign):
            self._bind(node.target, node.annotation, is_annotation=True)
        if node.value is None:
            return
        # ``token = attach(ctx) if ctx is not None else None`` binds the token all the same.
        value = node.value.body if isinstance(node.value, ast.IfExp) else node.value
        if isinstance(value, ast.Call) and len(targets) == 1:
            name = dotted_name(targets[0])
            if name is not None:
                self._target = (value, name)
        self._visit(node.value)
        self._target = None
        for target in targets:
            self._bind(target, node.value)

    def _bind(self, target: ast.expr, value: ast.expr, is_annotation: bool = False) -> None:
        site = None
        if isinstance(value, ast.Call):  # its site was recorded last, but for the calls inside it
            for candidate in reversed(self._fn.sites):
                if candidate.call is value:
                    site = candidate
                    break
        binding = Binding(value, site, tuple(self._spans), tuple(self._loops), is_annotation)
        if isinstance(target, ast.Name):
            if self._in_class_body and self._cls is not None:
                self._cls.attributes.setdefault(target.id, []).append(binding)
            else:
                self._fn.bindings.setdefault(target.id, []).append(binding)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in ("self", "cls")
            and self._cls is not None
        ):
            self._cls.attributes.setdefault(target.attr, []).append(binding)

    def _call(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        qualname = self._imports.qualname(node.func)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        target = self._target[1] if self._target is not None and self._target[0] is node else None
        self._target = None
        spans, loops, withs = self._spans, self._loops, self._withs
        site = Site(
            node,
            qualname,
            method,
            self._fn,
            tuple(spans) if spans else (),
            tuple(loops) if loops else (),
            self._statement,
            target,
            tuple(withs) if withs else (),
        )
        self._fn.sites.append(site)
        if qualname == OTEL_ATTACH:
            self._spans.append(SpanRegion(node, "attach", node.lineno))
        elif qualname == OTEL_DETACH:
            attached = [r for r in self._spans if r.kind == "attach"]
            if attached:
                self._spans.remove(attached[-1])
        elif method == "instrument" and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if isinstance(receiver, ast.Call) and last_name(receiver.func) == THREADING_INSTRUMENTOR:
                self.facts.threading_instrumented = True
        self._visit_children(node)

    def _yield(self, node: ast.AST) -> None:
        assert isinstance(node, (ast.Yield, ast.YieldFrom))
        self._fn.yields.append((node, tuple(self._spans)))
        self._fn.yield_withs.extend(w for w in self._withs if w not in self._fn.yield_withs)
        self._visit_children(node)

    def _return(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Return)
        if node.value is not None:
            self._fn.returns.append(node.value)
        self._visit_children(node)

    def _await(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Await)
        if isinstance(node.value, ast.Name):
            self._fn.awaited_names.append((node.value.id, node, tuple(self._spans)))
        self._visit_children(node)
