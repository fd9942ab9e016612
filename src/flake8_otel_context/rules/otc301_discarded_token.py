"""OTC301: ``attach()`` whose token is thrown away."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.facts import FunctionFacts, Site
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.vocabulary import OTEL_ATTACH, OTEL_GET_CURRENT
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for site in analysis.facts.all_sites():
        if (
            site.qualname == OTEL_ATTACH
            and token_discarded(site)
            and not restored_by_enclosing_with(site)
            and not _restores_a_saved_context(site.function)
        ):
            yield RULE.finding(site.call)


def restored_by_enclosing_with(attach: Site) -> bool:
    """``attach`` inside ``with start_as_current_span(...)`` or ``use_span``, in the same function.

    Leaving that block resets the context to what it was when the block was entered, whatever was
    attached inside it since, so a token lost inside the block leaks nothing past its end.
    """
    return any(region.kind == "with" for region in attach.spans)


def _restores_a_saved_context(fn: FunctionFacts) -> bool:
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


def token_discarded(attach: Site) -> bool:
    statement = attach.statement
    return attach.target == "_" or (isinstance(statement, ast.Expr) and statement.value is attach.call)


RULE = Rule(
    code="OTC301",
    name="attach-token-discarded",
    summary="`otel_context.attach(ctx)` whose token is discarded, so it can never be detached.",
    message=(
        "the token returned by attach() is discarded, so this context can never be detached and "
        "leaks into whatever runs next on this thread or task; keep it (token = attach(ctx)) and "
        "detach(token) in a finally"
    ),
    rationale=(
        "`attach` returns the token that restores the previous context. Without it the attached "
        "context stays current after the work is done: on a pooled thread the next, unrelated "
        "task runs under the leaked span and its spans join the wrong trace, with no log at all."
    ),
    invalid=(
        """\
from opentelemetry import context as otel_context

def worker(ctx):
    otel_context.attach(ctx)
    do_work()
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
    ),
    fix="Keeps the token and detaches it in a `finally` that covers the rest of the function.",
    check=check,
)
