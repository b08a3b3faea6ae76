"""Delivery ids already seen: a tracker retries a delivery, and a replayed one must not run
anything again. Kept in memory for the most recent ones; after a restart a replay only
triggers a run, which re-reads the trackers and finds nothing to do."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol


class DeliveryLog(Protocol):
    def first_time(self, delivery_id: str) -> bool:
        """True the first time an id is offered, False for a repeat."""
        ...


class SeenDeliveries:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, delivery_id: str) -> bool:
        """True the first time an id is offered, False for a repeat (until it is forgotten)."""
        with self._lock:
            if delivery_id in self._seen:
                self._seen.move_to_end(delivery_id)
                return False
            self._seen[delivery_id] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True


class PendingHints:
    """The deliveries that marked each project dirty since its last run started: the run's log
    line names them."""

    def __init__(self) -> None:
        self._pending: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def mark(self, project: str, delivery_id: str) -> None:
        with self._lock:
            self._pending.setdefault(project, []).append(delivery_id)

    def take(self, project: str) -> list[str]:
        with self._lock:
            return self._pending.pop(project, [])
