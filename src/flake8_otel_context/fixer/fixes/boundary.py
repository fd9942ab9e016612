"""OTC101, OTC102, OTC103: give the worker of a thread or pool the caller's context.

Two forms. When the worker is a nested function whose every use the fixer can see, all of them
boundaries being fixed, it gets the attach/detach pattern: the call site passes
``otel_context.get_current()``, and the worker attaches it first thing and detaches it in
``finally``. Otherwise the call site runs the worker in a copy of its context,
``contextvars.copy_context().run``, which needs no change to the worker: a module-level function
keeps its signature, since other modules and tests may call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, ClassScope, GlobalScope

from flake8_otel_context.analysis.findings import Anchor, Finding
from flake8_otel_context.analysis.vocabulary import (
    COPY_CONTEXT,
    OTEL_ATTACH,
    OTEL_CONTEXT_TYPE,
    OTEL_DETACH,
    OTEL_GET_CURRENT,
    PARTIAL,
    REPEAT,
)
from flake8_otel_context.fixer import arguments
from flake8_otel_context.fixer.edits import Declined, Edit
from flake8_otel_context.fixer.statements import (
    assign,
    call,
    called_name,
    docstring_count,
    line,
    statements_of,
    try_finally,
)
from flake8_otel_context.fixer.shapes import Shapes
from flake8_otel_context.fixer.tree import FixTree

CODES = ("OTC101", "OTC102", "OTC103")


@dataclass(frozen=True)
class _Site:
    finding: Finding
    call: cst.Call
    worker: cst.Arg
    via: str  # "run_in_executor", "submit", "map" or "thread"

    @property
    def index(self) -> int:
        return next(i for i, a in enumerate(self.call.args) if a is self.worker)


_UNLOCATED = "the call's worker could not be located for rewriting"


def settle(findings: list[Finding], shapes: Shapes) -> Iterator[Declined]:
    """Before any libcst tree: a boundary whose worker the analysis did not name cannot be located."""
    for finding in findings:
        if finding.anchor(Anchor.WORKER) is None:
            yield Declined(finding, _UNLOCATED)


def plan(findings: list[Finding], tree: FixTree) -> Iterator[Edit | Declined]:
    sites = []
    for finding in findings:
        site = _site(finding, tree)
        if site is None:
            yield Declined(finding, _UNLOCATED)
        else:
            sites.append(site)
    worker_nodes = {site.worker.value for site in sites}
    by_definition: dict[cst.FunctionDef, list[_Site]] = {}
    call_site_form = []
    for site in sites:
        definition = _changeable_definition(site, tree, worker_nodes)
        if definition is None:
            call_site_form.append(site)
        else:
            by_definition.setdefault(definition, []).append(site)
    for definition, users in by_definition.items():
        if all(_can_pass_context(site) and not _inside(site.call, definition, tree) for site in users):
            yield _attach_in_worker(definition, users, tree)
        else:
            call_site_form += users
    for site in call_site_form:
        yield _copy_at_call_site(site, tree)


def _site(finding: Finding, tree: FixTree) -> _Site | None:
    boundary = tree.find(finding.source_range, cst.Call)
    worker = tree.expression(finding.anchor(Anchor.WORKER))
    if boundary is None or worker is None:
        return None
    argument = next((a for a in boundary.args if a.value is worker), None)
    if argument is None:
        return None
    if finding.code == "OTC101":
        via = "run_in_executor"
    elif finding.code == "OTC103":
        via = "thread"
    else:
        via = "map" if called_name(boundary.func) == "map" else "submit"
    return _Site(finding, boundary, argument, via)


def _changeable_definition(
    site: _Site, tree: FixTree, worker_nodes: set[cst.BaseExpression]
) -> cst.FunctionDef | None:
    """The worker's ``def``, when adding a first parameter to it cannot break a caller.

    Every use must be visible: the function is nested, and each of its uses is the worker of a
    boundary being fixed now. A module-level function, even a private one, keeps its signature:
    other modules and the project's tests may call it directly. The module must already import
    OpenTelemetry.
    """
    worker = site.worker.value
    if tree.style != "auto" or not isinstance(worker, cst.Name) or not tree.imports.has_opentelemetry:
        return None  # a module without OpenTelemetry gets the call-site form, never a new dependency
    if worker.value not in tree.function_names:
        return None
    scope = tree.scope(worker)
    if scope is None:
        return None
    assignments = list(scope[worker.value])
    if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
        return None
    assignment = assignments[0]
    definition = assignment.node
    if not isinstance(definition, cst.FunctionDef) or definition.asynchronous or definition.decorators:
        return None
    if definition.params.posonly_params or _is_generator(definition):
        return None
    statements = statements_of(definition.body)
    if len(statements) == docstring_count(statements):
        return None  # nothing to run under the context
    name = definition.name.value
    if name in tree.exported_names:
        return None
    if isinstance(assignment.scope, (ClassScope, GlobalScope)):
        return None
    if not all(access.node in worker_nodes for access in assignment.references):
        return None
    return definition


def _is_generator(definition: cst.FunctionDef) -> bool:
    found = []

    class _Yields(cst.CSTVisitor):
        def visit_Yield(self, node: cst.Yield) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is definition

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    definition.visit(_Yields())
    return bool(found)


def _inside(node: cst.CSTNode, container: cst.CSTNode, tree: FixTree) -> bool:
    return any(ancestor is container for ancestor in tree.ancestors(node))


def _can_pass_context(site: _Site) -> bool:
    """Threads take it through ``args=``, which must not be given positionally."""
    if site.via != "thread":
        return True
    return sum(1 for a in site.call.args if a.keyword is None and a.star == "") <= 2


def _attach_in_worker(definition: cst.FunctionDef, users: list[_Site], tree: FixTree) -> Edit:
    edit = Edit([site.finding for site in users])
    for site in users:
        current = call(tree.spell(OTEL_GET_CURRENT, edit, site.call))
        edit.replace(site.call, _pass_context(site, current, tree, edit))
    edit.replace(definition, _attach_first(definition, tree, edit))
    return edit


def _pass_context(site: _Site, context: cst.BaseExpression, tree: FixTree, edit: Edit) -> cst.Call:
    args = list(site.call.args)
    if site.via == "thread":
        given = next((i for i, a in enumerate(args) if a.keyword and a.keyword.value == "args"), None)
        if given is None:
            given_args = arguments.keyword("args", arguments.one_tuple(context))
            args = arguments.insert(args, site.index + 1, given_args, site.call.whitespace_before_args)
        else:
            value = arguments.prepend_to_sequence(args[given].value, context)
            args[given] = args[given].with_changes(value=value)
    elif site.via == "map":
        repeat = call(tree.spell(REPEAT, edit, site.call), context)
        args = arguments.insert(args, site.index + 1, cst.Arg(repeat), site.call.whitespace_before_args)
    else:
        args = arguments.insert(args, site.index + 1, cst.Arg(context), site.call.whitespace_before_args)
    return site.call.with_changes(args=args)


def _attach_first(definition: cst.FunctionDef, tree: FixTree, edit: Edit) -> cst.FunctionDef:
    """``def worker(ctx, ...)``: attach ``ctx`` first thing, run the body, detach in ``finally``."""
    parameters = frozenset(p.name.value for p in _parameters(definition))
    attach_function = tree.spell(OTEL_ATTACH, edit, definition.body, parameters)
    detach_function = tree.spell(OTEL_DETACH, edit, definition.body, parameters)
    heads = frozenset(_head(attach_function) + _head(detach_function))
    ctx = tree.fresh_name("ctx", definition, heads)
    token = tree.fresh_name("token", definition, heads | {ctx})
    parameter = cst.Param(cst.Name(ctx))
    if _annotated(definition):
        annotation = tree.spell(OTEL_CONTEXT_TYPE, edit, definition)
        parameter = parameter.with_changes(annotation=cst.Annotation(annotation))
    params = definition.params.with_changes(params=[parameter, *definition.params.params])
    statements = statements_of(definition.body)
    kept = docstring_count(statements)
    attach = assign(token, call(attach_function, cst.Name(ctx)))
    detach = line(call(detach_function, cst.Name(token)))
    guarded = try_finally(statements[kept:], [detach])
    body = [
        *statements[:kept],
        attach.with_changes(leading_lines=guarded.leading_lines),
        guarded.with_changes(leading_lines=[]),
    ]
    block = definition.body if isinstance(definition.body, cst.IndentedBlock) else cst.IndentedBlock(body=[])
    return definition.with_changes(params=params, body=block.with_changes(body=body))


def _parameters(definition: cst.FunctionDef) -> list[cst.Param]:
    params = definition.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return every + [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]


def _head(expression: cst.BaseExpression) -> list[str]:
    """The name an expression starts with: ``otel_context`` for ``otel_context.attach``."""
    while isinstance(expression, cst.Attribute):
        expression = expression.value
    return [expression.value] if isinstance(expression, cst.Name) else []


def _annotated(definition: cst.FunctionDef) -> bool:
    params = definition.params
    every = [*params.params, *params.kwonly_params]
    return definition.returns is not None or any(p.annotation is not None for p in every)


def _copy_at_call_site(site: _Site, tree: FixTree) -> Edit | Declined:
    if site.via == "map":
        return Declined(
            site.finding,
            "map() runs its items at once, so one copy_context() cannot serve them all; the worker "
            "must take otel_context.get_current() and attach it, which the fixer writes itself "
            "only for a nested worker whose every use it sees (and not with --style copy-context); "
            "a module-level worker keeps its signature, since other code may call it",
        )
    edit = Edit([site.finding])
    run = cst.Attribute(call(tree.spell(COPY_CONTEXT, edit, site.call)), cst.Name("run"))
    args = list(site.call.args)
    if site.via == "thread":
        wrapped = call(tree.spell(PARTIAL, edit, site.call), run, site.worker.value)
        args[site.index] = site.worker.with_changes(value=wrapped)
    else:
        args = arguments.insert(args, site.index, cst.Arg(run), site.call.whitespace_before_args)
    return edit.replace(site.call, site.call.with_changes(args=args))
