"""Where, in the project's own code, a crossing or an attach was made: read from the call stack.

A boundary is reached through the standard library (``Executor.map`` calls ``submit``,
``run_in_executor`` calls ``submit``) and an attach through OpenTelemetry's API, so the place to
report is the first frame outside that machinery. It is reported only when that frame is the
project's: a thread pool that a third-party library drives is that library's business.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

_HERE = os.path.dirname(os.path.abspath(__file__))
_STDLIB = tuple(
    os.path.realpath(sysconfig.get_paths()[key]) + os.sep for key in ("stdlib", "platstdlib")
)
_INSTALLED = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


@dataclass(frozen=True)
class Site:
    """A call in the project's code: its file and the stdlib ``ast`` position of the call."""

    path: str  # absolute
    line: int  # 1-based
    col: int  # 0-based
    end_line: int
    end_col: int
    name: str  # the called name as written (``submit``, ``Thread``, ``attach``), "" when unknown
    is_statement: bool = False  # the call is a whole expression statement: its result is dropped


@dataclass(frozen=True)
class Caller:
    """The first frame outside the machinery: its function name tells which boundary it went through."""

    frame: FrameType
    through: frozenset[str]  # names of the machinery functions passed on the way out


class Project:
    """Which files are the project's: those under the root that are not installed packages."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root) + os.sep

    def owns(self, filename: str) -> bool:
        return _owns(self.root, filename)

    def caller(self, frame: FrameType | None, machinery: tuple[str, ...] = ()) -> Caller | None:
        """Walk out of the standard library, this package and the modules named by ``machinery``
        (path fragments such as ``opentelemetry/context/``); the first other frame is the caller."""
        through: set[str] = set()
        while frame is not None:
            filename = frame.f_code.co_filename
            if not _is_machinery(filename, machinery):
                return Caller(frame, frozenset(through))
            through.add(frame.f_code.co_name)
            frame = frame.f_back
        return None

    def site(self, frame: FrameType, names: frozenset[str] = frozenset()) -> Site | None:
        """The call ``frame`` is making, when ``frame`` runs the project's code. ``names``: the
        callee names to look for on that line (any call when empty or none of them is there)."""
        filename = frame.f_code.co_filename
        if not self.owns(filename):
            return None
        return call_at(os.path.realpath(filename), frame.f_lineno or 0, names)


@functools.lru_cache(maxsize=4096)
def _owns(root: str, filename: str) -> bool:
    if filename.startswith("<"):
        return False
    real = os.path.realpath(filename)
    return real.startswith(root) and not any(part in real for part in _INSTALLED)


@functools.lru_cache(maxsize=4096)
def _is_machinery(filename: str, machinery: tuple[str, ...]) -> bool:
    if filename.startswith("<frozen "):
        return True
    real = os.path.realpath(filename)
    if real.startswith(_HERE + os.sep):
        return True
    if any(fragment in real.replace(os.sep, "/") for fragment in machinery):
        return True
    return real.startswith(_STDLIB) and not any(part in real for part in _INSTALLED)


def call_at(path: str, line: int, names: frozenset[str]) -> Site:
    """The innermost call that spans ``line``, preferring one whose callee is in ``names``; the
    line alone (column 0) when the file cannot be read or holds no call there."""
    calls = _calls_by_line(path).get(line, [])
    named = [call for call in calls if call.name in names]
    chosen = named or calls
    if not chosen:
        return Site(path, line, 0, line, 0, "")
    return min(chosen, key=lambda call: (call.end_line - call.line, call.end_col - call.col))


@functools.lru_cache(maxsize=512)
def _calls_by_line(path: str) -> dict[int, list[Site]]:
    try:
        tree = ast.parse(Path(path).read_bytes(), filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    statements = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    calls: dict[int, list[Site]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        end_line = node.end_lineno or node.lineno
        site = Site(
            path,
            node.lineno,
            node.col_offset,
            end_line,
            node.end_col_offset or node.col_offset,
            name,
            id(node) in statements,
        )
        for covered in range(node.lineno, end_line + 1):
            calls.setdefault(covered, []).append(site)
    return calls


def current_frame() -> FrameType:
    """The caller's caller: the frame of whoever called the function that asks."""
    return sys._getframe(2)
