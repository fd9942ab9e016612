"""Rewrite one module's source: the analysis finds, the fixes rewrite, the analysis checks again.

Rewrites are applied in rounds. In each round the module is analysed, every finding is planned, and
the edits that do not touch the same code are applied together; the next round re-analyses the new
text, so a rewrite that needed another one first (a ``detach`` moved around a call that gets a
context argument) is planned against code that is current. The rounds stop when nothing changes.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flake8.defaults import NOQA_FILE
from flake8.violation import Violation
from libcst.metadata import CodeRange

from flake8_otel_context.analysis.findings import Finding
from flake8_otel_context.analysis.precheck import may_match
from flake8_otel_context.analysis.settings import Settings
from flake8_otel_context.checker import analyze
from flake8_otel_context.collector import paused
from flake8_otel_context.fixer.edits import Declined, Edit, apply_edits
from flake8_otel_context.fixer.files import physical_lines
from flake8_otel_context.fixer.fixes import FIXES, SETTLES, Plan
from flake8_otel_context.fixer.shapes import Shapes
from flake8_otel_context.fixer.tree import FixTree, Style
from flake8_otel_context.project.model import ProjectModel
from flake8_otel_context.rules import DEFAULT_ON, RULES_BY_CODE, needed_words

_MAX_ROUNDS = 10
# What every line flake8's ``NOQA_FILE`` matches holds: one search of the text rules most files out.
_MAY_SKIP_FILE = re.compile(r"# flake8[:=]", re.IGNORECASE)


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
    rounds: int = 0  # how many times the source was rewritten (each is analysed again after)

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
    (with the module's ``path``) is the same project model the flake8 plugin reads. The garbage
    collector is paused for the file (see ``collector``): a large file's libcst tree, rescanned by
    every full collection its rewrite sets off, cost a fifth of the time."""
    with paused():
        return _fix_source(source, options, project, path)


def _fix_source(
    source: str, options: FixOptions, project: ProjectModel | None, path: str | None
) -> FixResult:
    result = FixResult(source)
    public = options.settings.span_scope.assumes_public_api
    live = (
        project is not None and path is not None and project.has_live_boundary(path, public)
    )
    words = needed_words(DEFAULT_ON if options.codes is None else options.codes)
    if not live and not may_match(source, options.settings.span_scope, words):
        return result
    for _ in range(_MAX_ROUNDS):
        findings, shapes = _findings(result.source, options, project, path)
        if not result.found:
            result.found = findings
        fixable = _triage(findings, shapes, result)
        if not fixable:
            break
        tree = FixTree(result.source, options.style)
        edits = []
        for fix, group in fixable.items():
            for outcome in fix(group, tree):
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
        result.rounds += 1
        result.fixed += [finding for edit in chosen for finding in edit.findings]
    else:  # the rounds ran out: what is still found was not rewritten, and must not read as if it were
        findings, shapes = _findings(result.source, options, project, path)
        left = _triage(findings, shapes, result)
        reason = (
            f"left after {_MAX_ROUNDS} rounds of rewrites that each made room for the next; "
            "run the fixer again"
        )
        result.declined += [Declined(f, reason) for group in left.values() for f in group]
    result.declined.sort(key=lambda d: d.finding)
    return result


def _triage(findings: list[Finding], shapes: Shapes, result: FixResult) -> dict[Plan, list[Finding]]:
    """Decline (into ``result``, replacing the last round's) what no rewrite can fix or what the
    analysis already rules out; the rest, by fix, for a libcst tree."""
    result.declined = [Declined(f, _manual(f)) for f in findings if f.code not in FIXES]
    result.declined += [Declined(f, _hazardous(f)) for f in findings if f.code in FIXES and f.hazards]
    return _fixable([f for f in findings if f.code in FIXES and not f.hazards], shapes, result)


def _fixable(findings: list[Finding], shapes: Shapes, result: FixResult) -> dict[Plan, list[Finding]]:
    """The findings each fix will plan on a libcst tree, after each has declined (into ``result``)
    what the analysis already decides; fixes in the order of their first finding."""
    by_fix: dict[Plan, list[Finding]] = {}
    for finding in findings:
        by_fix.setdefault(FIXES[finding.code], []).append(finding)
    for fix, group in by_fix.items():
        settle = SETTLES[fix]
        if settle is not None:
            settled = list(settle(group, shapes))
            result.declined += settled
            left = {id(item.finding) for item in settled}
            group[:] = [finding for finding in group if id(finding) not in left]
    return {fix: group for fix, group in by_fix.items() if group}


def _findings(
    source: str, options: FixOptions, project: ProjectModel | None, path: str | None
) -> tuple[list[Finding], Shapes]:
    """The findings not suppressed by ``# noqa``, and the ``ast`` they were found in. Most files the
    pre-check lets through have none: their lines are never split."""
    tree = ast.parse(source)
    codes = DEFAULT_ON if options.codes is None else options.codes
    if _MAY_SKIP_FILE.search(source) and any(NOQA_FILE.match(line) for line in physical_lines(source)):
        return [], Shapes(tree, [])
    found = analyze(tree, source, options.settings, codes, project, path)
    lines = physical_lines(source) if found else []
    return [f for f in found if not _suppressed(f, lines)], Shapes(tree, lines)


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


Position = tuple[int, int]  # (line, column)


def _independent(edits: list[Edit], tree: FixTree) -> list[Edit]:
    """Edits whose touched nodes do not overlap; the others wait for the next round. Edits that
    splice apart in one block (the fixes of one function) go together. The code taken so far is
    kept as sorted disjoint ranges, so thousands of edits cost a bisection each, not a scan."""
    chosen: list[Edit] = []
    starts: list[Position] = []
    ends: list[Position] = []
    for edit in edits:
        spans = _union(sorted(_span(tree.range(node)) for node in edit.touched()))
        if any(_overlaps(span, starts, ends) for span in spans):
            continue
        chosen.append(edit)
        for start, end in spans:
            index = bisect.bisect_left(starts, start)
            starts.insert(index, start)
            ends.insert(index, end)
    return chosen


def _span(code_range: CodeRange) -> tuple[Position, Position]:
    return (code_range.start.line, code_range.start.column), (code_range.end.line, code_range.end.column)


def _union(spans: list[tuple[Position, Position]]) -> list[tuple[Position, Position]]:
    """Sorted ranges merged where they overlap or touch (an edit's nodes may nest)."""
    merged: list[tuple[Position, Position]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _overlaps(span: tuple[Position, Position], starts: list[Position], ends: list[Position]) -> bool:
    """``span`` shares a position with one of the disjoint ranges ``starts``/``ends`` (sorted)."""
    start, end = span
    index = bisect.bisect_right(starts, end)  # the ranges before ``index`` start at or before its end
    return index > 0 and ends[index - 1] >= start
