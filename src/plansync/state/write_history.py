"""The write history's values as the store keeps them, the same for every backend.

The write history holds the recent writes of each pacing queue (one queue per tracker host), so
a process that restarts, or another daemon on the same store, paces by the writes really sent.
A time is kept as integer microseconds since the epoch, UTC: exact, and ordered as numbers in
both backends. Each recorded write drops its queue's rows older than `KEPT` before it: the
longest pacing window (an hour) with a margin, so the table stays small.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

KEPT = timedelta(hours=1, minutes=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
KEPT_US = KEPT // _MICROSECOND


def checked_queue(queue: object) -> str:
    """The queue's name; ValueError for anything but non-empty text."""
    if not isinstance(queue, str) or not queue:
        raise ValueError(
            f"A pacing queue is named by non-empty text (its tracker host), not {queue!r}."
        )
    return queue


def to_micros(at: object, name: str) -> int:
    """`at` as microseconds since the epoch; ValueError for anything but an aware datetime
    (a naive one names no instant: it is refused, never taken as local time or UTC)."""
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError(
            f"The write history's `{name}` must be a datetime with a time zone (UTC), not {at!r}."
        )
    return (at - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """A stored time as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=int(value))
