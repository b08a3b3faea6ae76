"""Reading a paged listing sorted by update time, without silently skipping an item.

While the pages of such a listing are read, an item already read can be updated: it moves to the
end of the listing, every later item shifts back one place, and the item at the page boundary is
never served. The moved item then shows up twice, which is how the shift is noticed: such a read
is incomplete, so it is read again. A read that keeps shifting is a failure, never a partial
result (a watermark must not move past an item that was not read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from plansync.errors import TrackerUnavailableError

T = TypeVar("T")

LISTING_ATTEMPTS = 3


def read_whole_listing(
    read: Callable[[], list[T]],
    identity: Callable[[T], int],
    *,
    what: str,
    attempts: int = LISTING_ATTEMPTS,
) -> list[T]:
    """`read()` again until no item appears twice; TrackerUnavailableError after `attempts`."""
    for _ in range(attempts):
        items = read()
        ids = [identity(item) for item in items]
        if len(set(ids)) == len(ids):
            return items
    raise TrackerUnavailableError(
        f"The listing of {what} kept changing while it was read ({attempts} tries); nothing "
        "was concluded from it. Run again when the tracker is quieter."
    )
