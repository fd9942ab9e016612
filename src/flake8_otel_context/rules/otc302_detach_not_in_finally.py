"""OTC302: a ``detach`` that an exception (or another function) can skip."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.names import ImportTable, dotted_name, last_name
from flake8_otel_context.analysis.vocabulary import OTEL_ATTACH, OTEL_DETACH, names_a_detach
from flake8_otel_context.analysis.walker import is_span_start
from flake8_otel_context.rules.otc301_discarded_token import restored_by_enclosing_with, token_discarded
from flake8_otel_context.rules.rule import Rule

_ENTER_METHODS = ("__enter__", "__aenter__")


def check(analysis: Analysis) -> Iterator[Finding]:
    for fn in analysis.facts.functions:
        attaches = [s for s in fn.sites if s.qualname == OTEL_ATTACH and not token_discarded(s)]
        by_design = _hands_tokens_out(fn, analysis.facts)
        if attaches:
            yield from _check_function(fn, attaches, fn.node or analysis.facts.tree, by_design)
        if not by_design:
            yield from _entered_by_hand(fn, analysis.facts.imports)


def _entered_by_hand(fn: FunctionFacts, imports: ImportTable) -> Iterator[Finding]:
    """``activation = trace.use_span(span); activation.__enter__()`` with no ``__exit__`` here: an
    attach in all but name, whose undoing is left to another hook (a task's pre/post signals)."""
    exited = {dotted_name(s.receiver) for s in fn.sites if s.method == "__exit__" and s.receiver is not None}
    for site in fn.sites:
        receiver = site.receiver
        if site.method != "__enter__" or receiver is None or dotted_name(receiver) in exited:
            continue
        made = [receiver] + [b.value for b in fn.bindings.get(dotted_name(receiver) or "", [])]
        if any(isinstance(m, ast.Call) and is_span_start(m, imports) for m in made):
            yield RULE.finding(
                site.call,
                {Anchor.ATTACH: site.call, Anchor.HANDOFF: site.call},
                problem="the span made current by this __enter__() is exited in another function",
            )


@dataclass(frozen=True)
class _Body:
    """One function's tree, read once for every token in it: parent links, the call each argument
    is passed to, the nodes inside nested functions, and the operands that are only tested."""

    root: ast.AST
    detach_calls: frozenset[int]  # ids of the OpenTelemetry detach calls
    parents: dict[int, ast.AST] = field(default_factory=dict)
    call_of_argument: dict[int, ast.Call] = field(default_factory=dict)
    nested: set[int] = field(default_factory=set)
    tested: set[int] = field(default_factory=set)
    loads: dict[str, list[ast.Name]] = field(default_factory=dict)

    @classmethod
    def of(cls, fn: FunctionFacts, root: ast.AST) -> _Body:
        body = cls(root, frozenset(id(s.call) for s in fn.sites if s.qualname == OTEL_DETACH))
        for node in ast.walk(root):
            for child in ast.iter_child_nodes(node):
                body.parents[id(child)] = node
            if isinstance(node, ast.Call):
                body.call_of_argument.update((id(arg), node) for arg in node.args)
            elif node is not root and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                body.nested.update(id(inner) for inner in ast.walk(node))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                body.loads.setdefault(node.id, []).append(node)
            body.tested.update(id(operand) for operand in _tested(node))
        return body


def _check_function(
    fn: FunctionFacts, attaches: list[Site], root: ast.AST, handed_off_by_design: bool
) -> Iterator[Finding]:
    body = _Body.of(fn, root)
    parents = body.parents
    for attach in attaches:
        if restored_by_enclosing_with(attach):  # still pairs its own detaches, below, by rebinding
            continue
        token = attach.target
        if token is None:
            if not handed_off_by_design:
                yield RULE.finding(
                    attach.call,
                    {Anchor.ATTACH: attach.call},
                    problem="the token leaves this function to be detached elsewhere",
                )
            continue
        if "." in token:
            if not handed_off_by_design:
                yield RULE.finding(
                    attach.call,
                    {Anchor.ATTACH: attach.call},
                    problem=f"the token is stored in {token} and detached in another function",
                )
            continue
        # A later attach that rebinds the token starts a new pair: its detaches are its own.
        rebound = min(
            (a.call.lineno for a in attaches if a.target == token and a.call.lineno > attach.call.lineno),
            default=None,
        )
        detaches, handoff = _uses_of_token(token, attach, rebound, body)
        if handoff is not None:
            if not handed_off_by_design:
                yield RULE.finding(
                    attach.call,
                    {Anchor.ATTACH: attach.call, Anchor.HANDOFF: handoff},
                    problem=f"the token leaves this function at line {handoff.lineno}, to be detached "
                    "elsewhere",
                )
            continue
        if not detaches:
            yield RULE.finding(
                attach.call,
                {Anchor.ATTACH: attach.call},
                problem="the token is never detached in this function",
            )
        for detach in detaches:
            if not _covered(attach.statement, _statement_of(detach, parents), parents):
                yield RULE.finding(
                    detach,
                    {Anchor.ATTACH: attach.call},
                    problem=f"this detach is skipped when the code after attach() (line "
                    f"{attach.call.lineno}) raises",
                )


def _hands_tokens_out(fn: FunctionFacts, facts: ModuleFacts) -> bool:
    """``__enter__``, or a function whose return annotation names a token type (``-> Token``,
    ``-> tuple[Span, Token]``): by contract its caller receives the token and owns the detach.
    Callers in this module are held to that: each must detach what it receives in a finally."""
    if fn.name in _ENTER_METHODS:
        return True
    returns = fn.node.returns if isinstance(fn.node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    names_a_token = returns is not None and any(
        "Token" in name
        for node in ast.walk(returns)
        for name in (
            node.id if isinstance(node, ast.Name) else "",
            node.attr if isinstance(node, ast.Attribute) else "",
            node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "",
        )
    )
    if not names_a_token:  # nearly always: skip the walk over every call of the module
        return False
    callers = [s for s in facts.all_sites() if _calls(s.call, fn)]
    return all(_detaches_what_it_receives(caller, facts) for caller in callers)


def _calls(call: ast.Call, fn: FunctionFacts) -> bool:
    """``fn(...)`` for a function, ``self.fn(...)`` for a method."""
    if fn.cls is None:
        return isinstance(call.func, ast.Name) and call.func.id == fn.name
    return dotted_name(call.func) in (f"self.{fn.name}", f"cls.{fn.name}")


def _detaches_what_it_receives(call: Site, facts: ModuleFacts) -> bool:
    statement = call.statement
    if not (isinstance(statement, ast.Assign) and statement.value is call.call):
        return False
    body = _Body.of(call.function, call.function.node or facts.tree)
    received = [n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    for name in received:
        detaches, handoff = _uses_of_token(name, call, None, body)
        if detaches and handoff is None:
            return all(
                _covered(statement, _statement_of(d, body.parents), body.parents) for d in detaches
            )
    return False


def _uses_of_token(
    token: str, attach: Site, rebound: int | None, body: _Body
) -> tuple[list[ast.Call], ast.expr | None]:
    """The calls that detach this attach's token, and the first use that hands it to other code.

    A call whose name says it detaches is a detach (see ``names_a_detach``). Any other use
    (returned, stored, passed to a constructor, read by a nested function) hands the token off,
    and pairing it with a detach becomes the receiver's job; ``if token:`` hands nothing on.
    """
    detaches: list[ast.Call] = []
    handoff: ast.expr | None = None
    for node in body.loads.get(token, []):
        if id(node) in body.tested:
            continue
        if node.lineno <= attach.call.lineno or (rebound is not None and node.lineno >= rebound):
            continue
        call = None if id(node) in body.nested else body.call_of_argument.get(id(node))
        if call is not None and (id(call) in body.detach_calls or _detaches_one_token(call)):
            detaches.append(call)
        elif handoff is None or node.lineno < handoff.lineno:
            handoff = node
    return sorted(detaches, key=lambda c: (c.lineno, c.col_offset)), handoff


def _tested(node: ast.AST) -> list[ast.expr]:
    """The expressions ``node`` only tests (for truth or identity), which hands nothing on."""
    if isinstance(node, (ast.If, ast.IfExp, ast.While)):
        return [node.test]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [node.operand]
    return []


def _detaches_one_token(call: ast.Call) -> bool:
    return len(call.args) == 1 and names_a_detach(last_name(call.func) or "")


def _statement_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.stmt:
    while not isinstance(node, ast.stmt):
        node = parents[id(node)]
    return node


def _covered(attach: ast.stmt, detach: ast.stmt, parents: dict[int, ast.AST]) -> bool:
    """``detach`` sits in a ``finally`` whose ``try`` covers everything after ``attach``, or right
    after a ``try`` that swallows every ``Exception`` (only a ``KeyboardInterrupt`` could skip it)."""
    swallower = _previous_statement(detach, parents)
    if isinstance(swallower, ast.Try) and _swallows_exceptions(swallower):
        if _within(attach, swallower.body, parents) or _just_before(attach, swallower, parents, ast.Call):
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


# Setup may run between an attach and the try whose finally detaches it; a block of work may not.
_NOT_SETUP = (
    ast.Await, ast.Yield, ast.YieldFrom, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
    ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
)  # fmt: skip


def _just_before(
    attach: ast.stmt,
    try_node: ast.Try,
    parents: dict[int, ast.AST],
    unsafe: type[ast.AST] | tuple[type[ast.AST], ...] = _NOT_SETUP,
) -> bool:
    """``attach`` precedes ``try_node`` in the same block, with nothing ``unsafe`` in between.

    Before a ``finally``, straight-line setup between the two (``holder = Holder(token)``, ``if
    first: scope = bus.enter()``) is the common real shape and practically never raises. A block
    of work (a ``with``, a loop) is what the ``try`` should have covered, and an ``await`` or
    ``yield`` is a point where a cancelled task or an abandoned generator never comes back to reach
    the ``try``. Before a ``try`` that only swallows errors, no call may come between.
    """
    block = _block_of(try_node, parents)
    if block is None or not _contains(block, attach):
        return False
    between = block[block.index(attach) + 1 : block.index(try_node)]
    return not any(isinstance(n, unsafe) for s in between for n in ast.walk(s))


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
