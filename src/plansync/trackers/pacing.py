"""One serial, paced queue of writes per tracker host.

Trackers punish bursts of writes (GitHub's secondary rate limits, GitLab's per-user limits), so
every write waits its turn: at least `min_interval` after the previous one, and never more than
`per_minute` / `per_hour` inside any sliding minute / hour. Adapters that talk to the same host
share one pacer through `pacer_for`, so two repositories on github.com still form one queue.

A writer reserves its slot under a short lock and sleeps outside it, so a wait never holds up
anyone but the writers whose slots come later; a wait ends early when the run's stop is set
(see waits.py), and a wait longer than the tracker's `max_wait` is not waited at all: the
write raises WriteBudgetSpent, saying when it may go. With a `WriteHistory` (the state store)
the writes of the last hour survive a restart.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Protocol, runtime_checkable
from urllib.parse import urlsplit

from plansync.clock import Clock, SystemClock
from plansync.errors import ConfigError, PlansyncError, StopRequested, WriteBudgetSpent
from plansync.trackers.retry import STOP_POLL, ceil_second, duration_text
from plansync.trackers.waits import WaitRules

MINUTE = 60.0
HOUR = 3600.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

log = logging.getLogger(__name__)

# Floating-point sums of sleeps can land a hair short of a window's edge; a wait shorter than
# this is treated as no wait, so a pacer never issues a second, microscopic sleep.
_NEGLIGIBLE = 1e-6


@runtime_checkable
class WriteHistory(Protocol):
    """Where a pacer keeps the writes it let through, so a restarted process knows them (the
    state store). `queue` is `host/kind` (`api.github.com/writes`); times are aware, UTC."""

    def record_write(self, queue: str, at: datetime) -> None: ...

    def writes_since(self, queue: str, since: datetime) -> list[datetime]: ...


@dataclass(frozen=True)
class PacingLimits:
    """How writes to one host are spaced. None means no limit for that window."""

    min_interval: float = 0.75
    per_minute: int | None = 80
    per_hour: int | None = 500
    enabled: bool = True

    # GitHub counts content-creating requests against secondary limits of 80 a minute and 500
    # an hour. 0.75 s apart is 60 / 80: writes spaced evenly at the minute's full rate, so a
    # burst never exceeds 80 in any minute and the first 500 of an hour take 6 min 15 s.
    GITHUB: ClassVar[PacingLimits]
    # GitLab has no spacing rule; note creation is limited per user (300 a minute by default on
    # self-managed instances), so notes stay well inside it at 60 a minute.
    GITLAB_NOTES: ClassVar[PacingLimits]
    # No pacing at all: the local sandbox and tests that do not exercise pacing.
    DISABLED: ClassVar[PacingLimits]

    @property
    def holds_back(self) -> bool:
        """Whether these limits ever make a write wait."""
        return self.enabled and (
            self.min_interval > 0 or self.per_minute is not None or self.per_hour is not None
        )

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


PacingLimits.GITHUB = PacingLimits(min_interval=0.75, per_minute=80, per_hour=500)
PacingLimits.GITLAB_NOTES = PacingLimits(min_interval=0.0, per_minute=60, per_hour=None)
PacingLimits.DISABLED = PacingLimits(
    min_interval=0.0, per_minute=None, per_hour=None, enabled=False
)


class WritePacer:
    """Lets writes through one at a time, each at the first moment its limits allow.

    `acquire` reserves the writer's slot under a short lock (recorded at once, so the next
    writer's slot comes after it) and sleeps until then outside the lock. `queue` names the
    queue in the write history (`host/kind`).
    """

    def __init__(
        self,
        limits: PacingLimits,
        clock: Clock,
        queue: str = "writes",
        history: WriteHistory | None = None,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.queue = queue
        self._lock = threading.Lock()
        # Monotonic times of the writes let through or reserved, in order, back to the
        # longest window that applies (reserved slots may lie in the future).
        self._slots: deque[float] = deque()
        # Every write of the history this pacer counts already (its own records and the rows
        # it loaded), by epoch microseconds: a row is counted once however often it is loaded.
        self._counted: set[int] = set()
        self._history: WriteHistory | None = None
        self._history_users = 0
        # Attaching and detaching take turns (an attach reads the store, outside `_lock`).
        self._attaching = threading.Lock()
        if history is not None:
            self.attach_history(history)

    # -- writing -------------------------------------------------------------------------------

    def acquire(self, max_wait: float | None = None, rules: WaitRules | None = None) -> float:
        """Wait until a write may go, and return the seconds waited.

        A wait longer than `max_wait` (None: no maximum) is not waited unless
        `rules.wait_for_budget`: WriteBudgetSpent says when the write may go. `rules.stop`
        set ends a wait with StopRequested (the write must not be sent).
        """
        if not self.limits.enabled:
            return 0.0
        rules = rules if rules is not None else WaitRules()
        with self._lock:
            now = self.clock.monotonic()
            slot, reason = self._next_slot(now, self._slots)
            wait = slot - now
            if wait <= _NEGLIGIBLE:
                slot, wait = max(now, slot), 0.0
            elif max_wait is not None and wait > max_wait and not rules.wait_for_budget:
                raise self._spent(wait, max_wait, reason)
            elif rules.stop is not None and rules.stop.is_set():
                raise StopRequested(
                    f"A stop was asked for; a write to {self.queue} would have had to wait its "
                    "turn, so it was not sent."
                )
            self._slots.append(slot)
        if wait > 0.0:
            self._wait_until(slot, wait, rules)
        self._remember(slot)
        return wait

    def delay_needed(self) -> float:
        """Seconds a write would have to wait if it asked now (0.0 when it may go at once)."""
        if not self.limits.enabled:
            return 0.0
        with self._lock:
            now = self.clock.monotonic()
            delay = self._next_slot(now, self._slots)[0] - now
        return delay if delay > _NEGLIGIBLE else 0.0

    def eta(self, writes: int) -> float:
        """Seconds from now until the last of `writes` more writes may go, by the rules and
        the writes made and reserved so far (0.0 for none, or with pacing off)."""
        if writes <= 0 or not self.limits.enabled:
            return 0.0
        with self._lock:
            now = self.clock.monotonic()
            slots = list(self._slots)
        at = now
        for _ in range(writes):
            at = self._next_slot(at, slots)[0]
            slots.append(at)
        return max(0.0, at - now)

    def recent_writes(self) -> tuple[float, ...]:
        """Monotonic times of the writes (let through or reserved) still inside the longest
        window that applies."""
        with self._lock:
            return tuple(self._slots)

    # -- the history ---------------------------------------------------------------------------

    def attach_history(self, history: WriteHistory) -> None:
        """Keep the writes in `history` from now on, and count the ones it holds from the
        last hour that this pacer has not counted yet (a restart forgets nothing; writes of
        other processes are counted as they appear). Every run that attaches a history
        detaches it when done; the same history attached again counts one more user."""
        with self._attaching:
            with self._lock:
                if history is self._history:
                    self._history_users += 1
                    return
            wall, now = self.clock.now(), self.clock.monotonic()
            since = wall - timedelta(seconds=HOUR)
            loaded = history.writes_since(self.queue, since)
            with self._lock:
                self._counted = {key for key in self._counted if key >= _epoch_us(since)}
                fresh = [at for at in loaded if _epoch_us(at) not in self._counted]
                self._counted.update(_epoch_us(at) for at in fresh)
                merged = [*self._slots, *(now - (wall - at).total_seconds() for at in fresh)]
                self._slots = deque(sorted(merged))
                self._forget_before(now)
                self._history, self._history_users = history, 1

    def detach_history(self, history: WriteHistory) -> None:
        """One user of `history` is done (its store may close); the last one leaves the
        pacer without a history. Another history attached since stays."""
        with self._attaching, self._lock:
            if self._history is history:
                self._history_users -= 1
                if self._history_users <= 0:
                    self._history, self._history_users = None, 0

    # -- inside --------------------------------------------------------------------------------

    def _next_slot(self, now: float, slots: deque[float] | list[float]) -> tuple[float, str]:
        """The first moment from `now` a write may go after `slots`, and the rule that set it.
        Slots stay in order (a later writer never goes first), so only the windows ending at
        the new slot can overflow: the `limit`-th latest slot must have left them."""
        limits = self.limits
        at, reason = now, ""
        if slots:
            last = slots[-1] + limits.min_interval
            if last > at:
                at, reason = last, "min_interval"
        for span, limit, name in (
            (MINUTE, limits.per_minute, "per_minute"),
            (HOUR, limits.per_hour, "per_hour"),
        ):
            if limit is not None and len(slots) >= limit:
                leaves = slots[-limit] + span
                if leaves > at:
                    at, reason = leaves, name
        return at, reason

    def _wait_until(self, slot: float, wait: float, rules: WaitRules) -> None:
        try:
            if rules.on_wait is not None:
                rules.on_wait(wait, self.clock.now() + timedelta(seconds=wait))
            while (remaining := slot - self.clock.monotonic()) > _NEGLIGIBLE:
                if rules.stop is None:
                    self.clock.sleep(remaining)
                    continue
                if rules.stop.is_set():
                    raise StopRequested(
                        f"A stop was asked for while a write to {self.queue} waited its turn; "
                        "it was not sent."
                    )
                self.clock.sleep(min(remaining, STOP_POLL))
        except BaseException:
            with self._lock:
                self._slots.remove(slot)  # the later slots stay valid with one write fewer
            raise

    def _remember(self, slot: float) -> None:
        with self._lock:
            self._forget_before(self.clock.monotonic())
            history = self._history
        if history is None:
            return
        at = self.clock.now() - timedelta(seconds=self.clock.monotonic() - slot)
        with self._lock:
            self._counted.add(_epoch_us(at))
        try:
            history.record_write(self.queue, at)
        except PlansyncError as exc:
            # The write went out; only its record is missing, so this process still counts
            # it and a restart within the hour counts one write fewer.
            log.warning(
                "a write to %s could not be recorded in the state store: %s", self.queue, exc
            )

    def _spent(self, wait: float, max_wait: float, reason: str) -> WriteBudgetSpent:
        limits = self.limits
        retry_at = ceil_second(self.clock.now() + timedelta(seconds=wait))
        rule = {
            "per_hour": f"{limits.per_hour} writes an hour",
            "per_minute": f"{limits.per_minute} writes a minute",
        }.get(reason, f"{limits.min_interval:g} s between writes, behind the writes queued")
        return WriteBudgetSpent(
            f"The write budget of {self.queue} ({rule}, its pacing settings) is spent: the next "
            f"write may go at {retry_at:%Y-%m-%d %H:%M:%S} UTC, in {duration_text(wait)}, longer "
            f"than the {duration_text(max_wait)} this run may wait (max_wait). The run stopped "
            "cleanly with nothing half-done; run it again after that time (the daemon does so by "
            "itself; `plansync sync --wait` waits instead).",
            retry_at=retry_at,
        )

    def _forget_before(self, now: float) -> None:
        limits = self.limits
        if limits.per_hour is not None:
            keep = HOUR
        elif limits.per_minute is not None:
            keep = MINUTE
        else:
            keep = 0.0  # no window applies; only the last write's interval matters
        keep = max(keep, limits.min_interval)
        while self._slots and self._slots[0] <= now - keep:
            self._slots.popleft()


def _epoch_us(at: datetime) -> int:
    """The key of a write time, exact to the microsecond a state store keeps."""
    return (at - _EPOCH) // timedelta(microseconds=1)


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
            pacer = WritePacer(limits, wanted_clock, queue=f"{key[0]}/{kind}")
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


def registered_pacer(host: str, kind: str = "writes") -> WritePacer | None:
    """The process-wide pacer of `host` and `kind` if a tracker made it, else None."""
    with _registry_lock:
        return _registry.get((host_key(host), kind))


def eta_of(queues: Iterable[tuple[str, str]], writes: int) -> float | None:
    """Seconds the pacing needs for `writes` more writes through the "writes" queue among
    `queues` ((host, kind) pairs, as config.WriteQueue has them); None when no tracker paces
    it or its limits hold nothing back (the writes go as fast as the tracker answers)."""
    for host, kind in queues:
        if kind != "writes":
            continue  # the other kinds (GitLab's notes) pace only some of the writes
        pacer = registered_pacer(host, kind)
        if pacer is None or not pacer.limits.holds_back:
            return None
        return pacer.eta(writes)
    return None


def reset_pacers() -> None:
    """Forget every pacer (tests start from an empty registry)."""
    with _registry_lock:
        _registry.clear()


def _same_clock(a: Clock, b: Clock) -> bool:
    # Every SystemClock reads the same time, so any two of them are the same clock.
    if isinstance(a, SystemClock) and isinstance(b, SystemClock):
        return True
    return a is b
