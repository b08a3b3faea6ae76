"""The collector pause: off while any pause lasts, in any thread, and back as it was after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from plansync.gcpause import paused_gc, without_gc


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_nested_pauses_restart_the_collector_after_the_outermost() -> None:
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_one_threads_pause_ending_does_not_end_anothers() -> None:
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with paused_gc():
            inside.set()
            release.wait(10)
            seen.append(gc.isenabled())

    thread = threading.Thread(target=other)
    with paused_gc():
        thread.start()
        assert inside.wait(10)
    # This thread's pause ended first: the other's still holds the collector off.
    assert not gc.isenabled()
    release.set()
    thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_someone_else_stopped_stays_off() -> None:
    gc.disable()

    @without_gc
    def read() -> int:
        return 1

    assert read() == 1
    assert not gc.isenabled()
