"""Fault injection: which API request fails, and how.

A rule counts the API requests it applies to (its methods, API and path filter); it fires on
its `nth` one, or on every `every`-th one. `when="before"` fails the request before anything
happens; `when="after"` applies a write first and then fails the answer, the unclear failure
a client must not blindly retry. Control endpoints are never counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from plansync.sandbox.json_fields import JsonFields


class FaultKind(StrEnum):
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    TOO_MANY_REQUESTS = "429"
    DROP = "drop"  # close the connection without an answer
    TIMEOUT = "timeout"  # hold the answer for `seconds`


class FaultTiming(StrEnum):
    BEFORE = "before"
    AFTER = "after"


APIS = ("github", "gitlab")
FAULT_FIELDS = (
    "kind",
    "nth",
    "every",
    "methods",
    "when",
    "seconds",
    "retry_after",
    "api",
    "path_contains",
)


@dataclass(frozen=True)
class FaultRule:
    kind: FaultKind
    nth: int | None = None
    every: int | None = None
    methods: frozenset[str] = frozenset()  # upper-case HTTP methods; empty means all
    when: FaultTiming = FaultTiming.BEFORE
    seconds: float = 2.0
    retry_after: int = 1
    api: str | None = None
    path_contains: str | None = None

    def __post_init__(self) -> None:
        if (self.nth is None) == (self.every is None):
            raise ValueError(
                f"Sandbox fault {self.kind.value!r} needs exactly one of `nth` (fail the Nth "
                "matching request) or `every` (fail every Nth one)."
            )
        count = self.nth if self.nth is not None else self.every
        if count is None or count < 1:
            raise ValueError(f"Sandbox fault {self.kind.value!r}: nth / every must be >= 1.")
        if self.api is not None and self.api not in APIS:
            raise ValueError(
                f"Sandbox fault api must be one of {APIS} or absent, not {self.api!r}."
            )
        if self.seconds < 0 or self.retry_after < 0:
            raise ValueError("Sandbox fault `seconds` and `retry_after` must not be negative.")

    def applies_to(self, api: str, method: str, path: str) -> bool:
        if self.api is not None and self.api != api:
            return False
        if self.methods and method.upper() not in self.methods:
            return False
        return self.path_contains is None or self.path_contains in path

    def fires_at(self, count: int) -> bool:
        if self.nth is not None:
            return count == self.nth
        return self.every is not None and count % self.every == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "nth": self.nth,
            "every": self.every,
            "methods": sorted(self.methods),
            "when": self.when.value,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "api": self.api,
            "path_contains": self.path_contains,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """A rule as the control endpoint receives it; a ValueError names a bad field."""
        fields = JsonFields(data, "a sandbox fault")
        fields.refuse_unknown(FAULT_FIELDS)
        kind = FaultKind(fields.choice("kind", [k.value for k in FaultKind], ""))
        methods = fields.texts("methods", single=True)
        return cls(
            kind=kind,
            nth=fields.opt_integer("nth"),
            every=fields.opt_integer("every"),
            methods=frozenset(m.upper() for m in methods),
            when=FaultTiming(fields.choice("when", [t.value for t in FaultTiming], "before")),
            seconds=fields.number("seconds", 2.0),
            retry_after=fields.integer("retry_after", minimum=0, default=1),
            api=fields.opt_text("api"),
            path_contains=fields.opt_text("path_contains"),
        )


@dataclass
class _Armed:
    rule: FaultRule
    seen: int = 0
    fired: int = 0


@dataclass
class FaultPlan:
    """The faults in force. Not locked itself: the store's lock guards it."""

    _rules: list[_Armed] = field(default_factory=list)

    def add(self, rule: FaultRule) -> FaultRule:
        self._rules.append(_Armed(rule))
        return rule

    def fail(
        self,
        kind: FaultKind | str,
        *,
        nth: int | None = None,
        every: int | None = None,
        methods: Iterable[str] = (),
        when: FaultTiming | str = FaultTiming.BEFORE,
        seconds: float = 2.0,
        retry_after: int = 1,
        api: str | None = None,
        path_contains: str | None = None,
    ) -> FaultRule:
        """Add a rule; e.g. `fail("500", nth=1, methods=["POST"], when="after")`."""
        return self.add(
            FaultRule(
                kind=FaultKind(kind),
                nth=nth,
                every=every,
                methods=frozenset(m.upper() for m in methods),
                when=FaultTiming(when),
                seconds=seconds,
                retry_after=retry_after,
                api=api,
                path_contains=path_contains,
            )
        )

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, api: str, method: str, path: str) -> FaultRule | None:
        """Count this request against every rule it matches; return the first that fires."""
        chosen: FaultRule | None = None
        for armed in self._rules:
            if not armed.rule.applies_to(api, method, path):
                continue
            armed.seen += 1
            if chosen is None and armed.rule.fires_at(armed.seen):
                armed.fired += 1
                chosen = armed.rule
        return chosen

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        return tuple(a.rule for a in self._rules)

    def to_json(self) -> list[dict[str, Any]]:
        return [{**a.rule.to_json(), "seen": a.seen, "fired": a.fired} for a in self._rules]
