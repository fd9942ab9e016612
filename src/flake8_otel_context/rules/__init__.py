"""The rule registry, in code order."""

from __future__ import annotations

from flake8_otel_context.rules import (
    otc101_run_in_executor,
    otc102_executor_submit,
    otc103_thread,
    otc104_process,
    otc201_start_span,
    otc202_task_ordering,
    otc210_explicit_propagation,
    otc301_discarded_token,
    otc302_detach_not_in_finally,
    otc303_span_across_yield,
    otc401_captured_before_span,
    otc402_shared_copy,
    otc403_copy_in_worker,
)
from flake8_otel_context.rules.rule import Rule

RULES: tuple[Rule, ...] = tuple(
    module.RULE
    for module in (
        otc101_run_in_executor,
        otc102_executor_submit,
        otc103_thread,
        otc104_process,
        otc201_start_span,
        otc202_task_ordering,
        otc210_explicit_propagation,
        otc301_discarded_token,
        otc302_detach_not_in_finally,
        otc303_span_across_yield,
        otc401_captured_before_span,
        otc402_shared_copy,
        otc403_copy_in_worker,
    )
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
DEFAULT_OFF = tuple(rule.code for rule in RULES if not rule.enabled_by_default)
