"""The GitHub adapter against the local sandbox: the shared tracker contract, then what is
GitHub's own (conditional reads, estimate labels, the marker format, the cursor rules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansync.trackers.base import Cursor, IssueDraft
from plansync.trackers.clock import FakeClock
from plansync.trackers.github import GitHubTracker
from plansync.trackers.github_convert import (
    estimate_from_labels,
    estimate_label,
    parse_estimate_label,
)
from plansync.trackers.github_observe import Answer, Item, read_incrementally
from plansync.trackers.markers import find_marker, task_marker
from plansync.trackers.pacing import PacingLimits

from .contract import TrackerContract


@pytest.fixture
def tracker(sandbox: Any) -> Iterator[GitHubTracker]:
    github = GitHubTracker(
        "demo/plans",
        "sandbox-token",
        base_url=sandbox.github_api_url,
        pacing=PacingLimits.DISABLED,
        # Wall time as the sandbox has it, but any wait is recorded instead of slept.
        clock=FakeClock(datetime.now(UTC)),
    )
    yield github
    github.close()


@pytest.fixture
def other_side(sandbox: Any) -> Any:
    return sandbox.store


@pytest.fixture
def fail_next_create(sandbox: Any) -> Iterator[Callable[[], None]]:
    armed: list[Any] = []

    def arm() -> None:
        armed.append(
            sandbox.store.faults.fail(
                "502",
                nth=1,
                methods=["POST"],
                when="after",
                api="github",
                path_contains="/repos/demo/plans/issues",
            )
        )

    yield arm
    # The fault must have hit the create, or the test proved nothing.
    assert [rule["fired"] for rule in sandbox.store.faults.to_json()] == [1] * len(armed)


class TestGitHubContract(TrackerContract):
    distinguishes_close_reason = True
    has_conditional_reads = True


class TestGitHubOnSandbox:
    def test_unchanged_streams_are_answered_304_with_the_stored_validator(
        self, tracker: GitHubTracker
    ) -> None:
        first = tracker.observe_issues(None)
        second = tracker.observe_issues(first.cursor)
        assert second.not_modified
        assert second.cursor == first.cursor
        assert tracker.stats.not_modified == 1

    def test_observe_after_changes_reads_the_new_url_once_for_its_validator(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        other_side.create_issue(tracker.repo, "one")
        before = tracker.stats.total
        first = tracker.observe_issues(None)
        assert tracker.stats.total - before == 2  # the list, then the list since its newest
        assert first.cursor.since is not None
        assert first.cursor.etag is not None
        assert tracker.observe_issues(first.cursor).not_modified

    def test_pull_request_activity_brings_no_issue(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        tracker.create_issue(IssueDraft(title="An issue"))
        first = tracker.observe_issues(None)
        other_side.create_issue(tracker.repo, "A pull request", pull_request=True)
        second = tracker.observe_issues(first.cursor)
        assert second.items == ()
        assert tracker.observe_issues(second.cursor).not_modified

    def test_estimate_is_one_label_replacing_the_older_one(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Estimated"))
        tracker.set_estimate(issue.number, 90)
        tracker.set_estimate(issue.number, 120)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert [name for name in fetched.labels if name.startswith("estimate:")] == [
            "estimate: 2h"
        ]
        writes = tracker.stats.writes
        tracker.set_estimate(issue.number, 120)  # already so: no write
        assert tracker.stats.writes == writes

    def test_estimate_label_set_by_a_person_is_read(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        number = other_side.create_issue(tracker.repo, "By hand", labels=["estimate: 45min"])
        fetched = tracker.get_issue(number)
        assert fetched is not None
        assert fetched.estimate_minutes == 45

    def test_every_request_is_counted_by_method(self, tracker: GitHubTracker) -> None:
        tracker.create_issue(IssueDraft(title="Counted"))
        tracker.get_issue(1)
        assert tracker.stats.by_method == {"POST": 1, "GET": 1}

    def test_a_pull_request_number_is_no_issue(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        number = other_side.create_issue(tracker.repo, "A pull request", pull_request=True)
        assert tracker.get_issue(number) is None


class TestMarkers:
    def test_plain_key(self) -> None:
        assert task_marker("FIX-006") == "<!-- plansync:task=FIX-006 -->"
        assert find_marker("Body\n\n<!-- plansync:task=FIX-006 -->\n") == "FIX-006"

    def test_a_key_cannot_close_the_comment(self) -> None:
        marker = task_marker("evil --> <b>x</b> -- y")
        inner = marker.removeprefix("<!--").removesuffix("-->")
        assert "--" not in inner
        assert ">" not in inner
        assert find_marker(f"text {marker} more") == "evil --> <b>x</b> -- y"

    def test_no_marker(self) -> None:
        assert find_marker("") is None
        assert find_marker(None) is None
        assert find_marker("<!-- some other comment -->") is None

    def test_empty_key_is_refused(self) -> None:
        with pytest.raises(ValueError, match="non-empty"):
            task_marker("")

    @given(st.text(min_size=1))
    def test_any_key_round_trips(self, key: str) -> None:
        marker = task_marker(key)
        assert find_marker(f"Intro\r\n{marker}\r\n") == key
        assert marker.count("-->") == 1


class TestEstimateLabels:
    @pytest.mark.parametrize(
        ("minutes", "label"),
        [
            (90, "estimate: 1h30m"),
            (120, "estimate: 2h"),
            (45, "estimate: 45m"),
            (0, "estimate: 0m"),
        ],
    )
    def test_format_and_read_back(self, minutes: int, label: str) -> None:
        assert estimate_label(minutes) == label
        assert parse_estimate_label(label) == minutes

    @pytest.mark.parametrize(
        ("label", "minutes"),
        [("Estimate: 1.5h", 90), ("estimate: 90min", 90), ("estimate:2h 15m", 135)],
    )
    def test_written_by_hand(self, label: str, minutes: int) -> None:
        assert parse_estimate_label(label) == minutes

    def test_unreadable_or_absent(self) -> None:
        assert parse_estimate_label("estimate: soon") is None
        assert estimate_from_labels(["bug", "estimate: soon"]) is None
        assert estimate_from_labels(["bug", "estimate: 3h"]) == 180


def _item(number: int, updated: str) -> Item:
    return {"id": number, "updated_at": updated}


class FakeList:
    """A list endpoint filtered by `since`, with a validator per answer, recording requests."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.requests: list[tuple[str | None, str | None]] = []

    def _etag(self, since: str | None) -> str:
        return repr(self._answer(since))

    def _answer(self, since: str | None) -> list[Item]:
        chosen = [i for i in self.items if since is None or str(i["updated_at"]) >= since]
        return sorted(chosen, key=lambda i: str(i["updated_at"]))

    def __call__(self, since: str | None, etag: str | None) -> Answer:
        self.requests.append((since, etag))
        if etag is not None and etag == self._etag(since):
            return Answer(True, [], etag)
        return Answer(False, self._answer(since), self._etag(since))


class TestIncrementalReads:
    def test_first_read_returns_all_then_nothing(self) -> None:
        source = FakeList([_item(1, "2024-01-01T10:00:00Z"), _item(2, "2024-01-01T10:00:05Z")])
        first = read_incrementally(source, None)
        assert [i["id"] for i in first.items] == [1, 2]
        assert first.cursor.since == "2024-01-01T10:00:05Z"
        assert first.cursor.seen == (2,)
        second = read_incrementally(source, first.cursor)
        assert second.not_modified
        assert second.items == ()

    def test_an_edit_within_the_same_second_is_returned_once(self) -> None:
        source = FakeList([_item(1, "2024-01-01T10:00:00Z")])
        first = read_incrementally(source, None)
        # Edited again within the second it was read at: same updated_at, new content.
        source.items = [{"id": 1, "updated_at": "2024-01-01T10:00:00Z", "title": "renamed"}]
        second = read_incrementally(source, first.cursor)
        assert [i.get("title") for i in second.items] == ["renamed"]
        assert read_incrementally(source, second.cursor).not_modified

    def test_an_item_seen_before_and_edited_later_is_new(self) -> None:
        source = FakeList([_item(1, "2024-01-01T10:00:00Z"), _item(2, "2024-01-01T10:00:00Z")])
        first = read_incrementally(source, None)
        assert first.cursor.seen == (1, 2)
        source.items = [_item(1, "2024-01-01T10:00:00Z"), _item(2, "2024-01-01T10:00:09Z")]
        second = read_incrementally(source, first.cursor)
        assert [i["id"] for i in second.items] == [2]
        assert second.cursor == Cursor("2024-01-01T10:00:09Z", second.cursor.etag, (2,))

    def test_a_list_spanning_pages_keeps_no_validator(self) -> None:
        def fetch(since: str | None, etag: str | None) -> Answer:
            return Answer(False, [_item(1, "2024-01-01T10:00:00Z")], None)

        read = read_incrementally(fetch, Cursor("2024-01-01T10:00:00Z", None, ()))
        assert read.cursor.etag is None
        assert [i["id"] for i in read.items] == [1]

