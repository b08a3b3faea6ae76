"""The python-gitlab client as the GitLab adapter uses it: one request per call, every request seen.

python-gitlab sleeps on 429 answers and can retry 5xx answers by itself. plansync waits in one
place only (`retry.call_with_retries`, which knows the run's patience and clock), so the client
built here never waits or retries. A response hook on its requests session counts every HTTP
request and keeps the headers of the last failed answer, which python-gitlab's exceptions drop
(Retry-After, RateLimit-Reset).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, BinaryIO

import gitlab
import requests

from plansync.trackers.base import RequestStats
from plansync.trackers.timeouts import TimeoutAdapter, Timeouts


class SingleShotGitlab(gitlab.Gitlab):
    """A python-gitlab client whose requests are never slept on or repeated by python-gitlab."""

    def http_request(
        self,
        verb: str,
        path: str,
        query_data: dict[str, Any] | None = None,
        post_data: dict[str, Any] | bytes | BinaryIO | None = None,
        raw: bool = False,
        streamed: bool = False,
        files: dict[str, Any] | None = None,
        timeout: float | None = None,
        obey_rate_limit: bool = True,
        retry_transient_errors: bool | None = None,
        max_retries: int = 10,
        extra_headers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        # Whatever a manager asked for, the waiting belongs to plansync's retry layer.
        return super().http_request(
            verb,
            path,
            query_data=query_data,
            post_data=post_data,
            raw=raw,
            streamed=streamed,
            files=files,
            timeout=timeout,
            obey_rate_limit=False,
            retry_transient_errors=False,
            max_retries=0,
            extra_headers=extra_headers,
            **kwargs,
        )


class ResponseLog:
    """A requests response hook: counts each request in `stats` and remembers, per thread, the
    status and headers of the last answer that was not a success."""

    def __init__(self, stats: RequestStats) -> None:
        self.stats = stats
        self._local = threading.local()

    def __call__(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        method = response.request.method or "GET"
        self.stats.count(method.upper(), response.status_code)
        self.stats.note_remaining(response.headers.get("ratelimit-remaining"))
        if response.status_code >= 400:
            self._local.failure = (response.status_code, dict(response.headers))

    def headers_of_failure(self, status: int) -> Mapping[str, str]:
        """Headers of the last failed answer on this thread, if it had this status."""
        failure: tuple[int, dict[str, str]] | None = getattr(self._local, "failure", None)
        if failure is None or failure[0] != status:
            return {}
        return failure[1]


def build_client(url: str, token: str, *, timeout: Timeouts, log: ResponseLog) -> SingleShotGitlab:
    """A client for one GitLab instance whose every response passes through `log`, and
    whose every request is sent with `timeout`."""
    client = SingleShotGitlab(
        url,
        private_token=token,
        # One number here; the adapter mounted below sends the connect and read timeouts.
        timeout=timeout.read,
        retry_transient_errors=False,
        # Follow pagination links on the URL we were given, even when the server (or a proxy in
        # front of it) names itself differently in its Link headers.
        keep_base_url=True,
    )
    client.session.hooks["response"].append(log)
    adapter = TimeoutAdapter(timeout)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client
