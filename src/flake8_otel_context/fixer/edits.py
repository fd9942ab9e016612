"""What a fix proposes: node replacements that fix some findings, or a reason it will not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from flake8_otel_context.analysis.findings import Finding

Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]
# A replacement may be computed from the node as already rewritten below it (a block whose statement
# an edit moves, around a statement the same edit also changes).
Rewrite = Union[Replacement, Callable[[cst.CSTNode], Replacement]]


@dataclass(frozen=True)
class Declined:
    finding: Finding
    reason: str


@dataclass
class Edit:
    """Replacements keyed by the original nodes; applied together or not at all."""

    findings: list[Finding]
    replacements: dict[cst.CSTNode, Rewrite] = field(default_factory=dict)
    needs: set[str] = field(default_factory=set)  # qualified names the replacements refer to

    def replace(self, original: cst.CSTNode, new: Rewrite) -> Edit:
        self.replacements[original] = new
        return self


class _Apply(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, Rewrite]) -> None:
        super().__init__()
        self._replacements = replacements

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Replacement:
        new = self._replacements.get(original_node, updated_node)
        return new(updated_node) if callable(new) else new


def apply_edits(module: cst.Module, edits: list[Edit]) -> cst.Module:
    replacements = {node: new for edit in edits for node, new in edit.replacements.items()}
    result = module.visit(_Apply(replacements))
    assert isinstance(result, cst.Module)
    return result
