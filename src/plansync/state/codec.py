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
    return _reader(tp)(data, where)


# Where a value sits, for error messages: the top's name, or (where its container sits, the
# field's `.name` or the item's index). Spelled out only when a value does not fit, as the
# store reads thousands of rows of many fields each in a run.
_Where: TypeAlias = str | tuple["_Where", str | int]


def _spelled(where: _Where) -> str:
    parts: list[str] = []
    while isinstance(where, tuple):
        where, part = where
        parts.append(f"[{part}]" if isinstance(part, int) else part)
    return where + "".join(reversed(parts))


# A reader of plain data as one type: worked out once per type, as the store reads thousands
# of rows of the same few types in a run.
_Reader = Callable[[object, _Where], object]
_READERS: dict[object, _Reader] = {}


def _reader(tp: object) -> _Reader:
    reader = _READERS.get(tp)
    if reader is None:
        reader = _READERS[tp] = _make_reader(tp)
    return reader


def _make_reader(tp: object) -> _Reader:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return _union_reader(get_args(tp))
    if origin is tuple:
        return _tuple_reader(get_args(tp))
    if origin is list:
        (item_type,) = get_args(tp)
        item_reader = _lazy(item_type)

        def read_list(data: object, where: _Where) -> object:
            items = _expect(list, data, where)
            return [item_reader(item, (where, i)) for i, item in enumerate(items)]

        return read_list
    if origin is dict:
        key_type, item_type = get_args(tp)
        if key_type is not str:
            raise TypeError(f"only mappings with str keys can be read, not {tp}")
        value_reader = _lazy(item_type)

        def read_dict(data: object, where: _Where) -> object:
            mapping = _expect(dict, data, where)
            return {k: value_reader(v, (where, f".{k}")) for k, v in mapping.items()}

        return read_dict
    if tp is object or tp is Any:
        return lambda data, where: data
    if tp is type(None):
        return _read_none
    if not isinstance(tp, type):
        raise TypeError(f"the type {tp!r} cannot be read")
    if dataclasses.is_dataclass(tp):
        return _dataclass_reader(tp)
    return _class_reader(tp)


def _lazy(tp: object) -> _Reader:
    """A reader of `tp`; for a dataclass, worked out when first used (a dataclass may hold
    its own type)."""
    if not (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return _reader(tp)
    resolved: list[_Reader] = []

    def read(data: object, where: _Where) -> object:
        if not resolved:
            resolved.append(_reader(tp))
        return resolved[0](data, where)

    return read


def _read_none(data: object, where: _Where) -> object:
    if data is not None:
        raise CodecError(f"{_spelled(where)}: expected null, found {data!r}")
    return None


def _class_reader(cls: type[Any]) -> _Reader:
    """The reader of a plain class (an enum, a datetime or date, bool, int, float, str)."""
    if issubclass(cls, Enum):
        enum = cls

        def read_enum(data: object, where: _Where) -> object:
            try:
                return enum(data)
            except ValueError as exc:
                raise CodecError(f"{_spelled(where)}: {data!r} is not a {enum.__name__}") from exc

        return read_enum
    if issubclass(cls, datetime):
        return lambda data, where: _from_iso(
            datetime.fromisoformat, _expect(str, data, where), where
        )
    if issubclass(cls, date):
        return lambda data, where: _from_iso(date.fromisoformat, _expect(str, data, where), where)
    if cls is bool:
        return lambda data, where: _expect(bool, data, where)
    if cls is int:
        return _read_int
    if cls is float:
        return _read_float
    if cls is str:
        return _read_str
    name = cls.__name__

    def refuse(data: object, where: _Where) -> object:
        raise TypeError(f"{_spelled(where)}: the type {name} cannot be read")

    return refuse


def _read_int(data: object, where: _Where) -> object:
    # JSON has no separate bool: refuse true / false where a number belongs.
    if type(data) is int:
        return data
    if isinstance(data, bool):
        raise CodecError(f"{_spelled(where)}: expected int, found {data!r}")
    return _expect(int, data, where)


def _read_float(data: object, where: _Where) -> object:
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise CodecError(f"{_spelled(where)}: expected float, found {data!r}")
    return float(data)


def _read_str(data: object, where: _Where) -> object:
    if type(data) is str:
        return data
    return _expect(str, data, where)


def _dataclass_reader(cls: type[Any]) -> _Reader:
    hints = _field_types(cls)
    fields = [
        (
            item.name,
            _lazy(hints[item.name]),
            item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING,
            f".{item.name}",
        )
        for item in dataclasses.fields(cls)
    ]

    def read(data: object, where: _Where) -> object:
        mapping = _expect(dict, data, where)
        values: dict[str, object] = {}
        for name, read_field, required, suffix in fields:
            if name in mapping:
                values[name] = read_field(mapping[name], (where, suffix))
            elif required:
                raise CodecError(f"{_spelled(where)}: the field {name!r} is missing")
        # Keys this code does not know (a field of a later version) are left out.
        return cls(**values)

    return read


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    # The dataclasses' modules use `from __future__ import annotations`: the strings are
    # resolved once per class, not once per row.
    hints = _FIELD_TYPES.get(cls)
    if hints is None:
        hints = _FIELD_TYPES[cls] = get_type_hints(cls)
    return hints


def _union_reader(options: tuple[object, ...]) -> _Reader:
    kinds = [option for option in options if option is not type(None)]
    if len(kinds) != 1:
        raise TypeError(f"only `X | None` unions can be read, not {options}")
    optional = type(None) in options
    read_kind = _lazy(kinds[0])

    def read(data: object, where: _Where) -> object:
        if data is None and optional:
            return None
        return read_kind(data, where)

    return read


def _tuple_reader(args: tuple[object, ...]) -> _Reader:
    if len(args) == 2 and args[1] is Ellipsis:
        read_item = _lazy(args[0])
        if read_item is _read_str:

            def read_strings(data: object, where: _Where) -> object:
                items = _expect(list, data, where)
                if all(type(item) is str for item in items):
                    return tuple(items)
                return tuple(_read_str(item, (where, i)) for i, item in enumerate(items))

            return read_strings

        def read_many(data: object, where: _Where) -> object:
            items = _expect(list, data, where)
            return tuple(read_item(item, (where, i)) for i, item in enumerate(items))

        return read_many
    readers = [_lazy(arg) for arg in args]

    def read_fixed(data: object, where: _Where) -> object:
        items = _expect(list, data, where)
        if len(items) != len(readers):
            raise CodecError(
                f"{_spelled(where)}: expected {len(readers)} items, found {len(items)}"
            )
        pairs = enumerate(zip(readers, items, strict=True))
        return tuple(read(item, (where, i)) for i, (read, item) in pairs)

    return read_fixed


def _expect(kind: type[T], data: object, where: _Where) -> T:
    if not isinstance(data, kind):
        raise CodecError(f"{_spelled(where)}: expected {kind.__name__}, found {data!r}")
    return data


def _from_iso(parse: Callable[[str], object], text: str, where: _Where) -> object:
    try:
        return parse(text)
    except ValueError as exc:
        raise CodecError(f"{_spelled(where)}: {text!r} is not an ISO-8601 value ({exc})") from exc
