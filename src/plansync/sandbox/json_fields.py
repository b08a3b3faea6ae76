"""Typed reading of the JSON objects the sandbox's control endpoints receive.

A field of the wrong type is a FieldError (a ValueError) naming the field, what was expected and
what came, which the control endpoints answer with 400; never a TypeError deep in the store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

_SHOWN = 60  # characters of a refused value quoted back in a message


class FieldError(ValueError):
    """A control request's field is missing, of the wrong type, or out of range."""


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


class JsonFields:
    """The fields of one JSON object; `where` names it in messages ("act create_issue")."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def has(self, key: str) -> bool:
        return key in self.data

    def refuse_unknown(self, known: Collection[str]) -> None:
        unknown = sorted(set(self.data) - set(known))
        if unknown:
            raise FieldError(
                f"{self.where[:1].upper()}{self.where[1:]} has unknown fields {unknown}; its "
                f"fields are {sorted(known)}."
            )

    def error(self, key: str, expected: str) -> FieldError:
        """The refusal of field `key`, which should have been `expected`."""
        if key not in self.data:
            return FieldError(f"Field '{key}' of {self.where} is required: {expected}.")
        got = _shown(self.data[key])
        return FieldError(f"Field '{key}' of {self.where} must be {expected}; got {got}.")

    # strings -----------------------------------------------------------------------------

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self.error(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        """A string, or None when the field is absent or null."""
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, "a string or null")
        return value

    def choice(self, key: str, choices: Collection[str], default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or value not in choices:
            raise self.error(key, "one of " + ", ".join(repr(c) for c in choices))
        return value

    def texts(self, key: str, *, single: bool = False) -> list[str]:
        """A list of strings ([] when absent or null); `single` also takes one string."""
        value = self.data.get(key)
        if value is None:
            return []
        if single and isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.error(key, "a list of strings" + (" or a string" if single else ""))
        return list(value)

    # numbers and flags -------------------------------------------------------------------

    def integer(self, key: str, *, minimum: int | None = None, default: int | None = None) -> int:
        """An integer (at least `minimum`); `default`, when given, stands for an absent one."""
        if default is not None and key not in self.data:
            return default
        value = self.data.get(key)
        # JSON's true and false are not numbers, although Python's bool is an int.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, _integer_wanted(minimum))
        if minimum is not None and value < minimum:
            raise self.error(key, _integer_wanted(minimum))
        return value

    def opt_integer(self, key: str, *, minimum: int | None = None) -> int | None:
        """An integer, or None when the field is absent or null."""
        if self.data.get(key) is None:
            return None
        return self.integer(key, minimum=minimum)

    def number(self, key: str, default: float, *, positive: bool = False) -> float:
        """A finite number of at least 0 (above 0 when `positive`); `default` when absent."""
        if key not in self.data:
            return default
        return self._number(key, positive=positive)

    def opt_number(self, key: str, *, positive: bool = False) -> float | None:
        """Like `number`, or None when the field is absent or null."""
        if self.data.get(key) is None:
            return None
        return self._number(key, positive=positive)

    def _number(self, key: str, *, positive: bool) -> float:
        value = self.data.get(key)
        wanted = "a number above 0" if positive else "a number >= 0"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, wanted)
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise self.error(key, wanted)
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "true or false")
        return value

    # others ------------------------------------------------------------------------------

    def day(self, key: str) -> date | None:
        """A date as "YYYY-MM-DD", or None when the field is absent or null."""
        value = self.data.get(key)
        if value is None:
            return None
        expected = 'a date such as "2025-03-14", or null'
        if not isinstance(value, str):
            raise self.error(key, expected)
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise self.error(key, expected) from exc

    def objects(self, key: str) -> list[Mapping[str, Any]]:
        """A list of JSON objects ([] when absent)."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            raise self.error(key, "a list of objects")
        return list(value)

    def opt_object(self, key: str) -> Mapping[str, Any] | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self.error(key, "an object or null")
        return value


def _integer_wanted(minimum: int | None) -> str:
    return "an integer" if minimum is None else f"an integer >= {minimum}"
