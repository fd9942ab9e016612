"""What the analysis reports: a rule code at an exact place, independent of any front end."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum
from typing import Union


@dataclass(frozen=True, order=True)
class SourceRange:
    """Where a node is, in the stdlib ``ast``'s terms: 1-based lines, 0-based UTF-8 byte columns."""

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, node: ast.expr | ast.stmt) -> SourceRange:
        return cls(
            node.lineno,
            node.col_offset,
            node.end_lineno or node.lineno,
            node.end_col_offset if node.end_col_offset is not None else node.col_offset,
        )


@dataclass(frozen=True)
class Step:
    """One place in the chain a user needs to believe a finding (a code-scanning ``codeFlows`` step)."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Because:
    """What the project model adds to a finding: the sentence for the message and the chain of
    places behind it (where the span is opened, where the work crosses)."""

    text: str = ""
    flow: tuple[Step, ...] = ()


class Anchor(Enum):
    """The other nodes of a finding that a rewrite needs, named by the analysis for the fixer."""

    WORKER = "worker"  # the callable a boundary runs in another thread
    CALL = "call"  # the boundary call that runs a worker (OTC403)
    STATEMENT = "statement"  # the statement that starts a span (OTC201)
    END = "end"  # the span's ``end()`` call (OTC201)
    SPAN = "span"  # the span block a context capture belongs in (OTC401)
    ATTACH = "attach"  # the ``attach()`` a token comes from (OTC302)
    DETACH = "detach"  # each ``detach()`` that belongs to that attach (OTC302; one anchor each)
    HANDOFF = "handoff"  # where the token leaves the function (OTC302)


class Hazard(Enum):
    """What the analysis knows that makes every rewrite of a finding unsafe; the value is the one-line
    reason the fixer gives when it declines."""

    MAY_BE_PROCESS_POOL = (
        "the executor may be a process pool, which cannot pickle a context (contextvars.Context or "
        "an OpenTelemetry Context); give it a thread pool, or None for the loop's default, and fix "
        "it again"
    )
    MAY_SERVE_THE_THREAD = (
        "the thread's target is not a function this module defines (a parameter, another object's "
        "method): if it serves for the life of the thread (a loop, a server, an actor), a copied "
        "context would pin every later job to this caller's span; pass the context with each job"
    )


# The nodes a rule names for the fixer: one per name, or (as pairs) several under one name.
Anchors = Union[dict[Anchor, Union[ast.expr, ast.stmt]], list[tuple[Anchor, Union[ast.expr, ast.stmt]]]]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place.

    Positions are the stdlib ``ast`` ones, which is what flake8 expects from a plugin. ``anchors``
    name the other nodes a rewrite needs (the worker of a boundary, the ``attach`` a ``detach``
    belongs to...), so the fixer acts on what the analysis decided instead of deciding again.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str
    anchors: tuple[tuple[Anchor, SourceRange], ...] = field(default=(), compare=False)
    flow: tuple[Step, ...] = field(default=(), compare=False)
    hazards: frozenset[Hazard] = field(default=frozenset(), compare=False)

    @classmethod
    def at(
        cls,
        node: ast.expr | ast.stmt,
        code: str,
        message: str,
        anchors: Anchors | None = None,
        flow: tuple[Step, ...] = (),
        hazards: frozenset[Hazard] = frozenset(),
    ) -> Finding:
        where = SourceRange.of(node)
        pairs = anchors.items() if isinstance(anchors, dict) else anchors or ()
        named = tuple((name, SourceRange.of(anchor)) for name, anchor in pairs)
        return cls(where.line, where.col, where.end_line, where.end_col, code, message, named, flow, hazards)

    @property
    def source_range(self) -> SourceRange:
        return SourceRange(self.line, self.col, self.end_line, self.end_col)

    def anchor(self, name: Anchor) -> SourceRange | None:
        return next((span for key, span in self.anchors if key == name), None)

    def anchored(self, name: Anchor) -> list[SourceRange]:
        """Every node anchored under ``name`` (the detaches of an attach), in source order."""
        return sorted(span for key, span in self.anchors if key == name)
