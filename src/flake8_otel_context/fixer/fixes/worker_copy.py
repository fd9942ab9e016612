"""OTC403: take the ``copy_context()`` out of the worker lambda and make it at the call site.

``submit(lambda: copy_context().run(f, x))`` becomes ``submit(copy_context().run, lambda: f(x))``;
a thread's ``target=`` gets ``functools.partial(copy_context().run, lambda: f(x))``. The lambda stays,
so its arguments are still read when the worker runs, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.vocabulary import PARTIAL
from flake8_otel_context.fixer import arguments
from flake8_otel_context.fixer.edits import Declined, Edit
from flake8_otel_context.fixer.statements import call, called_name
from flake8_otel_context.fixer.tree import FixTree

CODES = ("OTC403",)

_THREADS = ("Thread", "Timer")


def plan(findings: list[Finding], tree: FixTree) -> Iterator[Edit | Declined]:
    for finding in findings:
        outcome = _copy_at_call_site(finding, tree, Edit([finding]))
        yield Declined(finding, outcome) if isinstance(outcome, str) else outcome


def _copy_at_call_site(finding: Finding, tree: FixTree, edit: Edit) -> Edit | str:
    copy = tree.find(finding.source_range, cst.Call)
    worker = tree.expression(finding.anchor(Anchor.WORKER))
    boundary = tree.find(finding.anchor(Anchor.CALL), cst.Call)
    if copy is None or boundary is None or not isinstance(worker, cst.Lambda):
        return "the worker is not a lambda; call copy_context() at the call site and pass its .run"
    run = worker.body
    if not (
        isinstance(run, cst.Call)
        and isinstance(run.func, cst.Attribute)
        and run.func.value is copy
        and run.func.attr.value == "run"
        and run.args
        and run.args[0].keyword is None
        and run.args[0].star == ""
    ):
        return "the lambda does more than copy_context().run(...); move the copy to the call site by hand"
    index = next((i for i, a in enumerate(boundary.args) if a.value is worker), None)
    if index is None:
        return "the lambda is not an argument of the boundary call"
    inner = cst.Call(func=run.args[0].value, args=_without_trailing_comma(run.args[1:]))
    lam = worker.with_changes(body=inner)
    method = called_name(boundary.func) or ""
    args = list(boundary.args)
    if method in _THREADS or boundary.args[index].keyword is not None:
        wrapped = call(tree.spell(PARTIAL, edit, boundary), run.func, lam)
        args[index] = args[index].with_changes(value=wrapped)
    elif method in ("submit", "run_in_executor"):
        args[index] = args[index].with_changes(value=lam)
        args = arguments.insert(args, index, cst.Arg(run.func), boundary.whitespace_before_args)
    else:
        return (
            f"{method}() runs its items at once, so one copy_context() cannot serve them all; "
            "pass otel_context.get_current() along and attach it in the worker"
        )
    return edit.replace(boundary, boundary.with_changes(args=args))


def _without_trailing_comma(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    result = list(args)
    if result:
        result[-1] = result[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return result
