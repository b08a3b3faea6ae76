"""Incremental, conditional reads of a GitHub list that can be sorted by `updated_at`.

A read starts with a probe: one conditional request for the first page of the list sorted
newest first. An unchanged repository answers it 304, whatever its size. Otherwise the items
changed since the cursor are read (from the probe itself when it reaches back to the cursor,
else every page of the list filtered by `since`, oldest change first).

GitHub's `since` filter is inclusive and has one-second resolution, so a cursor keeps: `since`,
the newest `updated_at` read so far; `seen`, the ids read at exactly that instant (returned
again by the inclusive filter, so dropped), with a digest of each as read (`digests`: one
edited again within that same second reads differently and is returned, not dropped); and
`etag`, the probe's validator. The validator is taken before the items are read, so a change
made during the read alters the next probe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plansync.model.remote import Cursor
from plansync.trackers.listing import read_whole_listing

Item = Mapping[str, Any]


@dataclass(frozen=True)
class Answer:
    """Every page of one list read. `etag` validates the URL only when the list fit on one
    page (a change on a later page does not change the first page's validator)."""

    not_modified: bool
    items: list[Item]
    etag: str | None


@dataclass(frozen=True)
class Probe:
    """The first page of the list sorted by `updated_at`, newest first.

    `complete` says the page holds the whole list (there is no next page); `served_at` is the
    server's clock when it answered (its Date header), None when unknown.
    """

    not_modified: bool
    items: list[Item]
    etag: str | None
    complete: bool
    served_at: datetime | None = None


# probe(etag) -> Probe: the first page newest first, conditional when `etag` is given.
ProbeList = Callable[[str | None], Probe]
# read_since(since) -> every item updated at or after `since` (all without it), every page.
ReadSince = Callable[[str | None], list[Item]]


@dataclass(frozen=True)
class IncrementalRead:
    """`whole`: every item of the list, when the read went through all of it (a first read,
    or a probe that held the whole list), else None."""

    items: tuple[Item, ...]
    cursor: Cursor
    not_modified: bool
    whole: tuple[Item, ...] | None = None


def _identity(item: Item) -> int:
    return int(item["id"])


def _updated(item: Item) -> datetime:
    return datetime.fromisoformat(str(item["updated_at"]))


def _newest(items: list[Item]) -> tuple[str, datetime] | None:
    best: tuple[str, datetime] | None = None
    for item in items:
        moment = _updated(item)
        if best is None or moment > best[1]:
            best = (str(item["updated_at"]), moment)
    return best


# Parts of an item that change without anyone editing it (a reaction): not in its digest.
_VOLATILE = frozenset({"reactions"})


def _digest(item: Item) -> str:
    """A short digest of what the item says, the same for the same content."""
    kept = {k: v for k, v in item.items() if k not in _VOLATILE}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _digests_of(cursor: Cursor) -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in cursor.digests:
        number, _, digest = entry.partition(":")
        if number.isdigit():
            found[int(number)] = digest
    return found


def _already_read(
    item: Item, seen: set[int], since: datetime | None, digests: Mapping[int, str]
) -> bool:
    """Read before: returned at exactly `since` by the previous read, as it reads now (an id
    in `seen` whose `updated_at` has moved on, or whose digest differs, was edited again)."""
    number = int(item["id"])
    if number not in seen or _updated(item) != since:
        return False
    known = digests.get(number)
    return known is None or known == _digest(item)


def _reaches(probe: Probe, since: datetime | None) -> bool:
    """Whether the probe holds every item updated at or after `since`: it is the whole list,
    or its newest-first page goes back past `since`."""
    if probe.complete:
        return True
    return since is not None and any(_updated(item) < since for item in probe.items)


def probe_validator(probe: Probe) -> str | None:
    """The probe's ETag when any later change must alter the probe's answer, else None.

    A change lands at the top of the newest-first page, unless it lands within the second of
    the page's newest item and that second's items run past the page (a bulk edit of more
    than a page in one second): then the page may not show it. So the validator is kept when
    the page is the whole list, when the newest second's items end on the page, or when the
    server answered after that second was over.
    """
    if probe.etag is None or probe.complete:
        return probe.etag
    newest = _newest(probe.items)
    if newest is None:
        return None
    top = newest[1]
    if any(_updated(item) < top for item in probe.items):
        return probe.etag
    if probe.served_at is not None and probe.served_at > top:
        return probe.etag
    return None


def read_incrementally(
    probe: ProbeList, read_since: ReadSince, cursor: Cursor | None, *, what: str = "items"
) -> IncrementalRead:
    """The items changed since `cursor`, oldest change first, each once, and the next cursor.
    `what` names the listing in errors (e.g. "issues of owner/repo")."""
    cursor = cursor if cursor is not None else Cursor()
    since = cursor.since
    since_moment = datetime.fromisoformat(since) if since is not None else None
    seen = set(cursor.seen)

    check = probe(cursor.etag)
    if check.not_modified:
        return IncrementalRead((), cursor, not_modified=True)

    whole: list[Item] | None
    if _reaches(check, since_moment):
        items = [i for i in check.items if since_moment is None or _updated(i) >= since_moment]
        whole = check.items if check.complete else None
    else:
        items = read_whole_listing(lambda: read_since(since), _identity, what=what)
        whole = items if since is None else None

    digests = _digests_of(cursor)
    changed = [item for item in items if not _already_read(item, seen, since_moment, digests)]
    if not changed and cursor.etag is not None:
        # The validator changed yet nothing is newer than `since`: an item already read at
        # exactly that second was edited again within it. Return those items once more.
        changed = [item for item in items if _updated(item) == since_moment]

    newest = _newest(items)
    if newest is not None and (since_moment is None or newest[1] > since_moment):
        since, since_moment = newest
    at_since = {int(item["id"]): item for item in items if _updated(item) == since_moment}
    next_cursor = Cursor(
        since,
        probe_validator(check),
        tuple(sorted(at_since)),
        tuple(f"{n}:{_digest(at_since[n])}" for n in sorted(at_since)),
    )
    return IncrementalRead(
        _latest_versions(changed),
        next_cursor,
        not_modified=False,
        whole=tuple(whole) if whole is not None else None,
    )


def _latest_versions(items: list[Item]) -> tuple[Item, ...]:
    # An item edited while the pages were read shows up twice: keep its latest version only.
    latest: dict[int, Item] = {}
    for item in items:
        number = int(item["id"])
        if number not in latest or _updated(item) >= _updated(latest[number]):
            latest[number] = item
    # Within one second, older items first (ids grow with creation), as GitHub lists them.
    return tuple(sorted(latest.values(), key=lambda item: (_updated(item), int(item["id"]))))
