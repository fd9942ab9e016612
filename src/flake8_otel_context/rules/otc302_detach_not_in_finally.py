"""OTC302: a ``detach`` that an exception (or another function) can skip."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.facts import FunctionFacts, Site
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.vocabulary import OTEL_ATTACH, OTEL_DETACH
from flake8_otel_context.rules.otc301_discarded_token import token_discarded
from flake8_otel_context.rules.rule import Rule

_ENTER_METHODS = ("__enter__", "__aenter__")


def check(analysis: Analysis) -> Iterator[Finding]:
    for fn in analysis.facts.functions:
        attaches = [s for s in fn.sites if s.qualname == OTEL_ATTACH and not token_discarded(s)]
        if attaches:
            yield from _check_function(fn, attaches, fn.node or analysis.facts.tree)


def _check_function(fn: FunctionFacts, attaches: list[Site], root: ast.AST) -> Iterator[Finding]:
    parents = {id(child): parent for parent in ast.walk(root) for child in ast.iter_child_nodes(parent)}
    for attach in attaches:
        token = attach.target
        if token is None:
            if fn.name not in _ENTER_METHODS:
                yield RULE.finding(
                    attach.call,
                    {"attach": attach.call},
                    problem="the token leaves this function to be detached elsewhere",
                )
            continue
        if "." in token:
            if fn.name not in _ENTER_METHODS:
                yield RULE.finding(
                    attach.call,
                    {"attach": attach.call},
                    problem=f"the token is stored in {token} and detached in another function",
                )
            continue
        # A later attach that rebinds the token starts a new pair: its detaches are its own.
        rebound = min(
            (a.call.lineno for a in attaches if a.target == token and a.call.lineno > attach.call.lineno),
            default=None,
        )
        detaches = [
            s
            for s in fn.sites
            if s.qualname == OTEL_DETACH
            and s.call.args
            and isinstance(s.call.args[0], ast.Name)
            and s.call.args[0].id == token
            and s.call.lineno > attach.call.lineno
            and (rebound is None or s.call.lineno < rebound)
        ]
        if not detaches:
            yield RULE.finding(
                attach.call, {"attach": attach.call}, problem="the token is never detached in this function"
            )
        for detach in detaches:
            if not _covered(attach.statement, detach.statement, parents):
                yield RULE.finding(
                    detach.call,
                    {"attach": attach.call},
                    problem=f"this detach is skipped when the code after attach() (line "
                    f"{attach.call.lineno}) raises",
                )


def _covered(attach: ast.stmt, detach: ast.stmt, parents: dict[int, ast.AST]) -> bool:
    """``detach`` sits in a ``finally`` whose ``try`` covers everything after ``attach``, or right
    after a ``try`` that swallows every ``Exception`` (only a ``KeyboardInterrupt`` could skip it)."""
    swallower = _previous_statement(detach, parents)
    if isinstance(swallower, ast.Try) and _swallows_exceptions(swallower):
        if _within(attach, swallower.body, parents) or _just_before(attach, swallower, parents):
            return True
    child: ast.AST = detach
    while id(child) in parents:
        parent = parents[id(child)]
        if isinstance(parent, ast.Try) and _contains(parent.finalbody, child):
            if _within(attach, parent.body, parents) or _just_before(attach, parent, parents):
                return True
        child = parent
    return False


def _previous_statement(statement: ast.stmt, parents: dict[int, ast.AST]) -> ast.stmt | None:
    block = _block_of(statement, parents)
    if block is None or block.index(statement) == 0:
        return None
    return block[block.index(statement) - 1]


def _block_of(statement: ast.AST, parents: dict[int, ast.AST]) -> list[ast.stmt] | None:
    parent = parents.get(id(statement))
    for _, value in ast.iter_fields(parent) if parent is not None else ():
        if isinstance(value, list) and _contains(value, statement):
            return value
    return None


def _swallows_exceptions(try_node: ast.Try) -> bool:
    """A handler for every ``Exception`` that does not raise again."""
    for handler in try_node.handlers:
        broad = handler.type is None or (
            isinstance(handler.type, ast.Name) and handler.type.id in ("Exception", "BaseException")
        )
        if broad and not any(isinstance(n, ast.Raise) for s in handler.body for n in ast.walk(s)):
            return True
    return False


def _contains(block: list[ast.stmt], node: ast.AST) -> bool:
    return any(statement is node for statement in block)


def _within(node: ast.AST, block: list[ast.stmt], parents: dict[int, ast.AST]) -> bool:
    while True:
        if _contains(block, node):
            return True
        if id(node) not in parents:
            return False
        node = parents[id(node)]


def _just_before(attach: ast.stmt, try_node: ast.Try, parents: dict[int, ast.AST]) -> bool:
    """``attach`` precedes ``try_node`` in the same block with nothing that can raise in between."""
    block = _block_of(try_node, parents)
    if block is None or not _contains(block, attach):
        return False
    between = block[block.index(attach) + 1 : block.index(try_node)]
    return not any(isinstance(n, ast.Call) for s in between for n in ast.walk(s))


RULE = Rule(
    code="OTC302",
    name="detach-not-in-finally",
    summary="`detach(token)` not in a `finally` that covers everything after the `attach`.",
    message=(
        "{problem}, leaving the attached context current for whatever runs next on this thread "
        "or task; put detach(token) in a finally block right after the attach"
    ),
    rationale=(
        "If the work between `attach` and `detach` raises, a `detach` outside `finally` never "
        "runs: on a pooled thread the next unrelated task runs under the leaked span, silently. "
        "A `detach` in another function or callback usually runs in another context, where the "
        "token is rejected ('Failed to detach context') and the context still leaks."
    ),
    invalid=(
        """\
from opentelemetry import context as otel_context

def worker(ctx):
    token = otel_context.attach(ctx)
    do_work()
    otel_context.detach(token)
""",
        """\
from opentelemetry.context import attach, detach

def worker(ctx):
    token = attach(ctx)
    try:
        do_work()
    except Exception:
        detach(token)
        raise
""",
    ),
    valid=(
        """\
from opentelemetry import context as otel_context

def worker(ctx):
    token = otel_context.attach(ctx)
    try:
        do_work()
    finally:
        otel_context.detach(token)
""",
        """\
from opentelemetry import context as otel_context

class Activated:
    def __enter__(self):
        self._token = otel_context.attach(self._ctx)

    def __exit__(self, *exc):
        otel_context.detach(self._token)
""",
    ),
    fix="Moves (or adds) `detach(token)` into a `finally` that covers everything after the attach.",
    check=check,
)
