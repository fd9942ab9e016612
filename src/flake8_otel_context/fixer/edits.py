"""What a fix proposes: node replacements that fix some findings, or a reason it will not."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from flake8_otel_context.analysis.findings import Finding

Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]
# A replacement may be computed from the node as already rewritten below it (a block whose statement
# an edit moves, around a statement the same edit also changes).
Rewrite = Union[Replacement, Callable[[cst.CSTNode], Replacement]]
Block = Union[cst.IndentedBlock, cst.Module]


@dataclass(frozen=True)
class Declined:
    finding: Finding
    reason: str


@dataclass(frozen=True)
class Splice:
    """Statements ``start:stop`` of ``block`` give way to ``statements``. Only those statements are
    touched, so edits that splice apart in one block (n attach/detach pairs in one function) are
    applied in the same round instead of one round each."""

    block: Block
    start: int
    stop: int
    statements: tuple[cst.BaseStatement, ...]


@dataclass
class Edit:
    """Replacements keyed by the original nodes, and splices of blocks; applied together or not at
    all."""

    findings: list[Finding]
    replacements: dict[cst.CSTNode, Rewrite] = field(default_factory=dict)
    splices: list[Splice] = field(default_factory=list)
    needs: set[str] = field(default_factory=set)  # qualified names the replacements refer to

    def replace(self, original: cst.CSTNode, new: Rewrite) -> Edit:
        self.replacements[original] = new
        return self

    def splice(
        self, block: Block, start: int, stop: int, statements: Sequence[cst.BaseStatement]
    ) -> Edit:
        assert 0 <= start < stop <= len(block.body), "a splice replaces at least one statement"
        self.splices.append(Splice(block, start, stop, tuple(statements)))
        return self

    def touched(self) -> Iterator[cst.CSTNode]:
        """The original nodes this edit rewrites: another edit touching any of them must wait."""
        yield from self.replacements
        for splice in self.splices:
            yield from splice.block.body[splice.start : splice.stop]


class _Apply(cst.CSTTransformer):
    def __init__(
        self, replacements: dict[cst.CSTNode, Rewrite], splices: dict[cst.CSTNode, list[Splice]]
    ) -> None:
        super().__init__()
        self._replacements = replacements
        self._splices = splices

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Replacement:
        splices = self._splices.get(original_node)
        if splices:
            # The block's other statements may have been rewritten below; none is added or removed,
            # so the splices' indexes still hold. From the last, so the earlier ones stay in place.
            assert isinstance(updated_node, (cst.IndentedBlock, cst.Module))
            body = list(updated_node.body)
            assert isinstance(original_node, (cst.IndentedBlock, cst.Module))
            assert len(body) == len(original_node.body)
            for splice in sorted(splices, key=lambda s: s.start, reverse=True):
                body[splice.start : splice.stop] = splice.statements
            return updated_node.with_changes(body=body)
        new = self._replacements.get(original_node, updated_node)
        return new(updated_node) if callable(new) else new


def apply_edits(module: cst.Module, edits: list[Edit]) -> cst.Module:
    """``edits`` must touch no node in common (the engine picks them so)."""
    replacements = {node: new for edit in edits for node, new in edit.replacements.items()}
    splices: dict[cst.CSTNode, list[Splice]] = {}
    for edit in edits:
        for splice in edit.splices:
            splices.setdefault(splice.block, []).append(splice)
    assert not replacements.keys() & splices.keys(), "a block is either replaced or spliced"
    result = module.visit(_Apply(replacements, splices))
    assert isinstance(result, cst.Module)
    return result
