"""Page slicing and the pagination headers of both services."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from plansync.sandbox.http_types import ApiRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def slice(self, items: Sequence[T]) -> list[T]:
        start = (self.number - 1) * self.per_page
        return list(items[start : start + self.per_page])


def page_of(request: ApiRequest, total: int, *, default: int, maximum: int = 100) -> Page:
    """The page asked for: `per_page` clamped to 1..maximum (default when absent or not a
    number), `page` at least 1."""
    per_page = _int(request.param("per_page"), default)
    per_page = default if per_page < 1 else min(per_page, maximum)
    number = max(1, _int(request.param("page"), 1))
    return Page(number=number, per_page=per_page, total=total)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _page_url(base: str, path: str, query: str, number: int) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "page"]
    pairs.append(("page", str(number)))
    return f"{base}{path}?{urlencode(pairs)}"


def github_link(request: ApiRequest, page: Page, link_path: str) -> str | None:
    """GitHub's Link header: prev, next, last, first, pointing at `link_path` (GitHub points
    repository lists at /repositories/{id}/...), absent when everything fits one page."""
    if page.last <= 1 and page.number <= 1:
        return None
    query = urlsplit(request.raw_target).query
    rels: list[tuple[str, int]] = []
    if page.number > 1:
        rels.append(("prev", min(page.number - 1, page.last)))
    if page.number < page.last:
        rels.append(("next", page.number + 1))
        rels.append(("last", page.last))
    if page.number > 1:
        rels.append(("first", 1))
    return ", ".join(
        f'<{_page_url(request.base_url, link_path, query, n)}>; rel="{rel}"' for rel, n in rels
    )


def gitlab_headers(request: ApiRequest, page: Page, link_path: str) -> list[tuple[str, str]]:
    """GitLab's offset pagination headers (X-Page, X-Total, ...) and its Link header."""
    query = urlsplit(request.raw_target).query
    has_next = page.number < page.last
    has_prev = page.number > 1
    rels: list[tuple[str, int]] = []
    if has_prev:
        rels.append(("prev", min(page.number - 1, page.last)))
    if has_next:
        rels.append(("next", page.number + 1))
    rels.append(("first", 1))
    rels.append(("last", page.last))
    link = ", ".join(
        f'<{_page_url(request.base_url, link_path, query, n)}>; rel="{rel}"' for rel, n in rels
    )
    return [
        ("Link", link),
        ("X-Page", str(page.number)),
        ("X-Per-Page", str(page.per_page)),
        ("X-Next-Page", str(page.number + 1) if has_next else ""),
        ("X-Prev-Page", str(page.number - 1) if has_prev else ""),
        ("X-Total", str(page.total)),
        ("X-Total-Pages", str(page.last)),
    ]
