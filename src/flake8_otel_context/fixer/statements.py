"""Building blocks the rewrites share: statements from expressions, and wrapping a run of statements
in ``try``/``finally`` or ``with`` without losing their comments."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def line(expression: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(expression)])


def assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)]
    )


def call(function: cst.BaseExpression, *arguments: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=function, args=[cst.Arg(a) for a in arguments])


def statements_of(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A function's or block's statements; a one-line suite (``def f(): return 1``) becomes a line."""
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=suite.body)]


def try_finally(
    body: Sequence[cst.BaseStatement], cleanup: Sequence[cst.BaseStatement]
) -> cst.Try:
    """``try: body finally: cleanup``; blank lines above the first statement move above the ``try``."""
    above, first = split_blank_lines(body[0])
    return cst.Try(
        body=cst.IndentedBlock(body=[first, *body[1:]]),
        finalbody=cst.Finally(body=cst.IndentedBlock(body=list(cleanup))),
        leading_lines=above,
    )


def with_block(item: cst.BaseExpression, body: Sequence[cst.BaseStatement]) -> cst.With:
    above, first = split_blank_lines(body[0])
    return cst.With(
        items=[cst.WithItem(item=item)],
        body=cst.IndentedBlock(body=[first, *body[1:]]),
        leading_lines=above,
    )


def split_blank_lines(
    statement: cst.BaseStatement,
) -> tuple[list[cst.EmptyLine], cst.BaseStatement]:
    """The blank lines above ``statement`` (up to its first comment), and the statement without them."""
    lines = _leading_lines(statement)
    blank = 0
    while blank < len(lines) and lines[blank].comment is None:
        blank += 1
    return lines[:blank], statement.with_changes(leading_lines=lines[blank:])


def with_lines_above(statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]) -> cst.BaseStatement:
    """``statement`` with ``lines`` (blank lines, comments) added above the ones it has."""
    return statement.with_changes(leading_lines=[*lines, *_leading_lines(statement)])


def _leading_lines(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return list(statement.leading_lines)


def docstring_count(statements: Sequence[cst.BaseStatement]) -> int:
    """1 when the first statement is a docstring (which must stay first), else 0."""
    if not statements:
        return 0
    first = statements[0]
    return int(
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def is_call_statement(statement: cst.BaseStatement, function_call: cst.Call) -> bool:
    """``statement`` is exactly ``function_call`` on a line of its own."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and statement.body[0].value is function_call
    )


def called_name(function: cst.BaseExpression) -> str | None:
    """The name a call is spelled with at its end: ``otel_context.detach`` -> ``detach``."""
    if isinstance(function, cst.Attribute):
        return function.attr.value
    return function.value if isinstance(function, cst.Name) else None
