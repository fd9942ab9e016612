"""The rule reference, generated from the rules so that it cannot drift from them.

``python -m flake8_otel_context.reference > docs/rules.md``
"""

from __future__ import annotations

from dataclasses import dataclass

from flake8_otel_context.checker import NOT_ANALYSED
from flake8_otel_context.rules import RULES
from flake8_otel_context.rules.rule import Rule


@dataclass(frozen=True)
class Notice:
    """A code the tool reports that is not a rule: what it says instead of findings."""

    code: str
    name: str
    summary: str
    explanation: str


NOTICES = (
    Notice(
        NOT_ANALYSED,
        "file-not-analysed",
        "The file could not be analysed; it is reported instead of findings, never a crash.",
        "Either the file is nested too deeply for Python's own recursion limit (generated code), or "
        "the analysis met something it does not handle (the message says 'internal error' and "
        "asks for a report). Only this file is affected: the run goes on, and the fix command "
        "leaves the file as it is. Silence it for a generated file with `per-file-ignores`.",
    ),
)
NOTICES_BY_CODE = {notice.code: notice for notice in NOTICES}


def explain_code(code: str) -> str | None:
    """The reference entry of a rule or a notice, or None for a code the tool does not report."""
    code = code.upper()
    rule = next((r for r in RULES if r.code == code), None)
    if rule is not None:
        return explain(rule)
    notice = NOTICES_BY_CODE.get(code)
    if notice is None:
        return None
    return "\n".join(
        [f"## {notice.code} `{notice.name}`", "", notice.summary, "", notice.explanation, ""]
    )


def explain(rule: Rule) -> str:
    """One rule's entry: what it catches, why it breaks, a broken and a fixed example."""
    default = "" if rule.enabled_by_default else " (off by default: `extend-select = OTC210`)"
    fix = rule.fix or f"Not auto-fixable: {rule.not_fixable}."
    return "\n".join(
        [
            f"## {rule.code} `{rule.name}`{default}",
            "",
            rule.summary,
            "",
            f"**Why it breaks.** {rule.rationale}",
            "",
            "Flagged:",
            "",
            "```python",
            rule.invalid[0].rstrip(),
            "```",
            "",
            "Not flagged:",
            "",
            "```python",
            rule.valid[0].rstrip(),
            "```",
            "",
            f"**otel-context-fix.** {fix}",
            "",
        ]
    )


def reference() -> str:
    header = (
        "# Rule reference\n\n"
        "Generated from `src/flake8_otel_context/rules/` by "
        "`python -m flake8_otel_context.reference`; do not edit by hand.\n\n"
    )
    entries = [explain(rule) for rule in RULES] + [explain_code(notice.code) or "" for notice in NOTICES]
    return header + "\n".join(entries)


if __name__ == "__main__":
    print(reference(), end="")
