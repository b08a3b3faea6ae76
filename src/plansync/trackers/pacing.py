"""One serial, paced queue of writes per tracker host.

Trackers punish bursts of writes (GitHub's secondary rate limits, GitLab's per-user limits), so
every write waits its turn: at least `min_interval` after the previous one, and never more than
`per_minute` / `per_hour` inside any sliding minute / hour. Adapters that talk to the same host
share one pacer through `pacer_for`, so two repositories on github.com still form one queue.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from plansync.clock import Clock, SystemClock
from plansync.errors import ConfigError

MINUTE = 60.0
HOUR = 3600.0

# Floating-point sums of sleeps can land a hair short of a window's edge; a wait shorter than
# this is treated as no wait, so a pacer never issues a second, microscopic sleep.
_NEGLIGIBLE = 1e-6


@dataclass(frozen=True)
class PacingLimits:
    """How writes to one host are spaced. None means no limit for that window."""

    min_interval: float = 1.0
    per_minute: int | None = 80
    per_hour: int | None = 500
    enabled: bool = True

    # GitHub asks for at least 1 s between writes and counts content-creating requests against
    # secondary limits of 80 a minute and 500 an hour.
    GITHUB: ClassVar[PacingLimits]
    # GitLab has no spacing rule; note creation is limited per user (300 a minute by default on
    # self-managed instances), so notes stay well inside it at 60 a minute.
    GITLAB_NOTES: ClassVar[PacingLimits]
    # No pacing at all: the local sandbox and tests that do not exercise pacing.
    DISABLED: ClassVar[PacingLimits]

    def __post_init__(self) -> None:
        if self.min_interval < 0:
            raise ConfigError(
                f"Pacing min_interval is {self.min_interval} s; it must be 0 or more seconds "
                "between two writes. Fix the pacing settings of this tracker."
            )
        for name, value in (("per_minute", self.per_minute), ("per_hour", self.per_hour)):
            if value is not None and value < 1:
                raise ConfigError(
                    f"Pacing {name} is {value}; it must be at least 1, or left unset for no "
                    "limit. Fix the pacing settings of this tracker."
                )


PacingLimits.GITHUB = PacingLimits(min_interval=1.0, per_minute=80, per_hour=500)
PacingLimits.GITLAB_NOTES = PacingLimits(min_interval=0.0, per_minute=60, per_hour=None)
PacingLimits.DISABLED = PacingLimits(
    min_interval=0.0, per_minute=None, per_hour=None, enabled=False
)


class WritePacer:
    """Lets writes through one at a time, each after the wait its limits require.

    `acquire` holds a queue lock while it sleeps, so concurrent writers line up behind each
    other (a serial queue); the bookkeeping has its own short lock so `delay_needed` never
    waits for a sleeping writer.
    """

    def __init__(self, limits: PacingLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._queue = threading.Lock()
        self._state = threading.Lock()
        # Monotonic times of the writes still inside the longest window that applies.
        self._recent: deque[float] = deque()
        self._last: float | None = None

    def acquire(self) -> float:
        """Wait until a write may go, record it, and return the seconds waited."""
        if not self.limits.enabled:
            return 0.0
        waited = 0.0
        with self._queue:
            while True:
                with self._state:
                    now = self.clock.monotonic()
                    delay = self._delay_at(now)
                    if delay <= _NEGLIGIBLE:
                        self._record(now)
                        return waited
                self.clock.sleep(delay)
                waited += delay

    def delay_needed(self) -> float:
        """Seconds a write would have to wait if it asked now (0.0 when it may go at once)."""
        if not self.limits.enabled:
            return 0.0
        with self._state:
            delay = self._delay_at(self.clock.monotonic())
        return delay if delay > _NEGLIGIBLE else 0.0

    def recent_writes(self) -> tuple[float, ...]:
        """Monotonic times of the writes still inside the longest window that applies."""
        with self._state:
            return tuple(self._recent)

    def _delay_at(self, now: float) -> float:
        self._forget_before(now)
        limits = self.limits
        delay = 0.0
        if self._last is not None:
            delay = max(delay, self._last + limits.min_interval - now)
        delay = max(delay, self._window_delay(now, MINUTE, limits.per_minute))
        delay = max(delay, self._window_delay(now, HOUR, limits.per_hour))
        return delay

    def _window_delay(self, now: float, span: float, limit: int | None) -> float:
        """Wait until fewer than `limit` writes lie inside the `span` seconds before a write."""
        if limit is None:
            return 0.0
        inside = [t for t in self._recent if t > now - span]
        if len(inside) < limit:
            return 0.0
        # Once this write leaves the window, exactly limit - 1 remain inside it.
        leaving = inside[len(inside) - limit]
        return leaving + span - now

    def _record(self, now: float) -> None:
        self._last = now
        self._recent.append(now)
        self._forget_before(now)

    def _forget_before(self, now: float) -> None:
        if self.limits.per_hour is not None:
            keep = HOUR
        elif self.limits.per_minute is not None:
            keep = MINUTE
        else:
            keep = 0.0  # no window applies; only `_last` matters
        while self._recent and self._recent[0] <= now - keep:
            self._recent.popleft()


_registry: dict[tuple[str, str], WritePacer] = {}
_registry_lock = threading.Lock()
_system_clock = SystemClock()


def host_key(host: str) -> str:
    """The host part that identifies one queue: `https://API.GitHub.com/x` -> `api.github.com`.

    A port stays part of the key, so two local servers on different ports pace separately.
    """
    text = host.strip()
    if "://" in text:
        text = urlsplit(text).netloc
    text = text.rsplit("@", 1)[-1].strip("/").lower()
    if not text:
        raise ConfigError(
            f"Cannot pace writes for host {host!r}: it names no host. Set the tracker's URL to "
            "something like https://api.github.com or https://gitlab.example.org."
        )
    return text


def pacer_for(
    host: str, limits: PacingLimits, clock: Clock | None = None, *, kind: str = "writes"
) -> WritePacer:
    """The process-wide pacer of one host and kind of write, created on first use.

    `kind` separates queues with their own limits on the same host (GitLab's notes). Every
    caller sharing a queue must agree on its limits and clock; a mismatch is an error rather
    than a silent second queue.
    """
    key = (host_key(host), kind)
    wanted_clock: Clock = clock if clock is not None else _system_clock
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            pacer = WritePacer(limits, wanted_clock)
            _registry[key] = pacer
            return pacer
    if pacer.limits != limits:
        raise ConfigError(
            f"Two trackers on {key[0]} ask for different pacing of {kind} ({pacer.limits} and "
            f"{limits}); writes to one host share one queue, so give every tracker on "
            f"{key[0]} the same pacing settings."
        )
    if not _same_clock(pacer.clock, wanted_clock):
        raise ValueError(
            f"The pacer for {kind} on {key[0]} already runs on another clock ({pacer.clock!r}); "
            "call reset_pacers() before building trackers with a new clock."
        )
    return pacer


def tracker_pacer(
    host: str, limits: PacingLimits, clock: Clock | None = None, *, kind: str = "writes"
) -> WritePacer:
    """The pacer a tracker writes through: its host's shared one (see `pacer_for`), or with
    pacing off one of its own that never waits: it takes no part in the host's queue, so it
    has nothing to agree on with the trackers that do (config.write_queues says the same)."""
    if not limits.enabled:
        return WritePacer(limits, clock if clock is not None else _system_clock)
    return pacer_for(host, limits, clock, kind=kind)


def reset_pacers() -> None:
    """Forget every pacer (tests start from an empty registry)."""
    with _registry_lock:
        _registry.clear()


def _same_clock(a: Clock, b: Clock) -> bool:
    # Every SystemClock reads the same time, so any two of them are the same clock.
    if isinstance(a, SystemClock) and isinstance(b, SystemClock):
        return True
    return a is b
