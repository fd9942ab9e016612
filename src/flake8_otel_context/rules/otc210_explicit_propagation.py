"""OTC210 (opt-in): asyncio boundaries without an explicitly captured and passed context."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, context_keyword
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.analysis.vocabulary import GATHER, TASK_FACTORIES, TO_THREAD
from flake8_otel_context.rules.rule import Rule

_CONTEXT_KINDS = (Kind.OTEL_CONTEXT, Kind.COPIED_CONTEXT)


def check(analysis: Analysis) -> Iterator[Finding]:
    for fn in analysis.facts.functions:
        for site in fn.sites:
            if not (
                site.qualname in TASK_FACTORIES
                or site.qualname in (GATHER, TO_THREAD)
                or (site.method == "create_task" and site.qualname is None)
            ):
                continue
            if context_keyword(site.call) is not None or not analysis.activity.may_have_span(site):
                continue
            arguments = site.call.args + [k.value for k in site.call.keywords]
            explicit = any(
                isinstance(node, (ast.Name, ast.Call)) and analysis.values.kind(node, fn) in _CONTEXT_KINDS
                for argument in arguments
                for node in ast.walk(argument)
            )
            if not explicit:
                name = site.method or (site.qualname or "").rpartition(".")[2]
                yield RULE.finding(site.call, call=name, advice=ADVICE.get(name, ADVICE["create_task"]))


# Advice that runs on every Python the package supports (3.10 has no create_task(context=...);
# ensure_future and gather never take a context; to_thread hands its keywords to the function).
_ATTACH_IN_THE_COROUTINE = (
    "pass otel_context.get_current() to the coroutine and attach it there, detaching in a finally"
)
ADVICE = {
    "create_task": f"{_ATTACH_IN_THE_COROUTINE} (from Python 3.11, create_task(coro, "
    "context=contextvars.copy_context()) also works)",
    "ensure_future": _ATTACH_IN_THE_COROUTINE,
    "gather": "pass otel_context.get_current() to each coroutine and attach it there, detaching in a "
    "finally",
    "to_thread": "run the function in a copy of the context you can name: "
    "asyncio.to_thread(contextvars.copy_context().run, fn, *args)",
}


RULE = Rule(
    code="OTC210",
    name="implicit-asyncio-propagation",
    summary="Opt-in policy: asyncio boundaries that rely on the implicit context copy.",
    message=(
        "{call}() relies on asyncio's implicit context copy (correct, but not explicit); this "
        "project asks for an explicit context: {advice}"
    ),
    rationale=(
        "Not a run-time bug: these calls copy the current context. Some teams still want every "
        "boundary to name the context it carries, so that moving code (into a callback, a thread "
        "or a task created earlier) cannot silently change it. Enable with "
        "`--extend-select=OTC210`."
    ),
    invalid=(
        """\
import asyncio
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    with tracer.start_as_current_span("request"):
        await asyncio.gather(fetch(), fetch())
""",
    ),
    valid=(
        """\
import asyncio
import contextvars
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

async def handle():
    with tracer.start_as_current_span("request"):
        await asyncio.to_thread(contextvars.copy_context().run, fetch)
""",
    ),
    fix=None,
    not_fixable=(
        "the implicit copy is already correct at run time; whether to pass an explicit context is a "
        "design choice"
    ),
    check=check,
    enabled_by_default=False,
    breaks_at_runtime=False,
)
