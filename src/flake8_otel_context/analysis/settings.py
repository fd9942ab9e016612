"""The analysis options, shared by the flake8 plugin and the fixer."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SpanScope(str, enum.Enum):
    """Where a boundary is assumed to be crossed with a span active in the caller.

    A boundary only loses something when there is a span to lose. Lexically we see ``with
    start_as_current_span`` blocks, span decorators, attaches and same-file callers inside spans; a
    request handler's span is usually opened by framework middleware we cannot see.
    """

    LEXICAL = "lexical"  # only where a span is visibly current (this file)
    ASYNC = "async"  # ... and in every ``async def`` (request handlers of async frameworks)
    FUNCTION = "function"  # ... and in every function
    EVERYWHERE = "everywhere"  # ... and module level, and files that never mention OpenTelemetry

    @classmethod
    def parse(cls, text: str) -> SpanScope:
        """The scope named ``text``; a ValueError that lists the choices otherwise."""
        try:
            return cls(text.strip())
        except ValueError:
            choices = ", ".join(scope.value for scope in cls)
            raise ValueError(f"otc-span-scope must be one of {choices}, not {text!r}") from None


@dataclass(frozen=True)
class Settings:
    span_scope: SpanScope = SpanScope.LEXICAL
    # Qualified or bare names of callables, decorators and executor classes that carry the context
    # themselves; "threading" declares threads and thread pools instrumented for the whole project.
    propagating: frozenset[str] = frozenset()
