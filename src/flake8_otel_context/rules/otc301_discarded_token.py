"""OTC301: ``attach()`` whose token is thrown away."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.tokens import (
    leaks_an_unread_value,
    restored_by_enclosing_with,
    restores_a_saved_context,
    token_discarded,
)
from flake8_otel_context.analysis.vocabulary import OTEL_ATTACH
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for site in analysis.facts.all_sites():
        if (
            site.qualname == OTEL_ATTACH
            and token_discarded(site)
            and not restored_by_enclosing_with(site)
            and not restores_a_saved_context(site.function)
            and not leaks_an_unread_value(site, analysis.facts, analysis.project)
        ):
            yield RULE.finding(site.call)


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
        "task runs under the leaked span and its spans join the wrong trace, with no log at all. "
        "Not reported: `attach(set_value(KEY, value))` on the current context (no context argument, "
        "or `get_current()`) where KEY is a string literal, or a constant of the project bound to "
        "one, that no module of the project reads with `get_value`. That context is the current "
        "one plus KEY, so the same span stays current (and an enclosing `with` or detach resets "
        "it anyway): only KEY outlives the work, and with nothing reading it no span or attribute "
        "comes out wrong. It is reported when the project reads KEY anywhere (a span processor "
        "that tags spans with it tags later, unrelated ones) or reads a key it cannot name, when "
        "KEY is OpenTelemetry's, another package's, a suppression key or cannot be resolved, when "
        "another context is given, and whenever the file is read without its project."
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
