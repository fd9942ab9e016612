"""The concrete syntax tree one round of rewrites works on, and the questions every fix asks of it.

Findings carry ``ast`` positions (UTF-8 byte columns); libcst reports character columns. Here the two
are matched, so a fix finds the very node the analysis reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.metadata import (
    CodeRange,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from flake8_otel_context.analysis.findings import SourceRange
from flake8_otel_context.fixer.edits import Edit
from flake8_otel_context.fixer.files import character_column, physical_lines
from flake8_otel_context.fixer.imports import Imports
from flake8_otel_context.fixer.style import Style as Style  # where the fixer imports it from

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


# The nodes that open a scope of their own: every name a function binds occurs inside its node.
_SCOPES = (
    cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp
)


class FixTree:
    """Built only for a module with a finding some fix will try (the engine declines the rest from the
    analysis first): the libcst parse and its metadata cost several times ``ast.parse``. Positions
    and parents are resolved in one batched pass; scopes and the names each function uses only when
    a fix asks, and once."""

    def __init__(self, source: str, style: Style) -> None:
        # Parsed here and never shared, so libcst's defensive deep copy of the module is not needed.
        self.wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.style = style
        self._lines = physical_lines(source)
        metadata = self.wrapper.resolve_many([PositionProvider, ParentNodeProvider])
        self._positions = cast("Mapping[cst.CSTNode, CodeRange]", metadata[PositionProvider])
        self._parents = cast("Mapping[cst.CSTNode, cst.CSTNode]", metadata[ParentNodeProvider])
        self._by_start: dict[tuple[int, int], list[cst.CSTNode]] = {}
        for node, position in self._positions.items():
            self._by_start.setdefault((position.start.line, position.start.column), []).append(node)
        self.imports = Imports(self.module, lambda: set(self._names_in(self.module)))
        self._local_names: dict[Scope, frozenset[str]] = {}
        self._used_names: dict[cst.CSTNode, set[str]] = {}
        self._positions_in_block: dict[cst.CSTNode, dict[int, int]] = {}
        # Names fresh_name handed out this round, by the node they were made fresh within: the edits
        # of one function are applied together, so each must see the names the others introduce.
        self._introduced: dict[cst.CSTNode, set[str]] = {}

    @cached_property
    def _scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self.wrapper.resolve(ScopeProvider)

    @cached_property
    def exported_names(self) -> frozenset[str]:
        """The strings in a module-level ``__all__``: names other modules are promised."""
        names: set[str] = set()
        for statement in self.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                    targets = [small.target]
                else:
                    continue
                if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                    names.update(_strings(small))
        return frozenset(names)

    def find(self, span: SourceRange | None, kind: type[NodeT]) -> NodeT | None:
        """The node of ``kind`` exactly at ``span`` (an ``ast`` position)."""
        node = self._find(span, kind)
        return node if isinstance(node, kind) else None

    def expression(self, span: SourceRange | None) -> cst.BaseExpression | None:
        node = self._find(span, cst.BaseExpression)
        return node if isinstance(node, cst.BaseExpression) else None

    def _find(self, span: SourceRange | None, kind: type[Any]) -> cst.CSTNode | None:
        if span is None:
            return None
        start = (span.line, character_column(self._line(span.line), span.col))
        end = (span.end_line, character_column(self._line(span.end_line), span.end_col))
        return next(
            (
                node
                for node in self._by_start.get(start, ())
                if isinstance(node, kind)
                and (self._positions[node].end.line, self._positions[node].end.column) == end
            ),
            None,
        )

    def _line(self, number: int) -> str:
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def spell(
        self, qualname: str, edit: Edit, at: cst.CSTNode, local: frozenset[str] = frozenset()
    ) -> cst.BaseExpression:
        """``qualname`` as this file spells it, valid where ``at`` is (no local name of its functions,
        nor ``local``, hides it); the import it needs is added if ``edit`` is applied."""
        edit.needs.add(qualname)
        return self.imports.expr(qualname, self._hiding(at, self.imports.local_names()) | local)

    def _hiding(self, at: cst.CSTNode, imported: frozenset[str]) -> frozenset[str]:
        """``local_names(at)`` as far as ``imported`` is concerned, the only names that can hide an
        import. libcst's scope analysis links every access of a name to every binding of it, which
        is quadratic in a function that rebinds a name thousands of times; it runs only when one of
        ``imported`` occurs at all in the outermost scope around ``at`` (every local name does)."""
        outermost = None
        for ancestor in self.ancestors(at):
            if isinstance(ancestor, _SCOPES):
                outermost = ancestor
        if outermost is None or not imported & self._names_in(outermost):
            return frozenset()
        return self.local_names(at)

    def local_names(self, node: cst.CSTNode) -> frozenset[str]:
        """Names bound in the functions (and class bodies) enclosing ``node``; once per scope, since
        every rewrite in a function spells its names against the same ones."""
        innermost = self.scope(node)
        if innermost is None:
            return frozenset()
        known = self._local_names.get(innermost)
        if known is None:
            names: set[str] = set()
            scope: Scope | None = innermost
            while scope is not None and not isinstance(scope, GlobalScope):
                names.update(assignment.name for assignment in scope.assignments)
                scope = scope.parent
            known = self._local_names[innermost] = frozenset(names)
        return known

    def range(self, node: cst.CSTNode) -> CodeRange:
        return self._positions[node]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self.parent(node)
        while parent is not None:
            yield parent
            parent = self.parent(parent)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The statement line holding ``node`` (its ``SimpleStatementLine`` or compound statement)."""
        for candidate in [node, *self.ancestors(node)]:
            if isinstance(candidate, cst.BaseStatement):
                return candidate
        return None

    def block_of(self, statement: cst.BaseStatement) -> cst.IndentedBlock | cst.Module | None:
        """The block whose ``body`` lists ``statement`` (None for one-line suites like ``if x: f()``)."""
        parent = self.parent(statement)
        return parent if isinstance(parent, (cst.IndentedBlock, cst.Module)) else None

    def position_in_block(self, statement: cst.BaseStatement, block: cst.IndentedBlock | cst.Module) -> int:
        """The index of ``statement`` in ``block.body``; each block indexed once, since a function
        with thousands of findings asks for thousands of its statements."""
        if block not in self._positions_in_block:
            self._positions_in_block[block] = {id(s): i for i, s in enumerate(block.body)}
        return self._positions_in_block[block][id(statement)]

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, cst.FunctionDef)), None)

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return self._scopes.get(node)

    def _names_in(self, node: cst.CSTNode) -> set[str]:
        """``identifiers(node)``, once per node; the module's from the positions already resolved,
        which list every node, rather than a second visit of the whole tree."""
        if node not in self._used_names:
            if node is self.module:
                self._used_names[node] = {n.value for n in self._positions if isinstance(n, cst.Name)}
            else:
                self._used_names[node] = self.identifiers(node)
        return self._used_names[node]

    @cached_property
    def function_names(self) -> frozenset[str]:
        """The name of every ``def`` in the module: a worker named otherwise is no function it
        defines, which settles it without a scope analysis."""
        return frozenset(node.name.value for node in self._positions if isinstance(node, cst.FunctionDef))

    @staticmethod
    def identifiers(node: cst.CSTNode) -> set[str]:
        names: set[str] = set()

        class _Names(cst.CSTVisitor):
            def visit_Name(self, name: cst.Name) -> None:
                names.add(name.value)

        node.visit(_Names())
        return names

    def fresh_name(
        self, preferred: str, within: cst.CSTNode, taken: frozenset[str] = frozenset()
    ) -> str:
        """``preferred``, or ``preferred_2``... whichever ``within`` does not already use, nor any
        rewrite planned inside it this round (as if the rewrites before it were already applied)."""
        used = set(self._names_in(within)) | taken
        for node, names in self._introduced.items():
            if node is within or any(ancestor is within for ancestor in self.ancestors(node)):
                used |= names
        name, number = preferred, 1
        while name in used:
            number += 1
            name = f"{preferred}_{number}"
        self._introduced.setdefault(within, set()).add(name)
        return name


def _strings(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _Strings(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            if isinstance(value, str):
                found.add(value)

    node.visit(_Strings())
    return found
