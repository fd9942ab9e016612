"""Watch ``attach`` and ``detach`` where every caller goes through: the runtime context object.

Patching the object, not the ``opentelemetry.context`` functions, also sees code that imported
``attach`` by name before the plugin loaded, and ``use_span``'s own attaches. The wrappers return
what the original returns and re-raise what it raises (the API's ``detach`` logs and swallows it,
as it always does).
"""

from __future__ import annotations

import functools
from types import FrameType
from typing import Any

import pytest
from opentelemetry import context as otel_context

from flake8_otel_context.runtime.sanitizer import Sanitizer
from flake8_otel_context.runtime.sites import current_frame

# Frames of the API that sit between the project's call and the runtime context.
_CONTEXT_API = ("opentelemetry/context/",)
_SPAN_API = (
    "opentelemetry/context/",
    "opentelemetry/trace/",
    "opentelemetry/sdk/trace/",
    "opentelemetry/util/",
)
_ATTACH_CALLS = frozenset({"attach"})


def watch(sanitizer: Sanitizer, patch: pytest.MonkeyPatch) -> None:
    runtime = otel_context._RUNTIME_CONTEXT
    attach = runtime.attach
    detach = runtime.detach

    @functools.wraps(attach)
    def watched_attach(context: Any) -> Any:
        token = attach(context)
        with sanitizer.guard("attach()"):
            _note_attach(sanitizer, token, current_frame())
        return token

    @functools.wraps(detach)
    def watched_detach(token: Any) -> None:
        try:
            detach(token)
        except Exception as error:
            with sanitizer.guard("detach()"):
                sanitizer.detached(token, error)
            raise
        with sanitizer.guard("detach()"):
            sanitizer.detached(token, None)

    patch.setattr(runtime, "attach", watched_attach)
    patch.setattr(runtime, "detach", watched_detach)


def _note_attach(sanitizer: Sanitizer, token: object, frame: FrameType) -> None:
    """An attach the project's code wrote, or one that ``use_span`` made under the project's call."""
    direct = sanitizer.project.caller(frame, _CONTEXT_API)
    if direct is not None and sanitizer.project.owns(direct.frame.f_code.co_filename):
        site = sanitizer.project.site(direct.frame, _ATTACH_CALLS)
        if site is not None:
            sanitizer.attached(token, site, direct=True)
        return
    through_a_span = sanitizer.project.caller(frame, _SPAN_API)
    if through_a_span is not None:
        site = sanitizer.project.site(through_a_span.frame)
        if site is not None:
            sanitizer.attached(token, site, direct=False)
