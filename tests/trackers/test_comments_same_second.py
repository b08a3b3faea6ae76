"""Comments read incrementally from GitHub, whose `since` counts whole seconds: a comment
written or edited in the second the cursor stands at is read, next to other changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from plansync.clock import FakeClock
from plansync.model.remote import IssueDraft
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.pacing import PacingLimits


@pytest.fixture
def tracker(sandbox: Any) -> Iterator[GitHubTracker]:
    github = GitHubTracker(
        "demo/plans",
        "sandbox-token",
        base_url=sandbox.github_api_url,
        pacing=PacingLimits.DISABLED,
        clock=FakeClock(datetime.now(UTC)),
    )
    yield github
    github.close()


@pytest.fixture
def frozen(sandbox: Any) -> FakeClock:
    """The sandbox's clock stands still: everything happens within one second."""
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC))
    sandbox.store.set_clock(clock)
    return clock


class TestCommentsInTheCursorsSecond:
    def test_a_new_comment_in_that_second_is_read(
        self, tracker: GitHubTracker, sandbox: Any, frozen: FakeClock
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Discussed"))
        store = sandbox.store
        store.add_comment(tracker.repo, issue.number, "first", user="alice")
        first = tracker.observe_comments(None)
        later = store.add_comment(tracker.repo, issue.number, "/plan done", user="bob")

        second = tracker.observe_comments(first.cursor)

        assert [c.id for c in second.items] == [later]
        assert tracker.observe_comments(second.cursor).items == ()

    def test_an_edit_in_that_second_next_to_a_new_comment_is_read(
        self, tracker: GitHubTracker, sandbox: Any, frozen: FakeClock
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Discussed"))
        store = sandbox.store
        edited = store.add_comment(tracker.repo, issue.number, "first", user="alice")
        first = tracker.observe_comments(None)
        store.edit_comment(tracker.repo, edited, "first, edited")
        new = store.add_comment(tracker.repo, issue.number, "second", user="bob")

        second = tracker.observe_comments(first.cursor)

        bodies = {c.id: c.body for c in second.items}
        assert bodies == {edited: "first, edited", new: "second"}

    def test_an_edit_alone_in_that_second_is_read(
        self, tracker: GitHubTracker, sandbox: Any, frozen: FakeClock
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Discussed"))
        store = sandbox.store
        edited = store.add_comment(tracker.repo, issue.number, "first", user="alice")
        first = tracker.observe_comments(None)
        store.edit_comment(tracker.repo, edited, "first, edited")

        second = tracker.observe_comments(first.cursor)

        assert [c.body for c in second.items] == ["first, edited"]
