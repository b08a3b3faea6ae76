"""Moving a `since` cursor over GitLab's inclusive `updated_after` filter.

GitLab returns what changed at or after the given instant, so the items stamped exactly at the
cursor's instant come back on the next read. The cursor remembers their ids (`seen`) and those
are dropped; anything newer, or at that instant with a new id, is fresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from plansync.errors import TrackerError
from plansync.model.remote import Cursor


class Stamped(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def updated_at(self) -> datetime: ...


S = TypeVar("S", bound=Stamped)


def cursor_instant(cursor: Cursor | None) -> datetime | None:
    """The instant a cursor starts from, None for a first (full) read."""
    if cursor is None or cursor.since is None:
        return None
    try:
        moment = datetime.fromisoformat(cursor.since)
    except ValueError as exc:
        raise TrackerError(
            f"The saved GitLab cursor holds {cursor.since!r}, which is not an ISO-8601 "
            "timestamp; the state store may be damaged, so reset this project's watermarks."
        ) from exc
    if moment.tzinfo is None:
        raise TrackerError(
            f"The saved GitLab cursor holds {cursor.since!r} without a timezone; the state "
            "store may be damaged, so reset this project's watermarks."
        )
    return moment


def fresh_since(
    cursor: Cursor | None, items: Iterable[S], *, reached: datetime | None = None
) -> tuple[tuple[S, ...], Cursor]:
    """The items not yet seen through `cursor`, and the cursor after them.

    Items older than the cursor are dropped as well (a note on an issue that changed since is
    not necessarily a changed note). The cursor moves to the newest fresh item, or to
    `reached` when that is later: an instant up to which the read is known to be complete
    although no item carries it. Without either the cursor stays where it was.
    """
    since = cursor_instant(cursor)
    seen = frozenset(cursor.seen) if cursor is not None else frozenset()
    fresh = tuple(
        item
        for item in items
        if since is None
        or item.updated_at > since
        or (item.updated_at == since and item.id not in seen)
    )
    instants = [item.updated_at for item in fresh]
    if reached is not None and (since is None or reached > since):
        instants.append(reached)
    if not instants:
        return fresh, cursor if cursor is not None else Cursor()
    newest = max(instants)
    at_newest = {item.id for item in fresh if item.updated_at == newest}
    if since is not None and newest == since:
        at_newest |= seen
    return fresh, Cursor(since=newest.isoformat(), seen=tuple(sorted(at_newest)))
