"""The paced write queue: spacing, sliding windows, sharing per host, reservations without a
lock held while sleeping, stopping a wait, a spent budget, the ETA and the write history."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from plansync.clock import FakeClock, SystemClock
from plansync.errors import (
    ConfigError,
    PlansyncError,
    RateLimitedError,
    StopRequested,
    WriteBudgetSpent,
)
from plansync.trackers.pacing import (
    HOUR,
    MINUTE,
    STOP_POLL,
    PacingLimits,
    WriteHistory,
    WritePacer,
    eta_of,
    host_key,
    pacer_for,
    registered_pacer,
    reset_pacers,
)
from plansync.trackers.waits import WaitRules

ONE_SECOND = PacingLimits(min_interval=1.0, per_minute=80, per_hour=500)
BURST_MINUTE = PacingLimits(min_interval=0.0, per_minute=80, per_hour=None)
BURST_HOUR = PacingLimits(min_interval=0.0, per_minute=None, per_hour=500)


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


class TestPacingLimits:
    def test_github_preset_is_80_a_minute_evenly_spaced_and_500_an_hour(self) -> None:
        limits = PacingLimits.GITHUB
        assert (limits.min_interval, limits.per_minute, limits.per_hour) == (0.75, 80, 500)
        assert limits.enabled

    def test_gitlab_notes_preset_is_60_a_minute_without_spacing(self) -> None:
        limits = PacingLimits.GITLAB_NOTES
        assert (limits.min_interval, limits.per_minute, limits.per_hour) == (0.0, 60, None)

    def test_defaults_are_githubs(self) -> None:
        assert PacingLimits() == PacingLimits.GITHUB

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"min_interval": -1.0}, "min_interval"),
            ({"per_minute": 0}, "per_minute"),
            ({"per_hour": -5}, "per_hour"),
        ],
    )
    def test_impossible_limits_are_a_config_error_naming_the_field(
        self, kwargs: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ConfigError, match=field):
            PacingLimits(**kwargs)


class TestMinInterval:
    def test_first_write_goes_at_once_the_next_waits_one_second(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        assert pacer.acquire() == 0.0
        assert pacer.delay_needed() == 1.0
        assert pacer.acquire() == 1.0
        assert clock.sleeps == [1.0]

    def test_time_spent_elsewhere_counts_towards_the_interval(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        pacer.acquire()
        clock.advance(0.25)
        assert pacer.delay_needed() == 0.75
        assert pacer.acquire() == 0.75
        clock.advance(5.0)
        assert pacer.acquire() == 0.0
        assert clock.sleeps == [0.75]

    def test_ten_writes_in_a_row_are_one_second_apart(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        for _ in range(10):
            pacer.acquire()
        assert clock.sleeps == [1.0] * 9
        assert pacer.recent_writes() == tuple(float(n) for n in range(10))


class TestWindows:
    def test_81st_write_waits_until_the_first_leaves_the_minute(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(BURST_MINUTE, clock)
        waits = [pacer.acquire() for _ in range(80)]
        assert waits == [0.0] * 80
        assert pacer.delay_needed() == 60.0
        assert pacer.acquire() == 60.0
        assert clock.sleeps == [60.0]

    def test_minute_window_slides_write_by_write(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(BURST_MINUTE, clock)
        for _ in range(80):
            pacer.acquire()
            clock.advance(0.5)
        # Writes went at 0.0, 0.5, ... 39.5; now is 40.0.
        assert pacer.acquire() == 20.0  # until the write at 0.0 is a minute old
        assert pacer.acquire() == 0.5  # until the write at 0.5 is a minute old
        assert clock.monotonic() == 60.5

    def test_501st_write_waits_until_the_first_leaves_the_hour(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(BURST_HOUR, clock)
        for _ in range(500):
            pacer.acquire()
        assert clock.sleeps == []
        assert pacer.acquire() == 3600.0

    def test_one_second_apart_over_an_hour(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        for _ in range(501):
            pacer.acquire()
        # 1 s apart the minute window never fills (60 < 80); the hour window stops the 501st.
        assert clock.sleeps == [1.0] * 499 + [3101.0]
        assert clock.monotonic() == 3600.0

    def test_minute_and_hour_windows_together(self) -> None:
        clock = FakeClock()
        limits = PacingLimits(min_interval=0.0, per_minute=80, per_hour=500)
        pacer = WritePacer(limits, clock)
        for _ in range(501):
            pacer.acquire()
        # Bursts of 80 at 0, 60, ... 360 s (the last one 20 writes), then the hour is full.
        assert clock.sleeps == [60.0] * 6 + [3240.0]

    def test_old_writes_are_forgotten(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        pacer.acquire()
        clock.advance(3600.0)
        pacer.acquire()
        assert pacer.recent_writes() == (3600.0,)


class TestDisabled:
    def test_disabled_pacing_never_sleeps(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.DISABLED, clock)
        assert [pacer.acquire() for _ in range(1000)] == [0.0] * 1000
        assert pacer.delay_needed() == 0.0
        assert clock.sleeps == []

    def test_disabled_with_tight_limits_still_never_sleeps(self) -> None:
        clock = FakeClock()
        limits = PacingLimits(min_interval=5.0, per_minute=1, per_hour=1, enabled=False)
        pacer = WritePacer(limits, clock)
        for _ in range(10):
            pacer.acquire()
        assert clock.sleeps == []


class TestRegistry:
    def test_same_host_shares_one_pacer(self) -> None:
        clock = FakeClock()
        first = pacer_for("api.github.com", PacingLimits.GITHUB, clock)
        second = pacer_for("https://API.GitHub.com/", PacingLimits.GITHUB, clock)
        assert first is second
        first.acquire()
        assert second.acquire() == 0.75  # the second tracker waits behind the first

    def test_other_hosts_and_kinds_get_their_own_pacer(self) -> None:
        clock = FakeClock()
        github = pacer_for("api.github.com", PacingLimits.GITHUB, clock)
        gitlab = pacer_for("gitlab.com", PacingLimits.GITHUB, clock)
        notes = pacer_for("gitlab.com", PacingLimits.GITLAB_NOTES, clock, kind="notes")
        assert len({id(github), id(gitlab), id(notes)}) == 3
        github.acquire()
        assert gitlab.acquire() == 0.0
        assert notes.acquire() == 0.0

    def test_port_is_part_of_the_host(self) -> None:
        clock = FakeClock()
        one = pacer_for("http://127.0.0.1:8001", PacingLimits.GITHUB, clock)
        two = pacer_for("http://127.0.0.1:8002", PacingLimits.GITHUB, clock)
        assert one is not two

    def test_different_limits_for_one_host_are_a_config_error(self) -> None:
        clock = FakeClock()
        pacer_for("api.github.com", PacingLimits.GITHUB, clock)
        with pytest.raises(ConfigError, match=r"api\.github\.com"):
            pacer_for("api.github.com", PacingLimits.DISABLED, clock)

    def test_a_second_fake_clock_is_refused(self) -> None:
        pacer_for("api.github.com", PacingLimits.GITHUB, FakeClock())
        with pytest.raises(ValueError, match="reset_pacers"):
            pacer_for("api.github.com", PacingLimits.GITHUB, FakeClock())

    def test_system_clocks_are_one_clock(self) -> None:
        first = pacer_for("api.github.com", PacingLimits.GITHUB)
        assert pacer_for("api.github.com", PacingLimits.GITHUB, SystemClock()) is first
        assert isinstance(first.clock, SystemClock)

    def test_reset_forgets_every_pacer(self) -> None:
        clock = FakeClock()
        before = pacer_for("api.github.com", PacingLimits.GITHUB, clock)
        reset_pacers()
        assert pacer_for("api.github.com", PacingLimits.GITHUB, clock) is not before

    @pytest.mark.parametrize(
        ("given", "key"),
        [
            ("api.github.com", "api.github.com"),
            ("https://GitLab.Example.org/api/v4", "gitlab.example.org"),
            ("http://user@127.0.0.1:9000/", "127.0.0.1:9000"),
        ],
    )
    def test_host_key(self, given: str, key: str) -> None:
        assert host_key(given) == key

    def test_empty_host_is_a_config_error(self) -> None:
        with pytest.raises(ConfigError, match="names no host"):
            pacer_for("https://", PacingLimits.GITHUB, FakeClock())


class YieldingClock(FakeClock):
    """A fake clock that lets other threads run whenever it is read or slept on, so threads
    really interleave between deciding that a write may go and recording it."""

    def monotonic(self) -> float:
        now = super().monotonic()
        time.sleep(0)
        return now

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        time.sleep(0)


def writes_in_windows(writes: tuple[float, ...], span: float) -> int:
    """The most writes inside any sliding window of `span` seconds (ending at a write)."""
    return max(sum(1 for t in writes if end - span < t <= end) for end in writes)


class TestGitHubDefaults:
    def test_a_long_run_keeps_80_a_minute_and_500_an_hour_at_the_limit(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue="api.github.com/writes")
        slots: list[float] = []
        for _ in range(1100):
            pacer.acquire()
            slots.append(clock.monotonic())
        writes = tuple(slots)
        assert writes_in_windows(writes, MINUTE) == 80
        assert writes_in_windows(writes, HOUR) == 500
        # >= 95% of both limits: the first minute holds 80 writes, the first hour 500, and
        # the second hour's budget opens the moment the first hour's writes leave it.
        assert sum(1 for t in writes if t < MINUTE) == 80
        assert sum(1 for t in writes if t < HOUR) == 500
        assert sum(1 for t in writes if t < 2 * HOUR) == 1000
        assert writes[500] == HOUR


class BlockingClock(FakeClock):
    """A fake clock whose first sleep blocks until released: a writer caught mid-wait."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeping = threading.Event()
        self.release = threading.Event()
        self.blocked_once = False

    def sleep(self, seconds: float) -> None:
        if not self.blocked_once:
            self.blocked_once = True
            self.sleeping.set()
            assert self.release.wait(timeout=10)
        super().sleep(seconds)


class TestReservation:
    def test_a_sleeping_writer_holds_no_lock_and_the_next_one_reserves_behind_it(self) -> None:
        clock = BlockingClock()
        pacer = WritePacer(ONE_SECOND, clock)
        pacer.acquire()
        first = threading.Thread(target=pacer.acquire)
        first.start()
        assert clock.sleeping.wait(timeout=10)
        # The first writer sleeps towards its slot at 1.0, which it recorded when reserving.
        assert pacer.recent_writes() == (0.0, 1.0)
        assert pacer.delay_needed() == 2.0
        assert pacer.eta(3) == 4.0
        waits: list[float] = []

        def second() -> None:
            waits.append(pacer.acquire())

        later = threading.Thread(target=second)
        later.start()
        # The second writer got its slot (2.0) while the first still sleeps; it sleeps too.
        deadline = time.monotonic() + 10
        while len(pacer.recent_writes()) < 3 and time.monotonic() < deadline:
            time.sleep(0.001)
        assert pacer.recent_writes() == (0.0, 1.0, 2.0)
        clock.release.set()
        first.join(timeout=10)
        later.join(timeout=10)
        assert not first.is_alive()
        assert not later.is_alive()
        assert waits == [2.0]
        assert clock.monotonic() >= 2.0

    def test_many_threads_get_slots_in_order_never_closer_than_the_interval(self) -> None:
        clock = YieldingClock()
        pacer = WritePacer(ONE_SECOND, clock)
        start = threading.Barrier(4)

        def writer() -> None:
            start.wait()
            for _ in range(20):
                pacer.acquire()

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        writes = pacer.recent_writes()
        assert len(writes) == 80
        # A fake clock adds up the sleeps of threads sleeping at once, so slots may lie
        # further apart than the interval; never closer, and always in reservation order.
        assert min(later - earlier for earlier, later in pairwise(writes)) >= 1.0


class StoppingClock(FakeClock):
    """Sets `stop` once `after` seconds were slept: a Ctrl-C in the middle of a wait."""

    def __init__(self, stop: threading.Event, after: float) -> None:
        super().__init__()
        self.stop = stop
        self.after = after

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if sum(self.sleeps) >= self.after:
            self.stop.set()


class TestStop:
    def test_a_stop_ends_a_wait_of_an_hour_within_a_second(self) -> None:
        stop = threading.Event()
        clock = StoppingClock(stop, after=10.0)
        pacer = WritePacer(BURST_HOUR, clock)
        for _ in range(500):
            pacer.acquire()
        with pytest.raises(StopRequested, match="not sent"):
            pacer.acquire(rules=WaitRules(stop=stop))
        assert 10.0 <= sum(clock.sleeps) <= 10.0 + 1.0
        assert all(step <= STOP_POLL for step in clock.sleeps)
        # The slot it reserved is given back: the write was not sent.
        assert len(pacer.recent_writes()) == 500

    def test_with_a_stop_set_a_write_that_must_wait_is_not_sent(self) -> None:
        stop = threading.Event()
        clock = FakeClock()
        pacer = WritePacer(ONE_SECOND, clock)
        assert pacer.acquire(rules=WaitRules(stop=stop)) == 0.0
        stop.set()
        with pytest.raises(StopRequested):
            pacer.acquire(rules=WaitRules(stop=stop))
        assert clock.sleeps == []
        clock.advance(1.0)  # one that need not wait finishes the action in progress
        assert pacer.acquire(rules=WaitRules(stop=stop)) == 0.0

    def test_a_stop_ends_a_real_wait_at_once(self) -> None:
        stop = threading.Event()
        pacer = WritePacer(PacingLimits(min_interval=3600.0), SystemClock())
        pacer.acquire()
        raised: list[BaseException] = []

        def writer() -> None:
            try:
                pacer.acquire(rules=WaitRules(stop=stop))
            except StopRequested as exc:
                raised.append(exc)

        thread = threading.Thread(target=writer)
        thread.start()
        stop.set()
        thread.join(timeout=10)  # a liveness bound: the wait was for an hour
        assert not thread.is_alive()
        assert len(raised) == 1


class TestBudgetSpent:
    def spent_pacer(self, clock: FakeClock) -> WritePacer:
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue="api.github.com/writes")
        for _ in range(500):
            pacer.acquire(max_wait=60.0)
        return pacer

    def test_a_wait_longer_than_max_wait_raises_with_when_to_retry(self) -> None:
        clock = FakeClock()
        pacer = self.spent_pacer(clock)
        assert clock.monotonic() == 374.25  # 499 gaps of 0.75 s
        slept = list(clock.sleeps)
        with pytest.raises(WriteBudgetSpent) as caught:
            pacer.acquire(max_wait=60.0)
        error = caught.value
        assert isinstance(error, RateLimitedError)
        # The first write of the hour went at 0: the 501st may go an hour later.
        assert error.retry_at == FakeClock.DEFAULT_START + timedelta(hours=1)
        message = str(error)
        assert "api.github.com/writes" in message
        assert "500 writes an hour" in message
        assert "2024-01-01 01:00:00 UTC" in message
        assert "54 min" in message
        assert "60 s" in message
        assert clock.sleeps == slept  # it did not sleep first
        assert len(pacer.recent_writes()) == 500  # and reserved nothing

    def test_retry_at_is_rounded_up_to_a_whole_second(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(BURST_HOUR, clock)
        clock.advance(0.25)
        for _ in range(500):
            pacer.acquire()
        with pytest.raises(WriteBudgetSpent) as caught:
            pacer.acquire(max_wait=60.0)
        assert caught.value.retry_at == FakeClock.DEFAULT_START + timedelta(seconds=3601)

    def test_a_wait_up_to_max_wait_is_waited(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(BURST_MINUTE, clock)
        for _ in range(80):
            pacer.acquire(max_wait=60.0)
        assert pacer.acquire(max_wait=60.0) == 60.0

    def test_wait_for_budget_waits_and_says_how_long(self) -> None:
        clock = FakeClock()
        pacer = self.spent_pacer(clock)
        told: list[tuple[float, datetime]] = []
        rules = WaitRules(wait_for_budget=True, on_wait=lambda s, at: told.append((s, at)))
        assert pacer.acquire(max_wait=60.0, rules=rules) == 3225.75
        assert told == [(3225.75, FakeClock.DEFAULT_START + timedelta(hours=1))]
        assert clock.monotonic() == HOUR


class TestEta:
    def test_nothing_to_write_or_no_pacing_takes_no_time(self) -> None:
        assert WritePacer(PacingLimits.GITHUB, FakeClock()).eta(0) == 0.0
        assert WritePacer(PacingLimits.DISABLED, FakeClock()).eta(10_000) == 0.0

    @pytest.mark.parametrize(
        ("writes", "seconds"),
        [(1, 0.0), (2, 0.75), (80, 59.25), (81, 60.0), (500, 374.25), (501, HOUR), (1000, 3974.25)],
    )
    def test_github_eta_from_a_fresh_start(self, writes: int, seconds: float) -> None:
        assert WritePacer(PacingLimits.GITHUB, FakeClock()).eta(writes) == pytest.approx(seconds)

    def test_eta_counts_the_writes_already_made_and_matches_the_writes(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
        for _ in range(450):
            pacer.acquire()
        clock.advance(100.0)
        predicted = pacer.eta(120)
        start = clock.monotonic()
        for _ in range(120):
            pacer.acquire()
        assert clock.monotonic() - start == pytest.approx(predicted)
        # 50 writes left in the first hour, then the budget opens with the first write's hour.
        assert predicted == pytest.approx(HOUR + 69 * 0.75 - start)

    def test_eta_of_the_first_paced_queue(self) -> None:
        clock = FakeClock()
        pacer = pacer_for("api.github.com", PacingLimits.GITHUB, clock)
        pacer.acquire()
        assert eta_of([("api.github.com", "notes"), ("https://api.github.com", "writes")], 2) == 1.5
        assert eta_of([("gitlab.com", "writes")], 2) is None  # no tracker paces it
        unlimited = PacingLimits(min_interval=0.0, per_minute=None, per_hour=None)
        pacer_for("gitlab.com", unlimited, clock)
        assert eta_of([("gitlab.com", "writes")], 2) is None  # nothing holds writes back
        assert registered_pacer("api.github.com") is pacer
        assert pacer.queue == "api.github.com/writes"


class FakeHistory:
    """The state store's write history, in memory."""

    def __init__(self) -> None:
        self.writes: dict[str, list[datetime]] = {}

    def record_write(self, queue: str, at: datetime) -> None:
        assert at.tzinfo is not None
        self.writes.setdefault(queue, []).append(at)

    def writes_since(self, queue: str, since: datetime) -> list[datetime]:
        return [at for at in self.writes.get(queue, []) if at >= since]


class DriftingClock(FakeClock):
    """Wall time that drifts from monotonic time, as a real machine's clock does: each
    reading is a few microseconds later than the last."""

    def __init__(self) -> None:
        super().__init__()
        self._drift = 0

    def now(self) -> datetime:
        self._drift += 7
        return super().now() + timedelta(microseconds=self._drift)


class TestHistory:
    QUEUE = "api.github.com/writes"

    def test_a_fake_history_is_a_write_history(self) -> None:
        assert isinstance(FakeHistory(), WriteHistory)

    def test_each_write_let_through_is_recorded_at_its_wall_time(self) -> None:
        clock = FakeClock()
        history = FakeHistory()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue=self.QUEUE, history=history)
        for _ in range(3):
            pacer.acquire()
        start = FakeClock.DEFAULT_START
        assert history.writes[self.QUEUE] == [
            start,
            start + timedelta(seconds=0.75),
            start + timedelta(seconds=1.5),
        ]

    def test_a_restarted_pacer_counts_the_last_hours_writes(self) -> None:
        history = FakeHistory()
        start = FakeClock.DEFAULT_START
        # 500 writes of a process that ended: the oldest 20 minutes ago, the last 1 s ago.
        history.writes[self.QUEUE] = [start - timedelta(hours=2)] + [
            start - timedelta(seconds=1200 - n * 2.4) for n in range(500)
        ]
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue=self.QUEUE, history=history)
        assert len(pacer.recent_writes()) == 500  # the one two hours old is left out
        with pytest.raises(WriteBudgetSpent) as caught:
            pacer.acquire(max_wait=60.0)
        assert caught.value.retry_at == start + timedelta(seconds=2400)
        assert pacer.eta(1) == pytest.approx(2400.0)

    def test_attaching_again_or_another_store_of_the_same_writes_counts_nothing_twice(
        self,
    ) -> None:
        clock = FakeClock()
        history = FakeHistory()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue=self.QUEUE, history=history)
        for _ in range(10):
            pacer.acquire()
        pacer.attach_history(history)
        assert len(pacer.recent_writes()) == 10
        # The next project of one `plansync sync` opens the same database anew.
        reopened = FakeHistory()
        reopened.writes = history.writes
        pacer.detach_history(history)
        pacer.attach_history(reopened)
        assert len(pacer.recent_writes()) == 10
        pacer.acquire()
        assert len(reopened.writes[self.QUEUE]) == 11

    def test_another_process_writes_are_counted_once_however_often_they_are_loaded(
        self,
    ) -> None:
        # The daemon attaches the store's history for each run: the writes another process
        # made are loaded every time, and must be counted once, with its new ones added.
        start = FakeClock.DEFAULT_START
        history = FakeHistory()
        history.writes[self.QUEUE] = [start - timedelta(seconds=300 - n) for n in range(100)]
        clock = DriftingClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue=self.QUEUE)
        for _ in range(5):
            pacer.attach_history(history)
            pacer.detach_history(history)
            clock.advance(1.0)
        assert len(pacer.recent_writes()) == 100
        history.writes[self.QUEUE].append(start - timedelta(seconds=0.5))
        pacer.attach_history(history)
        assert len(pacer.recent_writes()) == 101

    def test_runs_attaching_at_once_load_the_history_once_and_share_it(self) -> None:
        start = FakeClock.DEFAULT_START
        history = FakeHistory()
        history.writes[self.QUEUE] = [start - timedelta(seconds=100 - n) for n in range(50)]
        pacer = WritePacer(PacingLimits.GITHUB, DriftingClock(), queue=self.QUEUE)
        threads = [threading.Thread(target=pacer.attach_history, args=(history,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(pacer.recent_writes()) == 50
        for _ in range(7):
            pacer.detach_history(history)
        pacer.acquire()  # the eighth run still holds the history: the write is kept
        assert len(history.writes[self.QUEUE]) == 51

    def test_a_write_the_store_cannot_record_still_goes_and_is_counted(self) -> None:
        class Refusing(FakeHistory):
            def record_write(self, queue: str, at: datetime) -> None:
                raise PlansyncError("The state store state.db is locked.")

        pacer = WritePacer(PacingLimits.GITHUB, FakeClock(), queue=self.QUEUE, history=Refusing())
        assert pacer.acquire() == 0.0
        assert len(pacer.recent_writes()) == 1

    def test_a_detached_history_is_no_longer_written(self) -> None:
        clock = FakeClock()
        history = FakeHistory()
        pacer = WritePacer(PacingLimits.GITHUB, clock, queue=self.QUEUE, history=history)
        pacer.acquire()
        pacer.detach_history(history)
        pacer.acquire()
        assert len(history.writes[self.QUEUE]) == 1
