"""The run's view of the tracker: issues found gone leave it (a whole list without them, a
move, a 404 / 410 on the check of linked issues), and a read that failed takes nothing away."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

import pytest

from plansync.errors import RateLimitedError, TrackerUnavailableError
from plansync.model.remote import (
    Cursor,
    IssueState,
    Observed,
    PageMark,
    RemoteIssue,
    RemoteMilestone,
)
from plansync.model.sync import Link, TaskRef
from plansync.state.base import StateStore
from plansync.state.open import memory_state
from plansync.sync.observe import CHECKED_KEY, Snapshot, deletion_check_due
from plansync.trackers.base import Tracker

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def issue(number: int, *, moved: bool = False) -> RemoteIssue:
    return RemoteIssue(
        number, 900 + number, f"u/{number}", f"#{number}", "", IssueState.OPEN, WHEN, WHEN,
        moved=moved,
    )  # fmt: skip


class StubTracker:
    """Answers the reads a Snapshot makes: the issue read it is given, and `get_issue` from a
    table (an exception in it is raised)."""

    def __init__(
        self,
        changed: Observed[RemoteIssue],
        answers: dict[int, RemoteIssue | Exception | None] | None = None,
    ) -> None:
        self.changed = changed
        self.answers = answers or {}
        self.asked: list[int] = []
        # What each milestone read answers, in turn (then: not modified), and the cursors given.
        self.milestone_reads: list[Observed[RemoteMilestone]] = []
        self.milestone_cursors: list[Cursor | None] = []

    def observe_issues(self, cursor: Cursor | None = None) -> Observed[RemoteIssue]:
        return self.changed

    def observe_milestones(self, cursor: Cursor | None = None) -> Observed[RemoteMilestone]:
        self.milestone_cursors.append(cursor)
        if self.milestone_reads:
            return self.milestone_reads.pop(0)
        return Observed((), Cursor(), not_modified=True)

    def get_issue(self, number: int) -> RemoteIssue | None:
        self.asked.append(number)
        answer = self.answers.get(number, issue(number))
        if isinstance(answer, Exception):
            raise answer
        return answer


def tracker(stub: StubTracker) -> Tracker:
    return cast(Tracker, stub)


NOTHING_CHANGED: Observed[RemoteIssue] = Observed((), Cursor(since="2026-01-01T00:00:00Z"))


@pytest.fixture
def store() -> Iterator[StateStore]:
    """A store holding issues #1 to #3, each linked to a task, after one finished run."""
    with memory_state() as database:
        found = database.store("demo", "github:demo/plans")
        found.save_snapshot([issue(n) for n in (1, 2, 3)], [], {})
        for n in (1, 2, 3):
            found.save_link(Link(TaskRef("plan.md", f"T{n}"), n, 900 + n, f"u/{n}"))
        found.finish_run(found.start_run(dry_run=False), True, {CHECKED_KEY: True})
        yield found


class TestWholeList:
    def test_an_issue_missing_from_a_whole_list_is_gone(self, store: StateStore) -> None:
        listed = Observed((issue(3),), Cursor(), all_numbers=frozenset({1, 3}))
        snapshot = Snapshot(tracker(StubTracker(listed)), store)

        snapshot.observe()
        snapshot.save(store)

        assert sorted(snapshot.issues) == [1, 3]
        assert sorted(store.cached_issues()) == [1, 3]
        assert snapshot.checked

    def test_a_read_of_what_changed_says_nothing_of_what_is_absent(self, store: StateStore) -> None:
        snapshot = Snapshot(tracker(StubTracker(Observed((issue(3),), Cursor()))), store)

        snapshot.observe()

        assert sorted(snapshot.issues) == [1, 2, 3]
        assert not snapshot.checked

    def test_an_issue_moved_to_another_project_is_gone(self, store: StateStore) -> None:
        moved = Observed((issue(2, moved=True),), Cursor())
        snapshot = Snapshot(tracker(StubTracker(moved)), store)

        snapshot.observe()
        snapshot.save(store)

        assert sorted(snapshot.issues) == [1, 3]
        assert sorted(store.cached_issues()) == [1, 3]


class TestCheckOfLinkedIssues:
    def test_each_linked_issue_is_read_and_those_gone_or_moved_leave(
        self, store: StateStore
    ) -> None:
        stub = StubTracker(NOTHING_CHANGED, {2: None, 3: issue(3, moved=True)})
        snapshot = Snapshot(tracker(stub), store, check_deleted_every=1)

        snapshot.observe()
        snapshot.observe()  # the read after the run's writes does not check again

        assert stub.asked == [1, 2, 3]
        assert sorted(snapshot.issues) == [1]
        assert snapshot.checked
        assert snapshot.notices == []

    def test_a_read_that_fails_ends_the_check_and_takes_nothing_for_gone(
        self, store: StateStore
    ) -> None:
        failure = TrackerUnavailableError("GitHub demo/plans kept failing (HTTP 500).")
        stub = StubTracker(NOTHING_CHANGED, {1: None, 2: failure})
        snapshot = Snapshot(tracker(stub), store, check_deleted_every=1)

        snapshot.observe()

        assert stub.asked == [1, 2]  # #3 is left for the next check
        assert sorted(snapshot.issues) == [2, 3]  # #1 answered 404 / 410: that stands
        assert not snapshot.checked
        (notice,) = snapshot.notices
        assert notice.message.startswith("the look for deleted issues stopped at issue #2: ")
        assert "Nothing is taken for deleted because of it" in notice.message

    def test_a_long_rate_limit_stops_the_run_with_nothing_taken_for_gone(
        self, store: StateStore
    ) -> None:
        limit = RateLimitedError("GitHub demo/plans asked to wait 10 minutes.")
        stub = StubTracker(NOTHING_CHANGED, {1: None, 2: limit})
        snapshot = Snapshot(tracker(stub), store, check_deleted_every=1)

        with pytest.raises(RateLimitedError):
            snapshot.observe()

        assert sorted(store.cached_issues()) == [1, 2, 3]  # nothing saved

    def test_no_check_when_it_is_not_due(self, store: StateStore) -> None:
        stub = StubTracker(NOTHING_CHANGED, {2: None})
        snapshot = Snapshot(tracker(stub), store, check_deleted_every=2)

        snapshot.observe()

        assert stub.asked == []
        assert sorted(snapshot.issues) == [1, 2, 3]


class TestCheckDue:
    def runs(self, store: StateStore, checked: list[bool]) -> None:
        for value in checked:
            store.finish_run(store.start_run(dry_run=False), True, {CHECKED_KEY: value})

    @pytest.mark.parametrize(
        ("every", "since", "due"),
        [
            (0, [False] * 5, False),  # never
            (1, [], True),  # every run
            (3, [], False),  # the fixture's run checked, and it is the last
            (3, [False], False),
            (3, [False, False], True),
            (3, [False, True], False),
            (12, [False] * 10, False),
            (12, [False] * 11, True),
        ],
    )
    def test_due_when_none_of_the_last_runs_checked(
        self, store: StateStore, every: int, since: list[bool], due: bool
    ) -> None:
        self.runs(store, since)

        assert deletion_check_due(store, every) is due

    def test_a_run_whose_summary_says_nothing_did_not_check(self, store: StateStore) -> None:
        store.start_run(dry_run=False)  # killed before it finished
        store.finish_run(store.start_run(dry_run=False), False, {"failed": 1})

        assert deletion_check_due(store, 3) is True


def test_an_issue_seen_again_after_it_was_taken_for_gone_is_kept(store: StateStore) -> None:
    listed = Observed((), Cursor(), all_numbers=frozenset({1, 3}))
    stub = StubTracker(listed)
    snapshot = Snapshot(tracker(stub), store)
    snapshot.observe()
    stub.changed = Observed((replace(issue(2), title="back"),), Cursor())

    snapshot.observe()
    snapshot.save(store)

    assert store.cached_issues()[2].title == "back"


def milestone(number: int, title: str = "") -> RemoteMilestone:
    return RemoteMilestone(
        number, 700 + number, title or f"Week {number}", IssueState.OPEN, f"m/{number}"
    )


PAGES = Cursor(pages=(PageMark("/milestones?page=1", 'W/"1"', (1, 2)),))


class TestMilestonesReadByPage:
    """A read of the pages that changed names every milestone of the list (`all_numbers`)
    and brings those of the changed pages; the rest are the ones known."""

    @pytest.fixture
    def known(self, store: StateStore) -> StateStore:
        store.save_snapshot([], [milestone(1), milestone(2), milestone(3)], {"milestones": PAGES})
        return store

    def test_the_changed_pages_are_merged_with_the_known_milestones(
        self, known: StateStore
    ) -> None:
        stub = StubTracker(NOTHING_CHANGED)
        stub.milestone_reads = [
            Observed(
                (milestone(2, "Week 2 → late"), milestone(4)),
                PAGES,
                all_numbers=frozenset({1, 2, 4}),
            )
        ]
        snapshot = Snapshot(tracker(stub), known)

        snapshot.observe()
        snapshot.save(known)

        assert stub.milestone_cursors == [PAGES]
        titles = ["Week 1", "Week 2 → late", "Week 4"]  # #3 left the list
        assert [m.title for m in snapshot.milestones] == titles
        assert [m.title for m in known.cached_milestones() or []] == titles

    def test_all_pages_unchanged_keeps_the_known_list(self, known: StateStore) -> None:
        stub = StubTracker(NOTHING_CHANGED)
        stub.milestone_reads = [
            Observed((), PAGES, not_modified=True, all_numbers=frozenset({1, 2, 3}))
        ]
        snapshot = Snapshot(tracker(stub), known)

        snapshot.observe()

        assert [m.number for m in snapshot.milestones] == [1, 2, 3]

    def test_a_milestone_named_but_unknown_makes_a_whole_read(self, known: StateStore) -> None:
        stub = StubTracker(NOTHING_CHANGED)
        whole = (milestone(1), milestone(2), milestone(9))
        stub.milestone_reads = [
            Observed((), PAGES, all_numbers=frozenset({1, 2, 9})),
            Observed(whole, PAGES, all_numbers=frozenset({1, 2, 9})),
        ]
        snapshot = Snapshot(tracker(stub), known)

        snapshot.observe()

        assert stub.milestone_cursors == [PAGES, None]
        assert [m.number for m in snapshot.milestones] == [1, 2, 9]

    def test_a_whole_list_without_numbers_replaces_the_known_one(self, known: StateStore) -> None:
        stub = StubTracker(NOTHING_CHANGED)
        stub.milestone_reads = [Observed((milestone(5),), Cursor())]  # GitLab's answer
        snapshot = Snapshot(tracker(stub), known)

        snapshot.observe()

        assert [m.number for m in snapshot.milestones] == [5]
