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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside the block. Only the caller that found the collector
    running starts it again, so nested pauses (and a collector someone else stopped) keep
    it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function` run with the cyclic collector paused (see `paused_gc`)."""

    @functools.wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_gc():
            return function(*args, **kwargs)

    return paused
