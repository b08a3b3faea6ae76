"""Ctrl-C and SIGTERM during a one-shot command: the first asks the run to stop after the
action in progress (a wait for the pacing ends within a second); a second one quits at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from plansync.stop_signals import stop_signals_handled


@contextmanager
def stop_on_signals(stop: threading.Event, told: Callable[[str], None]) -> Iterator[None]:
    """Set `stop` on the first SIGINT / SIGTERM (and call `told` with the signal's name);
    the second raises KeyboardInterrupt. Signals can only be caught in the main thread:
    elsewhere nothing is installed."""

    def on_signal(name: str) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        told(name)

    with stop_signals_handled(on_signal):
        yield
