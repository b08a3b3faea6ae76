"""Running requests against one GitHub repository: paced, retried, and explained.

Every request of the GitHub adapter goes through `RepoRequests.call`: a write first waits for
the host's paced queue, failures are judged by `call_with_retries` (the only place that waits),
and final failures become plansync errors naming the repository. A write that must happen once
goes through `RepoRequests.write_once`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from github import GithubException
from github.Requester import Requester

from plansync.clock import Clock
from plansync.errors import NotFoundError
from plansync.model.remote import PageMark
from plansync.trackers.github.errors import GitHubErrors, classify
from plansync.trackers.github.http import PER_PAGE, Page, get_page, place_of
from plansync.trackers.github.observe import Answer, Item, Probe
from plansync.trackers.github.pages import PagedRead, first_url, read_pages
from plansync.trackers.pacing import WritePacer
from plansync.trackers.retry import call_with_retries, write_once
from plansync.trackers.waits import current_rules

T = TypeVar("T")

# Our clock and GitHub's differ a little: what an unclear write may have made is looked for
# among things GitHub dates at most this long before the write was sent.
CLOCK_SKEW = timedelta(minutes=5)


class RepoRequests:
    def __init__(
        self,
        repo: str,
        path: str,
        requester: Requester,
        pacer: WritePacer,
        clock: Clock,
        max_wait: float,
        auth_hint: str,
        base_url: str,
    ) -> None:
        self.repo = repo
        self.path = path  # `/repos/owner/name`, relative to the API's base URL
        self.requester = requester
        self.what = place_of(repo, base_url)  # "GitHub owner/name [at URL]", for messages
        self.clock = clock
        self.errors = GitHubErrors(repo, auth_hint, self.repository_exists)
        self._pacer = pacer
        self._max_wait = max_wait
        self._repository_seen = False

    def call(
        self,
        fn: Callable[[], T],
        doing: str,
        subject: str = "",
        *,
        write: bool = False,
        idempotent: bool = True,
        proves_repository: bool = True,
    ) -> T:
        """Run one request. `doing` and `subject` word the error (see GitHubErrors)."""

        def attempt() -> T:
            if write:
                self._pacer.acquire(self._max_wait, current_rules())
            return fn()

        try:
            result = call_with_retries(
                attempt,
                classify=lambda exc: classify(exc, self.clock.now()),
                idempotent=idempotent,
                what=self.what,
                max_wait=self._max_wait,
                clock=self.clock,
            )
        except GithubException as exc:
            raise self.errors.translate(exc, doing, subject) from exc
        if proves_repository:
            self._repository_seen = True
        return result

    def write_once(
        self,
        attempt: Callable[[], T],
        find_existing: Callable[[], T | None] | None,
        doing: str,
    ) -> T:
        """A write that must take effect once: after an unclear failure `find_existing`
        looks for its result before it is tried again (see retry.write_once)."""
        return write_once(attempt, find_existing, what=f"{doing} in {self.what}")

    def call_or_none(self, fn: Callable[[], T], doing: str, subject: str) -> T | None:
        """A read that answers None when `subject` does not exist (404 / 410) in a repository
        that does; when the repository itself is missing that stays an error."""

        def attempt() -> T | None:
            try:
                return fn()
            except GithubException as exc:
                if exc.status in (404, 410):
                    return None
                raise

        result = self.call(attempt, doing, subject, proves_repository=False)
        if result is not None:
            self._repository_seen = True
        elif not self.repository_exists():
            raise self.errors.not_found(404, "Not Found")
        return result

    def repository_exists(self) -> bool:
        """Whether the repository is visible; asked only to explain a 404, at most once."""
        if self._repository_seen:
            return True
        try:
            self.call(
                partial(self.requester.requestJsonAndCheck, "GET", self.path),
                "read the repository",
            )
        except NotFoundError:
            return False
        return True

    def pages(
        self, path: str, parameters: Mapping[str, Any], doing: str
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, lazily, each request retried on its own."""
        page = self.call(partial(get_page, self.requester, path, parameters), doing)
        yield page.items
        while page.next_url is not None:
            page = self.call(partial(get_page, self.requester, page.next_url), doing)
            yield page.items

    def probe(
        self, path: str, parameters: Mapping[str, Any], etag: str | None, doing: str
    ) -> Probe:
        """The first page of a list, conditionally when `etag` is given (see github_observe)."""
        page = self.call(partial(get_page, self.requester, path, parameters, etag), doing)
        return Probe(
            not_modified=page.not_modified,
            items=list(page.items),
            etag=page.etag,
            complete=page.next_url is None,
            served_at=page.served_at,
        )

    def fetch_all(
        self,
        path: str,
        parameters: Mapping[str, Any],
        etag: str | None,
        doing: str,
    ) -> Answer:
        """Every page of a list; the first request is conditional when `etag` is given."""
        first = self.call(partial(get_page, self.requester, path, parameters, etag), doing)
        if first.not_modified:
            return Answer(True, [], etag)
        items: list[Item] = list(first.items)
        next_url = first.next_url
        while next_url is not None:
            page = self.call(partial(get_page, self.requester, next_url), doing)
            items.extend(page.items)
            next_url = page.next_url
        single_page = first.next_url is None
        return Answer(False, items, first.etag if single_page else None)

    def read_pages(
        self,
        path: str,
        parameters: Mapping[str, Any],
        marks: tuple[PageMark, ...],
        number_of: Callable[[Item], int],
        doing: str,
        what: str,
    ) -> PagedRead:
        """Every page of a list, each asked for with its ETag from `marks` (see
        github/pages.py); each request retried on its own."""

        def get(url: str, etag: str | None) -> Page:
            return self.call(partial(get_page, self.requester, url, None, etag), doing)

        start = first_url(path, parameters)
        return read_pages(get, start, marks, PER_PAGE, number_of, what=what)
