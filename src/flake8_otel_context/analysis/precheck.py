"""A text test that rules a file out before any tree walk.

Most files in a project never mention OpenTelemetry; for them the plugin must cost (almost) nothing.
"""

from __future__ import annotations

from collections.abc import Collection

from flake8_otel_context.analysis.settings import SpanScope

# What most rules need in the file: an OpenTelemetry import, or a tracer method called on a tracer
# obtained elsewhere. A rule whose bug has nothing to do with spans declares its own words.
TRACING_WORDS = ("opentelemetry", "start_as_current_span", "start_span")
# With the "everywhere" scope, a file without tracing can still lose a span at a boundary.
_BOUNDARY_WORDS = ("run_in_executor", "submit", "map", "Thread", "Timer", "Process", "Pool")


def may_match(source: str, scope: SpanScope, words: Collection[str] = TRACING_WORDS) -> bool:
    """``words``: what the selected rules need (the union of their own); one of them must appear."""
    if any(word in source for word in words):
        return True
    return scope is SpanScope.EVERYWHERE and any(word in source for word in _BOUNDARY_WORDS)
