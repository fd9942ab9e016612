"""The analysis entry point shared by the flake8 plugin and the fixer."""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import Protocol

from flake8_otel_context.analysis.context import Analysis
from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.analysis.walker import collect_facts
from flake8_otel_context.collector import paused
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.project.view import ProjectView
from flake8_otel_context.rules import RULES, needed_words

# Reported instead of findings when a file cannot be analysed; the run goes on with other files.
NOT_ANALYSED = "OTC900"


def analyze(
    tree: ast.Module,
    source: str,
    settings: Settings = Settings(),
    codes: Collection[str] | None = None,
    project: ProjectModel | None = None,
    path: str | None = None,
) -> list[Finding]:
    """All findings in one module, sorted by position. ``codes`` limits the rules that run.
    ``project`` (with the module's ``path``) is what the rest of the project says; without it the
    file is judged on what it shows alone."""
    if project is not None and not settings.span_scope.reads_project:
        project = None
    public = settings.span_scope.assumes_public_api
    if not worth_analysing(source, settings, codes, project, path):
        return []
    try:
        with paused():  # see ``collector``: the facts of a large file, rescanned as they pile up
            facts = collect_facts(tree)
            view = None
            if project is not None and path is not None:
                view = ProjectView.of(project, path, facts, public)
            analysis = Analysis(facts, settings, view)
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


class LiveBoundaries(Protocol):
    """What the first test asks of a project (a ``ProjectModel``, or what a run kept of one), of
    a module by its path as given."""

    def has_live_boundary(self, path: str, assume_public: bool = False) -> bool: ...


def worth_analysing(
    source: str,
    settings: Settings,
    codes: Collection[str] | None = None,
    project: LiveBoundaries | None = None,
    path: str | None = None,
) -> bool:
    """The test ``analyze`` starts with, cheap and on text: the file mentions what the selected
    rules need, or the project shows a boundary of it under a span. Most files of a project pass
    neither, and their findings (none) cost less to work out than to keep in a cache."""
    if project is not None and path is not None and settings.span_scope.reads_project:
        public = settings.span_scope.assumes_public_api
        if project.has_live_boundary(path, public):
            return True
    return may_match(source, settings.span_scope, needed_words(codes))


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
