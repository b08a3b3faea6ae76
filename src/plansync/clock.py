"""Time as a dependency, so pacing and retries can be tested without real sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Monotonic time for spacing, wall-clock time for rate-limit resets, and a way to wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock for tests: `sleep` advances time at once and is recorded in `sleeps`.

    Monotonic time starts at 0.0; wall time starts at `start` (default 2024-01-01 00:00 UTC) and
    moves with it. Safe to share between threads.
    """

    DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)

    def __init__(self, start: datetime | None = None) -> None:
        start = start if start is not None else self.DEFAULT_START
        if start.tzinfo is None:
            raise ValueError(
                f"FakeClock start {start.isoformat()} has no timezone; pass an aware UTC datetime "
                "such as datetime(2024, 1, 1, tzinfo=UTC)."
            )
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"FakeClock.sleep got a negative duration ({seconds} s).")
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += seconds

    def advance(self, seconds: float) -> None:
        """Let time pass without recording a sleep (time spent elsewhere)."""
        if seconds < 0:
            raise ValueError(f"FakeClock.advance got a negative duration ({seconds} s).")
        with self._lock:
            self._elapsed += seconds

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)
