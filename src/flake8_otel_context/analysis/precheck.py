"""A text test that rules a file out before any tree walk.

Most files in a project never mention OpenTelemetry; for them the plugin must cost (almost) nothing.
"""

from __future__ import annotations

from flake8_otel_context.analysis.settings import SpanScope

# Every rule needs one of these in the file: an OpenTelemetry import, or a tracer method called on
# a tracer obtained elsewhere.
_TRACING_WORDS = ("opentelemetry", "start_as_current_span", "start_span")
# With the "everywhere" scope, a file without tracing can still lose a span at a boundary.
_BOUNDARY_WORDS = ("run_in_executor", "submit", "map", "Thread", "Timer", "Process", "Pool")


def may_match(source: str, scope: SpanScope) -> bool:
    if any(word in source for word in _TRACING_WORDS):
        return True
    return scope is SpanScope.EVERYWHERE and any(word in source for word in _BOUNDARY_WORDS)
