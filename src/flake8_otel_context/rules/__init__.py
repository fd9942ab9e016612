"""The rule registry: every ``otcNNN_*`` module in this package, in code order.

A rule is added by adding its module; nothing else lists the rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Collection

from flake8_otel_context.rules.rule import Rule

RULES: tuple[Rule, ...] = tuple(
    importlib.import_module(f"{__name__}.{module.name}").RULE
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if module.name.startswith("otc")
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
DEFAULT_ON = tuple(rule.code for rule in RULES if rule.enabled_by_default)
DEFAULT_OFF = tuple(rule.code for rule in RULES if not rule.enabled_by_default)


def rule_name(code: str) -> str:
    """The rule's name for reports; ``not-analysed`` for OTC900, which is a notice, not a rule."""
    rule = RULES_BY_CODE.get(code)
    return rule.name if rule is not None else "not-analysed"


def needed_words(codes: Collection[str] | None) -> frozenset[str]:
    """What the text pre-check looks for: the union of the words the selected rules need."""
    return frozenset(word for rule in RULES if codes is None or rule.code in codes for word in rule.needs)
