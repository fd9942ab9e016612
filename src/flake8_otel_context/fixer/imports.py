"""Spell the functions a rewrite needs the way the file already does, and add what is missing.

A rewrite asks for ``opentelemetry.context.attach``; this module answers ``otel_context.attach``,
``context.attach`` or ``attach`` depending on the file's own imports, and only when none fits adds one
import, once, where an isort-clean file keeps it (its section, sorted, plain imports before ``from``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from flake8_otel_context.fixer.statements import docstring_count, split_blank_lines, with_lines_above

# How a module is imported when the file has no import of it yet: (statement, local name).
_NEW_IMPORTS = {
    "opentelemetry.context": ("from opentelemetry import context as {}", "otel_context"),
    "opentelemetry.trace": ("from opentelemetry import trace as {}", "trace"),
    "contextvars": ("import contextvars as {}", "contextvars"),
    "functools": ("import functools as {}", "functools"),
    "itertools": ("import itertools as {}", "itertools"),
}


@dataclass
class _FromImport:
    module: str
    added: list[str] = field(default_factory=list)


class Imports:
    """The file's top-level imports, and the imports one round of rewrites adds to them."""

    def __init__(self, module: cst.Module, identifiers: Callable[[], set[str]]) -> None:
        # Every name the file uses, so a new one cannot shadow it: a visit of the whole module, made
        # only when a name is added (most rounds spell what the file already imports).
        self._every_name = identifiers
        self._used: set[str] | None = None
        self._names: dict[str, str] = {}  # local name -> qualified name
        self._submodules: set[str] = set()  # ``import a.b`` makes ``a.b.x`` usable
        self._from_imports: dict[str, _FromImport] = {}
        self._new: dict[str, str] = {}  # module -> local name of an import this round adds
        for statement in module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._record(small)

    @property
    def _identifiers(self) -> set[str]:
        if self._used is None:
            self._used = self._every_name()
        return self._used

    @property
    def has_opentelemetry(self) -> bool:
        """The file already imports OpenTelemetry at its top level: a rewrite may use it without
        giving the module a dependency it did not have."""
        return any(name.partition(".")[0] == "opentelemetry" for name in self._names.values())

    def _record(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                name = _dotted(alias.name)
                if alias.asname is not None:
                    self._names[_dotted(alias.asname.name)] = name
                else:
                    self._names[name.partition(".")[0]] = name.partition(".")[0]
                    self._submodules.add(name)
        elif isinstance(small, cst.ImportFrom) and small.relative == () and small.module is not None:
            module = _dotted(small.module)
            if isinstance(small.names, cst.ImportStar):
                return
            for alias in small.names:
                local = alias.asname.name if alias.asname is not None else alias.name
                self._names[_dotted(local)] = f"{module}.{_dotted(alias.name)}"
            self._from_imports.setdefault(module, _FromImport(module))

    def local_names(self) -> frozenset[str]:
        """The names ``expr`` may spell a module or function with: only a local variable of one of
        them can hide an import."""
        return frozenset(self._names) | {module.partition(".")[0] for module in self._submodules}

    def expr(self, qualname: str, shadowed: frozenset[str] = frozenset()) -> cst.BaseExpression:
        """An expression for ``qualname`` (``module.function``) where the names in ``shadowed`` are
        bound locally (a parameter called ``context`` hides ``from opentelemetry import context``)."""
        module, _, name = qualname.rpartition(".")
        for local, target in self._names.items():
            if target == qualname and local not in shadowed:
                return cst.Name(local)
        for local, target in self._names.items():
            if target == module and local not in shadowed:
                return cst.Attribute(cst.Name(local), cst.Name(name))
        if module in self._submodules and module.partition(".")[0] not in shadowed:
            return cst.parse_expression(qualname)
        existing = self._from_imports.get(module)
        if existing is not None and (name in existing.added or name not in self._identifiers):
            if name not in existing.added:
                existing.added.append(name)
            self._identifiers.add(name)
            return cst.Name(name)
        local = self._new.get(module) or self._new_name(module)
        return cst.Attribute(cst.Name(local), cst.Name(name))

    def _new_name(self, module: str) -> str:
        preferred = _NEW_IMPORTS[module][1]
        local = preferred
        while local in self._identifiers:
            local = f"_{local}"
        self._new[module] = local
        self._names[local] = module
        self._identifiers.add(local)
        return local

    def apply(self, module: cst.Module, needed: set[str]) -> cst.Module:
        """``module`` with the imports that the ``needed`` names lack: names joined to existing
        ``from`` imports, new import statements placed in their isort section."""
        body: list[cst.BaseStatement] = list(module.body)
        for pending in self._from_imports.values():
            added = [name for name in pending.added if f"{pending.module}.{name}" in needed]
            if added:
                index = next(i for i, s in enumerate(body) if _imports_from(s, pending.module))
                body[index] = _with_names(_as_line(body[index]), pending.module, added)
        modules = {qualname.rpartition(".")[0] for qualname in needed}
        for imported, local in self._new.items():
            if imported not in modules:
                continue
            statement = cst.parse_statement(_drop_self_alias(_NEW_IMPORTS[imported][0].format(local)))
            assert isinstance(statement, cst.SimpleStatementLine)
            _insert_sorted(body, statement)
        return module.with_changes(body=body)


def _drop_self_alias(text: str) -> str:
    """``import contextvars as contextvars`` -> ``import contextvars``."""
    head, _, alias = text.rpartition(" as ")
    return head if head.rpartition(" ")[2].rpartition(".")[2] == alias else text


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(type(node).__name__)


def _imports_from(statement: cst.BaseStatement, module: str) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(s, cst.ImportFrom) and s.module is not None and _dotted(s.module) == module
        for s in statement.body
    )


def _with_names(line: cst.SimpleStatementLine, module: str, added: list[str]) -> cst.SimpleStatementLine:
    statement = next(
        s
        for s in line.body
        if isinstance(s, cst.ImportFrom) and s.module is not None and _dotted(s.module) == module
    )
    assert not isinstance(statement.names, cst.ImportStar)
    aliases = list(statement.names)
    separator = next(
        (a.comma for a in aliases if isinstance(a.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    for name in added:
        new = cst.ImportAlias(name=cst.Name(name))
        keys = [_name_key(_dotted(a.name)) for a in aliases]
        index = next((i for i, key in enumerate(keys) if key > _name_key(name)), len(aliases))
        if index == len(aliases):
            last = aliases[-1]
            aliases[-1] = last.with_changes(comma=separator)
            new = new.with_changes(comma=last.comma)
        else:
            new = new.with_changes(comma=separator)
        aliases.insert(index, new)
    replaced = statement.with_changes(names=aliases)
    return line.with_changes(body=[replaced if s is statement else s for s in line.body])


def _sort_key(statement: cst.SimpleStatementLine) -> tuple[int, int, str, tuple[int, str]]:
    """isort's default order: section (future, stdlib, others), plain imports before ``from``
    imports, then module, then the first name imported."""
    small = statement.body[0]
    first = ""
    if isinstance(small, cst.Import):
        module, is_from = _dotted(small.names[0].name), 0
    else:
        assert isinstance(small, cst.ImportFrom)
        module = "." * len(small.relative) + (_dotted(small.module) if small.module else "")
        is_from = 1
        if not isinstance(small.names, cst.ImportStar):
            first = _dotted(small.names[0].name)
    return _section(module), is_from, module.lower(), _name_key(first)


def _section(module: str) -> int:
    """__future__, the standard library, everything else, then relative (local folder) imports."""
    top = module.partition(".")[0]
    if module.startswith("."):
        return 3
    return 0 if top == "__future__" else 1 if top in sys.stdlib_module_names else 2


def _name_key(name: str) -> tuple[int, str]:
    """isort's ``order_by_type``: CONSTANTS, then Classes, then functions and modules."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom)
    )


def _insert_sorted(body: list[cst.BaseStatement], new: cst.SimpleStatementLine) -> None:
    """Insert ``new`` among the leading block of imports, as isort would have placed it."""
    imports = [i for i, s in enumerate(body) if _is_import(s)]
    key = _sort_key(new)
    if not imports:
        index = docstring_count(body)
        if index < len(body):
            above, code = split_blank_lines(body[index])
            wanted = 2 if isinstance(code, (cst.FunctionDef, cst.ClassDef)) else 1
            body[index] = with_lines_above(code, [cst.EmptyLine()] * max(wanted, len(above)))
        body.insert(index, new.with_changes(leading_lines=[cst.EmptyLine()] if index else []))
        return
    same = [i for i in imports if _sort_key(_as_line(body[i]))[0] == key[0]]
    later = next((i for i in same if _sort_key(_as_line(body[i])) > key), None)
    if later is not None:
        _insert_before(body, later, new, new_section=False)
    elif same:
        body.insert(same[-1] + 1, new)
    else:
        following = next((i for i in imports if _sort_key(_as_line(body[i]))[0] > key[0]), None)
        if following is not None:
            _insert_before(body, following, new, new_section=True)
        else:
            body.insert(imports[-1] + 1, new.with_changes(leading_lines=[cst.EmptyLine()]))


def _as_line(statement: cst.BaseStatement) -> cst.SimpleStatementLine:
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement


def _insert_before(
    body: list[cst.BaseStatement], index: int, new: cst.SimpleStatementLine, new_section: bool
) -> None:
    """The new import takes the blank lines above its successor; comments stay with the successor."""
    above, successor = split_blank_lines(body[index])
    body[index] = with_lines_above(successor, [cst.EmptyLine()]) if new_section else successor
    body.insert(index, new.with_changes(leading_lines=above))
