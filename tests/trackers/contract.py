"""The behaviour every tracker adapter owes the sync engine, as one suite of tests.

A tracker's test module subclasses `TrackerContract` (its name does not start with `Test`, so it
is only collected through subclasses) and provides these fixtures:

- `tracker`: a `plansync.trackers.base.Tracker` bound to a fresh repository / project of the
  local sandbox, with pacing disabled;
- `other_side`: the sandbox store, to act as a person working in the tracker's web page
  (`create_issue`, `set_issue_title`, `close_issue`, `add_comment`, `set_permission`, ...);
- `fail_next_create`: a callable that makes the sandbox carry out the next issue-create request
  and then fail the answer (the sandbox's "after" fault), so the client cannot tell whether the
  issue exists.

Class attributes say where trackers legitimately differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from plansync.clock import FakeClock
from plansync.errors import StaleFileError
from plansync.model.remote import (
    CloseReason,
    Cursor,
    IssueDraft,
    IssuePatch,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
    Permission,
    RemoteIssue,
)
from plansync.trackers.base import Tracker
from plansync.trackers.markers import task_marker


def failing_creates(sandbox: Any, *, api: str, path_contains: str) -> Iterator[Callable[[], None]]:
    """The body of a `fail_next_create` fixture: each call of the callable it yields arms one
    "after" fault on the next issue-create request (a POST to a path holding `path_contains`);
    at teardown every armed fault must have fired."""
    armed: list[Any] = []

    def arm() -> None:
        armed.append(
            sandbox.store.faults.fail(
                "502",
                nth=1,
                methods=["POST"],
                when="after",
                api=api,
                path_contains=path_contains,
            )
        )

    yield arm
    # The fault must have hit the create, or the test proved nothing.
    assert [rule["fired"] for rule in sandbox.store.faults.to_json()] == [1] * len(armed)


def _observe_all(tracker: Tracker) -> list[RemoteIssue]:
    return list(tracker.observe_issues(None).items)


def _observe_streams(
    tracker: Tracker, cursors: tuple[Cursor | None, Cursor | None, Cursor | None]
) -> tuple[Any, Any, Any]:
    return (
        tracker.observe_issues(cursors[0]),
        tracker.observe_milestones(cursors[1]),
        tracker.observe_comments(cursors[2]),
    )


class TrackerContract:
    # Whether a closed issue keeps "completed" apart from "not planned" (GitHub's state_reason).
    distinguishes_close_reason: bool = True
    # Whether reads are conditional (ETag), so an unchanged stream is answered 304.
    has_conditional_reads: bool = True

    # issues ---------------------------------------------------------------------------------

    def test_created_issue_reads_back(self, tracker: Tracker) -> None:
        tracker.ensure_labels(["type: bug"])
        created = tracker.create_issue(
            IssueDraft(title="Parse tables", body="Body text", labels=("type: bug",))
        )
        assert created.number > 0
        assert created.title == "Parse tables"
        assert created.state is IssueState.OPEN
        fetched = tracker.get_issue(created.number)
        assert fetched is not None
        assert (fetched.number, fetched.id, fetched.title) == (
            created.number,
            created.id,
            "Parse tables",
        )
        assert "Body text" in fetched.body
        assert fetched.labels == ("type: bug",)
        assert fetched.url

    def test_missing_issue_is_none(self, tracker: Tracker) -> None:
        assert tracker.get_issue(987654) is None

    def test_update_changes_only_the_given_fields(self, tracker: Tracker) -> None:
        tracker.ensure_labels(["a", "b"])
        issue = tracker.create_issue(IssueDraft(title="Old", body="keep me", labels=("a",)))
        updated = tracker.update_issue(issue.number, IssuePatch(title="New", labels=("b",)))
        assert updated.title == "New"
        assert updated.labels == ("b",)
        assert "keep me" in updated.body
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert (fetched.title, fetched.labels) == ("New", ("b",))

    def test_assignees_round_trip(self, tracker: Tracker, other_side: Any) -> None:
        other_side.set_permission(tracker.repo, "bob", "write")
        other_side.set_permission(tracker.repo, "carol", "write")
        issue = tracker.create_issue(IssueDraft(title="Assigned", assignees=("bob",)))
        assert issue.assignees == ("bob",)
        moved = tracker.update_issue(issue.number, IssuePatch(assignees=("carol",)))
        assert moved.assignees == ("carol",)

    def test_issue_milestone_is_set_and_cleared(self, tracker: Tracker) -> None:
        milestone = tracker.create_milestone(MilestoneDraft(title="Week 1"))
        issue = tracker.create_issue(
            IssueDraft(title="In week 1", milestone_number=milestone.number)
        )
        assert issue.milestone_number == milestone.number
        assert issue.milestone_title == "Week 1"
        cleared = tracker.update_issue(issue.number, IssuePatch(clear_milestone=True))
        assert cleared.milestone_number is None
        moved = tracker.update_issue(issue.number, IssuePatch(milestone_number=milestone.number))
        assert moved.milestone_number == milestone.number

    def test_close_as_completed(self, tracker: Tracker) -> None:
        issue = tracker.create_issue(IssueDraft(title="Done soon"))
        closed = tracker.close_issue(issue.number, CloseReason.COMPLETED)
        assert closed.state is IssueState.CLOSED
        if self.distinguishes_close_reason:
            assert closed.state_reason is CloseReason.COMPLETED
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.state is IssueState.CLOSED

    def test_close_as_not_planned(self, tracker: Tracker) -> None:
        issue = tracker.create_issue(IssueDraft(title="Dropped"))
        closed = tracker.close_issue(issue.number, CloseReason.NOT_PLANNED)
        assert closed.state is IssueState.CLOSED
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        if self.distinguishes_close_reason:
            assert closed.state_reason is CloseReason.NOT_PLANNED
            assert fetched.state_reason is CloseReason.NOT_PLANNED

    def test_reopen(self, tracker: Tracker) -> None:
        issue = tracker.create_issue(IssueDraft(title="Back again"))
        tracker.close_issue(issue.number)
        reopened = tracker.reopen_issue(issue.number)
        assert reopened.state is IssueState.OPEN
        assert reopened.state_reason is not CloseReason.NOT_PLANNED

    def test_issue_closed_by_a_person_is_observed_closed(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Closed in the web page"))
        first = tracker.observe_issues(None)
        other_side.close_issue(tracker.repo, issue.number, reason="not_planned", user="alice")
        second = tracker.observe_issues(first.cursor)
        [seen] = [i for i in second.items if i.number == issue.number]
        assert seen.state is IssueState.CLOSED
        if self.distinguishes_close_reason:
            assert seen.state_reason is CloseReason.NOT_PLANNED

    # observing issues ---------------------------------------------------------------------

    def test_observe_returns_every_issue_in_update_order(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        for title in ("one", "two", "three"):
            other_side.create_issue(tracker.repo, title)
        items = _observe_all(tracker)
        assert [i.title for i in items] == ["one", "two", "three"]
        assert [i.updated_at for i in items] == sorted(i.updated_at for i in items)

    def test_observe_follows_pagination_beyond_100(self, tracker: Tracker, other_side: Any) -> None:
        for n in range(250):
            other_side.create_issue(tracker.repo, f"Task {n:03d}")
        observed = tracker.observe_issues(None)
        titles = [i.title for i in observed.items]
        assert len(titles) == 250
        assert titles == [f"Task {n:03d}" for n in range(250)]
        assert len({i.number for i in observed.items}) == 250
        # Everything was read: the next read starting from the cursor has nothing new.
        assert tracker.observe_issues(observed.cursor).items == ()

    def test_pull_requests_are_not_issues(self, tracker: Tracker, other_side: Any) -> None:
        other_side.create_issue(tracker.repo, "A real issue")
        other_side.create_issue(tracker.repo, "A pull request", pull_request=True)
        titles = [i.title for i in _observe_all(tracker)]
        assert titles == ["A real issue"]

    def test_change_after_cursor_is_returned_once(self, tracker: Tracker, other_side: Any) -> None:
        first = tracker.create_issue(IssueDraft(title="first"))
        tracker.create_issue(IssueDraft(title="second"))
        observed = tracker.observe_issues(None)
        assert {i.title for i in observed.items} == {"first", "second"}

        other_side.set_issue_title(tracker.repo, first.number, "first, renamed")
        changed = tracker.observe_issues(observed.cursor)
        # Within the second of the last read an unchanged neighbour may come along (GitHub's
        # `since` has whole seconds); the change itself must come, exactly once.
        renamed = [i.title for i in changed.items if i.number == first.number]
        assert renamed == ["first, renamed"]

        again = tracker.observe_issues(changed.cursor)
        assert again.items == ()

    def test_issue_created_after_cursor_is_returned(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        tracker.create_issue(IssueDraft(title="old"))
        observed = tracker.observe_issues(None)
        other_side.create_issue(tracker.repo, "new")
        later = tracker.observe_issues(observed.cursor)
        assert [i.title for i in later.items] == ["new"]

    def test_unchanged_observe_costs_at_most_three_requests(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Watched"))
        tracker.create_milestone(MilestoneDraft(title="Phase 1"))
        other_side.add_comment(tracker.repo, issue.number, "looks good", user="alice")

        issues = tracker.observe_issues(None)
        milestones = tracker.observe_milestones(None)
        comments = tracker.observe_comments(None)
        assert len(issues.items) == 1
        assert len(milestones.items) == 1
        assert len(comments.items) == 1

        total_before = tracker.stats.total
        not_modified_before = tracker.stats.not_modified
        again = (
            tracker.observe_issues(issues.cursor),
            tracker.observe_milestones(milestones.cursor),
            tracker.observe_comments(comments.cursor),
        )
        assert tracker.stats.total - total_before <= 3
        assert again[0].items == ()
        assert again[2].items == ()
        if self.has_conditional_reads:
            assert tracker.stats.not_modified - not_modified_before == 3
            assert all(o.not_modified for o in again)

    def _assert_unchanged_observe_is_cheap(self, tracker: Tracker) -> None:
        """Observe every stream, then again from the cursors: the second costs at most three
        requests, answered 304 where reads are conditional, and brings nothing."""
        first = _observe_streams(tracker, (None, None, None))
        total_before = tracker.stats.total
        not_modified_before = tracker.stats.not_modified
        again = _observe_streams(tracker, (first[0].cursor, first[1].cursor, first[2].cursor))
        assert again[0].items == ()
        assert again[2].items == ()
        if self.has_conditional_reads:
            assert tracker.stats.total - total_before <= 3
            assert tracker.stats.not_modified - not_modified_before == 3
            assert all(o.not_modified for o in again)

    def test_unchanged_observe_after_a_bulk_edit_beyond_100_is_cheap(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        # 250 issues changed within one second (a bulk close, an import), a minute ago.
        other_side.set_clock(FakeClock(datetime.now(UTC) - timedelta(minutes=1)))
        for n in range(250):
            other_side.create_issue(tracker.repo, f"Task {n:03d}")
        observed = tracker.observe_issues(None)
        assert len(observed.items) == 250
        self._assert_unchanged_observe_is_cheap(tracker)

    def test_unchanged_observe_of_a_long_history_is_cheap(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        # Issues and comments a minute apart, ending an hour ago, as a real history is.
        clock = FakeClock(datetime.now(UTC) - timedelta(minutes=300 + 150 + 60))
        other_side.set_clock(clock)
        for n in range(1, 301):
            other_side.create_issue(tracker.repo, f"Task {n}", body=task_marker(f"T{n}"))
            clock.advance(60)
        for n in range(150):
            other_side.add_comment(tracker.repo, 1 + n % 300, f"/plan estimate {n % 8 + 1}h")
            clock.advance(60)
        other_side.create_milestone(tracker.repo, "Phase 1")
        self._assert_unchanged_observe_is_cheap(tracker)

    # issues gone ----------------------------------------------------------------------------

    def test_a_read_without_a_cursor_lists_every_issue_so_a_deleted_one_is_missing(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        kept = tracker.create_issue(IssueDraft(title="Kept"))
        doomed = tracker.create_issue(IssueDraft(title="Deleted soon"))
        other_side.create_issue(tracker.repo, "A pull request", pull_request=True)
        assert tracker.observe_issues(None).all_numbers == {kept.number, doomed.number}

        other_side.delete_issue(tracker.repo, doomed.number)

        assert tracker.observe_issues(None).all_numbers == {kept.number}
        assert tracker.get_issue(doomed.number) is None

    def test_a_read_of_what_changed_in_a_long_list_says_nothing_of_what_is_absent(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        for n in range(120):
            other_side.create_issue(tracker.repo, f"Task {n:03d}")
        first = tracker.observe_issues(None)
        other_side.set_issue_title(tracker.repo, 7, "Task 006, renamed")

        # As a run reads: issues at the cursor's second again (GitHub counts whole seconds).
        later = tracker.observe_issues(replace(first.cursor, seen=()))

        assert "Task 006, renamed" in [i.title for i in later.items]
        assert later.all_numbers is None

    # markers and duplicates -----------------------------------------------------------------

    def test_find_issue_by_marker(self, tracker: Tracker) -> None:
        wanted = task_marker("FIX-006")
        tracker.create_issue(IssueDraft(title="other", body=f"x\n\n{task_marker('FIX-007')}"))
        created = tracker.create_issue(IssueDraft(title="fix", body=f"Fix it.\n\n{wanted}"))
        tracker.create_issue(IssueDraft(title="unmarked", body="no marker"))
        found = tracker.find_issue_by_marker(wanted)
        assert found is not None
        assert found.number == created.number
        assert tracker.find_issue_by_marker(task_marker("FIX-999")) is None

    def test_unclear_create_leaves_exactly_one_issue(
        self, tracker: Tracker, fail_next_create: Callable[[], None]
    ) -> None:
        marker = task_marker("T12")
        fail_next_create()
        issue = tracker.create_issue(
            IssueDraft(title="Only once", body=f"Body\n\n{marker}"), marker=marker
        )
        assert issue.title == "Only once"
        matching = [i for i in _observe_all(tracker) if marker in i.body]
        assert [i.number for i in matching] == [issue.number]

    # milestones -----------------------------------------------------------------------------

    def test_milestone_create_update_list(self, tracker: Tracker) -> None:
        created = tracker.create_milestone(
            MilestoneDraft(title="Week 2", description="Second week", due_on=date(2025, 3, 14))
        )
        assert (created.title, created.description, created.due_on) == (
            "Week 2",
            "Second week",
            date(2025, 3, 14),
        )
        assert created.state is IssueState.OPEN

        updated = tracker.update_milestone(
            created.number,
            MilestonePatch(title="Week 2 (late)", due_on=date(2025, 3, 21)),
        )
        assert (updated.title, updated.due_on) == ("Week 2 (late)", date(2025, 3, 21))
        assert updated.description == "Second week"

        closed = tracker.update_milestone(created.number, MilestonePatch(state=IssueState.CLOSED))
        assert closed.state is IssueState.CLOSED

        tracker.create_milestone(MilestoneDraft(title="Week 3"))
        listed = {m.title: m for m in tracker.list_milestones()}
        assert set(listed) == {"Week 2 (late)", "Week 3"}
        assert listed["Week 2 (late)"].state is IssueState.CLOSED
        assert listed["Week 3"].state is IssueState.OPEN

    def test_observe_milestones_sees_new_ones(self, tracker: Tracker) -> None:
        tracker.create_milestone(MilestoneDraft(title="M1"))
        first = tracker.observe_milestones(None)
        assert [m.title for m in first.items] == ["M1"]
        tracker.create_milestone(MilestoneDraft(title="M2"))
        second = tracker.observe_milestones(first.cursor)
        assert not second.not_modified
        assert sorted(m.title for m in second.items) == ["M1", "M2"]

    # labels ---------------------------------------------------------------------------------

    def test_ensure_labels_is_idempotent(self, tracker: Tracker) -> None:
        tracker.ensure_labels(["phase: 1", "priority: high"])
        writes_before = tracker.stats.writes
        tracker.ensure_labels(["priority: high", "phase: 1"])
        assert tracker.stats.writes == writes_before
        tracker.ensure_labels(["phase: 1", "phase: 2"])
        assert tracker.stats.writes == writes_before + 1
        issue = tracker.create_issue(
            IssueDraft(title="Labelled", labels=("phase: 1", "phase: 2", "priority: high"))
        )
        assert sorted(issue.labels) == ["phase: 1", "phase: 2", "priority: high"]

    # comments -------------------------------------------------------------------------------

    def test_comments_observe_post_and_react(self, tracker: Tracker, other_side: Any) -> None:
        issue = tracker.create_issue(IssueDraft(title="Discussed"))
        other_side.add_comment(tracker.repo, issue.number, "/plan done", user="alice")
        first = tracker.observe_comments(None)
        [comment] = first.items
        assert (comment.issue_number, comment.author, comment.body) == (
            issue.number,
            "alice",
            "/plan done",
        )

        posted = tracker.post_comment(issue.number, "Marked as done.")
        assert posted.issue_number == issue.number
        assert posted.body == "Marked as done."
        assert posted.id != comment.id

        second = tracker.observe_comments(first.cursor)
        assert [c.id for c in second.items] == [posted.id]

        tracker.add_reaction(comment, "+1")
        tracker.add_reaction(comment, "eyes")
        reactions = other_side.comment(tracker.repo, comment.id).reactions
        assert sorted(r.content for r in reactions) == ["+1", "eyes"]

    # people ---------------------------------------------------------------------------------

    def test_permission_levels(self, tracker: Tracker, other_side: Any) -> None:
        for level in (
            Permission.READ,
            Permission.TRIAGE,
            Permission.WRITE,
            Permission.MAINTAIN,
            Permission.ADMIN,
        ):
            user = f"user-{level.name.lower()}"
            other_side.set_permission(tracker.repo, user, level.name.lower())
            assert tracker.permission(user) is level
        assert tracker.permission("a-stranger") is Permission.NONE

    # repository files -----------------------------------------------------------------------

    def test_file_create_read_update(self, tracker: Tracker) -> None:
        assert tracker.read_file("docs/PLAN.md") is None
        content = "# Plan\r\n\r\n- [ ] caf\u00e9 \u2014 first\r\n".encode()
        created = tracker.write_file("docs/PLAN.md", content, "Add plan", None)
        assert created.content == content
        read = tracker.read_file("docs/PLAN.md")
        assert read is not None
        assert read.content == content
        assert read.version == created.version

        updated = tracker.write_file(
            "docs/PLAN.md", content + b"- [x] second\r\n", "Tick", read.version
        )
        assert updated.version != read.version
        again = tracker.read_file("docs/PLAN.md")
        assert again is not None
        assert again.content.endswith(b"- [x] second\r\n")

    def test_stale_file_version_is_refused(self, tracker: Tracker, other_side: Any) -> None:
        created = tracker.write_file("PLAN.md", b"v1\n", "Add plan", None)
        other_side.put_file(tracker.repo, "PLAN.md", b"v2 by a person\n")
        with pytest.raises(StaleFileError) as raised:
            tracker.write_file("PLAN.md", b"v3\n", "Overwrite", created.version)
        assert "PLAN.md" in str(raised.value)
        assert tracker.repo in str(raised.value)
        current = tracker.read_file("PLAN.md")
        assert current is not None
        assert current.content == b"v2 by a person\n"

    # estimates ------------------------------------------------------------------------------

    def test_estimate_round_trip(self, tracker: Tracker) -> None:
        issue = tracker.create_issue(IssueDraft(title="Estimated"))
        tracker.set_estimate(issue.number, 90)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes == 90

        tracker.set_estimate(issue.number, 150)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes == 150

        tracker.set_estimate(issue.number, None)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes is None

    def test_an_estimate_of_zero_clears_it(self, tracker: Tracker) -> None:
        issue = tracker.create_issue(IssueDraft(title="Estimated, then not"))
        tracker.set_estimate(issue.number, 90)
        tracker.set_estimate(issue.number, 0)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes is None
        tracker.set_estimate(issue.number, 0)  # already clear: still clear
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes is None
