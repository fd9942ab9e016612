"""OTC303: a generator yields while its span is current."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.vocabulary import GENERATOR_CONTEXT_MANAGERS
from flake8_otel_context.rules.rule import Rule

_BARE_DECORATORS = frozenset({"fixture"})


def _makes_context_manager(decorator: str) -> bool:
    """``contextlib``'s decorators, pytest fixtures, and look-alikes such as OpenTelemetry's own
    ``_agnosticcontextmanager``."""
    name = decorator.rpartition(".")[2]
    return (
        decorator in GENERATOR_CONTEXT_MANAGERS
        or name in _BARE_DECORATORS
        or name.endswith("contextmanager")
    )


def check(analysis: Analysis) -> Iterator[Finding]:
    for fn in analysis.facts.functions:
        if not fn.is_generator or any(_makes_context_manager(d) for d in fn.decorators):
            continue
        for node, spans in fn.yields:
            held = [r for r in spans if r.kind != "decorator"]
            if held:
                yield RULE.finding(node, line=str(held[-1].line))


RULE = Rule(
    code="OTC303",
    name="span-held-across-yield",
    summary="A span made current (with-block or attach) held across a `yield` in a generator.",
    message=(
        "the span made current at line {line} is still current at this yield, so the consumer's "
        "work runs under it (and closing the generator elsewhere fails to detach); end the span "
        "before yielding, or make the generator a @contextmanager"
    ),
    rationale=(
        "A generator suspends at `yield` without leaving its `with` block: the context it "
        "attached stays current in the consumer, whose spans then hang under the producer's "
        "span. For async generators, closing from another task logs 'Failed to detach context'."
    ),
    invalid=(
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def rows(cursor):
    with tracer.start_as_current_span("fetch"):
        for row in cursor:
            yield row
""",
    ),
    valid=(
        """\
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def rows(cursor):
    with tracer.start_as_current_span("fetch"):
        batch = list(cursor)
    yield from batch
""",
        """\
from contextlib import contextmanager
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

@contextmanager
def traced(name):
    with tracer.start_as_current_span(name) as span:
        yield span
""",
    ),
    fix=None,
    not_fixable=(
        "keeping a span across yield needs the generator restructured (collect, then yield outside "
        "the span, or end the span per item)"
    ),
    check=check,
)
