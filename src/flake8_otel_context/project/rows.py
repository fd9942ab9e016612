"""Module summaries as rows, the form the on-disk cache keeps them in: each dataclass a JSON list of
its fields in declaration order, nested the same way.

Rows rather than ``asdict``'s dictionaries because a warm run reads every summary of the project: a
row repeats no field names (the cache is a third of the size) and is rebuilt by one constructor
call per object (``Call(*row)``), with no per-field work for the fields that hold plain data. The
encoders and decoders are derived from the dataclasses' own field types, so a field added to a
summary needs no change here; the tool's digest, part of every cache key, retires rows of an older
shape.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from operator import attrgetter
from typing import Any

from flake8_otel_context.project.summary import ModuleSummary

Convert = Callable[[Any], Any]


def to_row(summary: ModuleSummary) -> list[Any]:
    return typing.cast("list[Any]", _encoder(ModuleSummary)(summary))


def from_row(row: list[Any]) -> ModuleSummary:
    """The summary a row holds; a row of another shape raises ``TypeError``, ``ValueError``,
    ``KeyError`` or ``IndexError`` (the cache then summarises the module again)."""
    if not isinstance(row, list):
        raise TypeError("a summary row is a list")
    return typing.cast(ModuleSummary, _decoder(ModuleSummary)(row))


def _nested(cls: type) -> list[tuple[int, Convert | None, Convert | None]]:
    """(position, encoder, decoder) of each field of ``cls`` that holds dataclasses."""
    hints = typing.get_type_hints(cls)
    found = []
    for position, field in enumerate(dataclasses.fields(cls)):
        encode, decode = _converters(hints[field.name])
        if encode is not None or decode is not None:
            found.append((position, encode, decode))
    return found


def _converters(hint: Any) -> tuple[Convert | None, Convert | None]:
    """How a value of type ``hint`` is stored and read back; (None, None) for plain data."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _encoder(hint), _decoder(hint)
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        encode, decode = _converters(arguments[0])
        if encode is None or decode is None:
            return None, None
        return (lambda items: [encode(i) for i in items]), (lambda items: [decode(i) for i in items])
    if origin is dict:
        encode, decode = _converters(arguments[1])
        if encode is None or decode is None:
            return None, None
        return (
            (lambda items: {k: encode(v) for k, v in items.items()}),
            (lambda items: {k: decode(v) for k, v in _mapping(items).items()}),
        )
    if origin in (typing.Union, types.UnionType) and any(
        _converters(argument) != (None, None) for argument in arguments
    ):
        raise TypeError(f"no row form for {hint}: a union holding a dataclass")
    return None, None


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("a mapping in a summary row is a JSON object")
    return value


@cache
def _encoder(cls: type) -> Convert:
    fields = attrgetter(*(field.name for field in dataclasses.fields(cls)))
    nested = [(position, encode) for position, encode, _ in _nested(cls) if encode is not None]
    if len(dataclasses.fields(cls)) == 1:
        return lambda value: [fields(value)]
    if not nested:
        return fields  # a tuple: stored as a JSON list

    def encode(value: Any) -> list[Any]:
        row = list(fields(value))
        for position, convert in nested:
            row[position] = convert(row[position])
        return row

    return encode


@cache
def _decoder(cls: type) -> Convert:
    nested = [(position, decode) for position, _, decode in _nested(cls) if decode is not None]
    size = len(dataclasses.fields(cls))

    def decode(row: Any) -> Any:
        if not isinstance(row, list) or len(row) != size:
            raise ValueError(f"a {cls.__name__} row has {size} fields")
        if not nested:
            return cls(*row)
        values = row.copy()  # the row itself stays as read: the cache may write it back
        for position, convert in nested:
            values[position] = convert(values[position])
        return cls(*values)

    return decode
