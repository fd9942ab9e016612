"""Properties that must hold for every program, not only for the ones a fixture writes down.

The fixtures prove each rule and each rewrite on the cases someone thought of. Users run the plugin
and the fixer on everything else: any valid Python, in any layout, with the APIs spelled any way
and names that shadow them. What we promise there is a contract, and these tests state it:

* the analysis, and the flake8 plugin driven the way flake8 drives it, never fail on a valid
  program. A plugin that raises takes the whole flake8 run down; ours catches its own errors and
  reports them as OTC900, so an OTC900 "internal error" is a failure here too (only "nested too
  deeply" is an honest OTC900);
* the fixer's output always compiles, a second run changes nothing, the analysis of the output
  finds nothing but what the fixer said it left for a person, and a program with no findings comes
  back byte for byte;
* fixing a file on disk either writes exactly that output or, when it reports an error, leaves the
  file byte-identical.

Programs come from hypothesmith (any grammatical program; most never mention OpenTelemetry, which
the plugin's text pre-check skips, so they are also run behind an OpenTelemetry header and inside
the span of a traced function) and from ``services()``, which composes realistic modules from
fragments that do have findings, with the spellings, comments, decorators and shadowing names real
code has.

The default hypothesis profile ("ci") runs a bounded number of examples (40 per property, fewer
for the costlier ones), the same examples every run; ``HYPOTHESIS_PROFILE=long`` (``tox -e
properties``) runs thousands of examples per property. Even with "ci", most properties take
seconds (each example goes through the plugin under every span scope, whose options, and the
project around the working directory, are read once per setting as in one flake8 run), so those are
marked ``slow``: the default run, which CI runs, has them all at full count; ``pytest -m "not
slow"`` keeps the few that take well under a second.
"""

from __future__ import annotations

import argparse
import ast
import functools
import os
import re
import stat
import symtable
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import hypothesmith
import pytest
from flake8.defaults import NOQA_FILE
from flake8.violation import Violation
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.settings import Settings, SpanScope
from flake8_otel_context.checker import NOT_ANALYSED, analyze
from flake8_otel_context.fixer.engine import FixOptions, FixResult, fix_source
from flake8_otel_context.fixer.run import fix_file
from flake8_otel_context.plugin import OtelContextChecker
from flake8_otel_context.rules import DEFAULT_ON, RULES_BY_CODE

# "ci", the default, stays within seconds and reports a failure at once: shrinking a generated
# service can take minutes, so shrinking is left to "long" ("tox -e properties"), or to whoever
# replays the failure with the @reproduce_failure blob it prints.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,  # generated programs vary a lot in size; timing is not what is tested
    database=None,  # no .hypothesis directory in the checkout; a failure prints its reproduction
    print_blob=True,
    derandomize=True,  # CI sees the same examples every run; the long profile explores
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "long", settings.get_profile("ci"), max_examples=2000, derandomize=False, phases=list(Phase)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def share_of_examples(fraction: float) -> settings:
    """The profile's settings with a fraction of its examples, for properties that cost more each."""
    return settings(max_examples=max(3, round(settings.default.max_examples * fraction)))


# Programs such as '"a"()' compile with a SyntaxWarning; it says nothing about the code under test.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

ALL_CODES = frozenset(RULES_BY_CODE)
HEADER = (
    "from opentelemetry import trace, context\n"
    "import threading, asyncio\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "tracer = trace.get_tracer(__name__)\n"
)
# Any program the grammar allows (built once: building the grammar's parser takes most of a second)
GRAMMATICAL_PROGRAMS = hypothesmith.from_grammar()
LIBCST_PROGRAMS = hypothesmith.from_node()  # any program libcst can build node by node
PROPAGATING = st.sampled_from([frozenset(), frozenset({"threading"}), frozenset({"app.traced_submit"})])


# --- helpers every property uses -----------------------------------------------------------------


def compiles(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def physical_lines(source: str) -> list[str]:
    """The lines flake8 hands a plugin: each with its own line ending, joined back into ``source``."""
    return source.splitlines(keepends=True)


def analysis_failures(findings: list[Finding]) -> list[Finding]:
    """OTC900 reports that are not "nested too deeply": a bug of ours, caught so flake8 survives."""
    return [f for f in findings if f.code == NOT_ANALYSED and "nested too deeply" not in f.message]


def findings_of(source: str, options: FixOptions) -> list[Finding]:
    """The analysis with the fixer's selection of rules, less what ``# noqa`` silences (judged by
    flake8 itself, as the fixer judges it)."""
    codes = DEFAULT_ON if options.codes is None else options.codes
    lines = re.split(r"\r\n|\r|\n", source)
    if any(NOQA_FILE.match(line) for line in lines):
        return []
    return [
        finding
        for finding in analyze(ast.parse(source), source, options.settings, codes)
        if not Violation(
            finding.code, "", finding.line, finding.col, finding.message, lines[finding.line - 1]
        ).is_inline_ignored(disable_noqa=False)
    ]


def locals_in_use(source: str) -> set[tuple[str, str]]:
    """(function path, name) for every name a function both binds and reads."""
    found: set[tuple[str, str]] = set()

    def visit(table: symtable.SymbolTable, path: str) -> None:
        for child in table.get_children():
            child_path = f"{path}/{child.get_name()}"
            if child.get_type() == "function":
                found.update(
                    (child_path, symbol.get_name())
                    for symbol in child.get_symbols()
                    if symbol.is_local() and symbol.is_referenced()
                )
            visit(child, child_path)

    visit(symtable.symtable(source, "<generated>", "exec"), "")
    return found


def signatures(source: str) -> list[tuple[str, str]]:
    """(dotted path, parameters) of every function, in source order."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, path: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not isinstance(child, ast.ClassDef):
                    found.append((f"{path}.{child.name}", ast.dump(child.args)))
                visit(child, f"{path}.{child.name}")
            else:
                visit(child, path)

    visit(ast.parse(source), "")
    return found


def uses_without_a_context(source: str, before: str) -> list[str]:
    """Uses of a function whose parameters the rewrite changed (it takes the context first now)
    by a call that does not pass it ``get_current()``: a direct call, or a boundary left alone."""
    old, new = signatures(before), signatures(source)
    assert [path for path, _ in old] == [path for path, _ in new]
    changed = {path.rpartition(".")[2] for (path, args), (_, was) in zip(new, old) if args != was}
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            name = node.id
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            name = node.attr
        else:
            continue
        if name not in changed:
            continue
        call = parents.get(node)
        if isinstance(call, ast.keyword):  # Thread(target=worker, args=(...))
            call = parents.get(call)
        passed = [] if not isinstance(call, ast.Call) else [*call.args, *call.keywords]
        if not any(
            isinstance(inner, ast.Call) and ast.unparse(inner.func).endswith("get_current")
            for argument in passed
            for inner in ast.walk(argument)
        ):
            wrong.append(ast.unparse(call if call is not None else node))
    return wrong


def module_imports(source: str) -> set[str]:
    names: set[str] = set()
    for statement in ast.parse(source).body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in statement.names)
    return names


def run_plugin(source: str, scope: SpanScope, propagating: Collection[str] = ()) -> list[str]:
    """The plugin as flake8 runs it: options parsed once per class, then one instance per file."""
    checker = plugin_class(scope, tuple(sorted(propagating)))(ast.parse(source), physical_lines(source))
    return [message for _, _, message, _ in checker.run()]


@functools.cache
def plugin_class(scope: SpanScope, propagating: tuple[str, ...]) -> type[OtelContextChecker]:
    """The plugin with its options parsed, as one flake8 run has it for all its files: once per
    setting, not once per program (parsing them loads the project around the working directory)."""

    class Checker(OtelContextChecker):  # a subclass, so parse_options leaves the real class alone
        pass

    Checker.parse_options(argparse.Namespace(otc_span_scope=scope.value, otc_propagating=list(propagating)))
    return Checker


def assert_analysed_without_failure(source: str, propagating: frozenset[str] = frozenset()) -> None:
    """Every span scope, every rule (the opt-in OTC210 too), through the API and the plugin."""
    tree = ast.parse(source)
    for scope in SpanScope:
        findings = analyze(tree, source, Settings(span_scope=scope, propagating=propagating), ALL_CODES)
        assert analysis_failures(findings) == [], scope
        messages = run_plugin(source, scope, propagating)
        assert not [m for m in messages if m.startswith(NOT_ANALYSED) and "nested too deeply" not in m]


def assert_fix_contract(source: str, options: FixOptions) -> FixResult:
    """The fixer's promises on one program; returns the first run's result for further checks."""
    first = fix_source(source, options)
    ast.parse(first.source)
    assert compiles(first.source), first.source
    second = fix_source(first.source, options)
    assert second.source == first.source, "a second run changed the output:\n" + first.source
    assert second.fixed == []
    # A module the rewrite refers to must be the module: in a function that binds the same name
    # (a parameter called "context", a local called "contextvars"), the rewrite must spell it
    # another way.
    shadowed = {
        (function, name)
        for function, name in locals_in_use(first.source) - locals_in_use(source)
        if name in module_imports(first.source)
    }
    assert shadowed == set(), first.source
    assert uses_without_a_context(first.source, source) == [], first.source
    left_for_a_person = {(d.finding.code, d.finding.line, d.finding.col) for d in first.declined}
    remaining = [f for f in findings_of(first.source, options) if f.code != NOT_ANALYSED]
    not_fixed = [f for f in remaining if (f.code, f.line, f.col) not in left_for_a_person]
    assert not_fixed == [], first.source
    if not findings_of(source, options):
        assert first.source == source
        assert first.fixed == []
    return first


def fix_options() -> st.SearchStrategy[FixOptions]:
    codes: st.SearchStrategy[frozenset[str] | None] = st.one_of(
        st.none(), st.just(ALL_CODES), st.frozensets(st.sampled_from(sorted(ALL_CODES)), min_size=1)
    )
    return st.builds(
        FixOptions,
        settings=st.builds(Settings, span_scope=st.sampled_from(SpanScope), propagating=PROPAGATING),
        codes=codes,
        style=st.sampled_from(["auto", "copy-context"]),
    )


def indented(program: str, prefix: str) -> str:
    """``program`` with ``prefix`` before every physical line (``str.splitlines`` would also break
    at form feeds and other characters Python does not end a line at)."""
    lines = program.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(prefix + line if line.strip() else line for line in lines)


def with_header(program: str) -> str:
    return HEADER + program


def inside_span(program: str, asynchronous: bool) -> str:
    """``program`` as the body of a span, in a function (so a boundary in it has a span to lose)."""
    keyword = "async def" if asynchronous else "def"
    return (
        HEADER
        + f"{keyword} handler(pool, ctx, items):\n"
        + "    with tracer.start_as_current_span('s'):\n"
        + "        pass\n"
        + indented(program, "        ")
        + "\n"
    )


# --- services(): realistic modules composed from fragments that have findings --------------------

Node = Union[str, "Block"]


@dataclass
class Block:
    header: str
    body: list[Node]


# Each spelling is an import line and how the code then names the thing ("{}": the attribute).
CONTEXT_SPELLINGS = [
    ("from opentelemetry import context", "context.{}"),
    ("from opentelemetry import context as otel_context", "otel_context.{}"),
    ("import opentelemetry.context as otel_ctx", "otel_ctx.{}"),
    ("import opentelemetry.context", "opentelemetry.context.{}"),
    ("from opentelemetry.context import attach, detach, get_current", "{}"),
]
TRACE_SPELLINGS = [
    ("from opentelemetry import trace", "trace"),
    ("import opentelemetry.trace as trace_api", "trace_api"),
]
COPY_SPELLINGS = [
    ("import contextvars", "contextvars.copy_context"),
    ("from contextvars import copy_context", "copy_context"),
    ("import contextvars as cv", "cv.copy_context"),
]
EXECUTOR_SPELLINGS = [
    ("from concurrent.futures import ThreadPoolExecutor", "ThreadPoolExecutor"),
    ("import concurrent.futures as cf", "cf.ThreadPoolExecutor"),
    ("import concurrent.futures", "concurrent.futures.ThreadPoolExecutor"),
]
THREADING_SPELLINGS = [
    ("import threading", "threading.{}"),
    ("import threading as th", "th.{}"),
    ("from threading import Thread, Timer", "{}"),
]
ASYNCIO_SPELLINGS = [("import asyncio", "asyncio"), ("import asyncio as aio", "aio")]
PARTIAL_SPELLINGS = [("import functools", "functools.partial"), ("from functools import partial", "partial")]

COMMENTS = ["# keep the order", "# TODO: retry on failure", "# pragma: no cover", "# type: ignore", "# café"]
TRAILING_COMMENTS = ["  # why not", "  # see ticket 42", "  # pragma: no cover"]
FILLERS = ["print(items)", "total = len(items)", "pass", "results.append(items)", "..."]
WORKER_SIGNATURES = ["item, extra=None", "item: int, extra: object = None", "item, /, extra=None", "*args"]
# How a boundary names its worker: a function nested in the caller, a module-level one (private,
# public, behind a decorator, or one another boundary or a direct call also uses), a method of the
# caller's class, or a lambda or functools.partial around one.
WORKER_KINDS = ["nested", "private", "public", "decorated", "reused", "method", "lambda", "partial"]
BOUNDARIES = ["submit", "map", "run_in_executor", "thread", "timer", "copy_in_lambda", "captured_before"]
TOKEN_FRAGMENTS = [
    "attach_alone", "detach_not_in_finally", "try_starts_late", "detach_only_in_except", "correct"
]
# Names that shadow a module the fixer may want to use, in the function it rewrites.
SHADOWS = ["none", "param context", "param otel_context", "local contextvars", "local functools", "local cv"]


@dataclass
class Spelling:
    """One module's choice of imports; ``used`` records which ones its code needs."""

    context: tuple[str, str]
    trace: tuple[str, str]
    copy: tuple[str, str]
    executor: tuple[str, str]
    threading: tuple[str, str]
    asyncio: tuple[str, str]
    partial: tuple[str, str]
    used: set[str] = field(default_factory=set)

    def name(self, what: str, attribute: str = "") -> str:
        self.used.add(what)
        spelled: str = getattr(self, what)[1]
        return spelled.format(attribute)

    def import_line(self, what: str) -> str:
        line: str = getattr(self, what)[0]
        return line


@dataclass
class Module:
    """What a module collects while its handlers are drawn."""

    draw: st.DrawFn
    spelling: Spelling
    definitions: list[Node] = field(default_factory=list)  # module level, before the handlers
    workers: list[str] = field(default_factory=list)  # module-level workers, for reuse
    counter: int = 0
    decorator_defined: bool = False

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def choose(self, options: list[str]) -> str:
        chosen: str = self.draw(st.sampled_from(options))
        return chosen

    def flag(self) -> bool:
        return self.draw(st.booleans())

    def worker_definition(self, name: str, decorated: bool = False, method: bool = False) -> list[Node]:
        signature = self.choose(WORKER_SIGNATURES)
        if method:
            signature = "self, " + signature.replace("/, ", "")
        item = "args[0]" if "*args" in signature else "item"
        body: list[Node] = ['"""Runs on a pool thread."""'] if self.flag() else []
        if self.flag():
            body.append(Block('with tracer.start_as_current_span("child"):', [f"return {item}"]))
        else:
            body.append(self.choose([f"return {item}", f"print({item})"]))
        if decorated and not self.decorator_defined:
            self.decorator_defined = True
            self.definitions.insert(0, Block("def _logged(fn):", ["return fn"]))
        return (["@_logged"] if decorated else []) + [Block(f"def {name}({signature}):", body)]

    def module_worker(self, stem: str, decorated: bool = False) -> str:
        name = self.fresh(stem)
        self.definitions += self.worker_definition(name, decorated)
        self.workers.append(name)
        return name


@dataclass
class Handler:
    """One traced function being drawn: its parameters and the statements around its span."""

    module: Module
    asynchronous: bool
    in_class: bool
    params: list[str] = field(default_factory=list)
    before: list[Node] = field(default_factory=list)  # before the span
    inside: list[Node] = field(default_factory=list)  # in the span
    after: list[Node] = field(default_factory=list)
    methods: list[Node] = field(default_factory=list)  # the class's other methods
    pool: str | None = None
    pool_block: str | None = None  # "with ThreadPoolExecutor() as pool:" around the span, or in it
    loop_ready: bool = False

    def __post_init__(self) -> None:
        self.params = ["self", "items"] if self.in_class else ["items"]

    def param(self, text: str) -> None:
        if text not in self.params:
            self.params.append(text)

    def executor(self) -> str:
        """A thread pool the handler can submit to: a parameter, a global, ``with``, ``self._pool``."""
        if self.pool is None:
            how = self.module.choose(["with", "param", "global", "attribute" if self.in_class else "with"])
            executor = self.module.spelling.name("executor")
            if how == "with":
                self.pool = "pool"
                self.pool_block = f"with {executor}(max_workers=2) as pool:"
            elif how == "param":
                self.pool = "pool"
                self.param(f"pool: {executor}")
            elif how == "global":
                self.pool = self.module.fresh("_POOL")
                self.module.definitions.append(f"{self.pool} = {executor}(max_workers=2)")
            else:
                self.pool = "self._pool"
                init = Block("def __init__(self):", [f"self._pool = {executor}(max_workers=2)"])
                self.methods.insert(0, init)
        return self.pool

    def loop(self) -> str:
        self.asynchronous = True
        if not self.loop_ready:
            self.loop_ready = True
            self.before.append(f"loop = {self.module.spelling.name('asyncio')}.get_running_loop()")
        return "loop"

    def worker(self, mapped: bool = False) -> tuple[str, list[str]]:
        """A worker as the boundary names it, and the arguments the boundary passes it."""
        module = self.module
        kind = module.choose(WORKER_KINDS)
        if kind == "nested":
            name = module.fresh("work")
            self.before += module.worker_definition(name)
        elif kind == "method" and self.in_class:
            method = module.fresh("_work")
            self.methods += module.worker_definition(method, method=True)
            name = f"self.{method}"
        elif kind == "reused" and module.workers:
            name = module.choose(module.workers)
        elif kind in ("private", "decorated"):
            name = module.module_worker("_work", decorated=kind == "decorated")
        else:
            name = module.module_worker("work")
        if kind == "lambda":
            return ("lambda i: " if mapped else "lambda: ") + f"{name}({'i' if mapped else 'item'})", []
        if kind == "partial":
            partial = module.spelling.name("partial")
            return (f"{partial}({name}, extra=1)", []) if mapped else (f"{partial}({name}, item)", [])
        return name, [] if mapped else ["item"]


def boundary(handler: Handler, kind: str) -> list[Node]:
    """Statements that cross a concurrency boundary (with ``item`` in scope)."""
    module, spelling = handler.module, handler.module.spelling
    if kind == "submit":
        pool = handler.executor()
        worker, args = handler.worker()
        call = f"{pool}.submit({', '.join([worker, *args])})"
        return [module.choose([f"future = {call}", f"{call}.result()", f"futures.append({call})"])]
    if kind == "map":
        pool = handler.executor()
        worker, _ = handler.worker(mapped=True)
        return [f"results = list({pool}.map({worker}, items))"]
    if kind == "run_in_executor":
        loop = handler.loop()
        executor = "None" if module.flag() else handler.executor()
        worker, args = handler.worker()
        return [f"result = await {loop}.run_in_executor({', '.join([executor, worker, *args])})"]
    if kind == "thread":
        worker, args = handler.worker()
        extra = f", args=({args[0]},)" if args else ""
        daemon = ", daemon=True" if module.flag() else ""
        thread = f"{spelling.name('threading', 'Thread')}(target={worker}{extra}{daemon})"
        if module.flag():
            return [f"{thread}.start()"]
        return [f"t = {thread}", "t.start()", "t.join()"]
    if kind == "timer":
        worker, args = handler.worker()
        extra = f", args=[{args[0]}]" if args else ""
        return [f"{spelling.name('threading', 'Timer')}(0.01, {worker}{extra}).start()"]
    if kind == "copy_in_lambda":
        wrapped = f"lambda: {spelling.name('copy')}().run({module.module_worker('work')}, item)"
        where = module.choose(["submit", "thread", "executor"])
        if where == "submit":
            return [f"{handler.executor()}.submit({wrapped}).result()"]
        if where == "thread":
            return [f"{spelling.name('threading', 'Thread')}(target={wrapped}).start()"]
        return [f"await {handler.loop()}.run_in_executor(None, {wrapped})"]
    if kind == "captured_before":
        if module.flag():
            handler.before.append(f"captured = {spelling.name('context', 'get_current')}()")
            name = module.fresh("_attached")
            attach, detach = spelling.name("context", "attach"), spelling.name("context", "detach")
            body: list[Node] = [
                f"token = {attach}(parent)",
                Block("try:", ["return item"]),
                Block("finally:", [f"{detach}(token)"]),
            ]
            module.definitions.append(Block(f"def {name}(parent, item):", body))
            return [f"{handler.executor()}.submit({name}, captured, item)"]
        handler.before.append(f"snapshot = {spelling.name('copy')}()")
        return [f"{handler.executor()}.submit(snapshot.run, {module.module_worker('work')}, item)"]
    raise AssertionError(kind)


def token_fragment(handler: Handler, kind: str) -> list[Node]:
    """attach/detach of a context the handler is given, right or wrong."""
    spelling = handler.module.spelling
    handler.param("ctx")
    attach, detach = spelling.name("context", "attach"), spelling.name("context", "detach")
    filler = handler.module.choose(FILLERS)
    if kind == "attach_alone":
        return [f"{attach}(ctx)", filler]
    if kind == "detach_not_in_finally":
        return [f"token = {attach}(ctx)", filler, f"{detach}(token)"]
    finally_detach = Block("finally:", [f"{detach}(token)"])
    if kind == "try_starts_late":
        return [f"token = {attach}(ctx)", filler, Block("try:", [filler]), finally_detach]
    if kind == "detach_only_in_except":
        return [
            f"token = {attach}(ctx)",
            Block("try:", [filler]),
            Block("except Exception:", [f"{detach}(token)", "raise"]),
        ]
    if kind == "correct":
        return [f"token = {attach}(ctx)", Block("try:", [filler]), finally_detach]
    raise AssertionError(kind)


def manual_span(handler: Handler, child: list[Node]) -> list[Node]:
    """A span started with start_span and (wrongly, unless through use_span) never made current."""
    module = handler.module
    how = module.choose(["assigned", "with", "use_span"])
    if how == "assigned":
        return ['span = tracer.start_span("manual")', *child, "span.end()"]
    if how == "with":
        return [Block('with tracer.start_span("manual"):', child)]
    use_span = f"{module.spelling.name('trace')}.use_span"
    return [Block(f'with {use_span}(tracer.start_span("manual"), end_on_exit=True):', child)]


def handler_definition(module: Module, index: int) -> list[Node]:
    """A traced function (or a class with a traced method) whose span has boundaries in it."""
    draw = module.draw
    handler = Handler(module, asynchronous=module.flag(), in_class=module.flag())
    crossing: list[Node] = []
    for kind in draw(st.lists(st.sampled_from(BOUNDARIES), max_size=3)):
        crossing += boundary(handler, kind)
    if crossing and module.flag():
        crossing = [Block("for item in items:", crossing)]
    elif crossing:
        crossing = ["item = items[0]", *crossing]
    if module.flag():
        child = Block('with tracer.start_as_current_span("inner"):', ["pass"])
        crossing = manual_span(handler, crossing or [child])
    for kind in draw(st.lists(st.sampled_from(TOKEN_FRAGMENTS), max_size=2)):
        where = module.choose(["before", "inside", "after"])
        getattr(handler, where).extend(token_fragment(handler, kind))
    inner: list[Node] = crossing + handler.inside or ["pass"]
    if handler.pool_block is not None and module.flag():  # the pool inside the span
        inner = [Block(handler.pool_block, inner)]
        handler.pool_block = None
    span = module.choose(["with", "with as", "decorator", "none"])
    if span in ("with", "with as"):
        target = " as current" if span == "with as" else ""
        inner = [Block(f'with tracer.start_as_current_span("handle_{index}"){target}:', inner)]
    if handler.pool_block is not None:  # the pool around the span
        inner = [Block(handler.pool_block, inner)]
    body: list[Node] = handler.before + inner + handler.after
    # A shadowing name the handler's own code does not use (code that uses it is already broken).
    text = "\n".join([*walk(body), *handler.params])
    shadow = module.choose([name for name in SHADOWS if not re.search(rf"\b{name.split()[-1]}\b", text)])
    if shadow.startswith("param"):
        handler.param(shadow.split()[1])
    elif shadow.startswith("local"):
        body.insert(0, f"{shadow.split()[1]} = {{}}")
    if any(".append(" in line for line in walk(body)):
        body.insert(0, "results, futures = [], []")
    if module.flag():
        body.insert(0, f'"""Handle request {index}."""')
    keyword = "async def" if handler.asynchronous else "def"
    decorators: list[Node] = []
    if span == "decorator":
        decorators.append(f'@tracer.start_as_current_span("handle_{index}")')
    function = [*decorators, Block(f"{keyword} handle_{index}({', '.join(handler.params)}):", body)]
    if handler.in_class:
        return [Block(f"class Service{index}:", handler.methods + function)]
    return function


def walk(nodes: list[Node]) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        if isinstance(node, Block):
            lines += [node.header, *walk(node.body)]
        else:
            lines.append(node)
    return lines


def render(module: Module, nodes: list[Node], unit: str, depth: int) -> list[str]:
    """Lines at ``depth``, with the comments and blank lines real code has between them."""
    lines: list[str] = []
    for node in nodes:
        extra = module.choose(["", "", "", "comment", "blank"])
        if extra == "comment":
            lines.append(unit * depth + module.choose(COMMENTS))
        elif extra == "blank":
            lines.append("")
        trailing = module.choose(["", "", "", "", *TRAILING_COMMENTS])
        if isinstance(node, Block):
            lines.append(unit * depth + node.header + trailing)
            lines += render(module, node.body, unit, depth + 1)
        else:
            lines.append(unit * depth + node + trailing)
    return lines


@st.composite
def services(draw: st.DrawFn) -> str:
    """A module with traced handlers that cross thread, pool and executor boundaries, attach and
    detach contexts, and start spans: some of it wrong (findings), some of it right."""
    spelling = Spelling(
        context=draw(st.sampled_from(CONTEXT_SPELLINGS)),
        trace=draw(st.sampled_from(TRACE_SPELLINGS)),
        copy=draw(st.sampled_from(COPY_SPELLINGS)),
        executor=draw(st.sampled_from(EXECUTOR_SPELLINGS)),
        threading=draw(st.sampled_from(THREADING_SPELLINGS)),
        asyncio=draw(st.sampled_from(ASYNCIO_SPELLINGS)),
        partial=draw(st.sampled_from(PARTIAL_SPELLINGS)),
    )
    module = Module(draw, spelling)
    nodes: list[Node] = []
    for index in range(draw(st.integers(1, 3))):
        nodes += handler_definition(module, index)
    if module.workers and module.flag():  # workers also called directly: their signature is public
        calls = draw(st.lists(st.sampled_from(module.workers), min_size=1, max_size=2))
        nodes.append(Block("def main():", [f"{name}(1)" for name in calls]))
    tracer = f"tracer = {spelling.name('trace')}.get_tracer(__name__)"
    # The imports the code needs, plus some it does not (the fixer must reuse those it can).
    wanted = spelling.used | draw(st.sets(st.sampled_from(["context", "copy", "partial", "threading"])))
    imports: list[str] = draw(st.permutations(sorted(spelling.import_line(what) for what in wanted)))
    preamble: list[Node] = []
    if module.flag():
        preamble.append('"""A service generated for property tests."""')
    if module.flag():
        preamble.append("from __future__ import annotations")
    nodes = preamble + imports + [tracer] + module.definitions + nodes
    lines = render(module, nodes, draw(st.sampled_from(["    ", "    ", "  ", "\t"])), 0)
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    return newline.join(lines) + newline


# --- 1. the analysis never fails on a valid program ---------------------------------------------


@pytest.mark.slow
@given(program=GRAMMATICAL_PROGRAMS, propagating=PROPAGATING)
def test_analysis_and_plugin_never_fail_on_any_grammatical_program(
    program: str, propagating: frozenset[str]
) -> None:
    assert_analysed_without_failure(program, propagating)


@pytest.mark.slow
@given(program=GRAMMATICAL_PROGRAMS, propagating=PROPAGATING)
def test_analysis_and_plugin_never_fail_on_any_program_that_imports_opentelemetry(
    program: str, propagating: frozenset[str]
) -> None:
    source = with_header(program)
    assume(compiles(source))  # only a "from __future__" import in the program can break this
    assert_analysed_without_failure(source, propagating)


@pytest.mark.slow
@given(program=GRAMMATICAL_PROGRAMS, asynchronous=st.booleans(), propagating=PROPAGATING)
def test_analysis_and_plugin_never_fail_on_any_statements_run_inside_a_span(
    program: str, asynchronous: bool, propagating: frozenset[str]
) -> None:
    source = inside_span(program, asynchronous)
    assume(compiles(source))  # e.g. "nonlocal x", "yield from" in an async def
    assert_analysed_without_failure(source, propagating)


@pytest.mark.slow
@share_of_examples(0.5)
@given(program=LIBCST_PROGRAMS, asynchronous=st.booleans())
def test_analysis_and_plugin_never_fail_on_any_libcst_generated_program(
    program: str, asynchronous: bool
) -> None:
    assume(compiles(program))
    assert_analysed_without_failure(program)
    for source in (with_header(program), inside_span(program, asynchronous)):
        if compiles(source):
            assert_analysed_without_failure(source)


@pytest.mark.slow
@given(program=services(), propagating=PROPAGATING)
def test_analysis_and_plugin_never_fail_on_services_with_findings(
    program: str, propagating: frozenset[str]
) -> None:
    assert compiles(program), program
    assert_analysed_without_failure(program, propagating)


# --- 2. the fixer's output compiles, is stable, and fixes what it says it fixes -----------------


@given(program=GRAMMATICAL_PROGRAMS, asynchronous=st.booleans(), options=fix_options())
def test_fixer_keeps_its_contract_on_any_statements_run_inside_a_span(
    program: str, asynchronous: bool, options: FixOptions
) -> None:
    for source in (with_header(program), inside_span(program, asynchronous)):
        if compiles(source):
            assert_fix_contract(source, options)


@given(program=GRAMMATICAL_PROGRAMS, options=fix_options())
def test_fixer_leaves_any_grammatical_program_without_findings_byte_identical(
    program: str, options: FixOptions
) -> None:
    if not findings_of(program, options):
        assert fix_source(program, options).source == program
    else:
        assert_fix_contract(program, options)


@pytest.mark.slow
@given(program=services(), options=fix_options())
def test_fixer_output_compiles_is_stable_and_leaves_only_what_it_declined(
    program: str, options: FixOptions
) -> None:
    assert compiles(program), program
    assert_fix_contract(program, options)


ENCODINGS = ["utf-8", "utf-8 with BOM", "latin-1 cookie", "read-only"]


def encoded(program: str, layout: str) -> bytes:
    if layout == "utf-8 with BOM":
        return program.encode("utf-8-sig")
    if layout == "latin-1 cookie":
        return ("# -*- coding: latin-1 -*-\n" + program).encode("latin-1")
    return program.encode("utf-8")


@pytest.mark.slow
@share_of_examples(0.25)
@given(program=services(), options=fix_options(), layout=st.sampled_from(ENCODINGS))
def test_fixing_a_file_writes_the_fixed_text_or_leaves_the_file_byte_identical(
    program: str, options: FixOptions, layout: str
) -> None:
    data = encoded(program, layout)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "service.py"
        path.write_bytes(data)
        if layout == "read-only":
            path.chmod(stat.S_IRUSR | stat.S_IRGRP)
        report = fix_file(str(path), options, write=True)
        after = path.read_bytes()
    if report.error is not None:
        assert after == data, report.error
        return
    encoding = {"utf-8 with BOM": "utf-8-sig", "latin-1 cookie": "latin-1"}.get(layout, "utf-8")
    text = data.decode(encoding)
    assert after.decode(encoding) == fix_source(text, options).source
    assert compiles(after.decode(encoding))
    if after != data:
        assert report.fixed, "the file changed but the report says nothing was fixed"
        assert layout != "read-only", "a read-only file was rewritten"


@pytest.mark.parametrize("layout", ENCODINGS)
def test_each_file_layout_is_rewritten_in_place_and_a_read_only_file_is_reported_untouched(
    layout: str,
) -> None:
    """One fixed example per layout, so each runs whatever hypothesis draws above."""
    program = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from opentelemetry import trace\n"
        "tracer = trace.get_tracer(__name__)\n"
        "def handle(pool: ThreadPoolExecutor, item):\n"
        "    with tracer.start_as_current_span('s'):\n"
        "        pool.submit(work, item)  # café\n"
    )
    data = encoded(program, layout)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "service.py"
        path.write_bytes(data)
        if layout == "read-only":
            path.chmod(stat.S_IRUSR | stat.S_IRGRP)
        report = fix_file(str(path), FixOptions(), write=True)
        after = path.read_bytes()
    if layout == "read-only":
        assert report.error is not None and after == data
    else:
        assert report.error is None and after != data
        assert compiles(after.decode("latin-1" if layout == "latin-1 cookie" else "utf-8-sig"))
