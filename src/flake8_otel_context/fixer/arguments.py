"""Insert arguments into a call, or elements into a tuple, in the layout the call already has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

_Item = TypeVar("_Item", cst.Arg, cst.BaseElement)
_SPACE = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def insert(
    items: Sequence[_Item],
    index: int,
    new: _Item,
    opening: cst.BaseParenthesizableWhitespace | None = None,
) -> list[_Item]:
    """``items`` with ``new`` at ``index``, laid out like them: the separator is copied from the items
    already there (or, for one item, from the whitespace after the opening bracket, ``opening``), so
    a call written one argument per line gets its new argument on a line of its own."""
    result = list(items)
    separator = next((i.comma for i in result[:-1] if isinstance(i.comma, cst.Comma)), None)
    if separator is None:
        separator = _SPACE
        if isinstance(opening, cst.ParenthesizedWhitespace):  # one item per line
            separator = cst.Comma(whitespace_after=opening)
    if index < len(result):
        new = new.with_changes(comma=separator)
    else:
        last = result[-1]
        new = new.with_changes(comma=last.comma)
        if isinstance(last, cst.Arg) and isinstance(new, cst.Arg):
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
            last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        result[-1] = last.with_changes(comma=separator)
    result.insert(index, new)
    return result


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def one_tuple(value: cst.BaseExpression) -> cst.Tuple:
    return cst.Tuple(elements=[cst.Element(value, comma=cst.Comma())])


def prepend_to_sequence(sequence: cst.BaseExpression, value: cst.BaseExpression) -> cst.BaseExpression:
    """``(a, b)`` -> ``(value, a, b)``; ``None`` -> ``(value,)``; any other ``x`` -> ``(value, *x)``."""
    if isinstance(sequence, (cst.Tuple, cst.List)) and sequence.elements:
        elements = insert(sequence.elements, 0, cst.Element(value))
        if len(elements) == 2 and isinstance(sequence, cst.Tuple) and _is_plain_comma(elements[-1].comma):
            elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # (x,) -> (v, x)
        return sequence.with_changes(elements=elements)
    if isinstance(sequence, (cst.Tuple, cst.List)) or (
        isinstance(sequence, cst.Name) and sequence.value == "None"
    ):
        return one_tuple(value)
    return cst.Tuple(
        elements=[cst.Element(value, comma=_SPACE), cst.StarredElement(sequence)]
    )


def _is_plain_comma(comma: cst.Comma | cst.MaybeSentinel) -> bool:
    return isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.SimpleWhitespace)
