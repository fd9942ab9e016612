"""Machine-readable reports of a run, for CI dashboards: JSON, and SARIF 2.1.0 for code scanning.

Positions are those of the files as they were read. Columns are 1-based and count characters
(SARIF's ``unicodeCodePoints``), so a non-ASCII line points at the right place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flake8_otel_context import __version__
from flake8_otel_context.analysis.findings import Step
from flake8_otel_context.fixer.run import FileReport, Reported
from flake8_otel_context.rules import RULES, rule_name


def as_json(reports: Sequence[FileReport]) -> str:
    results = [
        {
            "file": report.path,
            "line": item.finding.line,
            "column": item.column,
            "end_line": item.finding.end_line,
            "end_column": item.end_column,
            "code": item.finding.code,
            "rule": rule_name(item.finding.code),
            "message": item.finding.message,
            "fixable": item.reason is None,
            "reason": item.reason,
            "flow": [{"file": s.path, "line": s.line, "message": s.message} for s in item.finding.flow],
        }
        for report in reports
        for item in report.findings
    ]
    errors = [{"file": r.path, "message": r.error} for r in reports if r.error is not None]
    document = {"tool": "flake8-otel-context", "version": __version__, "results": results, "errors": errors}
    return json.dumps(document, indent=2)


def as_sarif(reports: Sequence[FileReport]) -> str:
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.rationale},
            "help": {"text": rule.fix or f"Not auto-fixable: {rule.not_fixable}."},
            "defaultConfiguration": {"level": "warning", "enabled": rule.enabled_by_default},
            "properties": {"fixable": rule.fix is not None},
        }
        for rule in RULES
    ]
    index = {rule.code: position for position, rule in enumerate(RULES)}
    results = [_sarif_result(report.path, item, index) for report in reports for item in report.findings]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{report.path}: {report.error}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}],
        }
        for report in reports
        if report.error is not None
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flake8-otel-context",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2)


def _code_flow(flow: Sequence[Step]) -> dict[str, Any]:
    """The chain behind a finding, step by step, as code-scanning interfaces show it."""
    steps = [
        {
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(step.path)},
                    "region": {"startLine": step.line},
                },
                "message": {"text": step.message},
            }
        }
        for step in flow
    ]
    return {"threadFlows": [{"locations": steps}]}


def _sarif_result(path: str, item: Reported, index: dict[str, int]) -> dict[str, Any]:
    finding = item.finding
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": "warning",
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(path)},
                    "region": {
                        "startLine": finding.line,
                        "startColumn": item.column,
                        "endLine": finding.end_line,
                        "endColumn": item.end_column,
                    },
                }
            }
        ],
        "properties": {"fixable": item.reason is None},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if item.reason is not None:
        result["properties"]["reason"] = item.reason
    if finding.flow:
        result["codeFlows"] = [_code_flow(finding.flow)]
    return result


def _uri(path: str) -> str:
    """Relative paths as forward-slash URIs (what code scanning resolves against the checkout)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri()
    return candidate.as_posix()
