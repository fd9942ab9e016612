"""Rewrite one module's source: the analysis finds, the fixes rewrite, the analysis checks again.

Rewrites are applied in rounds. In each round the module is analysed, every finding is planned, and
the edits that do not touch the same code are applied together; the next round re-analyses the new
text, so a rewrite that needed another one first (a ``detach`` moved around a call that gets a
context argument) is planned against code that is current. The rounds stop when nothing changes.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flake8.defaults import NOQA_FILE
from flake8.violation import Violation

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.checker import analyze
from flake8_otel_context.fixer.edits import Declined, Edit, apply_edits
from flake8_otel_context.fixer.files import physical_lines
from flake8_otel_context.fixer.fixes import FIXES
from flake8_otel_context.fixer.tree import FixTree, Style
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.rules import DEFAULT_ON, RULES_BY_CODE, needed_words

_MAX_ROUNDS = 10


@dataclass(frozen=True)
class FixOptions:
    settings: Settings = Settings()
    codes: Collection[str] | None = None  # the selected rules; None for the default set
    style: Style = "auto"


@dataclass
class FixResult:
    source: str  # the rewritten text
    fixed: list[Finding] = field(default_factory=list)  # each as found in the round that fixed it
    declined: list[Declined] = field(default_factory=list)  # at their places in ``source``
    found: list[Finding] = field(default_factory=list)  # the first round's, at places in the input

    def in_input(self) -> list[tuple[Finding, str | None]]:
        """Every finding of the input at its place there, with the reason it is left for a person
        (None: it is rewritten). Rewrites move code, so declined ones are matched back by identity."""
        reasons: dict[tuple[str, str], list[str]] = {}
        for item in self.declined:
            reasons.setdefault(_identity(item.finding), []).append(item.reason)
        outcome = []
        for finding in self.found:
            left = reasons.get(_identity(finding))
            outcome.append((finding, left.pop(0) if left else None))
        return outcome


def _identity(finding: Finding) -> tuple[str, str]:
    """What stays the same when a rewrite moves a finding: its code and message, line numbers aside."""
    return finding.code, re.sub(r"\d+", "#", finding.message)


def fix_source(
    source: str,
    options: FixOptions = FixOptions(),
    project: ProjectModel | None = None,
    path: str | None = None,
) -> FixResult:
    """Raises SyntaxError (and libcst's ParserSyntaxError) for code it cannot parse. ``project``
    (with the module's ``path``) is the same project model the flake8 plugin reads."""
    result = FixResult(source)
    public = options.settings.span_scope.assumes_public_api
    live = (
        project is not None and path is not None and project.has_live_boundary(os.path.realpath(path), public)
    )
    words = needed_words(DEFAULT_ON if options.codes is None else options.codes)
    if not live and not may_match(source, options.settings.span_scope, words):
        return result
    for _ in range(_MAX_ROUNDS):
        findings = _findings(result.source, options, project, path)
        if not result.found:
            result.found = findings
        result.declined = [Declined(f, _manual(f)) for f in findings if f.code not in FIXES]
        result.declined += [Declined(f, _hazardous(f)) for f in findings if f.code in FIXES and f.hazards]
        fixable = [f for f in findings if f.code in FIXES and not f.hazards]
        if not fixable:
            break
        tree = FixTree(result.source, options.style)
        edits = []
        for fix in dict.fromkeys(FIXES[f.code] for f in fixable):
            for outcome in fix([f for f in fixable if FIXES[f.code] is fix], tree):
                if isinstance(outcome, Declined):
                    result.declined.append(outcome)
                else:
                    edits.append(outcome)
        chosen = _independent(edits, tree)
        if not chosen:
            break
        module = apply_edits(tree.module, chosen)
        module = tree.imports.apply(module, {need for edit in chosen for need in edit.needs})
        if module.code == result.source:
            break
        result.source = module.code
        result.fixed += [finding for edit in chosen for finding in edit.findings]
    result.declined.sort(key=lambda d: d.finding)
    return result


def _findings(
    source: str, options: FixOptions, project: ProjectModel | None, path: str | None
) -> list[Finding]:
    tree = ast.parse(source)
    codes = DEFAULT_ON if options.codes is None else options.codes
    lines = physical_lines(source)
    if any(NOQA_FILE.match(line) for line in lines):
        return []
    found = analyze(tree, source, options.settings, codes, project, path)
    return [f for f in found if not _suppressed(f, lines)]


def _suppressed(finding: Finding, lines: list[str]) -> bool:
    """``# noqa`` and ``# noqa: OTC101,...`` on the finding's line, judged by flake8 itself."""
    line = lines[finding.line - 1] if finding.line <= len(lines) else ""
    violation = Violation(finding.code, "", finding.line, finding.col, finding.message, line)
    return violation.is_inline_ignored(disable_noqa=False)


def _hazardous(finding: Finding) -> str:
    """Why no rewrite is safe, in the analysis's words (one hazard per clause)."""
    return "; ".join(sorted(hazard.value for hazard in finding.hazards))


def _manual(finding: Finding) -> str:
    rule = RULES_BY_CODE.get(finding.code)
    if rule is None:
        return finding.message.partition(" ")[2]
    return rule.not_fixable or "no rewrite applies here"


def _independent(edits: list[Edit], tree: FixTree) -> list[Edit]:
    """Edits whose replaced nodes do not overlap; the others wait for the next round."""
    chosen: list[Edit] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for edit in edits:
        spans = []
        for node in edit.replacements:
            code_range = tree.range(node)
            spans.append(
                (
                    (code_range.start.line, code_range.start.column),
                    (code_range.end.line, code_range.end.column),
                )
            )
        if any(start <= t_end and t_start <= end for start, end in spans for t_start, t_end in taken):
            continue
        chosen.append(edit)
        taken += spans
    return chosen
