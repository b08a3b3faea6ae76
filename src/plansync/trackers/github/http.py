"""The HTTP side of the GitHub adapter: a PyGithub client that never retries or sleeps on its
own, a count of every request it sends, and conditional GETs PyGithub's lists cannot make.

plansync's `call_with_retries` is the single place that waits, so PyGithub gets `retry=None`,
no spacing between requests, and a transport adapter without urllib3 retries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from github import Auth, Github, GithubException
from github.Requester import Requester
from requests.utils import parse_header_links

from plansync.errors import ConfigError
from plansync.trackers.base import RequestStats
from plansync.trackers.timeouts import TimeoutAdapter, Timeouts
from plansync.trackers.urls import is_http_url, normalised

DEFAULT_BASE_URL = "https://api.github.com"
USER_AGENT = "plansync"
PER_PAGE = 100


def checked_base_url(base_url: str, repo: str) -> str:
    """The API URL without a trailing slash, or ConfigError when it is no http(s) URL with a
    host (PyGithub would only fail later, on the first request, with an AttributeError)."""
    if not is_http_url(base_url):
        raise ConfigError(
            f"The GitHub API URL {base_url!r} for repository {repo} is not an http(s) URL with "
            "a host. For GitHub Enterprise Server set it to the form https://HOST/api/v3; for "
            f"github.com leave it unset (it is {DEFAULT_BASE_URL})."
        )
    return normalised(base_url)


def place_of(repo: str, base_url: str) -> str:
    """How messages name the repository: `GitHub owner/name`, with the API URL unless it is
    github.com's."""
    if base_url.lower() == DEFAULT_BASE_URL:
        return f"GitHub {repo}"
    return f"GitHub {repo} at {base_url}"


class CountingAdapter(TimeoutAdapter):
    """A transport adapter that counts every request it sends, answered or not, each sent
    with the tracker's timeouts."""

    def __init__(self, stats: RequestStats, timeouts: Timeouts) -> None:
        super().__init__(timeouts)
        self._stats = stats

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        method = (request.method or "GET").upper()
        try:
            response = super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        except requests.RequestException:
            self._stats.count(method, 0)  # sent, but no status came back
            raise
        self._stats.count(method, response.status_code)
        self._stats.note_remaining(response.headers.get("x-ratelimit-remaining"))
        return response


def build_client(auth: Auth.Auth, base_url: str, timeouts: Timeouts, stats: RequestStats) -> Github:
    """A PyGithub client whose requests are all counted in `stats` and never retried by it."""
    client = Github(
        auth=auth,
        base_url=base_url.rstrip("/"),
        # The counting adapter sends every request with `timeouts`; PyGithub takes one number.
        timeout=max(1, math.ceil(timeouts.read)),
        user_agent=USER_AGENT,
        per_page=PER_PAGE,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )
    _count_requests(client.requester, stats, timeouts)
    return client


def _count_requests(requester: Requester, stats: RequestStats, timeouts: Timeouts) -> None:
    # PyGithub keeps one persistent requests.Session per requester inside a connection object
    # it creates on first use and exposes no way to reach it; create it now through the
    # name-mangled factory and mount the counting adapter on its session.
    create = getattr(requester, "_Requester__createConnection", None)
    if create is None:
        raise RuntimeError(
            "This PyGithub version keeps its HTTP connection where plansync cannot count "
            "requests; install a PyGithub release between 2.4 and 3 as pyproject.toml requires."
        )
    session: requests.Session = create().session
    adapter = CountingAdapter(stats, timeouts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


@dataclass(frozen=True)
class Page:
    """One answer of a list endpoint. `items` is empty for a 304; `served_at` is the
    server's clock when it answered (its Date header), None when absent or unreadable."""

    status: int
    items: list[dict[str, Any]]
    etag: str | None
    next_url: str | None
    served_at: datetime | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def get_page(
    requester: Requester,
    url: str,
    parameters: Mapping[str, Any] | None = None,
    etag: str | None = None,
) -> Page:
    """GET one page of a list, conditionally when `etag` is given.

    Raises PyGithub's GithubException for an error answer, like the rest of PyGithub does.
    """
    headers = {"If-None-Match": etag} if etag else None
    status, response_headers, body = requester.requestJson(
        "GET", url, parameters=dict(parameters) if parameters else None, headers=headers
    )
    if status == 304:
        return Page(304, [], etag, None)
    data = _json_or_text(body)
    if status >= 400:
        raise Requester.createException(
            status, response_headers, data if isinstance(data, dict) else {}
        )
    if not isinstance(data, list):
        raise GithubException(status, data, response_headers, f"expected a JSON list from {url}")
    return Page(
        status=status,
        items=[item for item in data if isinstance(item, dict)],
        etag=response_headers.get("etag"),
        next_url=next_link(response_headers.get("link")),
        served_at=http_date(response_headers.get("date")),
    )


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header as an aware datetime, or None."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # "-0000" reads as a naive time; HTTP dates are always GMT.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _json_or_text(body: str) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        # Proxies and load balancers answer errors in HTML; keep a line of it as the message.
        first_line = body.strip().splitlines()[0][:200] if body.strip() else ""
        return {"message": first_line}


def next_link(link_header: str | None) -> str | None:
    """The `rel="next"` URL of a Link header, or None on the last page."""
    if not link_header:
        return None
    for link in parse_header_links(link_header):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None
