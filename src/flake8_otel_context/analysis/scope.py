"""Whether a call may run while a span is current in the caller."""

from __future__ import annotations

import ast

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site
from flake8_otel_context.analysis.settings import SpanScope
from flake8_otel_context.project.model import Origin
from flake8_otel_context.project.summarise import region_name
from flake8_otel_context.project.view import ProjectView


class SpanActivity:
    def __init__(self, facts: ModuleFacts, scope: SpanScope, project: ProjectView | None = None) -> None:
        self._scope = scope
        self._project = project
        self._under_span = _functions_called_under_span(facts)

    def may_have_span(self, site: Site) -> bool:
        if site.spans or self._scope is SpanScope.EVERYWHERE:
            return True
        if self._project is not None and self._project.span_helper(site.withs, site.function):
            return True
        return self.function_may_have_span(site.function)

    def function_may_have_span(self, fn: FunctionFacts) -> bool:
        if fn.node is None or isinstance(fn.node, ast.Lambda):
            return False
        if fn.span_decorated or fn in self._under_span:
            return True
        if self._project is not None and self._project.live(fn) is not None:
            return True
        if self._scope is SpanScope.FUNCTION:
            return True
        return self._scope is SpanScope.ASYNC and fn.is_async

    def origin(self, site: Site) -> Origin | None:
        """Where the span current at ``site`` is opened, when the project model knows (for messages)."""
        if self._project is None:
            return None
        if site.spans:
            region = site.spans[-1]
            name = region_name(region.node) or site.function.name
            return Origin(f"span {name!r}", self._project.path, region.line)
        return self._project.span_helper(site.withs, site.function) or self._project.live(site.function)


def _callee_name(site: Site) -> str | None:
    func = site.call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return func.attr
    return None


def _functions_called_under_span(facts: ModuleFacts) -> set[FunctionFacts]:
    """Functions of this file called (directly or through each other) while a span is current."""
    by_name: dict[str, list[FunctionFacts]] = {}
    for fn in facts.functions:
        if isinstance(fn.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            by_name.setdefault(fn.node.name, []).append(fn)
    found: set[FunctionFacts] = set()
    pending = [site for site in facts.all_sites() if site.spans or site.function.span_decorated]
    while pending:
        name = _callee_name(pending.pop())
        for fn in by_name.get(name or "", []):
            if fn not in found:
                found.add(fn)
                pending.extend(fn.sites)
    return found
