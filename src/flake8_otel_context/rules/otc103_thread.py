"""OTC103: ``threading.Thread``/``Timer`` run their target without the caller's context."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_otel_context.analysis.context import Analysis, describe, lost_context
from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.rules.rule import Rule


def check(analysis: Analysis) -> Iterator[Finding]:
    for boundary, why in lost_context(analysis, "thread"):
        yield RULE.finding(
            boundary.site.call,
            {Anchor.WORKER: boundary.worker},
            because=why,
            hazards=boundary.hazards,
            worker=describe(boundary.worker),
        )


RULE = Rule(
    code="OTC103",
    name="thread-loses-context",
    summary=(
        "`threading.Thread(target=fn)` / `threading.Timer(t, fn)` runs `fn` without the caller's "
        "context."
    ),
    message=(
        "the thread runs {worker} without the caller's context, so the span is lost and its child "
        "spans start a new trace; use target=contextvars.copy_context().run with args=(fn, ...), "
        "or pass otel_context.get_current() and attach it in the target"
    ),
    rationale=(
        "A new thread starts with an empty context (also on Python 3.14's default build). Spans "
        "the thread starts have no parent and form their own trace."
    ),
    invalid=(
        """\
import threading
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(job):
    with tracer.start_as_current_span("request"):
        threading.Thread(target=send_email, args=(job,)).start()
""",
        """\
from threading import Timer
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

@tracer.start_as_current_span("schedule")
def schedule():
    Timer(5.0, refresh_cache).start()
""",
    ),
    valid=(
        """\
import contextvars
import threading
from opentelemetry import trace

tracer = trace.get_tracer(__name__)

def handle(job):
    with tracer.start_as_current_span("request"):
        ctx = contextvars.copy_context()
        threading.Thread(target=ctx.run, args=(send_email, job)).start()
""",
        """\
import threading
from opentelemetry import trace
from opentelemetry.instrumentation.threading import ThreadingInstrumentor

ThreadingInstrumentor().instrument()
tracer = trace.get_tracer(__name__)

def handle(job):
    with tracer.start_as_current_span("request"):
        threading.Thread(target=send_email, args=(job,)).start()
""",
    ),
    fix=(
        "Rewrites a nested target into the attach/detach pattern and passes "
        "`otel_context.get_current()` in `args`; otherwise runs the target in a copy of the "
        "caller's context: `target=functools.partial(contextvars.copy_context().run, fn)`."
    ),
    check=check,
)
