"""The analysis options, shared by the flake8 plugin and the fixer."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SpanScope(str, enum.Enum):
    """Where a boundary is assumed to be crossed with a span active in the caller.

    A boundary only loses something when there is a span to lose. Lexically we see ``with
    start_as_current_span`` blocks, span decorators, attaches and same-file callers inside spans; the
    project model also sees spans opened in other modules, the project's own tracing helpers and the
    entry points instrumentation runs inside a server span (routes, tasks, servicers). Every scope but
    ``lexical`` reads the project; the wider ones assume spans neither can see. The default,
    ``public``, assumes one: users call a package's public API for their work under their own spans
    (not its set-up or tear-down steps), reported only where the worker is shown, not guessed, to
    make spans.
    """

    @property
    def reads_project(self) -> bool:
        return self is not SpanScope.LEXICAL

    @property
    def assumes_public_api(self) -> bool:
        return self not in (SpanScope.LEXICAL, SpanScope.PROJECT)

    PROJECT = "project"  # where a span is current in this file or, through the project's calls, in another
    LEXICAL = "lexical"  # only where a span is visibly current (this file, read alone)
    PUBLIC = "public"  # ... project, and a package's public API (users call it in their spans): the default
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
    span_scope: SpanScope = SpanScope.PUBLIC
    # Qualified or bare names of callables, decorators and executor classes that carry the context
    # themselves; "threading" declares threads and thread pools instrumented for the whole project.
    propagating: frozenset[str] = frozenset()
