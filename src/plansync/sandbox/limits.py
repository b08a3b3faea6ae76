"""Rate limits as the real services apply them.

Primary: a budget of requests per user and window (GitHub 5000 an hour, GitLab 2000 a minute
unless configured); answers carry what is left, and an empty budget refuses further requests
until the window resets. Answers 304 do not spend it, as on GitHub. Secondary (off unless
configured): more than N content-creating requests (POST) in a sliding window are refused
with Retry-After, like GitHub's secondary limit.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plansync.clock import Clock
from plansync.sandbox.json_fields import JsonFields

DEFAULT_PRIMARY = {"github": (5000, 3600.0), "gitlab": (2000, 60.0)}


@dataclass(frozen=True)
class LimitConfig:
    primary: int | None = None  # requests per window and user; None: the service's default
    primary_window: float | None = None  # seconds; None: the service's default
    secondary: int | None = None  # POSTs per secondary_window; None: no secondary limit
    secondary_window: float = 60.0
    secondary_retry_after: int = 60

    def __post_init__(self) -> None:
        if self.primary is not None and self.primary < 0:
            raise ValueError("Sandbox limit `primary` must be >= 0 (or absent).")
        if self.secondary is not None and self.secondary < 0:
            raise ValueError("Sandbox limit `secondary` must be >= 0 (or absent).")
        if (self.primary_window is not None and self.primary_window <= 0) or (
            self.secondary_window <= 0
        ):
            raise ValueError("Sandbox limit windows must be positive numbers of seconds.")

    def primary_for(self, api: str) -> tuple[int, float]:
        limit, window = DEFAULT_PRIMARY[api]
        return (
            self.primary if self.primary is not None else limit,
            self.primary_window if self.primary_window is not None else window,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "primary": self.primary,
            "primary_window": self.primary_window,
            "secondary": self.secondary,
            "secondary_window": self.secondary_window,
            "secondary_retry_after": self.secondary_retry_after,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LimitConfig:
        """Limits as the control endpoint receives them; a ValueError names a bad field."""
        fields = JsonFields(data, "the sandbox limits")
        fields.refuse_unknown(cls().to_json())
        return cls(
            primary=fields.opt_integer("primary", minimum=0),
            primary_window=fields.opt_number("primary_window", positive=True),
            secondary=fields.opt_integer("secondary", minimum=0),
            secondary_window=fields.number("secondary_window", 60.0, positive=True),
            secondary_retry_after=fields.integer("secondary_retry_after", minimum=0, default=60),
        )


@dataclass(frozen=True)
class Budget:
    """What the rate-limit headers report."""

    limit: int
    remaining: int
    used: int
    reset_epoch: int  # wall-clock seconds when the window renews

    def seconds_to_reset(self, now_epoch: float) -> int:
        return max(1, math.ceil(self.reset_epoch - now_epoch))


@dataclass
class _Window:
    started: float  # wall-clock epoch seconds
    used: int = 0


@dataclass
class RateLimits:
    """Budgets per (api, user) and the recent creates. Guarded by the store's lock."""

    clock: Clock
    config: LimitConfig = field(default_factory=LimitConfig)
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _creates: deque[float] = field(default_factory=deque)

    def configure(self, config: LimitConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self._windows.clear()
        self._creates.clear()

    def budget(self, api: str, user: str) -> Budget:
        limit, length = self.config.primary_for(api)
        window = self._window(api, user, length)
        return Budget(
            limit=limit,
            remaining=max(0, limit - window.used),
            used=window.used,
            reset_epoch=math.ceil(window.started + length),
        )

    def spend(self, api: str, user: str) -> None:
        _, length = self.config.primary_for(api)
        self._window(api, user, length).used += 1

    def secondary_retry_after(self, method: str) -> int | None:
        """Seconds to wait when this request would break the secondary limit, else None."""
        if self.config.secondary is None or method != "POST":
            return None
        now = self.clock.monotonic()
        horizon = now - self.config.secondary_window
        while self._creates and self._creates[0] <= horizon:
            self._creates.popleft()
        if len(self._creates) >= self.config.secondary:
            return self.config.secondary_retry_after
        return None

    def record_create(self, method: str) -> None:
        if self.config.secondary is not None and method == "POST":
            self._creates.append(self.clock.monotonic())

    def _window(self, api: str, user: str, length: float) -> _Window:
        now = self.clock.now().timestamp()
        window = self._windows.get((api, user))
        if window is None or now >= window.started + length:
            window = _Window(started=now)
            self._windows[(api, user)] = window
        return window

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "budgets": {
                f"{api}:{user}": self.budget(api, user).__dict__ for api, user in self._windows
            },
            "recent_creates": len(self._creates),
        }
