"""The analysis entry point shared by the flake8 plugin and the fixer."""

from __future__ import annotations

import ast
from collections.abc import Collection

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.analysis.walker import collect_facts
from flake8_otel_context.rules import RULES

# Reported instead of findings when a file cannot be analysed; the run goes on with other files.
NOT_ANALYSED = "OTC900"


def analyze(
    tree: ast.Module,
    source: str,
    settings: Settings = Settings(),
    codes: Collection[str] | None = None,
) -> list[Finding]:
    """All findings in one module, sorted by position. ``codes`` limits the rules that run."""
    if not may_match(source, settings.span_scope):
        return []
    try:
        analysis = Analysis(collect_facts(tree), settings)
        findings = {
            finding
            for rule in RULES
            if codes is None or rule.code in codes
            for finding in rule.check(analysis)
        }
    except RecursionError:
        return [_not_analysed("the file is nested too deeply to analyse")]
    except Exception as error:  # a bug of ours must cost one file, not the whole flake8 run
        return [_not_analysed(f"internal error {type(error).__name__}: {error} (please report it)")]
    return sorted(findings)


def analyze_source(
    source: str, settings: Settings = Settings(), codes: Collection[str] | None = None
) -> list[Finding]:
    """Parse and analyse; a file that does not parse has no findings (flake8 reports E999 for it)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return analyze(tree, source, settings, codes)


def _not_analysed(reason: str) -> Finding:
    return Finding(1, 0, 1, 0, NOT_ANALYSED, f"{NOT_ANALYSED} not analysed: {reason}")
