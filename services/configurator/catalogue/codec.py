"""Plain-data codec: frozen dataclasses to JSON-compatible dicts and back.

The catalogue and configurations travel as events, so every value object must survive
`json.dumps(to_plain(x))` and come back equal through `from_plain(Type, data)`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any


class PlainDataError(ValueError):
    """Plain data does not fit the value object it should describe."""


def to_plain(value: Any) -> Any:
    """Turn a value object into dicts, lists, str, int, float, bool and None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(tp: Any, data: Any, where: str = "$") -> Any:
    """Build a value of type `tp` from plain data, naming the path of the first misfit."""
    if tp is Any:
        return data
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return from_plain(option, data, where)
            except PlainDataError as error:
                errors.append(str(error))
        raise PlainDataError("; ".join(errors))
    if dataclasses.is_dataclass(tp):
        return _dataclass_from_plain(tp, data, where)
    if origin is tuple:
        if not isinstance(data, (list, tuple)):
            raise PlainDataError(f"{where}: expected a list, got {type(data).__name__}")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise PlainDataError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(
            from_plain(a, v, f"{where}[{i}]")
            for i, (a, v) in enumerate(zip(args, data, strict=True))
        )
    if origin is dict:
        if not isinstance(data, dict):
            raise PlainDataError(f"{where}: expected an object, got {type(data).__name__}")
        key_type, value_type = typing.get_args(tp)
        return {
            from_plain(key_type, k, where): from_plain(value_type, v, f"{where}.{k}")
            for k, v in data.items()
        }
    return _scalar_from_plain(tp, data, where)


def _dataclass_from_plain(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise PlainDataError(f"{where}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PlainDataError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name in data:
            values[f.name] = from_plain(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise PlainDataError(f"{where}: missing field {f.name}")
    return cls(**values)


def _scalar_from_plain(tp: Any, data: Any, where: str) -> Any:
    if tp is Decimal:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            raise PlainDataError(f"{where}: expected a decimal string, got {data!r}")
        try:
            return Decimal(data)
        except InvalidOperation as error:
            raise PlainDataError(f"{where}: {data!r} is not a decimal") from error
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise PlainDataError(f"{where}: expected a number, got {data!r}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise PlainDataError(f"{where}: expected a whole number, got {data!r}")
        return data
    if tp is bool or tp is str:
        if not isinstance(data, tp):
            raise PlainDataError(f"{where}: expected {tp.__name__}, got {data!r}")
        return data
    raise PlainDataError(f"{where}: cannot decode type {tp!r}")
