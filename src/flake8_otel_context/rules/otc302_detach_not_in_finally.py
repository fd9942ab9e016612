"""OTC302: a ``detach`` that an exception (or another function) can skip."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.facts import FunctionFacts, Site
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.names import dotted_name, last_name
from flake8_otel_context.analysis.tokens import (
    EndHook,
    Pair,
    detached_on_exit,
    end_hook,
    hands_tokens_out,
    pairs,
)
from flake8_otel_context.analysis.vocabulary import OTEL_DETACH, names_a_detach
from flake8_otel_context.analysis.walker import is_span_start
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    facts = analysis.facts
    for fn in facts.functions:
        kept = pairs(fn, facts)
        if not kept and not any(site.method == "__enter__" for site in fn.sites):
            continue  # nearly every function: nothing attached, nothing entered by hand
        by_design = hands_tokens_out(fn, facts)
        for pair in kept:
            yield from _problems(pair, by_design, analysis)
        if not by_design:
            yield from _entered_by_hand(fn, analysis)


def _problems(pair: Pair, handed_off_by_design: bool, analysis: Analysis) -> Iterator[Finding]:
    attach = pair.attach.call
    anchors: dict[Anchor, ast.expr | ast.stmt] = {Anchor.ATTACH: attach}
    if pair.token is None or pair.stored or pair.handoff is not None:
        if handed_off_by_design or detached_on_exit(pair, analysis.facts):
            return
        end = _end_hook(pair.attach.function, _detaches, analysis)
        if end is not None and end.risk is None:
            return
        if pair.token is None:
            problem = f"the token leaves this function to be detached {_where(end, 'elsewhere')}"
        elif pair.stored:
            problem = f"the token is stored in {pair.token} and detached {_where(end, 'in another function')}"
        else:
            assert pair.handoff is not None
            anchors[Anchor.HANDOFF] = pair.handoff
            problem = (
                f"the token leaves this function at line {pair.handoff.lineno}, to be detached "
                f"{_where(end, 'elsewhere')}"
            )
        yield RULE.finding(attach, anchors, problem=problem)
        return
    if pair.deferred:
        # The fixer cannot move a detach out of the function that holds it: it leaves these alone.
        anchors[Anchor.HANDOFF] = pair.deferred[0]
    elif not pair.detaches:
        yield RULE.finding(attach, anchors, problem="the token is never detached in this function")
    with_detaches = [*anchors.items(), *((Anchor.DETACH, detach) for detach in pair.detaches)]
    for detach in pair.uncovered:
        yield RULE.finding(
            detach,
            with_detaches,
            problem=f"this detach is skipped when the code after attach() (line {attach.lineno}) raises",
        )
    for detach in pair.deferred:
        yield RULE.finding(
            detach,
            with_detaches,
            problem=(
                f"this detach runs only when the nested function holding it is called: it is skipped "
                f"when the code after attach() (line {attach.lineno}) raises, and runs wherever and "
                "whenever that function is called, or never"
            ),
        )


def _end_hook(fn: FunctionFacts, undoes: Callable[[Site], bool], analysis: Analysis) -> EndHook | None:
    bases = analysis.project.external_bases(fn) if analysis.project is not None else []
    return end_hook(fn, undoes, analysis.facts, bases)


def _where(end: EndHook | None, unknown: str) -> str:
    """Where the undoing happens and why it cannot be relied on, when this module shows the end hook."""
    return unknown if end is None else f"in {end.function}: {end.risk}"


def _detaches(site: Site) -> bool:
    named = bool(site.call.args) and names_a_detach(last_name(site.call.func) or "")
    return site.qualname == OTEL_DETACH or named


def _exits(site: Site) -> bool:
    return site.method in ("__exit__", "__aexit__")


def _entered_by_hand(fn: FunctionFacts, analysis: Analysis) -> Iterator[Finding]:
    """``activation = trace.use_span(span); activation.__enter__()`` with no ``__exit__`` here: an
    attach in all but name, whose undoing is left to another hook (a task's pre/post signals)."""
    imports = analysis.facts.imports
    exited = {dotted_name(s.receiver) for s in fn.sites if _exits(s) and s.receiver is not None}
    for site in fn.sites:
        receiver = site.receiver
        if site.method != "__enter__" or receiver is None or dotted_name(receiver) in exited:
            continue
        made = [receiver] + [b.value for b in fn.bindings.get(dotted_name(receiver) or "", [])]
        if any(isinstance(m, ast.Call) and is_span_start(m, imports) for m in made):
            end = _end_hook(fn, _exits, analysis)
            if end is not None and end.risk is None:
                continue
            where = _where(end, "in another function")
            yield RULE.finding(
                site.call,
                {Anchor.ATTACH: site.call, Anchor.HANDOFF: site.call},
                problem=f"the span made current by this __enter__() is exited {where}",
            )


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
        "token is rejected ('Failed to detach context') and the context still leaks. Not "
        "reported: a context-manager class whose `__exit__` (or a method it calls) detaches the "
        "token that `__init__`/`__enter__` kept on `self`; a detach helper given the token among "
        "other arguments; a `detach` right after a `try` whose `except Exception` swallows every "
        "error of the work; and a `try` that detaches on success and in an `except Exception` "
        "that raises again. Real exporters, consumers and wrappers write those last two as often "
        "as a `finally`, and only a `BaseException` such as KeyboardInterrupt skips them. A "
        "task's cancellation is one too, and routine at an `await`, so a `try` that awaits needs "
        "the `finally`. Setup between "
        "the attach and the `try` whose `finally` detaches is accepted, except inside a `try` whose "
        "`except` is right there to catch that setup failing. Callback pairs (the attach in a start "
        "hook, the detach in the matching end hook, the token kept on the object or in a dict keyed "
        "by run id) are followed through the module's calls up to the hooks the framework calls. "
        "They are not reported where the end hook runs on every path in the thread or task of the "
        "start: a `with` block's `__enter__`/`__exit__`, celery's `task_prerun`/`task_postrun` "
        "(sent in a `finally` on the worker thread), pytest's `pytest_sessionstart`/"
        "`pytest_sessionfinish`, the OpenAI Agents SDK's tracing processor. "
        "Otherwise the message names the end hook and says whether the framework skips it when "
        "the work raises (celery's `after_task_publish`, taskiq's `post_send`/`post_execute`), runs "
        "it elsewhere (a span processor's `on_end`, wherever the span ends; LangChain's handler "
        "hooks in an async run, each in its own copied context), or nothing shows "
        "either way. A detach inside a nested function (a returned generator, a callback) is "
        "reported there: it runs only when and where that function is called."
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
