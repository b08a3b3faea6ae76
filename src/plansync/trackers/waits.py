"""How one run waits for its turn to write: what ends a wait, whether a spent write budget is
waited for, and who is told of a wait.

The pacer of a host is shared by every run on it, but these rules belong to one run, so the
engine sets them for the thread that carries the run out (`rules_for_run`) and the adapters
read them at each write (`current_rules`). A thread that set none gets the defaults: no stop,
and a budget spent for longer than `max_wait` stops the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

# Told, before a write waits, how many seconds it will wait and until when (aware, UTC).
WaitListener = Callable[[float, datetime], None]


@dataclass(frozen=True)
class WaitRules:
    """`stop` set ends a wait within a second (the write is not sent); `wait_for_budget`
    waits however long the pacing asks instead of stopping at `max_wait` (`sync --wait`)."""

    stop: threading.Event | None = None
    wait_for_budget: bool = False
    on_wait: WaitListener | None = None


_DEFAULT = WaitRules()
_rules: ContextVar[WaitRules | None] = ContextVar("plansync_wait_rules", default=None)


def current_rules() -> WaitRules:
    """The rules of the run this thread carries out (the defaults outside a run)."""
    rules = _rules.get()
    return rules if rules is not None else _DEFAULT


@contextmanager
def rules_for_run(rules: WaitRules) -> Iterator[WaitRules]:
    """Apply `rules` to every write this thread makes until the block ends."""
    token = _rules.set(rules)
    try:
        yield rules
    finally:
        _rules.reset(token)
