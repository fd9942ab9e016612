"""OTC301, OTC302: keep the token, and detach it in a ``finally`` that covers everything after attach.

The work the attach covers is the rest of its block, up to the existing ``detach(token)`` when there
is one. That ``detach`` moves into the ``finally`` (with its comment); one in an ``except`` clause that
re-raises is folded into it; a ``try`` that already follows absorbs the statements before it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import libcst as cst

from flake8_otel_context.analysis.findings import Anchor, Finding, SourceRange
from flake8_otel_context.analysis.vocabulary import OTEL_DETACH
from flake8_otel_context.fixer.edits import Declined, Edit
from flake8_otel_context.fixer.statements import (
    call,
    called_name,
    is_call_statement,
    line,
    split_blank_lines,
    try_finally,
    with_lines_above,
)
from flake8_otel_context.fixer.shapes import COMPOUND, Function, Located, Shapes
from flake8_otel_context.fixer.tree import FixTree

CODES = ("OTC301", "OTC302")

_OUTLIVES = (
    "only a return follows attach(), so the context is meant to outlive this function; detach the "
    "token in a finally where that work ends"
)


_RETURNED = "the token leaves this function, so only its caller can detach it, in a finally"
_STORED = "the token is stored for another function to detach; detach it there, in a finally"

_NOT_RERAISED = "the except clause that detaches does not re-raise; restructure it so a finally detaches"
_FALLS_INTO_EXCEPT = "the try after attach() has except clauses that the code before it must not fall into"
_SETTER = (
    "attach() of a context made here, with no token kept: the function may be meant to change its "
    "caller's context (a setter); if not, keep the token and detach it in a finally where the work ends"
)


def _attaches_what_came_in(attach: cst.Call, function: cst.FunctionDef | None) -> bool:
    """The worker shape, whose work is its own body: it attaches a context it was given (a
    parameter) or one extracted from what it was given (``extract(headers)``). At module level the
    rest of the script is the work."""
    if function is None:
        return True
    if len(attach.args) != 1:
        return False
    value = attach.args[0].value
    if isinstance(value, cst.Call) and called_name(value.func) == "extract":
        return True
    parameters = function.params
    names = [*parameters.posonly_params, *parameters.params, *parameters.kwonly_params]
    return isinstance(value, cst.Name) and value.value in {p.name.value for p in names}


def settle(findings: list[Finding], shapes: Shapes) -> Iterator[Declined]:
    """The findings declined before any libcst tree, from what the analysis already knows: a token
    handed off (its anchor), or an attach whose statement shape ``plan`` would decline anyway, with
    the very reason it would give. Grouped by attach, as ``plan`` groups them."""
    by_attach: dict[SourceRange, list[Finding]] = {}
    for finding in findings:
        by_attach.setdefault(finding.anchor(Anchor.ATTACH) or finding.source_range, []).append(finding)
    for attach, group in by_attach.items():
        handoff = next((f.anchor(Anchor.HANDOFF) for f in group if f.anchor(Anchor.HANDOFF)), None)
        detaches = sorted({detach for finding in group for detach in finding.anchored(Anchor.DETACH)})
        located = shapes.call_at(attach)
        reason = _handed_off(handoff) if handoff else _declined_shape(located, detaches, shapes)
        if reason is not None:
            yield from (Declined(finding, reason) for finding in group)


def _handed_off(handoff: SourceRange) -> str:
    return (
        f"the token leaves this function at line {handoff.line}, so whoever receives it must detach "
        "it, in a finally"
    )


def _declined_shape(located: Located | None, detaches: list[SourceRange], shapes: Shapes) -> str | None:
    """``_guard``'s decisions up to its detaches nested in other code, on the ``ast``; None when
    they need the libcst tree."""
    if located is None or not shapes.alone_on_its_lines(located.statement):
        return None
    call, statement = located.call, located.statement
    if isinstance(statement, ast.Expr) and statement.value is call:
        came_in = _ast_attaches_what_came_in(call, located.function)
        if came_in is None:
            return None
        return _nested_detach(statement, detaches, shapes) if came_in else _SETTER
    if (
        isinstance(statement, ast.Assign)
        and statement.value is call
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return _nested_detach(statement, detaches, shapes)
    return _RETURNED if isinstance(statement, ast.Return) else _STORED


def _nested_detach(attach: ast.stmt, detaches: list[SourceRange], shapes: Shapes) -> str | None:
    """``_cover``'s "detach nested in other code", on the ``ast``: the first statement after the
    attach that holds a detach is neither the detach on a line of its own nor a ``try`` (or a
    detach is nowhere after the attach in its block). None for anything else, and wherever a
    statement that holds a detach shares its line, so the two trees list the block alike."""
    placed = shapes.block_of(attach)
    if placed is None or not detaches:
        return None
    block, position = placed
    for index, statement in enumerate(block[position + 1 :], position + 1):
        inside = [detach for detach in detaches if shapes.holds(statement, detach)]
        if not inside:
            continue
        if isinstance(statement, ast.Try) and len(inside) == len(detaches):
            return _unfoldable(statement, detaches, index > position + 1, shapes)
        if isinstance(statement, ast.Try) or not (
            isinstance(statement, COMPOUND) or shapes.alone_on_its_lines(statement)
        ):
            return None
        only = SourceRange.of(statement.value) if isinstance(statement, ast.Expr) else None
        if len(inside) != len(detaches):
            nested = next(d for d in detaches if d not in inside) if only in inside else inside[0]
            return _elsewhere_at(nested)
        return None if only in inside else _elsewhere_at(inside[0])
    return _elsewhere_at(detaches[0])


def _unfoldable(
    statement: ast.Try, detaches: list[SourceRange], after_work: bool, shapes: Shapes
) -> str | None:
    """``_fold_into_finally``'s refusals, on the ``ast``, for the ``try`` that holds every detach
    (``after_work``: statements come between attach and it). None when the fold goes ahead, and
    wherever a statement of its handlers or ``finally`` shares a line, so the two trees list those
    blocks alike."""
    blocks = [statement.finalbody, *(handler.body for handler in statement.handlers)]
    if not all(shapes.on_a_line_of_its_own(line) for block in blocks for line in block):
        return None

    def is_detach(line: ast.stmt) -> bool:
        return isinstance(line, ast.Expr) and SourceRange.of(line.value) in detaches

    folded = sum(is_detach(line) for line in statement.finalbody)
    handlers = 0
    for handler in statement.handlers:
        kept = [line for line in handler.body if not is_detach(line)]
        if len(kept) == len(handler.body):
            handlers += 1
            continue
        if not kept or not (isinstance(kept[-1], ast.Raise) and kept[-1].exc is None):
            return _NOT_RERAISED
        folded += len(handler.body) - len(kept)
        handlers += not (len(kept) == 1 and _ast_is_broad(handler))
    if folded != len(detaches):
        return _elsewhere_at(detaches[0])
    return _FALLS_INTO_EXCEPT if after_work and handlers else None


def _ast_is_broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    return kind is None or (isinstance(kind, ast.Name) and kind.id in ("Exception", "BaseException"))


def _ast_attaches_what_came_in(attach: ast.Call, function: Function | None) -> bool | None:
    """``_attaches_what_came_in`` on the ``ast``; None for a keyword or starred argument, which the
    two trees count differently."""
    if function is None:
        return True
    if len(attach.args) + len(attach.keywords) != 1:
        return False
    if attach.keywords or isinstance(attach.args[0], ast.Starred):
        return None
    value = attach.args[0]
    if isinstance(value, ast.Call) and _ast_called_name(value.func) == "extract":
        return True
    arguments = function.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    return isinstance(value, ast.Name) and value.id in names


def _ast_called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def plan(findings: list[Finding], tree: FixTree) -> Iterator[Edit | Declined]:
    """``findings``: those ``settle`` left, so no token here is handed off."""
    by_attach: dict[cst.Call, list[Finding]] = {}
    for finding in findings:
        attach = tree.find(finding.anchor(Anchor.ATTACH) or finding.source_range, cst.Call)
        if attach is None:
            yield Declined(finding, "the attach() call could not be located for rewriting")
        else:
            by_attach.setdefault(attach, []).append(finding)
    for attach, group in by_attach.items():
        detaches = sorted({detach for finding in group for detach in finding.anchored(Anchor.DETACH)})
        outcome = _guard(attach, [tree.find(detach, cst.Call) for detach in detaches], tree, Edit(group))
        if isinstance(outcome, str):
            yield from (Declined(finding, outcome) for finding in group)
        else:
            yield outcome


def _guard(
    attach: cst.Call, detaches: list[cst.Call | None], tree: FixTree, edit: Edit
) -> Edit | str:
    """``detaches``: the analysis's detaches of this attach (None where one cannot be located)."""
    statement = tree.statement_of(attach)
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return "attach() shares its line with other code; keep its token in a local, detach it in a finally"
    small = statement.body[0]
    function = tree.enclosing_function(statement) or tree.module
    if isinstance(small, cst.Expr) and small.value is attach:
        if not _attaches_what_came_in(attach, tree.enclosing_function(statement)):
            return _SETTER
        token = tree.fresh_name("token", function)
    elif (
        isinstance(small, cst.Assign)
        and small.value is attach
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
    ):
        token = small.targets[0].target.value
        if token == "_":
            token = tree.fresh_name("token", function)
    elif isinstance(small, cst.Return):
        return _RETURNED
    else:
        return _STORED
    block = tree.block_of(statement)
    if block is None:
        return "attach() shares its line with a compound statement; put it on a line of its own"
    body = list(block.body)
    position = tree.position_in_block(statement, block)
    after = body[position + 1 :]
    existing = [detach for detach in detaches if detach is not None]
    if len(existing) != len(detaches):
        return "a detach of this token could not be located for rewriting"
    detach = line(call(_detach_function(attach, tree, edit), cst.Name(token)))
    covered = _cover(after, existing, detach, tree)
    if isinstance(covered, str):
        return covered
    guarded, rest = covered
    kept = statement.with_changes(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(token))], value=attach)]
    )
    return edit.splice(block, position, len(body) - len(rest), [kept, guarded])


def _cover(
    after: list[cst.BaseStatement],
    existing: list[cst.Call],
    detach: cst.SimpleStatementLine,
    tree: FixTree,
) -> tuple[cst.Try, list[cst.BaseStatement]] | str:
    """The ``try`` that guards the work after attach, and the statements that stay after it."""
    for index, statement in enumerate(after):
        inside = [c for c in existing if c is _only_call(statement) or _contains(statement, c, tree)]
        if not inside:
            continue
        region, rest = after[:index], after[index + 1 :]
        if len(inside) != len(existing):
            # try: ... except: detach(token); raise   followed by   detach(token): one finally
            following = rest[0] if rest else None
            repeated = following is not None and _only_call(following) in existing
            if not (isinstance(statement, cst.Try) and repeated and len(inside) + 1 == len(existing)):
                on_its_own_line = _only_call(statement) in inside
                nested = next(c for c in existing if c not in inside) if on_its_own_line else inside[0]
                return _elsewhere(nested, tree)
            rest = rest[1:]
        if isinstance(statement, cst.SimpleStatementLine) and _only_call(statement) in inside:
            if not _has_work(region):
                return _OUTLIVES
            _, moved = split_blank_lines(statement)
            return try_finally(region, [moved]), rest
        if isinstance(statement, cst.Try):
            merged = _fold_into_finally(statement, inside, region, tree)
            return merged if isinstance(merged, str) else (merged, rest)
        return _elsewhere(inside[0], tree)
    if existing:
        return _elsewhere(existing[0], tree)
    if not after:
        return (
            "nothing follows attach() in its block, so the work it covers is outside it; keep the "
            "token and detach it in a finally around that work"
        )
    if not _has_work(after):
        return _OUTLIVES
    return try_finally(after, [detach]), []


def _detach_function(attach: cst.Call, tree: FixTree, edit: Edit) -> cst.BaseExpression:
    """``otel_context.attach`` -> ``otel_context.detach``: spelled like the attach."""
    if isinstance(attach.func, cst.Attribute):
        return attach.func.with_changes(attr=cst.Name("detach"))
    return tree.spell(OTEL_DETACH, edit, attach)


def _fold_into_finally(
    statement: cst.Try, detaches: list[cst.Call], region: list[cst.BaseStatement], tree: FixTree
) -> cst.Try | str:
    """The ``try`` with its ``detach`` in ``finally`` (out of an ``except`` that re-raises), and the
    statements between attach and it moved to the start of its body."""
    finally_lines: list[cst.BaseStatement] = []
    if statement.finalbody is not None and isinstance(statement.finalbody.body, cst.IndentedBlock):
        finally_lines = list(statement.finalbody.body.body)
    in_finally = [s for s in finally_lines if any(is_call_statement(s, c) for c in detaches)]
    handlers = []
    moved: list[cst.BaseStatement] = []
    for handler in statement.handlers:
        lines = list(handler.body.body) if isinstance(handler.body, cst.IndentedBlock) else []
        kept = [s for s in lines if not any(is_call_statement(s, c) for c in detaches)]
        if len(kept) == len(lines):
            handlers.append(handler)
            continue
        if not kept or not _is_bare_raise(kept[-1]):
            return _NOT_RERAISED
        moved += [split_blank_lines(s)[1] for s in lines if s not in kept]
        if len(kept) == 1 and _is_broad(handler):
            continue
        handlers.append(handler.with_changes(body=handler.body.with_changes(body=kept)))
    if len(in_finally) + len(moved) != len(detaches):
        return _elsewhere(detaches[0], tree)
    if region and handlers:
        return _FALLS_INTO_EXCEPT
    if not in_finally:
        finally_lines.append(moved[0])
    finalbody = cst.Finally(body=cst.IndentedBlock(body=finally_lines))
    if statement.finalbody is not None:
        block = statement.finalbody.body
        finalbody = statement.finalbody.with_changes(body=block.with_changes(body=finally_lines))
    if not region:
        return statement.with_changes(handlers=handlers, finalbody=finalbody)
    above, first = split_blank_lines(region[0])
    inner = list(statement.body.body) if isinstance(statement.body, cst.IndentedBlock) else []
    if inner:
        inner[0] = with_lines_above(inner[0], statement.leading_lines)
    merged_body = cst.IndentedBlock(body=[first, *region[1:], *inner])
    return statement.with_changes(
        body=merged_body, handlers=handlers, finalbody=finalbody, leading_lines=above
    )


def _only_call(statement: cst.BaseStatement) -> cst.BaseExpression | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Expr):
            return small.value
    return None


def _contains(statement: cst.BaseStatement, node: cst.CSTNode, tree: FixTree) -> bool:
    return any(ancestor is statement for ancestor in tree.ancestors(node))


def _elsewhere(nested: cst.Call, tree: FixTree) -> str:
    return _nested_at_line(tree.range(nested).start.line)


def _elsewhere_at(nested: SourceRange) -> str:
    return _nested_at_line(nested.line)


def _nested_at_line(line: int) -> str:
    return (
        f"detach(token) at line {line} is nested in other code; move it into a finally that covers "
        "everything after attach() by hand"
    )


def _has_work(statements: list[cst.BaseStatement]) -> bool:
    """Anything that can raise or start work: a call, an await, a with, a loop..."""
    return any(
        not (isinstance(s, cst.SimpleStatementLine) and all(_inert(small) for small in s.body))
        for s in statements
    )


def _inert(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Pass):
        return True
    if isinstance(small, cst.Return):
        return small.value is None or isinstance(small.value, (cst.Name, cst.BaseNumber, cst.BaseString))
    return False


def _is_bare_raise(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Raise)
        and statement.body[0].exc is None
    )


def _is_broad(handler: cst.ExceptHandler) -> bool:
    kind = handler.type
    return kind is None or (isinstance(kind, cst.Name) and kind.value in ("Exception", "BaseException"))
