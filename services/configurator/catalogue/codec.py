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

from services.kit.words import N_, Words


@dataclasses.dataclass(frozen=True)
class Misfit:
    """Where plain data does not fit (a path from `$`) and why, in words people read."""

    where: str
    words: Words


class PlainDataError(ValueError):
    """Plain data does not fit the value object it should describe: each misfit, where and why
    (its English is the error's text)."""

    def __init__(self, misfits: list[Misfit]):
        self.misfits = misfits
        super().__init__("; ".join(f"{m.where}: {m.words.english()}" for m in misfits))


def _misfit(where: str, template: str, **args: object) -> PlainDataError:
    return PlainDataError([Misfit(where, Words.of(template, **args))])


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


EXPECTED_OBJECT = N_("expected an object, got %(got)s")


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
        errors: list[Misfit] = []
        for option in options:
            if option is type(None):
                continue
            try:
                return from_plain(option, data, where)
            except PlainDataError as error:
                errors += error.misfits
        raise PlainDataError(errors)
    if dataclasses.is_dataclass(tp):
        return _dataclass_from_plain(tp, data, where)
    if origin is tuple:
        if not isinstance(data, (list, tuple)):
            raise _misfit(where, N_("expected a list, got %(got)s"), got=type(data).__name__)
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise _misfit(where, N_("expected %(n)s items, got %(got)s"), n=len(args),
                          got=len(data))
        return tuple(
            from_plain(a, v, f"{where}[{i}]")
            for i, (a, v) in enumerate(zip(args, data, strict=True))
        )
    if origin is dict:
        if not isinstance(data, dict):
            raise _misfit(where, EXPECTED_OBJECT, got=type(data).__name__)
        key_type, value_type = typing.get_args(tp)
        return {
            from_plain(key_type, k, where): from_plain(value_type, v, f"{where}.{k}")
            for k, v in data.items()
        }
    return _scalar_from_plain(tp, data, where)


def _dataclass_from_plain(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise _misfit(where, EXPECTED_OBJECT, got=type(data).__name__)
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - known)
    if unknown:
        raise _misfit(where, N_("unknown field(s) %(fields)s"), fields=", ".join(unknown))
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name in data:
            values[f.name] = from_plain(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _misfit(where, N_("missing field %(field)s"), field=f.name)
    return cls(**values)


def _scalar_from_plain(tp: Any, data: Any, where: str) -> Any:
    if tp is Decimal:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            raise _misfit(where, N_("expected a decimal string, got %(got)s"), got=repr(data))
        try:
            return Decimal(data)
        except InvalidOperation as error:
            raise _misfit(where, N_("%(value)s is not a decimal"), value=repr(data)) from error
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise _misfit(where, N_("expected a number, got %(got)s"), got=repr(data))
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise _misfit(where, N_("expected a whole number, got %(got)s"), got=repr(data))
        return data
    if tp is bool or tp is str:
        if not isinstance(data, tp):
            raise _misfit(where, N_("expected %(type)s, got %(got)s"), type=tp.__name__,
                          got=repr(data))
        return data
    raise _misfit(where, N_("cannot decode type %(type)s"), type=repr(tp))
