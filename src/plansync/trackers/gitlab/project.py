"""One GitLab project as the adapter's parts reach it: every call paced, retried and explained.

`ProjectCalls.request` is the only way the GitLab adapter talks to GitLab. Writes wait their turn
in the host's paced queue (notes also in the notes queue); failures are retried or waited for by
`retry.call_with_retries` alone; what cannot be retried becomes one plansync error naming the
project; a write that must happen once goes through `ProjectCalls.write_once`. python-gitlab
objects are turned into plain dicts inside the functions handed to `request` and never leave the
adapter's modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from gitlab.exceptions import GitlabError

from plansync.clock import Clock, SystemClock
from plansync.errors import ConfigError, TrackerError
from plansync.model.remote import Cursor
from plansync.trackers.base import RequestStats
from plansync.trackers.gitlab.client import ResponseLog, build_client
from plansync.trackers.gitlab.errors import classify, is_absent, translate
from plansync.trackers.listing import read_whole_listing
from plansync.trackers.pacing import PacingLimits, tracker_pacer
from plansync.trackers.retry import (
    Verdict,
    call_with_retries,
    write_once,
)
from plansync.trackers.timeouts import Timeouts
from plansync.trackers.urls import is_http_url, normalised
from plansync.trackers.waits import current_rules

T = TypeVar("T")

DEFAULT_URL = "https://gitlab.com"
PER_PAGE = 100


def checked_url(url: str, repo: str) -> str:
    """The instance URL without a trailing slash, or ConfigError when it is no http(s) URL
    with a host."""
    if not is_http_url(url):
        raise ConfigError(
            f"The GitLab URL {url!r} for project {repo} is not an http(s) URL with a host. "
            "Set it to the address of the GitLab instance, in the form https://HOST (without "
            f"/api/v4); for gitlab.com leave it unset (it is {DEFAULT_URL})."
        )
    return normalised(url)


def place_of(repo: str, url: str) -> str:
    """How messages name the project: `GitLab group/project`, with the instance URL unless
    it is gitlab.com."""
    if url.lower() == DEFAULT_URL:
        return f"GitLab {repo}"
    return f"GitLab {repo} at {url}"


class ProjectCalls:
    """The python-gitlab client of one project, and the one door its requests go through."""

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        url: str,
        pacing: PacingLimits,
        notes_pacing: PacingLimits,
        max_wait: float,
        clock: Clock | None,
        timeout: Timeouts,
    ) -> None:
        self.repo = repo.strip("/")
        self.url = checked_url(url, self.repo)
        self.what = place_of(self.repo, self.url)  # "GitLab group/project [at URL]"
        self.stats = RequestStats()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._max_wait = max_wait
        self._log = ResponseLog(self.stats)
        self.gl = build_client(self.url, token, timeout=timeout, log=self._log)
        # A lazy project makes no request: its managers build the paths.
        self.project = self.gl.projects.get(self.repo, lazy=True)
        self._pacer = tracker_pacer(self.url, pacing, clock)
        self._notes_pacer = tracker_pacer(self.url, notes_pacing, clock, kind="notes")

    def request(
        self,
        action: str,
        fn: Callable[[], T],
        *,
        write: bool = False,
        note: bool = False,
        idempotent: bool = True,
    ) -> T:
        """Run one GitLab call with pacing, retries and plansync's errors.

        `action` is a verb phrase for messages ("close issue #4"). A write that is not
        idempotent raises UnclearWriteError when its outcome is unknown. Errors `fn` raises
        that are not python-gitlab's or requests' pass through unchanged.
        """

        def attempt() -> T:
            rules = current_rules()
            if write or note:
                self._pacer.acquire(self._max_wait, rules)
            if note:
                self._notes_pacer.acquire(self._max_wait, rules)
            return fn()

        try:
            return call_with_retries(
                attempt,
                classify=self._classify,
                idempotent=idempotent,
                what=self.what,
                max_wait=self._max_wait,
                clock=self._clock,
            )
        except GitlabError as exc:
            raise translate(exc, repo=self.repo, action=action) from exc
        except requests.RequestException as exc:
            raise TrackerError(
                f"Could not {action} in GitLab project {self.repo} at {self.url} "
                f"({type(exc).__name__}); check the tracker URL and the network."
            ) from exc

    def request_or_none(self, action: str, fn: Callable[[], T]) -> T | None:
        """A read whose 404 means "there is no such thing" (the project itself must exist)."""

        def read() -> T | None:
            try:
                return fn()
            except GitlabError as exc:
                if is_absent(exc):
                    return None
                raise

        return self.request(action, read)

    def _classify(self, exc: BaseException) -> Verdict:
        headers: Mapping[str, str] = {}
        if isinstance(exc, GitlabError) and exc.response_code is not None:
            headers = self._log.headers_of_failure(exc.response_code)
        return classify(exc, headers, self._clock.now())

    def write_once(
        self,
        action: str,
        create: Callable[[], dict[str, Any]],
        find: Callable[[], T | None] | None,
        convert: Callable[[dict[str, Any]], T],
    ) -> T:
        """Create something that must exist once: after an unclear failure, look for it with
        `find` and create again only when it is truly absent (see retry.write_once). Without
        a way to look for it (`find` None) an unclear failure is raised: trying again could
        make a duplicate."""

        def attempt() -> T:
            return convert(self.request(action, create, write=True, idempotent=False))

        return write_once(attempt, find, what=f"{action} in {self.what}")

    def changed_issue_dicts(self, cursor: Cursor | None) -> list[dict[str, Any]]:
        """Every issue updated at or after the cursor (all of them without one), oldest
        change first, read to the last page."""
        filters: dict[str, Any] = {"order_by": "updated_at", "sort": "asc"}
        if cursor is not None and cursor.since is not None:
            filters["updated_after"] = cursor.since

        def read() -> list[dict[str, Any]]:
            listing = self.project.issues.list(iterator=True, per_page=PER_PAGE, **filters)
            return [issue.asdict() for issue in listing]

        return read_whole_listing(
            lambda: self.request("list issues", read),
            lambda issue: int(issue["id"]),
            what=f"issues of {self.repo}",
        )

    def issue_url(self, number: int) -> str:
        return f"{self.url}/{self.repo}/-/issues/{number}"
