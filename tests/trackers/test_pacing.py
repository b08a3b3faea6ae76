"""The paced write queue: spacing, sliding windows, sharing per host, and thread safety."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest

from plansync.clock import FakeClock, SystemClock
from plansync.errors import ConfigError
from plansync.trackers.pacing import (
    PacingLimits,
    WritePacer,
    host_key,
    pacer_for,
    reset_pacers,
)

BURST_MINUTE = PacingLimits(min_interval=0.0, per_minute=80, per_hour=None)
BURST_HOUR = PacingLimits(min_interval=0.0, per_minute=None, per_hour=500)


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


class TestPacingLimits:
    def test_github_preset_is_one_second_80_a_minute_500_an_hour(self) -> None:
        limits = PacingLimits.GITHUB
        assert (limits.min_interval, limits.per_minute, limits.per_hour) == (1.0, 80, 500)
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
        pacer = WritePacer(PacingLimits.GITHUB, clock)
        assert pacer.acquire() == 0.0
        assert pacer.delay_needed() == 1.0
        assert pacer.acquire() == 1.0
        assert clock.sleeps == [1.0]

    def test_time_spent_elsewhere_counts_towards_the_interval(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
        pacer.acquire()
        clock.advance(0.25)
        assert pacer.delay_needed() == 0.75
        assert pacer.acquire() == 0.75
        clock.advance(5.0)
        assert pacer.acquire() == 0.0
        assert clock.sleeps == [0.75]

    def test_ten_writes_in_a_row_are_one_second_apart(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
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

    def test_github_preset_over_an_hour(self) -> None:
        clock = FakeClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
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
        pacer = WritePacer(PacingLimits.GITHUB, clock)
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
        assert second.acquire() == 1.0  # the second tracker waits behind the first

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


class TestThreads:
    def test_two_threads_never_write_closer_than_the_interval(self) -> None:
        clock = YieldingClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
        start = threading.Barrier(2)

        def writer() -> None:
            start.wait()
            for _ in range(25):
                pacer.acquire()
                time.sleep(0)

        threads = [threading.Thread(target=writer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        writes = pacer.recent_writes()
        assert len(writes) == 50
        gaps = [later - earlier for earlier, later in pairwise(writes)]
        assert min(gaps) >= 1.0
        assert clock.monotonic() == 49.0  # no write waited longer than it had to

    def test_delay_needed_does_not_wait_for_a_sleeping_writer(self) -> None:
        release = threading.Event()
        sleeping = threading.Event()

        class BlockingClock(FakeClock):
            def sleep(self, seconds: float) -> None:
                sleeping.set()
                release.wait(timeout=10)
                super().sleep(seconds)

        clock = BlockingClock()
        pacer = WritePacer(PacingLimits.GITHUB, clock)
        pacer.acquire()
        writer = threading.Thread(target=pacer.acquire)
        writer.start()
        assert sleeping.wait(timeout=10)
        # The writer holds the queue while it sleeps; asking for the delay must still answer.
        assert pacer.delay_needed() == 1.0
        release.set()
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert clock.sleeps == [1.0]
