"""A rule is data: its code, message, rationale and examples live together in one place.

The rule reference, the plugin's messages and the example tests are all generated from these records.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Anchors, Because, Finding, Hazard
from flake8_otel_context.analysis.precheck import TRACING_WORDS


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str  # one line: what it catches
    message: str  # str.format template; says what is lost and how to fix it
    rationale: str  # why it goes wrong at run time
    invalid: tuple[str, ...]  # programs it must flag; the first is the docs' broken example
    valid: tuple[str, ...]  # programs it must not flag; the first is the docs' fixed example
    fix: str | None  # what otel-context-fix does, or None when it is reported as not auto-fixable
    check: Callable[[Analysis], Iterable[Finding]]
    not_fixable: str = ""  # when fix is None: why the fixer leaves it to a person
    enabled_by_default: bool = True
    # Words one of which the file must contain for the rule to have anything to find (the text
    # pre-check runs the rule only then).
    needs: tuple[str, ...] = TRACING_WORDS
    breaks_at_runtime: bool = True

    def finding(
        self,
        node: ast.AST,
        anchors: Anchors | None = None,
        because: Because = Because(),
        hazards: frozenset[Hazard] = frozenset(),
        **details: str,
    ) -> Finding:
        """``because``: the evidence the project model found (where the span is opened, what the
        worker does that is traced), added after the advice, with its chain of places.
        ``hazards``: what makes a rewrite unsafe here, so the fixer declines it."""
        assert isinstance(node, (ast.expr, ast.stmt))
        message = f"{self.code} {self.message.format(**details)}{because.text}"
        return Finding.at(node, self.code, message, anchors, because.flow, hazards)
