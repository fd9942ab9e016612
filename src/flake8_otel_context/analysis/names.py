"""Resolve expressions to the qualified names Python would bind them to, from the file's imports."""

from __future__ import annotations

import ast
import builtins

from flake8_otel_context.analysis.vocabulary import CANONICAL

# What a name no import or assignment binds stands for: Python's builtins.
BUILTIN_NAMES = frozenset(dir(builtins))


class ImportTable:
    """Local name -> qualified name, for every import in the file.

    Imports anywhere in the file (also inside functions) are entered in one flat table: a module that
    binds the same name to two different things in different functions is rare enough not to matter.
    """

    def __init__(self) -> None:
        self._aliases: dict[str, str] = {}

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._aliases[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    self._aliases[top] = top
            return
        # ``from .. import x`` names ``..x``; ``from ..pkg import x`` names ``..pkg.x``.
        module = "." * node.level + (f"{node.module}." if node.module else "")
        for alias in node.names:
            if alias.name != "*":
                self._aliases[alias.asname or alias.name] = f"{module}{alias.name}"

    def aliases(self) -> dict[str, str]:
        """Every local name and what it imports (relative imports keep their leading dots)."""
        return dict(self._aliases)

    def qualname(self, expr: ast.expr) -> str | None:
        """``aio.create_task`` -> ``asyncio.create_task``; None for anything not rooted in an import
        (most calls: ``self.f()``, a local's method), known from the chain's root before any string
        is built."""
        attributes = []
        root = expr
        while isinstance(root, ast.Attribute):
            attributes.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        base = self._aliases.get(root.id)
        if base is None:
            return None
        full = ".".join([base, *reversed(attributes)])
        return CANONICAL.get(full, full)


def dotted_name(expr: ast.expr) -> str | None:
    """``self._pool.submit`` -> ``"self._pool.submit"``; None when the chain is not plain names."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def last_name(expr: ast.expr) -> str | None:
    """The name a call is spelled with at its end: ``a.b.submit`` -> ``submit``, ``Thread`` -> ``Thread``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def annotated_types(annotation: ast.expr) -> list[ast.expr]:
    """The types an annotation names: ``"Executor | None"``, ``Optional[Pool]`` -> ``Executor``, ``Pool``
    (string annotations parsed, ``Optional[...]`` and ``X | Y`` unwrapped)."""
    pending, found = [annotation], []
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                pending.append(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                continue
        elif isinstance(node, ast.Subscript):
            pending.append(node.slice)
        elif isinstance(node, ast.BinOp):
            pending += [node.left, node.right]
        else:
            found.append(node)
    return found
