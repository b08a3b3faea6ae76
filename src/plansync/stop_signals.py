"""SIGTERM and SIGINT handled for the length of a block, then the handlers put back as they were.

Python runs signal handlers in the main thread only, and only it may set them: called from
another thread, the block runs with nothing installed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_signals_handled(on_signal: Callable[[str], None], install: bool = True) -> Iterator[None]:
    """Inside the block, SIGTERM and SIGINT call `on_signal` with the signal's name (it may
    raise, as KeyboardInterrupt, to end the block)."""
    if not install or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        on_signal(signal.Signals(signum).name)

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            # None: a handler set outside Python, which cannot be put back; the default is.
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
