"""Attach tokens, in one place: which detach belongs to which attach, whether a ``finally`` covers
the work between them, who else owns the token, and the idioms that make a kept token safe.

OTC301 (a token thrown away), OTC302 (a detach an exception can skip) and the fixer's rewrite of
both read these answers; none of them works the pairing out again.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site
from flake8_otel_context.analysis.names import dotted_name, last_name
from flake8_otel_context.analysis.vocabulary import (
    OTEL_ATTACH,
    OTEL_DETACH,
    OTEL_GET_CURRENT,
    OTEL_SET_VALUE,
    names_a_detach,
)
from flake8_otel_context.project.view import ProjectView

_ENTER_METHODS = ("__enter__", "__aenter__")
_EXIT_METHODS = ("__exit__", "__aexit__")


def token_discarded(attach: Site) -> bool:
    """``attach(ctx)`` as a statement, or bound to ``_``: nothing can ever detach it."""
    statement = attach.statement
    return attach.target == "_" or (isinstance(statement, ast.Expr) and statement.value is attach.call)


def restored_by_enclosing_with(attach: Site) -> bool:
    """``attach`` inside ``with start_as_current_span(...)`` or ``use_span``, in the same function.

    Leaving that block resets the context to what it was when the block was entered, whatever was
    attached inside it since, so a token lost inside the block leaks nothing past its end.
    """
    return any(region.kind == "with" for region in attach.spans)


def restores_a_saved_context(fn: FunctionFacts) -> bool:
    """``previous = get_current()``, then ``attach(previous)`` in a ``finally``: the save-and-restore
    idiom, used where the restore may run in another context, in which ``detach`` would fail."""
    saved = {
        name
        for name, bindings in fn.bindings.items()
        if any(b.site is not None and b.site.qualname == OTEL_GET_CURRENT for b in bindings)
    }
    if not saved or fn.node is None:
        return False
    restores = {
        id(s.call)
        for s in fn.sites
        if s.qualname == OTEL_ATTACH
        and len(s.call.args) == 1
        and isinstance(s.call.args[0], ast.Name)
        and s.call.args[0].id in saved
    }
    return any(
        id(node) in restores
        for statement in ast.walk(fn.node)
        if isinstance(statement, ast.Try)
        for final in statement.finalbody
        for node in ast.walk(final)
    )


def leaks_an_unread_value(attach: Site, facts: ModuleFacts, project: ProjectView | None) -> bool:
    """``attach(set_value(KEY, value))`` on the current context, where KEY is the project's own
    literal or constant and no module of the project reads it with ``get_value``.

    The context attached is the current one plus KEY, so leaking it leaves the same span current:
    parents and traces are unchanged, and an enclosing ``with`` exit or detach resets it anyway.
    Only KEY stays visible too long, and nothing looks it up, so no span or attribute comes out
    wrong (tests/test_context_values.py measures both this and a key that a span processor reads).
    Another context (``set_value(KEY, v, parent)``), an unknown key, OpenTelemetry's or another
    package's key, or no project to ask: the leak may matter.
    """
    made = attach.call.args[0] if len(attach.call.args) == 1 and not attach.call.keywords else None
    if (
        project is None
        or not isinstance(made, ast.Call)
        or facts.imports.qualname(made.func) != OTEL_SET_VALUE
        or any(isinstance(a, ast.Starred) for a in made.args)
        or any(k.arg is None for k in made.keywords)
    ):
        return False
    key = made.args[0] if made.args else _keyword(made, "key")
    context = made.args[2] if len(made.args) > 2 else _keyword(made, "context")
    current = (
        context is None
        or (isinstance(context, ast.Constant) and context.value is None)
        or (
            isinstance(context, ast.Call)
            and not context.args
            and facts.imports.qualname(context.func) == OTEL_GET_CURRENT
        )
    )
    return current and key is not None and project.unread_context_key(key, attach.function)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


@dataclass(frozen=True)
class Pair:
    """One kept token: the attach, the detaches that belong to it, and what the code shows of them."""

    attach: Site
    token: str | None  # the local name, ``self.attr``, or None when the token is returned at once
    detaches: tuple[ast.Call, ...] = ()
    handoff: ast.expr | None = None  # the first use that hands the token to other code
    uncovered: tuple[ast.Call, ...] = ()  # the detaches an exception can skip
    # Detaches in a nested function (a returned generator, a callback): they run only if and when
    # that function is called, so nothing in this function's own work is covered by them.
    deferred: tuple[ast.Call, ...] = ()

    @property
    def stored(self) -> bool:
        return self.token is not None and "." in self.token


def pairs(fn: FunctionFacts, facts: ModuleFacts) -> list[Pair]:
    """Every attach in ``fn`` that keeps its token and is not undone by an enclosing ``with``."""
    attaches = [s for s in fn.sites if s.qualname == OTEL_ATTACH and not token_discarded(s)]
    if not attaches:
        return []
    body = _Body.of(fn, fn.node or facts.tree)
    # The attaches that bind each token name, in source order: a later attach that rebinds the
    # token starts a new pair, and its detaches are its own.
    bound: dict[str, list[tuple[int, int]]] = {}
    for attach in attaches:
        if attach.target is not None:
            bound.setdefault(attach.target, []).append(_position(attach.call))
    for positions in bound.values():
        positions.sort()
    found = []
    for attach in attaches:
        if restored_by_enclosing_with(attach):
            continue
        token = attach.target
        if token is None or "." in token:
            found.append(Pair(attach, token))
            continue
        start = _position(attach.call)
        positions = bound[token]
        following = bisect.bisect_right(positions, start)
        rebound = positions[following] if following < len(positions) else None
        uses = _uses_of_token(token, start, rebound, body)
        detaches = uses.detaches
        uncovered = tuple(d for d in detaches if not _covered(attach.statement, d, detaches, body))
        found.append(Pair(attach, token, tuple(detaches), uses.handoff, uncovered, tuple(uses.deferred)))
    return found


def detached_on_exit(pair: Pair, facts: ModuleFacts) -> bool:
    """A context-manager class: the token is kept on ``self`` by ``__enter__`` (or a method it
    calls), or by ``__init__`` when this module only ever builds the object in a ``with``, and
    ``__exit__`` (or a method it calls) detaches that attribute. Used with ``with``, the exit runs
    on every path, in the context of the enter."""
    cls = pair.attach.function.cls
    if cls is None or not pair.stored:
        return False
    methods = {fn.name: fn for fn in facts.functions if fn.cls is cls and fn.node is not None}
    where = pair.attach.function.name
    if where not in _reached(methods, _ENTER_METHODS):
        # Attached at construction: only safe where the object is made in a ``with`` statement.
        if where not in _reached(methods, ("__init__",)) or not _only_built_in_with(cls.node.name, facts):
            return False
    exiting = _reached(methods, _EXIT_METHODS)
    return any(
        names_a_detach(last_name(site.call.func) or "")
        and any(dotted_name(arg) == pair.token for arg in site.call.args)
        for name in exiting
        for site in methods[name].sites
    )


@dataclass(frozen=True)
class Hooks:
    """A framework's start hook and the end hook that undoes what it did.

    ``risk`` is None when the framework calls the end hook on every path, in the thread or task
    that ran the start hook; otherwise it says how the end hook can be skipped or run elsewhere.
    A hook is named by its signal (``task_prerun``) or by base class and method
    (``SpanProcessor.on_end``).
    """

    start: str
    end: str
    risk: str | None


# Each row was decided by reading where the framework calls the hooks.
FRAMEWORK_HOOKS = (
    # celery/app/trace.py: the task tracer sends task_postrun in a ``finally``, on the worker
    # thread that sent task_prerun, whether the task returned, raised or was retried.
    Hooks("task_prerun", "task_postrun", None),
    # celery sends after_task_publish once the message is out; a publish that raises never gets there.
    Hooks(
        "before_task_publish",
        "after_task_publish",
        "celery does not send after_task_publish when the publish raises",
    ),
    # _pytest/main.py wrap_session calls pytest_sessionfinish in its ``finally``, on the main
    # thread, once pytest_sessionstart has returned.
    Hooks("pytest_sessionstart", "pytest_sessionfinish", None),
    # The OpenAI Agents SDK starts and finishes each trace and span in a ``with`` block or a
    # ``finally`` of the run loop, in one task; the processor's hooks are called synchronously.
    Hooks("TracingProcessor.on_trace_start", "TracingProcessor.on_trace_end", None),
    Hooks("TracingProcessor.on_span_start", "TracingProcessor.on_span_end", None),
    # opentelemetry-sdk: a span processor's on_end runs in whatever thread or task ends the span.
    Hooks(
        "SpanProcessor.on_start",
        "SpanProcessor.on_end",
        "the SDK calls on_end wherever the span is ended, often another thread or task, where "
        "the detach fails",
    ),
    # taskiq's kicker raises SendTaskError past post_send when the broker's kick fails, and its
    # receiver calls post_execute after the ack, with nothing around them.
    Hooks(
        "TaskiqMiddleware.pre_send",
        "TaskiqMiddleware.post_send",
        "taskiq does not call post_send when the broker's kick raises",
    ),
    Hooks(
        "TaskiqMiddleware.pre_execute",
        "TaskiqMiddleware.post_execute",
        "taskiq does not call post_execute when the ack or another middleware raises",
    ),
    # dspy/utils/callback.py with_callbacks: the start handlers run, then the call in a ``try`` whose
    # ``finally`` runs the end handlers, in the same frame (so the same thread or task).
    *(
        Hooks(f"BaseCallback.on_{kind}_start", f"BaseCallback.on_{kind}_end", None)
        for kind in ("module", "lm", "adapter_format", "adapter_parse", "tool", "evaluate", "compile")
    ),
    # langchain_core/callbacks/manager.py: in an async run, a synchronous handler's every hook runs
    # in an executor through its own ``copy_context().run``, so no hook sees another's attach.
    *(
        Hooks(
            f"BaseCallbackHandler.on_{start}_start",
            f"BaseCallbackHandler.on_{end}_end",
            "in an async run LangChain calls each hook of a synchronous handler in its own copied "
            "context, where the detach fails",
        )
        for start, end in (("chain", "chain"), ("llm", "llm"), ("chat_model", "llm"), ("tool", "tool"))
    ),
)
_UNKNOWN_RISK = (
    "nothing here shows it runs on every path; it may be skipped when the work raises, or run in "
    "another thread or task"
)
_CONTEXT_MANAGER = {"__enter__": "__exit__", "__aenter__": "__aexit__"}


@dataclass(frozen=True)
class EndHook:
    """Where an attach made in one hook is undone: the functions that detach (or exit), and what
    can go wrong with them (None: they run on every path, in the thread or task of the attach)."""

    function: str
    risk: str | None


def end_hook(
    start: FunctionFacts, undoes: Callable[[Site], bool], facts: ModuleFacts, bases: Sequence[str] = ()
) -> EndHook | None:
    """The callback pair an attach in ``start`` belongs to, followed through the module's calls.

    The end is another function of the same class (or, for a module function, of the module) with
    a call ``undoes`` accepts. Each side is traced up its callers in the module to the functions
    nothing here calls: the hooks the framework calls. The pair is safe when every way into the
    start is a ``__enter__`` whose class's ``__exit__`` reaches the end (a ``with`` runs both, in
    one context, on every path), or a framework hook whose partner in ``FRAMEWORK_HOOKS`` reaches
    the end and is guaranteed. ``bases`` adds the class's base classes that the project model sees
    through other modules. None when nothing else here undoes the attach.
    """
    ends = [
        fn
        for fn in facts.functions
        if fn is not start
        and fn.node is not None
        and (fn.cls, fn.parent) == (start.cls, start.parent)
        and any(undoes(s) for s in fn.sites)
    ]
    if not ends:
        return None
    end_roots = [root for end in ends for root in _entry_points(end, facts)]
    found: list[EndHook] = []
    for root in _entry_points(start, facts):
        exit_name = _CONTEXT_MANAGER.get(root.name)
        exits = [r for r in end_roots if r.name == exit_name and r.cls is root.cls and r.cls is not None]
        if exits:
            found.append(EndHook(f"{exits[0].name}()", None))
            continue
        names = _hook_names(root, facts, bases)
        hooks = next((h for h in FRAMEWORK_HOOKS if h.start in names), None)
        ending = (
            None
            if hooks is None
            else next((r for r in end_roots if hooks.end in _hook_names(r, facts, bases)), None)
        )
        if hooks is None or ending is None:
            return EndHook(_some_of(sorted({f"{end.name}()" for end in ends})), _UNKNOWN_RISK)
        found.append(EndHook(f"{ending.name}()", hooks.risk))
    risky = next((hook for hook in found if hook.risk is not None), None)
    if risky is None:
        return found[0] if found else None
    return EndHook(_some_of(sorted({hook.function for hook in found if hook.risk == risky.risk})), risky.risk)


def _some_of(names: list[str]) -> str:
    """``a(), b() or c()``; beyond three, a count: a message names end hooks, it is not a listing."""
    if len(names) > 3:
        return f"{names[0]}, {names[1]} or {len(names) - 2} other functions"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _entry_points(fn: FunctionFacts, facts: ModuleFacts) -> list[FunctionFacts]:
    """The functions that start the chains of calls in this module reaching ``fn``: those nothing
    here calls (``self.fn()``, ``obj.fn()`` for a method, ``fn()`` for a function), and special
    methods, which the language calls (``cm.__enter__()`` elsewhere is some other object's)."""
    roots: list[FunctionFacts] = []
    seen: set[int] = set()
    pending = [fn]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        callers = [
            site.function
            for site in facts.sites_by_called_name.get(current.name, [])
            if not _special(current.name)
            and site.function is not current
            and isinstance(site.call.func, ast.Attribute if current.cls is not None else ast.Name)
        ]
        if callers:
            pending.extend(callers)
        else:
            roots.append(current)
    return roots


def _special(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _hook_names(fn: FunctionFacts, facts: ModuleFacts, bases: Sequence[str]) -> set[str]:
    """What a framework calls ``fn`` as: each signal it is connected to (``task_prerun.connect(
    self.on_prerun)`` or ``@task_prerun.connect``), its own name for a pytest hook (pytest finds
    them by name), and, for a method, ``Base.method`` for each base."""
    names = {decorator.split(".")[-2] for decorator in fn.decorators if decorator.endswith(".connect")}
    if fn.name.startswith("pytest_"):
        names.add(fn.name)
    reference = f"self.{fn.name}" if fn.cls is not None else fn.name
    for site in facts.sites_by_called_name.get("connect", []):
        receiver = site.receiver
        if receiver is not None and any(dotted_name(arg) == reference for arg in site.call.args):
            names.add(last_name(receiver) or "")
    if fn.cls is not None:
        names.update(f"{base.split('.')[-1]}.{fn.name}" for base in [*fn.cls.bases, *bases])
    return names


def _only_built_in_with(name: str, facts: ModuleFacts) -> bool:
    """Every ``name(...)`` of this module is a ``with`` item (``with Stream(...) as s:``): an object
    returned to a caller who iterates it without ``with`` keeps its context attached."""
    for site in facts.all_sites():
        call = site.call
        if isinstance(call.func, ast.Name) and call.func.id == name:
            statement = site.statement
            if not (
                isinstance(statement, (ast.With, ast.AsyncWith))
                and any(item.context_expr is call for item in statement.items)
            ):
                return False
    return True


def _reached(methods: dict[str, FunctionFacts], starts: tuple[str, ...]) -> set[str]:
    """The methods named ``starts`` and those they call through ``self``."""
    found: set[str] = set()
    pending = [name for name in starts if name in methods]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for site in methods[name].sites:
            called = dotted_name(site.call.func) or ""
            if called.startswith("self.") and called[5:] in methods:
                pending.append(called[5:])
    return found


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
    # Each statement's block and its index there: asked for every detach, never searched for.
    slots: dict[int, tuple[list[ast.stmt], int]] = field(default_factory=dict)
    _sorted: dict[str, list[ast.Name]] = field(default_factory=dict)

    def sorted_loads(self, name: str) -> list[ast.Name]:
        """The loads of ``name`` in source order, sorted once: each attach takes its range of them."""
        if name not in self._sorted:
            self._sorted[name] = sorted(self.loads.get(name, []), key=_position)
        return self._sorted[name]

    @classmethod
    def of(cls, fn: FunctionFacts, root: ast.AST) -> _Body:
        body = cls(root, frozenset(id(s.call) for s in fn.sites if s.qualname == OTEL_DETACH))
        parents, slots = body.parents, body.slots
        pending = [root]
        while pending:  # one pass over each node's fields gives parents, blocks and children
            node = pending.pop()
            for field_name in node._fields:
                value = getattr(node, field_name, None)
                if isinstance(value, ast.AST):
                    parents[id(value)] = node
                    pending.append(value)
                elif isinstance(value, list) and value:
                    if isinstance(value[0], ast.stmt):
                        slots.update((id(statement), (value, i)) for i, statement in enumerate(value))
                    for item in value:
                        if isinstance(item, ast.AST):
                            parents[id(item)] = node
                            pending.append(item)
            if isinstance(node, ast.Call):
                body.call_of_argument.update((id(arg), node) for arg in node.args)
            elif node is not root and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                body.nested.update(id(inner) for inner in ast.walk(node))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                body.loads.setdefault(node.id, []).append(node)
            body.tested.update(id(operand) for operand in _tested(node))
        return body


def hands_tokens_out(fn: FunctionFacts, facts: ModuleFacts) -> bool:
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
    callers = [s for s in facts.sites_by_called_name.get(fn.name, []) if _calls(s.call, fn)]
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
        uses = _uses_of_token(name, _position(call.call), None, body)
        if uses.detaches and uses.handoff is None and not uses.deferred:
            return all(_covered(statement, d, uses.detaches, body) for d in uses.detaches)
    return False


@dataclass
class _Uses:
    detaches: list[ast.Call] = field(default_factory=list)
    handoff: ast.expr | None = None
    deferred: list[ast.Call] = field(default_factory=list)


def _uses_of_token(token: str, after: tuple[int, int], rebound: tuple[int, int] | None, body: _Body) -> _Uses:
    """The calls that detach this attach's token, the first use that hands it to other code, and the
    detaches in a nested function (deferred: they run when and where that function is called).

    Uses count from the attach's position, not its line (``token = attach(c); work(); detach(token)``
    on one line), up to a later attach that rebinds the name. A call whose name says it detaches is
    a detach (see ``names_a_detach``), also a helper given more than the token
    (``_detach(context, token)``). Any other use (returned, stored, passed to a constructor, read by
    a nested function other than to detach it) hands the token off, and pairing it with a detach
    becomes the receiver's job; ``if token:`` hands nothing on.
    """
    uses = _Uses()
    loads = body.sorted_loads(token)
    first = bisect.bisect_right(loads, after, key=_position)
    last = len(loads) if rebound is None else bisect.bisect_left(loads, rebound, key=_position)
    for node in loads[first:last]:
        if id(node) in body.tested:
            continue
        call = body.call_of_argument.get(id(node))
        if call is not None and (id(call) in body.detach_calls or _names_a_detach(call)):
            (uses.deferred if id(node) in body.nested else uses.detaches).append(call)
        elif uses.handoff is None or _position(node) < _position(uses.handoff):
            uses.handoff = node
    uses.detaches.sort(key=_position)
    uses.deferred.sort(key=_position)
    return uses


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


def _names_a_detach(call: ast.Call) -> bool:
    return bool(call.args) and names_a_detach(last_name(call.func) or "")


def _position(node: ast.expr) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _statement_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.stmt:
    while not isinstance(node, ast.stmt):
        node = parents[id(node)]
    return node


def _covered(
    attach: ast.stmt, detach_call: ast.Call, detaches: list[ast.Call], body: _Body
) -> bool:
    """The detach runs on every path an ``Exception`` can take from the work after ``attach``:

    - it sits in a ``finally`` whose ``try`` covers that work;
    - or right after a ``try`` that swallows every ``Exception`` of the work;
    - or the work's ``try`` detaches on success (in its body, or right after it) and its
      ``except Exception`` detaches too before it raises again.

    In the last two, only a ``BaseException`` skips it: ``KeyboardInterrupt`` in sync code, but a
    task's cancellation is routine at an ``await``, so a ``try`` that awaits needs the ``finally``.
    """
    detach = _statement_of(detach_call, body.parents)
    swallower = _previous_statement(detach, body)
    if isinstance(swallower, ast.Try) and _swallows_exceptions(swallower) and not _awaits(swallower):
        if _within(attach, swallower.body, body) or _just_before(attach, swallower, body, ast.Call):
            return True
    if _paired_with_a_raising_handler(attach, detach, detaches, body):
        return True
    child: ast.AST = detach
    while id(child) in body.parents:
        parent = body.parents[id(child)]
        if isinstance(parent, ast.Try) and _in_block(child, parent.finalbody, body):
            if _within(attach, parent.body, body) or _just_before(attach, parent, body):
                return True
        child = parent
    return False


def _paired_with_a_raising_handler(
    attach: ast.stmt, detach: ast.stmt, detaches: list[ast.Call], body: _Body
) -> bool:
    """``try: work(); detach(token)  except Exception: detach(token); raise`` (or the success
    detach right after the ``try``): every ``Exception`` path and the success path detach."""
    candidates = [_previous_statement(detach, body)]
    node: ast.AST = detach
    while id(node) in body.parents:
        node = body.parents[id(node)]
        candidates.append(node if isinstance(node, ast.Try) else None)
    ids = {id(d) for d in detaches}
    for try_node in candidates:
        if not isinstance(try_node, ast.Try) or _awaits(try_node):
            continue
        if not (_within(attach, try_node.body, body) or _just_before(attach, try_node, body)):
            continue
        handler = next((h for h in try_node.handlers if _is_broad(h) and _raises_again(h)), None)
        if handler is None or not _holds_one_of(handler.body, ids):
            continue
        after = _previous_statement(detach, body) is try_node
        if after or _holds_one_of(try_node.body, ids):
            return True
    return False


def _is_broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    return kind is None or (isinstance(kind, ast.Name) and kind.id in ("Exception", "BaseException"))


def _raises_again(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise) for s in handler.body for n in ast.walk(s))


def _holds_one_of(block: list[ast.stmt], ids: set[int]) -> bool:
    return any(id(n) in ids for s in block for n in ast.walk(s))


def _awaits(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) for n in ast.walk(node))


def _previous_statement(statement: ast.stmt, body: _Body) -> ast.stmt | None:
    slot = body.slots.get(id(statement))
    if slot is None or slot[1] == 0:
        return None
    block, index = slot
    return block[index - 1]


def _block_of(statement: ast.AST, body: _Body) -> list[ast.stmt] | None:
    slot = body.slots.get(id(statement))
    return slot[0] if slot is not None else None


def _swallows_exceptions(try_node: ast.Try) -> bool:
    """A handler for every ``Exception`` that does not raise again."""
    return any(_is_broad(handler) and not _raises_again(handler) for handler in try_node.handlers)


def _in_block(node: ast.AST, block: list[ast.stmt], body: _Body) -> bool:
    slot = body.slots.get(id(node))
    return slot is not None and slot[0] is block


def _within(node: ast.AST, block: list[ast.stmt], body: _Body) -> bool:
    while True:
        if _in_block(node, block, body):
            return True
        if id(node) not in body.parents:
            return False
        node = body.parents[id(node)]


# Setup may run between an attach and the try whose finally detaches it; a block of work may not.
_NOT_SETUP = (
    ast.Await, ast.Yield, ast.YieldFrom, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
    ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
)  # fmt: skip


def _just_before(
    attach: ast.stmt,
    try_node: ast.Try,
    body: _Body,
    unsafe: type[ast.AST] | tuple[type[ast.AST], ...] = _NOT_SETUP,
) -> bool:
    """``attach`` precedes ``try_node`` in the same block, with nothing ``unsafe`` in between.

    Before a ``finally``, straight-line setup between the two (``holder = Holder(token)``, ``if
    first: scope = bus.enter()``) is the common real shape and practically never raises. A block
    of work (a ``with``, a loop) is what the ``try`` should have covered, and an ``await`` or
    ``yield`` is a point where a cancelled task or an abandoned generator never comes back to reach
    the ``try``. Before a ``try`` that only swallows errors, no call may come between. And setup is
    never excused inside the body of a ``try`` whose ``except`` is right there to catch it failing:
    that handler leaves with the context still attached.
    """
    block = _block_of(try_node, body)
    if block is None:
        return False
    attach = attach if _in_block(attach, block, body) else _completes_into(attach, body)
    if not _in_block(attach, block, body) or body.slots[id(attach)][1] > body.slots[id(try_node)][1]:
        return False
    between = block[body.slots[id(attach)][1] + 1 : body.slots[id(try_node)][1]]
    if between and _handled_right_there(block, body):
        return False
    return not any(isinstance(n, unsafe) for s in between for n in ast.walk(s))


def _completes_into(statement: ast.stmt, body: _Body) -> ast.stmt:
    """The outermost statement that completes the moment ``statement`` does: ``statement`` ends an
    ``if`` branch, or the body of a ``try`` with no ``else`` or ``finally``, and so on up.

    ``try: ctx = extract(headers); token = attach(ctx)  except Exception: token = None`` followed
    by ``try: ... finally: detach(token)`` (neatlogs' WSGI and LiteLLM wrappers): once the attach
    has returned, nothing runs before the covering ``try``; the handler can only have run instead.
    """
    while True:
        slot = body.slots.get(id(statement))
        if slot is None or slot[1] != len(slot[0]) - 1:
            return statement
        owner = body.parents.get(id(statement))
        ends_a_branch = isinstance(owner, ast.If)
        ends_a_try = (
            isinstance(owner, ast.Try) and owner.body is slot[0] and not owner.orelse and not owner.finalbody
        )
        if not (ends_a_branch or ends_a_try):
            return statement
        assert isinstance(owner, ast.stmt)
        statement = owner


def _handled_right_there(block: list[ast.stmt], body: _Body) -> bool:
    """``block`` is the body of a ``try`` with ``except`` clauses."""
    owner = body.parents.get(id(block[0])) if block else None
    return isinstance(owner, ast.Try) and owner.body is block and bool(owner.handlers)
