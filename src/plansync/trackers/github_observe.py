"""Incremental, conditional reads of a GitHub list sorted by `updated_at` ascending.

GitHub's `since` filter is inclusive and has one-second resolution, and its ETag validates one
URL only. So a cursor keeps: `since`, the newest `updated_at` read so far; `seen`, the ids read
at exactly that instant (returned again by the inclusive filter, so dropped); and `etag`, the
validator of the URL for that very `since`. After a read that moved `since`, the new URL is read
once more to learn its validator: an unchanged repository then costs one request answered 304.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plansync.trackers.base import Cursor

# A repository edited faster than it can be read would keep `since` moving; after this many
# rounds the read stops and the next one carries on from where this one got to.
MAX_ROUNDS = 5

Item = Mapping[str, Any]


@dataclass(frozen=True)
class Answer:
    """Every page of one list read. `etag` validates the URL only when the list fit on one
    page (a change on a later page does not change the first page's validator)."""

    not_modified: bool
    items: list[Item]
    etag: str | None


# fetch(since, etag) -> Answer: read every page of the list filtered by `since`.
Fetch = Callable[[str | None, str | None], Answer]


@dataclass(frozen=True)
class IncrementalRead:
    items: tuple[Item, ...]
    cursor: Cursor
    not_modified: bool


def _updated(item: Item) -> datetime:
    return datetime.fromisoformat(str(item["updated_at"]))


def _newest(items: list[Item]) -> tuple[str, datetime] | None:
    best: tuple[str, datetime] | None = None
    for item in items:
        moment = _updated(item)
        if best is None or moment > best[1]:
            best = (str(item["updated_at"]), moment)
    return best


def _already_read(item: Item, seen: set[int], since: datetime | None) -> bool:
    """Read before: returned at exactly `since` by the previous read (an id in `seen` whose
    `updated_at` has since moved on was edited again, and is new)."""
    return int(item["id"]) in seen and _updated(item) == since


def read_incrementally(fetch: Fetch, cursor: Cursor | None) -> IncrementalRead:
    """The items changed since `cursor`, oldest change first, each once, and the next cursor."""
    cursor = cursor if cursor is not None else Cursor()
    since = cursor.since
    since_moment = datetime.fromisoformat(since) if since is not None else None
    seen = set(cursor.seen)

    answer = fetch(since, cursor.etag)
    if answer.not_modified:
        return IncrementalRead((), cursor, not_modified=True)

    changed = [item for item in answer.items if not _already_read(item, seen, since_moment)]
    if not changed and cursor.etag is not None:
        # The validator changed yet nothing is newer than `since`: an item already read at
        # exactly that second was edited again within it. Return those items once more.
        changed = [item for item in answer.items if _updated(item) == since_moment]
    collected = list(changed)

    for _ in range(MAX_ROUNDS):
        newest = _newest(answer.items)
        if newest is None or (since_moment is not None and newest[1] <= since_moment):
            # The last answer was for the URL the cursor keeps: its validator can be reused.
            at_since = {int(i["id"]) for i in answer.items if _updated(i) == since_moment}
            return _result(collected, Cursor(since, answer.etag, tuple(sorted(at_since))))
        since, since_moment = newest
        seen = {int(i["id"]) for i in answer.items if _updated(i) == since_moment}
        answer = fetch(since, None)
        collected.extend(i for i in answer.items if not _already_read(i, seen, since_moment))
    return _result(collected, Cursor(since, None, tuple(sorted(seen))))


def _result(collected: list[Item], cursor: Cursor) -> IncrementalRead:
    # An item edited between two rounds shows up twice: keep its latest version only.
    latest: dict[int, Item] = {}
    for item in collected:
        number = int(item["id"])
        latest.pop(number, None)
        latest[number] = item
    ordered = sorted(latest.values(), key=_updated)
    return IncrementalRead(tuple(ordered), cursor, not_modified=False)
