"""What the analysis reports: a rule code at an exact place, independent of any front end."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place.

    Positions are the stdlib ``ast`` ones (1-based lines, 0-based UTF-8 byte columns), which is what
    flake8 expects from a plugin and what the fixer maps back onto its concrete syntax tree.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str

    @classmethod
    def at(cls, node: ast.expr | ast.stmt, code: str, message: str) -> Finding:
        return cls(
            node.lineno,
            node.col_offset,
            node.end_lineno or node.lineno,
            node.end_col_offset if node.end_col_offset is not None else node.col_offset,
            code,
            message,
        )
