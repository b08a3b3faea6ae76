"""JSON for the frozen dataclasses the state store keeps, and back.

The encoding follows each dataclass's fields, so a field added later is stored without a
schema change, and a row written before that field existed reads back with its default.
Datetimes and dates are ISO-8601 strings, enums their values, tuples JSON arrays.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeAlias, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


class CodecError(ValueError):
    """A stored value does not fit the type it is read as; the message names the field."""


def to_plain(value: object) -> JsonValue:
    """`value` as plain JSON data: dataclasses become objects, tuples arrays, enums their
    values, datetimes and dates ISO-8601 strings."""
    if isinstance(value, Enum):
        return to_plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):  # datetime is a date: both use isoformat
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_plain(item) for item in items]
    if isinstance(value, Mapping):
        return {_plain_key(key): to_plain(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def _plain_key(key: object) -> str:
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, str):
        return key
    raise TypeError(f"cannot store a mapping key of type {type(key).__name__} as JSON: {key!r}")


def dumps(value: object) -> str:
    """`value` as compact JSON text (see `to_plain`)."""
    return json.dumps(to_plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def loads(cls: type[T], text: str) -> T:
    """Read JSON text written by `dumps` back as a `cls`; CodecError when it does not fit."""
    return loads_plain(cls, _parse(text, cls.__name__), cls.__name__)


def loads_list(cls: type[T], text: str) -> list[T]:
    """Read a JSON array written by `dumps` back as a list of `cls`."""
    where = f"list of {cls.__name__}"
    items = _expect(list, _parse(text, where), where)
    return [loads_plain(cls, item, f"{where}[{i}]") for i, item in enumerate(items)]


def loads_object(text: str) -> dict[str, object]:
    """Read a JSON object back as a dict of plain JSON values."""
    data = _expect(dict, _parse(text, "object"), "object")
    return {str(key): value for key, value in data.items()}


def loads_plain(cls: type[T], data: object, where: str) -> T:
    """Plain JSON data read as a `cls`."""
    value = from_plain(cls, data, where)
    if not isinstance(value, cls):
        raise CodecError(f"{where}: read a {type(value).__name__} instead of a {cls.__name__}")
    return value


def _parse(text: str, where: str) -> object:
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodecError(f"{where}: not JSON ({exc})") from exc
    return data


def from_plain(tp: object, data: object, where: str) -> object:
    """Plain JSON data read as the type `tp`. `where` names the value in error messages."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return _from_union(get_args(tp), data, where)
    if origin is tuple:
        return _from_tuple(get_args(tp), data, where)
    if origin is list:
        (item_type,) = get_args(tp)
        items = _expect(list, data, where)
        return [from_plain(item_type, item, f"{where}[{i}]") for i, item in enumerate(items)]
    if origin is dict:
        key_type, item_type = get_args(tp)
        if key_type is not str:
            raise TypeError(f"{where}: only mappings with str keys can be read, not {tp}")
        mapping = _expect(dict, data, where)
        return {k: from_plain(item_type, v, f"{where}.{k}") for k, v in mapping.items()}
    if tp is object or tp is Any:
        return data
    if tp is type(None):
        if data is not None:
            raise CodecError(f"{where}: expected null, found {data!r}")
        return None
    if not isinstance(tp, type):
        raise TypeError(f"{where}: the type {tp!r} cannot be read")
    return _from_class(tp, data, where)


def _from_class(cls: type[Any], data: object, where: str) -> object:
    if issubclass(cls, Enum):
        try:
            return cls(data)
        except ValueError as exc:
            raise CodecError(f"{where}: {data!r} is not a {cls.__name__}") from exc
    if issubclass(cls, datetime):
        return _from_iso(datetime.fromisoformat, _expect(str, data, where), where)
    if issubclass(cls, date):
        return _from_iso(date.fromisoformat, _expect(str, data, where), where)
    if cls is bool:
        return _expect(bool, data, where)
    if cls is int:
        # JSON has no separate bool: refuse true / false where a number belongs.
        if isinstance(data, bool):
            raise CodecError(f"{where}: expected int, found {data!r}")
        return _expect(int, data, where)
    if cls is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise CodecError(f"{where}: expected float, found {data!r}")
        return float(data)
    if cls is str:
        return _expect(str, data, where)
    if dataclasses.is_dataclass(cls):
        return _from_dataclass(cls, _expect(dict, data, where), where)
    raise TypeError(f"{where}: the type {cls.__name__} cannot be read")


def _from_dataclass(cls: type[Any], data: dict[str, object], where: str) -> object:
    hints = _field_types(cls)
    values: dict[str, object] = {}
    for item in dataclasses.fields(cls):
        if item.name in data:
            values[item.name] = from_plain(
                hints[item.name], data[item.name], f"{where}.{item.name}"
            )
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            raise CodecError(f"{where}: the field {item.name!r} is missing")
    # Keys this code does not know (a field of a later version) are left out.
    return cls(**values)


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    # The dataclasses' modules use `from __future__ import annotations`: the strings are
    # resolved once per class, not once per row.
    hints = _FIELD_TYPES.get(cls)
    if hints is None:
        hints = _FIELD_TYPES[cls] = get_type_hints(cls)
    return hints


def _from_union(options: tuple[object, ...], data: object, where: str) -> object:
    if data is None and type(None) in options:
        return None
    kinds = [option for option in options if option is not type(None)]
    if len(kinds) != 1:
        raise TypeError(f"{where}: only `X | None` unions can be read, not {options}")
    return from_plain(kinds[0], data, where)


def _from_tuple(args: tuple[object, ...], data: object, where: str) -> tuple[object, ...]:
    items = _expect(list, data, where)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(from_plain(args[0], item, f"{where}[{i}]") for i, item in enumerate(items))
    if len(items) != len(args):
        raise CodecError(f"{where}: expected {len(args)} items, found {len(items)}")
    pairs = enumerate(zip(args, items, strict=True))
    return tuple(from_plain(arg, item, f"{where}[{i}]") for i, (arg, item) in pairs)


def _expect(kind: type[T], data: object, where: str) -> T:
    if not isinstance(data, kind):
        raise CodecError(f"{where}: expected {kind.__name__}, found {data!r}")
    return data


def _from_iso(parse: Callable[[str], object], text: str, where: str) -> object:
    try:
        return parse(text)
    except ValueError as exc:
        raise CodecError(f"{where}: {text!r} is not an ISO-8601 value ({exc})") from exc
