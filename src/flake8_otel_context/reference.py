"""The rule reference, generated from the rules so that it cannot drift from them.

``python -m flake8_otel_context.reference > docs/rules.md``
"""

from __future__ import annotations

from flake8_otel_context.rules import RULES
from flake8_otel_context.rules.rule import Rule


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
    return header + "\n".join(explain(rule) for rule in RULES)


if __name__ == "__main__":
    print(reference(), end="")
