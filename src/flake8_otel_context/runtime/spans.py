"""See every span the SDK starts, whichever provider the tests configured; and provide one for the
session when they configure none, so that spans are recorded at all.

The session provider exports nothing and steps aside: it is never installed as the global, so a
test that installs its own provider later still can, and its exporter sees what it would have seen
without the plugin.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import Tracer, TracerProvider

from flake8_otel_context.runtime.sanitizer import Sanitizer


def watch(sanitizer: Sanitizer, patch: pytest.MonkeyPatch) -> None:
    start_span = Tracer.start_span

    @functools.wraps(start_span)
    def watched_start_span(self: Tracer, *args: Any, **kwargs: Any) -> trace.Span:
        span = start_span(self, *args, **kwargs)
        with sanitizer.guard("start_span()"):
            sanitizer.span_started(span)
        return span

    patch.setattr(Tracer, "start_span", watched_start_span)


class _SessionProvider(TracerProvider):
    """Records spans (so that trace ids exist) and keeps none."""


def provide_for_the_session(patch: pytest.MonkeyPatch) -> None:
    """Until a provider is installed, tracers record through a provider of the session's own.

    The global is left unset, so ``get_tracer`` still hands out proxies and ``set_tracer_provider``
    still works once; only the proxies' fallback changes, from a tracer that records nothing to one
    that records and exports nothing. Once the tests install a provider, the proxies use it, as
    they would without the plugin."""
    session = _SessionProvider()
    resolve = trace.ProxyTracer._tracer

    def recording_until_a_provider_is_set(self: trace.ProxyTracer) -> trace.Tracer:
        if trace._TRACER_PROVIDER is not None:
            tracer: trace.Tracer = resolve.fget(self)  # type: ignore[attr-defined]
            return tracer
        recording: trace.Tracer | None = getattr(self, "_otel_context_tracer", None)
        if recording is None:
            recording = session.get_tracer(
                self._instrumenting_module_name,
                self._instrumenting_library_version,
                self._schema_url,
                self._attributes,
            )
            self._otel_context_tracer = recording  # type: ignore[attr-defined]
        return recording

    patch.setattr(trace.ProxyTracer, "_tracer", property(recording_until_a_provider_is_set))
