"""Which rules a run checks, by flake8's rules for ``--select`` and ``--ignore``.

Codes match by prefix (``OTC1`` is every OTC1nn rule), and when a code matches both lists the longer
prefix decides (``--ignore OTC1 --select OTC101`` keeps OTC101). Without ``--select`` the default set
runs, which leaves out the opt-in rules; a ``--select`` prefix that matches an opt-in rule turns it on.
"""

from __future__ import annotations

from collections.abc import Sequence

from flake8_otel_context.rules import RULES


def selected_codes(select: Sequence[str], ignore: Sequence[str]) -> set[str]:
    chosen = set()
    for rule in RULES:
        if select:
            selected = _longest_match(rule.code, select)
        else:
            selected = 0 if rule.enabled_by_default else -1
        if selected >= 0 and selected > _longest_match(rule.code, ignore):
            chosen.add(rule.code)
    return chosen


def _longest_match(code: str, prefixes: Sequence[str]) -> int:
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)
