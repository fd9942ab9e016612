"""Workers that serve for the life of their thread, not one request.

A thread or pool worker that loops for as long as it runs (a queue drainer, an exporter's batch loop,
a scheduler), or a daemon thread started once at construction or start-up, serves many requests:
none of them is its parent. Its spans are roots by design, so the analysis reports nothing there, and
therefore the fixer never pins such a worker to the context of the one caller that started it.
"""

from __future__ import annotations

import ast

from flake8_otel_context.analysis.facts import FunctionFacts

# Functions that run once, at start-up or shutdown: a daemon thread started there serves the process.
# Compared without leading or trailing underscores (``__init__``, ``_start``).
_START_UP = ("init", "post_init", "start", "setup", "main", "run", "serve", "enter", "open")


def long_lived(local: FunctionFacts | None, call: ast.Call, fn: FunctionFacts) -> bool:
    """``local`` (the worker, when this module defines it) loops for the life of its thread, or
    ``call`` starts a daemon thread at module level or in a start-up function ``fn``."""
    node = local.node if local is not None else None
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and loops_forever(node.body):
        return True
    daemon = any(
        k.arg == "daemon" and isinstance(k.value, ast.Constant) and k.value.value for k in call.keywords
    )
    where = fn.name if fn.node is not None else "<module>"
    return daemon and (where == "<module>" or where.strip("_").startswith(_START_UP))


def loops_forever(body: list[ast.stmt]) -> bool:
    """The body is, at its top (possibly inside ``try``/``with``), a ``while`` loop."""
    for statement in body:
        if isinstance(statement, ast.While):
            return True
        if isinstance(statement, (ast.Try, ast.With)) and loops_forever(statement.body):
            return True
    return False
