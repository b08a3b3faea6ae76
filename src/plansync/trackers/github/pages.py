"""Every page of a GitHub list that cannot be filtered by `since` (milestones), each page asked
for conditionally, so an unchanged list of any length is answered 304 page after page.

GitHub's validator covers one page's body, so a change on page 7 leaves page 1's ETag as it
was: every page needs its own. A cursor keeps, per page, the URL it was read from, its ETag and
the numbers of the items it held (`PageMark`); the next read asks for each page with its ETag.
A page answered 304 holds what it held (its numbers); one answered 200 brings its items. A
list that grew past its last page is noticed because the read goes on wherever the last page
was full: that page's `next` link, or else the page after it, which an unchanged list answers
with the same empty page (and its ETag) every time.

An item showing up twice means the list shifted while its pages were read: the read is
repeated (see trackers/listing.py), never trusted as complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from plansync.errors import TrackerUnavailableError
from plansync.model.remote import PageMark
from plansync.trackers.github.http import Page
from plansync.trackers.listing import LISTING_ATTEMPTS

Item = Mapping[str, Any]

# get(url, etag) -> one page of the list, conditionally when `etag` is given.
GetPage = Callable[[str, str | None], Page]


@dataclass(frozen=True)
class PagedRead:
    """`fresh`: the items of the pages answered 200, in list order; `numbers`: the numbers of
    every item of the list (those on pages answered 304 taken from their marks); `marks`:
    the pages for the next read. `not_modified` when every page was answered 304."""

    fresh: tuple[Item, ...]
    numbers: tuple[int, ...]
    marks: tuple[PageMark, ...]
    not_modified: bool


def first_url(path: str, parameters: Mapping[str, Any]) -> str:
    """The first page's URL, relative to the API's base URL, with its query."""
    return f"{path}?{urlencode(sorted((k, str(v)) for k, v in parameters.items()))}"


def page_after(url: str) -> str:
    """The URL of the page after `url` (GitHub numbers pages with `page`, 1 when absent)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    current = next((int(v) for k, v in pairs if k == "page" and v.isdigit()), 1)
    kept = [(k, v) for k, v in pairs if k != "page"] + [("page", str(current + 1))]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def read_pages(
    get: GetPage,
    start: str,
    marks: Sequence[PageMark],
    per_page: int,
    number_of: Callable[[Item], int],
    *,
    what: str,
) -> PagedRead:
    """Every page of the list whose first page is at `start`, conditionally where `marks`
    hold a page's ETag; read again when an item showed up twice (TrackerUnavailableError
    after LISTING_ATTEMPTS such reads)."""
    for _ in range(LISTING_ATTEMPTS):
        read = _read_once(get, start, marks, per_page, number_of)
        if len(set(read.numbers)) == len(read.numbers):
            return read
    raise TrackerUnavailableError(
        f"The listing of {what} kept changing while it was read ({LISTING_ATTEMPTS} tries); "
        "nothing was concluded from it. Run again when the tracker is quieter."
    )


def _read_once(
    get: GetPage,
    start: str,
    marks: Sequence[PageMark],
    per_page: int,
    number_of: Callable[[Item], int],
) -> PagedRead:
    known = {mark.url: mark for mark in marks}
    order = [mark.url for mark in marks]
    # Each marked page's successor: an unchanged page leads to the page marked after it.
    after: dict[str, str | None] = dict.fromkeys(order)
    after.update(pairwise(order))
    fresh: list[Item] = []
    numbers: list[int] = []
    kept: list[PageMark] = []
    unchanged = bool(marks) and order[0] == start
    every_page_marked = True
    visited: set[str] = set()
    url: str | None = start
    while url is not None and url not in visited:
        visited.add(url)
        mark = known.get(url)
        page = get(url, mark.etag if mark is not None else None)
        if page.not_modified and mark is not None:
            held = mark.numbers
            kept.append(mark)
            next_url = after[url]
        else:
            unchanged = False
            held = tuple(number_of(item) for item in page.items)
            fresh.extend(page.items)
            if page.etag:
                kept.append(PageMark(url, page.etag, held))
            else:
                every_page_marked = False  # a gap in the chain: the next read is a whole one
            next_url = page.next_url
        numbers.extend(held)
        if next_url is None and len(held) >= per_page:
            # A full last page: the list may go on where no link points yet.
            next_url = page_after(url)
        url = next_url
    unchanged = unchanged and [m.url for m in kept] == order
    return PagedRead(
        tuple(fresh), tuple(numbers), tuple(kept) if every_page_marked else (), unchanged
    )
