"""Which rules a run checks, by flake8's rules for ``--select`` and ``--ignore``.

Codes match by prefix (``OTC1`` is every OTC1nn rule). Without ``--select`` the default set runs,
which leaves out the opt-in rules; an explicit ``--select`` that names an opt-in rule turns it on.
"""

from __future__ import annotations

from collections.abc import Sequence

from flake8_otel_context.rules import RULES


def selected_codes(select: Sequence[str], ignore: Sequence[str]) -> set[str]:
    if select:
        chosen = {rule.code for rule in RULES if rule.code.startswith(tuple(select))}
    else:
        chosen = {rule.code for rule in RULES if rule.enabled_by_default}
    return {code for code in chosen if not code.startswith(tuple(ignore))}
