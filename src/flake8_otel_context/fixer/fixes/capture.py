"""OTC401: take the context snapshot inside the span's ``with`` block, where the span is current.

The capture moves to the top of that block, and only when nothing outside the block uses the name:
then moving it changes what the snapshot holds, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.fixer.edits import Declined, Edit
from flake8_otel_context.fixer.statements import split_blank_lines, with_lines_above
from flake8_otel_context.fixer.shapes import Shapes
from flake8_otel_context.fixer.tree import FixTree

CODES = ("OTC401",)


_NO_SPAN_BLOCK = "the span is not entered by a with statement in this function"


def settle(findings: list[Finding], shapes: Shapes) -> Iterator[Declined]:
    """Before any libcst tree: a capture the analysis names no span ``with`` block for stays put."""
    for finding in findings:
        if finding.anchor(Anchor.SPAN) is None:
            yield Declined(finding, _NO_SPAN_BLOCK)


def plan(findings: list[Finding], tree: FixTree) -> Iterator[Edit | Declined]:
    for finding in findings:
        outcome = _move_capture(finding, tree, Edit([finding]))
        yield Declined(finding, outcome) if isinstance(outcome, str) else outcome


def _move_capture(finding: Finding, tree: FixTree, edit: Edit) -> Edit | str:
    capture = tree.find(finding.source_range, cst.Call)
    span_block = tree.find(finding.anchor(Anchor.SPAN), cst.With)
    if capture is None or span_block is None:
        return _NO_SPAN_BLOCK
    statement = tree.statement_of(capture)
    assign = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and assign.value is capture
        and isinstance(span_block.body, cst.IndentedBlock)
    ):
        return "the capture is not a plain `name = ...` statement"
    assert statement is not None
    block = tree.block_of(statement)
    if block is None or not any(a is block for a in tree.ancestors(span_block)):
        return "the span's with block is not inside the block that takes the snapshot"
    name = assign.targets[0].target.value
    scope = tree.scope(capture)
    if scope is None or len(scope.assignments[name]) != 1:
        return f"{name} is assigned more than once"
    for access in scope.accesses[name]:
        if not any(a is span_block.body for a in tree.ancestors(access.node)):
            line = tree.range(access.node).start.line
            return f"{name} is also used at line {line}, outside the span's with block"
    position = tree.position_in_block(statement, block)
    _, moved = split_blank_lines(statement)
    inner = span_block.body
    edit.replace(span_block, span_block.with_changes(body=inner.with_changes(body=[moved, *inner.body])))

    def without_capture(updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, (cst.IndentedBlock, cst.Module))
        body = list(updated.body)
        above, _ = split_blank_lines(body.pop(position))
        if position < len(body):
            body[position] = with_lines_above(body[position], above)
        return updated.with_changes(body=body)

    return edit.replace(block, without_capture)
