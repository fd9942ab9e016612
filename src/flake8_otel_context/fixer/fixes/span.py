"""OTC201: make a ``start_span`` span current for its lifetime, with ``trace.use_span``.

``with tracer.start_span(...) as span:`` becomes ``with trace.use_span(tracer.start_span(...),
end_on_exit=True) as span:`` (the span still ends when the block exits). ``span = start_span(...)``
is followed by ``with trace.use_span(span, end_on_exit=False):`` around the statements up to the
one that ends the span, so the span ends exactly where it did.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.vocabulary import USE_SPAN
from flake8_otel_context.fixer import arguments
from flake8_otel_context.fixer.edits import Declined, Edit
from flake8_otel_context.fixer.statements import is_call_statement, with_block
from flake8_otel_context.fixer.tree import FixTree

CODES = ("OTC201",)


def plan(findings: list[Finding], tree: FixTree) -> Iterator[Edit | Declined]:
    for finding in findings:
        outcome = _make_current(finding, tree, Edit([finding]))
        yield Declined(finding, outcome) if isinstance(outcome, str) else outcome


def _use_span(
    span: cst.BaseExpression, end_on_exit: bool, tree: FixTree, edit: Edit, at: cst.CSTNode
) -> cst.Call:
    flag = cst.Name("True" if end_on_exit else "False")
    return cst.Call(
        func=tree.spell(USE_SPAN, edit, at),
        args=arguments.insert([cst.Arg(span)], 1, arguments.keyword("end_on_exit", flag)),
    )


def _make_current(finding: Finding, tree: FixTree, edit: Edit) -> Edit | str:
    start = tree.find(finding.source_range, cst.Call)
    if start is None:
        return "the start_span() call could not be located for rewriting"
    if tree.find(finding.anchor(Anchor.STATEMENT), cst.With) is not None:
        return edit.replace(start, _use_span(start, True, tree, edit, start))
    statement = tree.statement_of(start)
    assign = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and assign.value is start
    ):
        return "the span is not assigned to a plain name; make it current with trace.use_span by hand"
    assert statement is not None
    block = tree.block_of(statement)
    if block is None:
        return "start_span() shares its line with a compound statement; put it on a line of its own"
    body = list(block.body)
    first = tree.position_in_block(statement, block) + 1
    last = _through_end(body, first, finding, tree)
    if isinstance(last, str):
        return last
    if last == first:
        return "no statement runs between start_span() and the span's end"
    span = assign.targets[0].target
    wrapped = with_block(_use_span(span, False, tree, edit, start), body[first:last])
    return edit.splice(block, first, last, [wrapped])


def _through_end(body: list[cst.BaseStatement], first: int, finding: Finding, tree: FixTree) -> int | str:
    """Index after the last statement to wrap: up to ``span.end()``, or through the statement that
    contains it (a ``try``/``finally``), or to the end of the block when the span is never ended."""
    end = tree.find(finding.anchor(Anchor.END), cst.Call)
    if end is None:
        return len(body)
    for index in range(first, len(body)):
        statement = body[index]
        if is_call_statement(statement, end):
            return index
        if any(ancestor is statement for ancestor in tree.ancestors(end)):
            return index + 1
    return "span.end() is outside the block that starts the span; wrap its work in trace.use_span by hand"
