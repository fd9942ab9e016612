"""What the ``ast`` the analysis already parsed says about a finding's code, asked before libcst.

A fix that would decline a finding for its shape alone (an ``attach`` whose token is returned, or
stored on an object) can say so from here, so a file whose every finding is declined never pays for
a libcst tree. Only shapes both trees see alike are answered: a statement alone on its lines; for
anything else the answer is None and the fix decides on the libcst tree as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import Union

from flake8_otel_context.analysis.findings import SourceRange

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# The statements a call can sit in that libcst writes as a line of their own (a
# ``SimpleStatementLine`` holding just it) when nothing else shares their lines.
SIMPLE = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)
# The statements that hold blocks: one statement of their block in both trees, whatever their body.
COMPOUND: tuple[type[ast.stmt], ...] = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    *(getattr(ast, name) for name in ("Match", "TryStar") if hasattr(ast, name)),
)


@dataclass(frozen=True)
class Located:
    call: ast.Call
    statement: ast.stmt  # the innermost statement holding the call
    function: Function | None  # the innermost function holding that statement (None: module level)


class Shapes:
    def __init__(self, module: ast.Module, lines: list[str]) -> None:
        self._module = module
        self._lines = lines

    def call_at(self, where: SourceRange) -> Located | None:
        """The call exactly at ``where``, as the analysis reported it."""
        return self._calls.get(where)

    def alone_on_its_lines(self, statement: ast.stmt) -> bool:
        """Nothing but indentation before it, nothing but a comment after it: no ``;`` and no
        compound statement's header shares its lines."""
        return isinstance(statement, SIMPLE) and self._nothing_else_on_its_lines(statement)

    def on_a_line_of_its_own(self, statement: ast.stmt) -> bool:
        """libcst lists it as a statement of its own in an indented block: a compound statement
        (never in a one-line suite), or a simple one alone on its lines."""
        return isinstance(statement, COMPOUND) or self._nothing_else_on_its_lines(statement)

    def _nothing_else_on_its_lines(self, statement: ast.stmt) -> bool:
        if statement.end_lineno is None:
            return False
        first = self._line(statement.lineno).encode("utf-8")
        last = self._line(statement.end_lineno).encode("utf-8")
        after = last[statement.end_col_offset :].strip()
        return not first[: statement.col_offset].strip() and (not after or after.startswith(b"#"))

    def block_of(self, statement: ast.stmt) -> tuple[list[ast.stmt], int] | None:
        """The statement list holding ``statement`` (a body, an ``else``, a handler's body...), and
        its index there."""
        return self._index[1].get(id(statement))

    @staticmethod
    def holds(statement: ast.stmt, node: SourceRange) -> bool:
        """``node`` lies within ``statement`` (its decorators included)."""
        start = (statement.lineno, statement.col_offset)
        for decorator in getattr(statement, "decorator_list", ()):
            start = min(start, (decorator.lineno, decorator.col_offset))
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        return start <= (node.line, node.col) and (node.end_line, node.end_col) <= end

    def _line(self, number: int) -> str:
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    @property
    def _calls(self) -> dict[SourceRange, Located]:
        return self._index[0]

    @cached_property
    def _index(self) -> tuple[dict[SourceRange, Located], dict[int, tuple[list[ast.stmt], int]]]:
        """Every call by its position, and every statement's list: one iterative walk (the nesting
        of real code can be deep)."""
        calls: dict[SourceRange, Located] = {}
        blocks: dict[int, tuple[list[ast.stmt], int]] = {}
        stack: list[tuple[ast.AST, ast.stmt | None, Function | None]] = [(self._module, None, None)]
        while stack:
            node, statement, function = stack.pop()
            if isinstance(node, ast.stmt):
                statement = node
            if isinstance(node, ast.Call) and statement is not None:
                calls[SourceRange.of(node)] = Located(node, statement, function)
            for _, value in ast.iter_fields(node):
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    blocks.update((id(item), (value, index)) for index, item in enumerate(value))
            inner = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            stack.extend((child, statement, inner) for child in ast.iter_child_nodes(node))
        return calls, blocks
