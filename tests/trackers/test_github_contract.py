"""The GitHub adapter against the local sandbox: the shared tracker contract, then what is
GitHub's own (conditional reads, estimate labels, the marker format, the cursor rules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansync.clock import FakeClock
from plansync.model.remote import Cursor, IssueDraft, IssuePatch
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.github.convert import (
    estimate_from_labels,
    estimate_label,
    parse_estimate_label,
)
from plansync.trackers.github.observe import (
    IncrementalRead,
    Item,
    Probe,
    probe_validator,
    read_incrementally,
)
from plansync.trackers.markers import find_marker, task_marker
from plansync.trackers.pacing import PacingLimits

from .contract import TrackerContract, failing_creates


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
    yield from failing_creates(sandbox, api="github", path_contains="/repos/demo/plans/issues")


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

    def test_a_repository_on_one_page_is_observed_with_one_request(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        other_side.create_issue(tracker.repo, "one")
        before = tracker.stats.total
        first = tracker.observe_issues(None)
        assert tracker.stats.total - before == 1  # the newest-first page holds it all
        assert first.cursor.since is not None
        assert first.cursor.etag is not None
        assert tracker.observe_issues(first.cursor).not_modified

    def test_unchanged_streams_are_probed_newest_first_without_since(
        self, tracker: GitHubTracker, sandbox: Any
    ) -> None:
        issues = tracker.observe_issues(None)
        comments = tracker.observe_comments(None)
        tracker.observe_issues(issues.cursor)
        tracker.observe_comments(comments.cursor)
        probes = [e for e in sandbox.store.requests.entries if "direction=desc" in e.path]
        assert len(probes) == 4
        assert all("since=" not in entry.path for entry in probes)
        assert [entry.status for entry in probes] == [200, 200, 304, 304]

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
        assert [name for name in fetched.labels if name.startswith("estimate:")] == ["estimate: 2h"]
        writes = tracker.stats.writes
        tracker.set_estimate(issue.number, 120)  # already so: no write
        assert tracker.stats.writes == writes

    def test_an_estimate_after_other_requests_reads_the_labels_again(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        # Set right after an edit, an estimate takes the labels from that edit's answer; once
        # another request went in between, a person may have labelled the issue meanwhile.
        issue = tracker.create_issue(IssueDraft(title="Estimated"))
        tracker.update_issue(issue.number, IssuePatch(title="Estimated, renamed"))
        tracker.observe_issues(None)
        other_side.update_issue(tracker.repo, issue.number, user="alice", labels=["bug"])
        tracker.set_estimate(issue.number, 90)
        labels = other_side.issue(tracker.repo, issue.number).labels
        assert sorted(labels) == ["bug", "estimate: 1h30m"]

    def test_an_estimate_of_zero_leaves_no_estimate_label(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Estimated"))
        tracker.set_estimate(issue.number, 90)
        tracker.set_estimate(issue.number, 0)
        labels = other_side.issue(tracker.repo, issue.number).labels
        assert [name for name in labels if name.startswith("estimate:")] == []

    def test_an_estimate_label_of_zero_set_by_a_person_reads_as_none(
        self, tracker: GitHubTracker, other_side: Any
    ) -> None:
        number = other_side.create_issue(tracker.repo, "By hand", labels=["estimate: 0m"])
        fetched = tracker.get_issue(number)
        assert fetched is not None
        assert fetched.estimate_minutes is None

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


def _at(second: int) -> str:
    """A timestamp `second` seconds after 10:00:00, as GitHub writes them."""
    return (BASE + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")


BASE = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


class FakeList:
    """A list endpoint sorted by `updated_at`: a newest-first first page of `page_size` items
    whose validator is its content, and the `since`-filtered list, recording every request.
    `served_at` is the server's clock as its Date header gives it."""

    def __init__(
        self, items: list[Item], page_size: int = 100, served_at: datetime | None = None
    ) -> None:
        self.items = items
        self.page_size = page_size
        self.served_at = served_at
        self.probes: list[str | None] = []
        self.reads: list[str | None] = []

    def probe(self, etag: str | None) -> Probe:
        self.probes.append(etag)
        newest_first = sorted(
            self.items, key=lambda i: (str(i["updated_at"]), int(i["id"])), reverse=True
        )
        page = newest_first[: self.page_size]
        validator = repr(page)
        if etag == validator:
            return Probe(True, [], etag, True, self.served_at)
        complete = len(self.items) <= self.page_size
        return Probe(False, page, validator, complete, self.served_at)

    def read_since(self, since: str | None) -> list[Item]:
        self.reads.append(since)
        chosen = [i for i in self.items if since is None or str(i["updated_at"]) >= since]
        return sorted(chosen, key=lambda i: (str(i["updated_at"]), int(i["id"])))

    def read(self, cursor: Cursor | None) -> IncrementalRead:
        return read_incrementally(self.probe, self.read_since, cursor)


class TestIncrementalReads:
    def test_a_list_on_one_page_is_read_from_the_probe_alone(self) -> None:
        source = FakeList([_item(1, _at(0)), _item(2, _at(5))])
        first = source.read(None)
        assert [i["id"] for i in first.items] == [1, 2]
        assert first.cursor.since == _at(5)
        assert first.cursor.seen == (2,)
        assert first.cursor.etag is not None
        assert (len(source.probes), source.reads) == (1, [])
        second = source.read(first.cursor)
        assert second.not_modified
        assert second.items == ()
        assert source.probes[-1] == first.cursor.etag

    def test_an_edit_within_the_same_second_is_returned_once(self) -> None:
        source = FakeList([_item(1, _at(0)), _item(2, _at(0))])
        first = source.read(None)
        # Edited again within the second it was read at: same updated_at, new content.
        source.items = [{"id": 1, "updated_at": _at(0), "title": "renamed"}, _item(2, _at(0))]
        second = source.read(first.cursor)
        assert [i.get("title") for i in second.items if i["id"] == 1] == ["renamed"]
        assert source.read(second.cursor).not_modified

    def test_an_item_seen_before_and_edited_later_is_new(self) -> None:
        source = FakeList([_item(1, _at(0)), _item(2, _at(0))])
        first = source.read(None)
        assert first.cursor.seen == (1, 2)
        source.items = [_item(1, _at(0)), _item(2, _at(9))]
        second = source.read(first.cursor)
        assert [i["id"] for i in second.items] == [2]
        assert (second.cursor.since, second.cursor.seen) == (_at(9), (2,))

    def test_an_edit_within_the_cursors_second_next_to_another_change_is_returned(self) -> None:
        source = FakeList([_item(1, _at(0)), _item(2, _at(0))])
        first = source.read(None)
        # Item 1 edited within the second it was read at, item 3 new in that second.
        source.items = [
            {"id": 1, "updated_at": _at(0), "title": "renamed"},
            _item(2, _at(0)),
            _item(3, _at(0)),
        ]
        second = source.read(first.cursor)
        assert [i["id"] for i in second.items] == [1, 3]
        assert source.read(second.cursor).not_modified

    def test_a_bulk_edit_beyond_a_page_read_later_is_then_answered_304(self) -> None:
        # 250 items changed within one second (a bulk close), read a minute later.
        source = FakeList(
            [_item(n, _at(0)) for n in range(250)], served_at=BASE + timedelta(minutes=1)
        )
        first = source.read(None)
        assert len(first.items) == 250
        assert source.reads == [None]
        assert first.cursor.etag is not None
        second = source.read(first.cursor)
        assert second.not_modified
        assert (len(source.probes), len(source.reads)) == (2, 1)

    def test_a_bulk_edit_beyond_a_page_read_within_its_second_keeps_no_validator(self) -> None:
        # The page shows 100 of the 250 items of that second: an edit of another one within
        # the same second would leave the page as it is, so its validator proves nothing.
        source = FakeList([_item(n, _at(0)) for n in range(250)], served_at=BASE)
        first = source.read(None)
        assert first.cursor.etag is None
        source.items[10] = {"id": 10, "updated_at": _at(0), "title": "closed as well"}
        second = source.read(first.cursor)
        assert second.cursor.etag is None
        assert source.probes[-1] is None
        assert source.reads == [None, _at(0)]
        # Re-read in full, the second brings the item edited within it, and only that one.
        assert [i["id"] for i in second.items] == [10]
        source.served_at = BASE + timedelta(seconds=1)
        third = source.read(second.cursor)
        assert third.items == ()
        assert third.cursor.etag is not None
        assert source.read(third.cursor).not_modified

    def test_a_probe_reaching_back_past_the_cursor_needs_no_other_read(self) -> None:
        source = FakeList([_item(n, _at(60 * n)) for n in range(300)])
        first = source.read(None)
        assert source.reads == [None]
        source.items[5] = _item(5, _at(60 * 300))
        source.items[7] = _item(7, _at(60 * 301))
        second = source.read(first.cursor)
        assert [i["id"] for i in second.items] == [5, 7]
        assert source.reads == [None]
        assert (second.cursor.since, second.cursor.seen) == (_at(60 * 301), (7,))
        assert second.cursor.etag is not None

    def test_more_changes_than_a_page_are_read_page_by_page_since_the_cursor(self) -> None:
        source = FakeList([_item(n, _at(60 * n)) for n in range(300)])
        first = source.read(None)
        since = first.cursor.since
        for n in range(150):
            source.items[n] = _item(n, _at(60 * 300 + n))
        second = source.read(first.cursor)
        assert [i["id"] for i in second.items] == list(range(150))
        assert source.reads == [None, since]


class TestProbeValidator:
    def _probe(self, items: list[Item], *, complete: bool, served_at: datetime | None) -> Probe:
        return Probe(False, items, 'W/"v"', complete, served_at)

    def test_a_whole_list_is_validated_by_its_page(self) -> None:
        probe = self._probe([_item(1, _at(0))], complete=True, served_at=None)
        assert probe_validator(probe) == 'W/"v"'

    def test_a_page_holding_older_items_shows_its_whole_newest_second(self) -> None:
        items = [_item(3, _at(5)), _item(2, _at(5)), _item(1, _at(4))]
        probe = self._probe(items, complete=False, served_at=BASE + timedelta(seconds=5))
        assert probe_validator(probe) == 'W/"v"'

    def test_a_page_all_in_one_second_needs_the_server_past_it(self) -> None:
        items = [_item(2, _at(5)), _item(1, _at(5))]
        within = self._probe(items, complete=False, served_at=BASE + timedelta(seconds=5))
        after = self._probe(items, complete=False, served_at=BASE + timedelta(seconds=6))
        unknown = self._probe(items, complete=False, served_at=None)
        assert probe_validator(within) is None
        assert probe_validator(after) == 'W/"v"'
        assert probe_validator(unknown) is None
