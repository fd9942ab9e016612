"""Build one module's summary from the facts of its single walk (no second pass over the tree)."""

from __future__ import annotations

import ast

from flake8_otel_context.analysis.facts import FunctionFacts, ModuleFacts, Site, is_parameter
from flake8_otel_context.analysis.lifetime import loops_forever
from flake8_otel_context.analysis.names import (
    BUILTIN_NAMES,
    ImportTable,
    annotated_types,
    dotted_name,
    last_name,
)
from flake8_otel_context.analysis.values import Values
from flake8_otel_context.analysis.vocabulary import (
    COPY_CONTEXT,
    EXECUTOR_METHODS,
    MP_POOL_METHODS,
    OTEL_ATTACH,
    OTEL_GET_CURRENT,
    OTEL_GET_VALUE,
    PROCESS_CLASSES,
    THREAD_CLASSES,
)
from flake8_otel_context.analysis.walker import collect_facts
from flake8_otel_context.project.libraries import (
    DISPATCHER_SPAN_DECORATORS,
    HANDLER_BASE_SUFFIXES,
    INSTRUMENTED_CALLBACK_DECORATORS,
    ROUTE_DECORATORS,
    SPAN_DECORATORS,
    SPAN_METHODS,
    TASK_DECORATORS,
)
from flake8_otel_context.project.summary import (
    Call,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    Value,
    inert,
)

_BOUNDARY_NAMES = EXECUTOR_METHODS | MP_POOL_METHODS | {"run_in_executor"}
_BOUNDARY_CLASSES = {name.rpartition(".")[2] for name in THREAD_CLASSES | PROCESS_CLASSES}
_CAPTURES = {COPY_CONTEXT, OTEL_GET_CURRENT}
_REENTERS = frozenset({"use_span", "attach"})
# Tracer methods that start a span: a function calling one makes spans.
_SPAN_STARTS = frozenset({"start_as_current_span", "start_span", "_start_as_current_span"})
_TASK_RECEIVERS = {"app", "celery", "celery_app", "broker", "huey", "dramatiq", "queue", "worker"}
_TASK_ROOTS = {"celery", "dramatiq", "rq", "huey", "taskiq", "faststream", "arq"}
_ROUTE_RECEIVERS = {"app", "router", "api", "bp", "blueprint", "routes", "api_router", "server"}


def summarise(source: str, module: str, path: str, is_package: bool) -> ModuleSummary:
    """The summary of one module; a module that cannot be read gets an empty one with the reason."""
    try:
        tree = ast.parse(source)
        facts = collect_facts(tree)
        try:
            return ModuleReader(facts, module, is_package).summary(path)
        finally:
            facts.release()  # freed now, tree and all, not by the cyclic collector
    except (SyntaxError, ValueError) as error:
        return ModuleSummary(module, path, is_package, error=f"does not parse: {error}")
    except (RecursionError, MemoryError):
        return ModuleSummary(module, path, is_package, error="too deeply nested to summarise")


def absolute(name: str, module: str, is_package: bool) -> str:
    """``..pools.IO_POOL`` imported in ``pkg.sub.mod`` is ``pkg.pools.IO_POOL``."""
    level = len(name) - len(name.lstrip("."))
    if not level:
        return name
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    rest = name[level:]
    return ".".join([*base, rest] if rest else base)


class ModuleReader:
    def __init__(self, facts: ModuleFacts, module: str, is_package: bool) -> None:
        self._facts = facts
        self._module = module
        self._is_package = is_package
        self._values = Values(facts)
        # What the ``with`` blocks around a call enter, by the identity of the sites' shared tuple.
        self._entered: dict[tuple[int, int], str | None] = {}
        self._imports = {
            local: absolute(target, module, is_package) for local, target in facts.imports.aliases().items()
        }
        self.names: dict[int, str] = {}  # id(FunctionFacts) -> qualified-in-module name
        for fn in facts.functions:
            name = self._name(fn)
            if name:
                self.names[id(fn)] = name

    def summary(self, path: str) -> ModuleSummary:
        facts = self._facts
        summary = ModuleSummary(self._module, path, self._is_package, imports=self._module_imports())
        for name, bindings in facts.module.bindings.items():
            assigned = [b.value for b in bindings if not b.is_annotation]
            summary.globals[name] = [self._value(value, facts.module) for value in assigned]
            literal = _literal(assigned[0]) if len(assigned) == 1 else None
            if literal is not None:
                summary.constants[name] = literal
        for name, cls in facts.classes.items():
            summary.classes[name] = ClassSummary(
                name,
                cls.node.lineno,
                bases=[self._absolute(base) for base in cls.bases if base],
                attributes={
                    attr: [
                        self._value(b.value, self._method_scope(cls.methods), b.is_annotation)
                        for b in bindings
                    ]
                    for attr, bindings in cls.attributes.items()
                },
                methods=list(cls.methods),
            )
        for fn in facts.functions:
            qualified = self.names.get(id(fn))
            if qualified is None:
                continue
            summary.functions[qualified] = self._function(fn, qualified)
            if any(_may_cross(site) for site in fn.sites):
                summary.boundary_functions.append(qualified)
        if any(_may_cross(site) for site in facts.module.sites):
            summary.boundary_functions.append("<module>")
        summary.context_reads = sorted(
            {
                self.context_key(_argument(site.call, 0, "key"), site.function)
                for site in facts.all_sites()
                if site.qualname == OTEL_GET_VALUE
            }
        )
        return summary

    def _module_imports(self) -> dict[str, str]:
        """The names the module's own namespace imports (at its top level, in ``try``/``if`` blocks
        too); an import inside a function binds a local name other modules never see."""
        table = ImportTable()
        pending = list(self._facts.tree.body)
        while pending:
            statement = pending.pop()
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                table.add(statement)
            elif isinstance(statement, (ast.If, ast.Try)):
                pending += statement.body + statement.orelse
                if isinstance(statement, ast.Try):
                    pending += statement.finalbody + [s for h in statement.handlers for s in h.body]
        return {
            local: absolute(target, self._module, self._is_package)
            for local, target in table.aliases().items()
        }

    # -- names and references ----------------------------------------------------------------------

    def _name(self, fn: FunctionFacts) -> str | None:
        if not isinstance(fn.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        parent = fn.parent
        if fn.cls is not None and (parent is None or parent.cls is not fn.cls or parent.node is None):
            return f"{fn.cls.node.name}.{fn.node.name}"
        if parent is None or parent.node is None:
            return fn.node.name
        outer = self.names.get(id(parent)) or self._name(parent)
        return f"{outer}.{fn.node.name}" if outer else None

    def _absolute(self, dotted: str) -> str:
        """A dotted name as the file spells it, made absolute through the imports or this module."""
        head, _, rest = dotted.partition(".")
        if head in self._imports:
            base = self._imports[head]
            return f"{base}.{rest}" if rest else base
        if dotted.startswith("."):  # a class's base as the walker spells it: ``._base.BaseClient``
            return absolute(dotted, self._module, self._is_package)
        if (
            head in self._facts.classes
            or head in self._facts.module.local_defs
            or head in self._facts.module.bindings
        ):
            return f"{self._module}.{dotted}"
        return dotted

    def _method_scope(self, methods: dict[str, FunctionFacts]) -> FunctionFacts:
        return methods.get("__init__") or next(iter(methods.values()), self._facts.module)

    def _value(self, expr: ast.expr, fn: FunctionFacts, is_annotation: bool = False) -> Value:
        if is_annotation:
            return Value(ref=self._annotation(expr))
        kind = self._values.kind(expr, fn)
        if kind is not None:
            return Value(kind=kind.value)
        return Value(ref=self.ref(expr, fn))

    def _annotation(self, annotation: ast.expr) -> str | None:
        """An instance of the first type the annotation names."""
        for named in annotated_types(annotation):
            dotted = dotted_name(named)
            if dotted and dotted != "None":
                return f"{self._absolute(dotted)}()"
        return None

    def ref(self, expr: ast.expr, fn: FunctionFacts, depth: int = 0) -> str | None:
        """A reference for what ``expr`` evaluates to, when it depends on names the module can name."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Await):
            # ``await loop.run_in_executor(pool, lambda: bigquery.Client())`` and ``await
            # asyncio.to_thread(make_client)`` are what the worker returns; other awaits are unknown.
            worker = _offloaded(expr.value)
            if isinstance(worker, ast.Lambda):
                return self.ref(worker.body, fn, depth + 1)
            if worker is not None:
                callee = self.callee(worker, fn, depth + 1)
                return f"{callee[2:]}()" if callee.startswith("f:") else None
            return None
        if isinstance(expr, ast.Call):
            callee = self.callee(expr.func, fn, depth + 1)
            if callee.startswith("f:"):
                return f"{callee[2:]}()"
            if callee.startswith("m:"):
                instance, _, method = callee[2:].partition("|")
                return f"{instance}#{method}()"
            return None
        if isinstance(expr, ast.Name):
            bound = self._values.bindings(expr, fn)
            if bound:
                last = bound[-1]
                if last.is_annotation:
                    return self._annotation(last.value)
                if last.value is expr:
                    return None
                scope = self._owner(expr.id, fn)
                if scope is self._facts.module and scope is not fn:
                    return f"{self._module}.{expr.id}"
                found = self.ref(last.value, fn, depth + 1)
                declared = next((b for b in bound if b.is_annotation), None)
                if found is None and declared is not None:  # ``instance: Component = inputs["c"]``
                    return self._annotation(declared.value)
                return found
            local = self._values.function(expr, fn)
            if local is not None and id(local) in self.names:  # ``return safe_func``: a closure
                return f"{self._module}.{self.names[id(local)]}"
            if (
                expr.id in self._imports
                or expr.id in self._facts.classes
                or expr.id in self._facts.module.local_defs
            ):
                return self._absolute(expr.id)
            return None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls") and fn.cls is not None:
                return f"{self._module}.{fn.cls.node.name}()#{expr.attr}"
            imported = self._facts.imports.qualname(expr)
            if imported is not None:
                return self._absolute(dotted_name(expr) or imported)
            receiver = self.ref(expr.value, fn, depth + 1)
            chained = receiver is not None and (receiver.endswith(")") or "#" in receiver)
            return f"{receiver}#{expr.attr}" if chained else None
        return None

    def context_key(self, key: ast.expr | None, fn: FunctionFacts) -> str:
        """The tagged reference of a context key (see ``summary``): a literal, a name the model can
        resolve (a module global of the project, an imported name), or ``?``."""
        literal = _literal(key)
        if literal is not None:
            return f"s:{literal}"
        if isinstance(key, ast.Name) and self._owner(key.id, fn) is self._facts.module:
            return f"n:{self._module}.{key.id}"
        ref = self.ref(key, fn) if key is not None else None
        return f"n:{ref}" if ref is not None and not ref.endswith(")") and "#" not in ref else "?"

    def _owner(self, name: str, fn: FunctionFacts) -> FunctionFacts | None:
        scope: FunctionFacts | None = fn
        while scope is not None:
            if name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def callee(self, func: ast.expr, fn: FunctionFacts, depth: int = 0) -> str:
        """The tagged reference of what a call to ``func`` runs (see ``summary``)."""
        if isinstance(func, ast.Name):
            local = self._values.function(func, fn)
            if local is not None and id(local) in self.names:
                return f"f:{self._module}.{self.names[id(local)]}"
            if func.id in self._imports or func.id in self._facts.classes:
                return f"f:{self._absolute(func.id)}"
            if func.id == "cls" and fn.cls is not None:  # a class method builds its own class
                return f"f:{self._module}.{fn.cls.node.name}"
            if is_parameter(func.id, fn):
                return f"p:{func.id}"
            bound = self._values.bindings(func, fn)
            if bound:
                ref = self.ref(func, fn, depth)
                if ref is None:
                    return f"p:{func.id}"
                return f"r:{ref}" if ref.endswith(")") else f"f:{ref}"
            return f"b:{func.id}"
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") and fn.cls is not None:
                return f"m:{self._module}.{fn.cls.node.name}()|{func.attr}"
            imported = self._facts.imports.qualname(func)
            if imported is not None:
                return f"f:{self._absolute(dotted_name(func) or imported)}"
            ref = self.ref(receiver, fn, depth)
            if ref is not None:
                return f"m:{ref if ref.endswith(')') or '#' in ref else ref}|{func.attr}"
            return f"u:{func.attr}"
        if isinstance(func, ast.Call):  # ``make(url)()``, or a worker made at the boundary
            return self._returned(func, fn) or "u:?"
        return "u:?"

    # -- functions ---------------------------------------------------------------------------------

    def _function(self, fn: FunctionFacts, name: str) -> FunctionSummary:
        node = fn.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        arguments = node.args
        params = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
        summary = FunctionSummary(name, node.lineno, params=params)
        summary.positional = len(arguments.posonlyargs + arguments.args)
        summary.defaults = self._function_defaults(arguments, fn)
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            if arg.annotation is not None:
                ref = self._annotation(arg.annotation)
                if ref:
                    summary.annotations[arg.arg] = ref
        summary.decorators = [self._absolute(d) for d in fn.decorators if d]
        span_decorator = next(
            (
                d
                for d, qualified in zip(node.decorator_list, summary.decorators)
                if qualified in SPAN_DECORATORS
                or qualified.rpartition(".")[2] in SPAN_METHODS
                or qualified.endswith(DISPATCHER_SPAN_DECORATORS)
            ),
            None,
        )
        if span_decorator is not None:
            summary.opens_span, summary.span_line = True, node.lineno
            summary.span_name = span_name_of(span_decorator) or node.name
        for site in fn.sites:
            if _suppresses_instrumentation(site.call):
                summary.suppresses = True
            if not summary.opens_span and (site.spans or site.method in _SPAN_STARTS):
                summary.opens_span = True
                if site.spans:
                    summary.span_line = site.spans[0].line
                    summary.span_name = region_name(site.spans[0].node) or node.name
                else:
                    summary.span_line = site.call.lineno
                    summary.span_name = span_name_of(site.call) or node.name
            callee = self.callee(site.call.func, fn)
            call = Call(callee, site.call.lineno, self._under(site))
            if callee.startswith(("f:", "m:")):
                call.passes = self._functions_passed(site.call, fn)
            if call.under is not None or not inert(callee):
                summary.calls.append(call)
            if site.qualname in _CAPTURES:
                summary.captures = True
            if site.qualname == OTEL_ATTACH or _enters_a_context(site):
                summary.enters = True
                first = site.call.args[0] if site.method == "run" and site.call.args else None
                ran = self._passed_reference(first, fn) if first is not None else None
                if ran is not None:  # ``ctx.run(fn, *args)`` calls ``fn``
                    summary.calls.append(Call(ran, site.call.lineno, call.under))
            if _reenters_a_parameter(site, params):
                summary.reenters = True
        # ``return None`` is no instance; any other value the summary cannot name still counts, so a
        # factory with one return the model cannot read is not taken for its one readable return.
        summary.returns = [
            self._value(value, fn)
            for value in fn.returns
            if not (isinstance(value, ast.Constant) and value.value is None)
        ]
        summary.yields_in_span = any(spans for _, spans in fn.yields)
        summary.yield_withs = sorted({self.callee(entered.func, fn) for entered in fn.yield_withs})
        summary.return_calls = [self.callee(v.func, fn) for v in fn.returns if isinstance(v, ast.Call)]
        summary.entry = self._entry(fn, node)
        summary.serves = loops_forever(node.body)
        return summary

    def _function_defaults(self, arguments: ast.arguments, fn: FunctionFacts) -> dict[str, str]:
        """The parameters whose default may be a function, with what a call to it would run
        (evaluated where the function is defined: its parent's names)."""
        positional = arguments.posonlyargs + arguments.args
        pairs = list(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults))
        pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
        scope = fn.parent or fn
        found = {}
        for parameter, default in pairs:
            if isinstance(default, (ast.Name, ast.Attribute)):
                reference = self._passed_reference(default, scope)
                if reference is not None:
                    found[parameter.arg] = reference
                elif isinstance(default, ast.Name) and default.id in BUILTIN_NAMES:
                    found[parameter.arg] = f"b:{default.id}"
        return found

    def _functions_passed(self, call: ast.Call, fn: FunctionFacts) -> dict[str, str]:
        """The arguments of ``call`` that name a function, a method or a parameter
        (``target=self._run``), as the callee references a call to them would have; positions stop
        at the first ``*args``, after which they are unknown."""
        passed = {}
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            reference = self._passed_reference(argument, fn)
            if reference is not None:
                passed[str(index)] = reference
        for keyword in call.keywords:
            if keyword.arg is not None:
                reference = self._passed_reference(keyword.value, fn)
                if reference is not None:
                    passed[keyword.arg] = reference
        return passed

    def _passed_reference(self, argument: ast.expr, fn: FunctionFacts) -> str | None:
        """What a call to ``argument`` would run, for an argument that may be a function: a function
        of this module or an imported one, a method, or a parameter handed on (``p:``). A name bound
        to a value here, or a class, is data: it is not followed (most arguments are, and following
        each one is what would cost)."""
        if isinstance(argument, ast.Attribute):
            reference = self.callee(argument, fn)
            return reference if reference.startswith(("f:", "m:")) else None
        if isinstance(argument, ast.Call):  # ``run(wrap(fn))``: what ``wrap`` returns
            if self._facts.imports.qualname(argument.func) == "functools.partial" and argument.args:
                return self._passed_reference(argument.args[0], fn)  # ``partial(fn, x)`` runs ``fn``
            return self._returned(argument, fn)
        if not isinstance(argument, ast.Name) or argument.id in self._facts.classes:
            return None
        local = self._values.function(argument, fn)
        if local is not None and id(local) in self.names:
            return f"f:{self._module}.{self.names[id(local)]}"
        if argument.id in self._imports or argument.id in self._facts.module.local_defs:
            return f"f:{self._absolute(argument.id)}"
        if is_parameter(argument.id, fn):
            return f"p:{argument.id}"
        assigned = self._values.assigned(argument, fn)
        if len(assigned) == 1 and isinstance(assigned[0], ast.Call):  # ``wrapped = wrap(fn)``
            return self._returned(assigned[0], fn)
        return None

    def _returned(self, call: ast.Call, fn: FunctionFacts) -> str | None:
        """``r:`` and the value of a call of a project function or method, which may be a function
        it returns (a closure, a wrapper); None for other calls."""
        ref = self.ref(call, fn)
        return f"r:{ref}" if ref is not None else None

    def _under(self, site: Site) -> str | None:
        if site.spans:
            region = site.spans[-1]
            name = region_name(region.node) or (self.names.get(id(site.function)) or "").rpartition(".")[2]
            return f"line {region.line}|{name}"
        if not site.withs:
            return None
        # Every ``with`` around the call, innermost first: a tracing helper may be any of them
        # (``with trace_call(...), MetricsCapture(...):``). The calls of one block share them.
        key = (id(site.withs), id(site.function))
        if key not in self._entered:
            entered = [self.callee(call.func, site.function) for call in reversed(site.withs)]
            helpers = [callee for callee in entered if callee.startswith(("f:", "m:"))]
            self._entered[key] = f"with:{';'.join(helpers)}" if helpers else None
        return self._entered[key]

    def _entry(self, fn: FunctionFacts, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            last = last_name(target) or ""
            receiver = target.value if isinstance(target, ast.Attribute) else None
            receiver_name = (last_name(receiver) or "").lower() if receiver is not None else ""
            if (
                call is not None
                and last in ROUTE_DECORATORS
                and call.args
                and (receiver_name in _ROUTE_RECEIVERS or receiver_name.endswith(("app", "router", "bp")))
            ):
                return f"the server span around a web route ({dotted_name(target)})"
            qualified = self._absolute(dotted_name(target) or "")
            if qualified in INSTRUMENTED_CALLBACK_DECORATORS:
                return INSTRUMENTED_CALLBACK_DECORATORS[qualified]
            if last in TASK_DECORATORS and (
                qualified.partition(".")[0] in _TASK_ROOTS or receiver_name in _TASK_RECEIVERS
            ):
                return f"the consumer span around a task or consumer ({dotted_name(target)})"
        cls = fn.cls
        if cls is not None and not node.name.startswith("_"):
            for base in cls.bases:
                if base.rpartition(".")[2].endswith(HANDLER_BASE_SUFFIXES):
                    handler = f"{cls.node.name}, a {base.rpartition('.')[2]}"
                    return f"the server span around a request handler ({handler})"
        return ""


def _literal(expr: ast.expr | None) -> str | None:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _may_cross(site: Site) -> bool:
    if site.method is not None:
        return site.method in _BOUNDARY_NAMES or site.method in _BOUNDARY_CLASSES
    return last_name(site.call.func) in _BOUNDARY_CLASSES


def _reenters_a_parameter(site: Site, params: list[str]) -> bool:
    """``use_span(span)`` or ``attach(ctx)`` (OpenTelemetry's, or a project helper of that name)
    on a parameter, or on an attribute of one (``use_span(span.otel_span)``)."""
    if (site.method or last_name(site.call.func)) not in _REENTERS or not site.call.args:
        return False
    argument = site.call.args[0]
    while isinstance(argument, ast.Attribute):
        argument = argument.value
    return isinstance(argument, ast.Name) and argument.id in params


def _enters_a_context(site: Site) -> bool:
    """``ctx.run(...)``, or ``var.set(value)`` for every variable of a captured context."""
    receiver = site.receiver
    if site.method == "run" and isinstance(receiver, ast.Name):
        name = receiver.id.lower()
        if "ctx" in name or "context" in name:
            return True
    if site.method == "set" and isinstance(receiver, ast.Name):
        for loop in site.loops:
            if (
                isinstance(loop, ast.For)
                and isinstance(loop.iter, ast.Call)
                and last_name(loop.iter.func) == "items"
                and isinstance(loop.target, ast.Tuple)
                and loop.target.elts
                and isinstance(loop.target.elts[0], ast.Name)
                and loop.target.elts[0].id == receiver.id
            ):
                return True
    return False


def span_name_of(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call) and decorator.args:
        first = decorator.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def region_name(node: ast.AST) -> str | None:
    if isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            name = span_name_of(item.context_expr)
            if name:
                return name
    return None


def _offloaded(awaited: ast.expr) -> ast.expr | None:
    """The worker of an awaited ``run_in_executor(pool, worker)`` or ``to_thread(worker)``."""
    if not isinstance(awaited, ast.Call):
        return None
    name = last_name(awaited.func)
    if name == "run_in_executor" and len(awaited.args) >= 2:
        return awaited.args[1]
    if name == "to_thread" and awaited.args:
        return awaited.args[0]
    return None


_SUPPRESSING = frozenset({"suppress_instrumentation", "suppress_http_instrumentation"})


def _suppresses_instrumentation(call: ast.Call) -> bool:
    """``suppress_instrumentation()`` (OpenTelemetry's, logfire's), or a context value set under
    a suppress key (``set_value(_SUPPRESS_INSTRUMENTATION_KEY, True)``): instrumented calls made
    while it holds make no spans."""
    if last_name(call.func) in _SUPPRESSING:
        return True
    return last_name(call.func) == "set_value" and any(
        "SUPPRESS" in (last_name(argument) or "").upper() for argument in call.args[:1]
    )
