"""Ctrl-C and SIGTERM during a one-shot command: the first asks the run to stop after the
action in progress (a wait for the pacing ends within a second); a second one quits at once."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(stop: threading.Event, told: Callable[[str], None]) -> Iterator[None]:
    """Set `stop` on the first SIGINT / SIGTERM (and call `told` with the signal's name);
    the second raises KeyboardInterrupt. Signals can only be caught in the main thread:
    elsewhere nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        told(signal.Signals(signum).name)

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            # None: a handler set outside Python, which cannot be put back; the default is.
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
