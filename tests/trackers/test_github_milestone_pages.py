"""GitHub's milestones, a list no `since` filters, read page by page with every page's ETag:
an unchanged list of any length is answered 304 page after page, a change costs the pages it
touched, a list that grew past a full last page is noticed. Against the sandbox through PyGithub,
counted in its request log; then the page walk itself with pages made up, for what the sandbox
cannot do (a list that shrinks, a page without an ETag, a list that shifts while it is read)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from plansync.clock import FakeClock
from plansync.errors import TrackerUnavailableError
from plansync.model.remote import MilestonePatch, PageMark
from plansync.sandbox.server import SandboxServer
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.github.http import Page
from plansync.trackers.github.pages import page_after, read_pages
from plansync.trackers.pacing import PacingLimits

REPO = "demo/plans"


@pytest.fixture
def tracker(sandbox: SandboxServer) -> Iterator[GitHubTracker]:
    github = GitHubTracker(
        REPO,
        "sandbox-token",
        base_url=sandbox.github_api_url,
        pacing=PacingLimits.DISABLED,
        clock=FakeClock(datetime.now(UTC)),
    )
    yield github
    github.close()


def _milestones(sandbox: SandboxServer, count: int) -> None:
    for n in range(1, count + 1):
        sandbox.store.create_milestone(REPO, f"Week {n} ✨")


def _reads(sandbox: SandboxServer) -> list[tuple[int | None, str]]:
    """(status, path) of the milestone reads the sandbox answered since the log was cleared."""
    return [
        (e.status, e.path)
        for e in sandbox.store.requests.entries
        if e.method == "GET" and "/milestones" in e.path
    ]


class TestAnUnchangedListOfManyPages:
    def test_every_page_is_answered_304(
        self, sandbox: SandboxServer, tracker: GitHubTracker
    ) -> None:
        _milestones(sandbox, 250)
        first = tracker.observe_milestones(None)
        assert len(first.items) == 250
        assert [len(mark.numbers) for mark in first.cursor.pages] == [100, 100, 50]

        sandbox.store.requests.clear()
        again = tracker.observe_milestones(first.cursor)

        assert again.not_modified
        assert again.items == ()
        assert again.all_numbers == frozenset(range(1, 251))
        assert [status for status, _ in _reads(sandbox)] == [304, 304, 304]

    def test_a_change_on_page_two_costs_that_page_only(
        self, sandbox: SandboxServer, tracker: GitHubTracker
    ) -> None:
        _milestones(sandbox, 250)
        first = tracker.observe_milestones(None)
        sandbox.store.update_milestone(REPO, 150, description="moved → later")

        sandbox.store.requests.clear()
        again = tracker.observe_milestones(first.cursor)

        assert not again.not_modified
        assert [status for status, _ in _reads(sandbox)] == [304, 200, 304]
        assert {m.number for m in again.items} == set(range(101, 201))
        assert next(m for m in again.items if m.number == 150).description == "moved → later"
        assert again.all_numbers == frozenset(range(1, 251))
        sandbox.store.requests.clear()
        assert tracker.observe_milestones(again.cursor).not_modified

    def test_a_milestone_moved_to_another_page_is_on_its_new_page(
        self, sandbox: SandboxServer, tracker: GitHubTracker
    ) -> None:
        # Milestones are listed by due date, those without one last: a due date moves it first.
        _milestones(sandbox, 150)
        first = tracker.observe_milestones(None)
        sandbox.store.update_milestone(REPO, 140, due_on=date(2026, 1, 5))

        again = tracker.observe_milestones(first.cursor)

        assert again.all_numbers == frozenset(range(1, 151))
        assert [m.number for m in again.items][:2] == [140, 1]
        assert again.cursor.pages[0].numbers[:2] == (140, 1)


class TestAListThatGrows:
    def test_past_a_full_last_page(self, sandbox: SandboxServer, tracker: GitHubTracker) -> None:
        # 200 milestones fill two pages: no link points past the second, so the third page
        # (empty) is read and kept with its ETag, and a 201st milestone changes it.
        _milestones(sandbox, 200)
        first = tracker.observe_milestones(None)
        assert [len(mark.numbers) for mark in first.cursor.pages] == [100, 100, 0]

        sandbox.store.requests.clear()
        assert tracker.observe_milestones(first.cursor).not_modified
        assert [status for status, _ in _reads(sandbox)] == [304, 304, 304]

        sandbox.store.create_milestone(REPO, "Week 201")
        sandbox.store.requests.clear()
        grown = tracker.observe_milestones(first.cursor)

        assert [status for status, _ in _reads(sandbox)] == [304, 304, 200]
        assert [m.title for m in grown.items] == ["Week 201"]
        assert grown.all_numbers == frozenset(range(1, 202))
        assert [len(mark.numbers) for mark in grown.cursor.pages] == [100, 100, 1]

    def test_a_write_of_ours_shows_on_the_next_read(
        self, sandbox: SandboxServer, tracker: GitHubTracker
    ) -> None:
        _milestones(sandbox, 120)
        first = tracker.observe_milestones(None)
        tracker.update_milestone(3, MilestonePatch(description="progress: 2/5"))

        again = tracker.observe_milestones(first.cursor)

        assert [m.number for m in again.items] == list(range(1, 101))
        assert next(m for m in again.items if m.number == 3).description == "progress: 2/5"


# -- the page walk, with pages made up --------------------------------------------------------


class Pages:
    """A made-up list served `per_page` items a page at ?page=N, ETag = the page's content.
    `shift_after` moves the list on (by `moved`) once that many pages have been served."""

    def __init__(self, numbers: list[int], per_page: int = 2, *, etags: bool = True) -> None:
        self.numbers = numbers
        self.per_page = per_page
        self.etags = etags
        self.served: list[tuple[str, int]] = []
        self.shift_after: int | None = None
        self.moved: list[int] = []

    def get(self, url: str, etag: str | None) -> Page:
        if self.shift_after is not None and len(self.served) == self.shift_after:
            self.numbers = self.moved
        number = int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])
        start = (number - 1) * self.per_page
        held = self.numbers[start : start + self.per_page]
        tag = f'W/"{held}"'
        if etag is not None and etag == tag:
            self.served.append((url, 304))
            return Page(304, [], etag, None)
        self.served.append((url, 200))
        more = start + self.per_page < len(self.numbers)
        items: list[dict[str, Any]] = [{"number": n} for n in held]
        return Page(200, items, tag if self.etags else None, page_after(url) if more else None)


def _walk(pages: Pages, marks: tuple[PageMark, ...] = ()) -> Any:
    return read_pages(
        pages.get, "/list?per_page=2", marks, 2, lambda item: int(item["number"]), what="things"
    )


class TestThePageWalk:
    def test_a_list_that_shrank_drops_the_pages_past_its_end(self) -> None:
        pages = Pages([1, 2, 3, 4, 5])
        first = _walk(pages)
        assert [m.numbers for m in first.marks] == [(1, 2), (3, 4), (5,)]
        pages.numbers = [1, 2, 3]

        again = _walk(pages, first.marks)

        assert again.numbers == (1, 2, 3)
        assert [m.numbers for m in again.marks] == [(1, 2), (3,)]
        assert [status for _, status in pages.served[-2:]] == [304, 200]

    def test_a_page_without_an_etag_leaves_no_marks(self) -> None:
        pages = Pages([1, 2, 3], etags=False)
        read = _walk(pages)
        assert read.numbers == (1, 2, 3)
        assert read.marks == ()

    def test_a_list_that_shifted_while_read_is_read_again(self) -> None:
        pages = Pages([1, 2, 3, 4, 5])
        first = _walk(pages)
        # After page 1 was answered 304, a new item lands first: item 2 moves to page 2,
        # where it shows up a second time, and the walk starts over.
        pages.shift_after = len(pages.served) + 1
        pages.moved = [6, 1, 2, 3, 4, 5]

        again = _walk(pages, first.marks)

        assert sorted(again.numbers) == [1, 2, 3, 4, 5, 6]
        assert not again.not_modified

    def test_a_list_that_keeps_shifting_is_a_failure(self) -> None:
        class Restless(Pages):
            def get(self, url: str, etag: str | None) -> Page:
                page = super().get(url, None)
                if "&page=2" in url:
                    return Page(200, [{"number": 1}], page.etag, None)
                return page

        with pytest.raises(TrackerUnavailableError, match="kept changing"):
            _walk(Restless([1, 2, 3]))


class TestPageAfter:
    @pytest.mark.parametrize(
        ("url", "after"),
        [
            ("/repos/o/n/milestones?per_page=100&state=all", "page=2"),
            ("https://api.github.com/repositories/9/milestones?page=3&per_page=100", "page=4"),
        ],
    )
    def test_the_page_number_moves_on_and_the_rest_stays(self, url: str, after: str) -> None:
        moved = page_after(url)
        assert after in moved
        assert moved.split("?")[0] == url.split("?")[0]
        assert "per_page=100" in moved
