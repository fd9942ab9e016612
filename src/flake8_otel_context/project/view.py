"""One module as the project sees it: the questions the per-file analysis asks of the project model.

The analysis of a file works on that file's own facts; where an answer depends on another module
(an imported executor, a caller's span, a worker's callees) it asks here. Without a project (a single
source string, the ``lexical`` scope) it is never asked, and the file is judged on what it shows.
"""

from __future__ import annotations

import ast

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts
from flake8_otel_context.analysis.values import Kind
from flake8_otel_context.project.model import Evidence, FunctionRef, Origin, ProjectModel
from flake8_otel_context.project.summarise import ModuleReader
from flake8_otel_context.project.summary import ModuleSummary


class ProjectView:
    def __init__(
        self, model: ProjectModel, summary: ModuleSummary, facts: ModuleFacts, assume_public: bool = False
    ) -> None:
        self.model = model
        self.assume_public = assume_public
        self.module = summary.name
        self.path = summary.path
        self._reader = ModuleReader(facts, summary.name, summary.is_package)

    @classmethod
    def of(
        cls, model: ProjectModel, path: str, facts: ModuleFacts, assume_public: bool = False
    ) -> ProjectView | None:
        """The view of the module at ``path``; None when the project did not read it (then the file
        is judged alone). ``assume_public``: users call the public API under their own spans."""
        summary = model.module_at(path)
        if summary is None or summary.error:
            return None
        return cls(model, summary, facts, assume_public)

    def qualified(self, fn: FunctionFacts) -> str | None:
        return self._reader.names.get(id(fn))

    def external_bases(self, fn: FunctionFacts) -> list[str]:
        """The base classes of ``fn``'s class that the project does not define, also those reached
        through its project bases in other modules: which framework calls the method as a hook."""
        if fn.cls is None:
            return []
        return self.model.external_bases(f"{self.module}.{fn.cls.node.name}")

    def kind(self, expr: ast.expr, fn: FunctionFacts) -> Kind | None:
        """What ``expr`` is when that depends on another module (``from .pools import IO_POOL``,
        ``agent.executor`` with ``agent: Agent``, ``make_pool()``)."""
        return self.model.kind(self._reader.ref(expr, fn))

    def executor_carries_context(self, receiver: ast.expr, fn: FunctionFacts) -> bool:
        return self.model.executor_carries_context(self._reader.ref(receiver, fn))

    def wrapper_captures_context(self, call: ast.Call, fn: FunctionFacts) -> bool:
        """``with_current_context(work)`` where the project's helper captures the caller's context."""
        target = self.model.resolve_call(self._reader.callee(call.func, fn))
        return isinstance(target, FunctionRef) and target.function.captures

    def unread_context_key(self, key: ast.expr, fn: FunctionFacts) -> bool:
        """``key`` (of ``set_value(key, ...)``) is a literal or constant of the project that no
        module of it reads with ``get_value`` (see ``ProjectModel.unread_context_key``)."""
        return self.model.unread_context_key(self._reader.context_key(key, fn), self.module)

    def live(self, fn: FunctionFacts) -> Origin | None:
        """Where a span current while ``fn`` runs is opened, when the project shows one."""
        name = self.qualified(fn)
        return self.model.live(self.module, name, self.assume_public) if name else None

    def span_helper(self, site_withs: tuple[ast.Call, ...], fn: FunctionFacts) -> Origin | None:
        for entered in reversed(site_withs):
            origin = self.model.span_helper(self._reader.callee(entered.func, fn))
            if origin is not None:
                return origin
        return None

    def worker_traced(
        self, worker: ast.expr, fn: FunctionFacts, local: FunctionFacts | None, carried: bool = True
    ) -> Evidence | None:
        """Why the worker may make spans, or None when nothing shows it can. Where users' spans are
        assumed, a guess about what an unknown object's method runs is weak evidence: a boundary
        under a span only assumed is reported on evidence that is neither weak nor guessed.
        ``carried``: a closure that runs in a context its maker captured keeps its spans' parent
        (not so when it was made before a span the boundary is in)."""
        why = self._worker_evidence(worker, fn, local, carried)
        if why is not None and why.guessed and self.assume_public:
            return Evidence(why.text, strong=False, guessed=True)
        return why

    def _function_ref(self, fn: FunctionFacts) -> FunctionRef | None:
        name = self.qualified(fn)
        return self.model.function(self.module, name) if name else None

    def _worker_evidence(
        self, worker: ast.expr, fn: FunctionFacts, local: FunctionFacts | None, carried: bool
    ) -> Evidence | None:
        if local is not None:
            ref = self._function_ref(local)
            if ref is not None:
                why = self.model.worker_traced(ref)
                return why.because(f"{ref.function.name}()") if why else None
            found = None
            caller = self._function_ref(fn)
            for site in local.sites:  # a lambda: what its body calls
                why = self.model.call_traced(self._reader.callee(site.call.func, local), caller)
                if why is not None and (found is None or why.strong):
                    found = why.because("the worker")
            return found
        callee = self._reader.callee(worker, fn)
        if self.model.serves(callee):
            return None  # another module's loop for the life of its thread: no request is its parent
        why = self.model.handed_traced(callee, self._function_ref(fn), carried)
        return why.because("the worker") if why else None

    def reaches(self, entry: str, fn: FunctionFacts) -> bool:
        """The project's calls from the function ``entry`` (qualified) reach ``fn``."""
        name = self.qualified(fn)
        return name is not None and self.model.reaches(entry, f"{self.module}.{name}")
