"""Pausing the cyclic garbage collector around a large pure computation.

Reading a plan of thousands of tasks, or reconciling it, allocates hundreds of thousands of
objects that all stay alive until the step ends. Each allocation burst triggers a collection,
and every full one walks the whole heap while finding nothing to free: a third of a reading's
time. Paused, the objects are counted once when the collector runs again after the step.
Reference counting frees everything acyclic as usual meanwhile.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


# Pauses in progress, across threads: the collector stops at the first and starts again after
# the last, so one thread's pause never ends inside another's.
_pauses = 0
_pauses_lock = threading.Lock()
_restart = False  # whether the first pause found the collector running


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside the block, in any thread. The collector starts again once
    every pause has ended, and only when the first one found it running (one that someone
    else stopped stays off)."""
    global _pauses, _restart
    with _pauses_lock:
        if _pauses == 0:
            _restart = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _restart:
                gc.enable()


def without_gc(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function` run with the cyclic collector paused (see `paused_gc`)."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_gc():
            return function(*args, **kwargs)

    return paused
