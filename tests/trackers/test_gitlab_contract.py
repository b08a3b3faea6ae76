"""The GitLab adapter against the local sandbox, with the real python-gitlab client over HTTP:
the shared tracker contract, then what is GitLab's own (iids and milestone ids, notes read
through the issues around them, system notes, award emoji, cursors without ETags)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plansync.clock import FakeClock
from plansync.errors import AuthenticationError, NotFoundError
from plansync.model.remote import (
    Cursor,
    IssueDraft,
    IssuePatch,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
)
from plansync.sandbox.server import SandboxServer
from plansync.trackers.base import Tracker
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.gitlab.cursor import fresh_since
from plansync.trackers.pacing import PacingLimits, reset_pacers

from .contract import TrackerContract, failing_creates

TOKEN = "sandbox-token"


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """Wall time as the sandbox has it, but any wait is recorded instead of slept. Trackers
    on one host share their pacers, so every tracker of a test shares this clock."""
    reset_pacers()
    yield FakeClock(datetime.now(UTC))
    reset_pacers()


def _tracker(
    sandbox: Any, clock: FakeClock, repo: str = "demo/plans", token: str = TOKEN
) -> GitLabTracker:
    return GitLabTracker(
        repo,
        token,
        url=sandbox.gitlab_url,
        pacing=PacingLimits.DISABLED,
        notes_pacing=PacingLimits.DISABLED,
        clock=clock,
    )


@pytest.fixture
def tracker(sandbox: Any, clock: FakeClock) -> Iterator[GitLabTracker]:
    gitlab = _tracker(sandbox, clock)
    yield gitlab
    gitlab.close()


@pytest.fixture
def other_side(sandbox: Any) -> Any:
    return sandbox.store


@pytest.fixture
def fail_next_create(sandbox: Any) -> Iterator[Callable[[], None]]:
    yield from failing_creates(sandbox, api="gitlab", path_contains="/issues")


def note_reads(sandbox: SandboxServer, number: int) -> int:
    """How many times the notes of issue `number` of demo/plans were listed."""
    path = f"/api/v4/projects/demo%2Fplans/issues/{number}/notes"
    return sum(
        1
        for entry in sandbox.store.requests.entries
        if entry.method == "GET" and entry.path.split("?")[0] == path
    )


class TestGitLabContract(TrackerContract):
    # GitLab keeps no close reason: "completed" and "not planned" both just close.
    distinguishes_close_reason = False
    # GitLab's issue, milestone and note lists carry no ETag: nothing is answered 304.
    has_conditional_reads = False

    def test_unchanged_observe_costs_at_most_three_requests(
        self, tracker: Tracker, other_side: Any
    ) -> None:
        """GitLab's form of the contract's cost bound: one request per stream, plus one for
        the notes of each issue updated in the minute before the comment watermark (a note
        there may not have moved its issue; see gitlab_notes)."""
        issue = tracker.create_issue(IssueDraft(title="Watched"))
        tracker.create_milestone(MilestoneDraft(title="Phase 1"))
        other_side.add_comment(tracker.repo, issue.number, "looks good", user="alice")
        issues = tracker.observe_issues(None)
        milestones = tracker.observe_milestones(None)
        comments = tracker.observe_comments(None)
        assert (len(issues.items), len(milestones.items), len(comments.items)) == (1, 1, 1)

        before = tracker.stats.total
        assert tracker.observe_issues(issues.cursor).items == ()
        assert tracker.observe_milestones(milestones.cursor).items != ()
        assert tracker.observe_comments(comments.cursor).items == ()
        assert tracker.stats.total - before == 3 + 1


class TestGitLabOnSandbox:
    def test_is_a_tracker(self, tracker: GitLabTracker) -> None:
        assert isinstance(tracker, Tracker)
        assert (tracker.kind, tracker.repo) == ("gitlab", "demo/plans")

    def test_an_unchanged_issue_stream_costs_one_request(self, tracker: GitLabTracker) -> None:
        tracker.create_issue(IssueDraft(title="Watched"))
        issues = tracker.observe_issues(None)
        before = tracker.stats.total
        assert tracker.observe_issues(issues.cursor).items == ()
        assert tracker.stats.total == before + 1

    def test_cursor_stays_when_nothing_came(self, tracker: GitLabTracker) -> None:
        tracker.create_issue(IssueDraft(title="Only one"))
        first = tracker.observe_issues(None)
        second = tracker.observe_issues(first.cursor)
        assert second.items == ()
        assert second.cursor == first.cursor
        assert tracker.observe_issues(None).cursor == first.cursor

    def test_system_notes_are_not_comments(self, tracker: GitLabTracker, other_side: Any) -> None:
        issue = tracker.create_issue(IssueDraft(title="Busy"))
        tracker.set_estimate(issue.number, 30)  # GitLab records a system note for this
        tracker.close_issue(issue.number)
        other_side.add_comment(tracker.repo, issue.number, "why closed?", user="alice")
        observed = tracker.observe_comments(None)
        assert [c.body for c in observed.items] == ["why closed?"]
        [comment] = observed.items
        assert comment.url.endswith(f"/-/issues/{issue.number}#note_{comment.id}")

    def test_comments_on_several_issues_come_in_update_order(
        self, tracker: GitLabTracker, other_side: Any
    ) -> None:
        one = tracker.create_issue(IssueDraft(title="one"))
        two = tracker.create_issue(IssueDraft(title="two"))
        other_side.add_comment(tracker.repo, two.number, "on two", user="alice")
        other_side.add_comment(tracker.repo, one.number, "on one", user="bob")
        other_side.add_comment(tracker.repo, two.number, "two again", user="alice")
        observed = tracker.observe_comments(None)
        assert [c.body for c in observed.items] == ["on two", "on one", "two again"]
        assert {c.issue_number for c in observed.items} == {one.number, two.number}

    def test_milestone_number_is_the_iid_and_paths_use_the_id(
        self, tracker: GitLabTracker, sandbox: Any, clock: FakeClock
    ) -> None:
        # Another project's milestone first, so this project's ids and iids differ.
        other = _tracker(sandbox, clock, repo="demo/other")
        other.create_milestone(MilestoneDraft(title="Elsewhere"))
        first = tracker.create_milestone(MilestoneDraft(title="Week 1"))
        assert first.number == 1
        assert first.id != first.number
        # A fresh tracker knows no ids yet: it looks the iid up before using the id.
        fresh = _tracker(sandbox, clock)
        closed = fresh.update_milestone(1, MilestonePatch(state=IssueState.CLOSED))
        assert (closed.id, closed.title, closed.state) == (first.id, "Week 1", IssueState.CLOSED)
        issue = fresh.create_issue(IssueDraft(title="x", milestone_number=1))
        assert (issue.milestone_number, issue.milestone_title) == (1, "Week 1")
        [elsewhere] = other.list_milestones()
        assert elsewhere.state is IssueState.OPEN

    def test_unknown_milestone_is_a_clear_error(self, tracker: GitLabTracker) -> None:
        with pytest.raises(Exception, match="no milestone number 7"):
            tracker.create_issue(IssueDraft(title="x", milestone_number=7))

    def test_assignees_are_set_by_username(self, tracker: GitLabTracker, other_side: Any) -> None:
        other_side.set_permission(tracker.repo, "carol", "write")
        issue = tracker.create_issue(IssueDraft(title="Mine", assignees=("carol",)))
        assert issue.assignees == ("carol",)
        cleared = tracker.update_issue(issue.number, IssuePatch(assignees=()))
        assert cleared.assignees == ()

    def test_reaction_twice_is_one_award(self, tracker: GitLabTracker, other_side: Any) -> None:
        issue = tracker.create_issue(IssueDraft(title="Thumbs"))
        other_side.add_comment(tracker.repo, issue.number, "/plan done", user="alice")
        [comment] = tracker.observe_comments(None).items
        tracker.add_reaction(comment, "hooray")
        tracker.add_reaction(comment, "hooray")
        stored = other_side.comment(tracker.repo, comment.id)
        assert len(stored.reactions) == 1

    def test_missing_project_is_not_found(self, sandbox: Any, clock: FakeClock) -> None:
        tracker = _tracker(sandbox, clock, repo="nobody/nothing")
        with pytest.raises(NotFoundError, match="GitLab has no project nobody/nothing"):
            tracker.get_issue(1)
        with pytest.raises(NotFoundError):
            tracker.observe_issues(None)

    def test_cursor_from_an_old_state_store_is_read(self, tracker: GitLabTracker) -> None:
        tracker.create_issue(IssueDraft(title="After"))
        observed = tracker.observe_issues(Cursor(since="2000-01-01T00:00:00Z"))
        assert [i.title for i in observed.items] == ["After"]

    def test_a_refused_token_names_the_project(self, sandbox: Any, clock: FakeClock) -> None:
        tracker = _tracker(sandbox, clock, token="bad-token")
        refused = "GitLab rejected the token for demo/plans"
        with pytest.raises(AuthenticationError, match=refused) as raised:
            tracker.observe_issues(None)
        assert "bad-token" not in str(raised.value)
        assert "bad-token" not in repr(tracker)

    def test_comment_author_is_the_tokens_user(
        self, sandbox: Any, clock: FakeClock, tracker: GitLabTracker
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Who speaks"))
        as_alice = _tracker(sandbox, clock, token="as:alice")
        posted = as_alice.post_comment(issue.number, "hello")
        assert posted.author == "alice"
        [seen] = tracker.observe_comments(None).items
        assert (seen.id, seen.author, seen.body) == (posted.id, "alice", "hello")

    def test_dropped_connection_on_a_read_is_retried(
        self, tracker: GitLabTracker, sandbox: Any, clock: FakeClock
    ) -> None:
        tracker.create_issue(IssueDraft(title="Survives"))
        sandbox.store.faults.fail("drop", nth=1, methods=["GET"], api="gitlab")
        observed = tracker.observe_issues(None)
        assert [i.title for i in observed.items] == ["Survives"]
        assert clock.sleeps == [0.5]

    def test_rate_limit_answer_is_waited_on_the_clock(
        self, tracker: GitLabTracker, sandbox: Any, clock: FakeClock
    ) -> None:
        sandbox.store.faults.fail("429", nth=1, methods=["POST"], api="gitlab", retry_after=3)
        issue = tracker.create_issue(IssueDraft(title="Patient"))
        assert issue.title == "Patient"
        assert clock.sleeps == [4.0]
        assert [i.title for i in tracker.observe_issues(None).items] == ["Patient"]

    def test_file_update_whose_answer_was_lost_is_not_repeated(
        self, tracker: GitLabTracker, sandbox: Any
    ) -> None:
        created = tracker.write_file("PLAN.md", b"v1\n", "Add plan", None)
        sandbox.store.faults.fail(
            "502", nth=1, methods=["PUT"], when="after", api="gitlab", path_contains="files"
        )
        written = tracker.write_file("PLAN.md", b"v2\n", "Tick", created.version)
        assert written.content == b"v2\n"
        assert written.version != created.version
        assert sandbox.store.requests.count("PUT", api="gitlab") == 1

    def test_file_create_that_failed_before_is_tried_again(
        self, tracker: GitLabTracker, sandbox: Any
    ) -> None:
        sandbox.store.faults.fail(
            "500", nth=1, methods=["POST"], api="gitlab", path_contains="files"
        )
        written = tracker.write_file("docs/NEW.md", b"fresh\n", "Add", None)
        assert written.content == b"fresh\n"
        assert sandbox.store.file("demo/plans", "docs/NEW.md").content == b"fresh\n"
        assert sandbox.store.requests.count("POST", api="gitlab") == 2

    def test_an_issue_moved_to_another_project_reads_as_moved(
        self, tracker: GitLabTracker, sandbox: Any
    ) -> None:
        stays = tracker.create_issue(IssueDraft(title="Stays"))
        leaves = tracker.create_issue(IssueDraft(title="Leaves"))
        first = tracker.observe_issues(None)
        sandbox.store.add_repo("group/elsewhere")
        sandbox.store.move_issue("demo/plans", leaves.number, "group/elsewhere")

        changed = tracker.observe_issues(first.cursor)
        fetched = tracker.get_issue(leaves.number)

        assert [(i.number, i.moved) for i in changed.items] == [(leaves.number, True)]
        assert fetched is not None
        assert (fetched.moved, fetched.state) == (True, IssueState.CLOSED)
        assert tracker.get_issue(stays.number) == dataclasses.replace(stays, moved=False)


class TestCommentsGitLabDoesNotAnnounce:
    """GitLab's ThrottledTouch: a note added or edited less than a minute after its issue's
    last update leaves the issue's updated_at alone. The sandbox does the same (by default), on
    a fake clock here so that "20 seconds later" takes no time."""

    @pytest.fixture
    def later(self, sandbox: SandboxServer, clock: FakeClock) -> Callable[[float], None]:
        sandbox.store.set_clock(clock)
        return clock.advance

    def test_a_comment_20_s_after_an_issue_edit_is_observed(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Edited by plansync"))
        later(300)
        edited = tracker.update_issue(issue.number, IssuePatch(title="Renamed by plansync"))
        first = tracker.observe_comments(None)
        assert first.items == ()
        later(20)
        note_id = other_side.add_comment(tracker.repo, issue.number, "/plan done", user="alice")
        unmoved = tracker.get_issue(issue.number)
        assert unmoved is not None
        assert unmoved.updated_at == edited.updated_at  # GitLab did not announce the note
        second = tracker.observe_comments(first.cursor)
        assert [(c.id, c.body) for c in second.items] == [(note_id, "/plan done")]
        assert tracker.observe_comments(second.cursor).items == ()

    def test_a_comment_20_s_after_another_comment_is_observed(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Discussed"))
        later(300)
        other_side.add_comment(tracker.repo, issue.number, "/plan estimate 2h", user="alice")
        first = tracker.observe_comments(None)
        assert [c.body for c in first.items] == ["/plan estimate 2h"]
        later(20)
        other_side.add_comment(tracker.repo, issue.number, "/plan done", user="bob")
        second = tracker.observe_comments(first.cursor)
        assert [(c.author, c.body) for c in second.items] == [("bob", "/plan done")]

    def test_a_comment_edited_within_the_minute_is_observed_again(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Edited"))
        later(300)
        note_id = other_side.add_comment(tracker.repo, issue.number, "/plan dne", user="alice")
        first = tracker.observe_comments(None)
        assert [c.id for c in first.items] == [note_id]
        later(30)
        other_side.edit_comment(tracker.repo, note_id, "/plan done")
        second = tracker.observe_comments(first.cursor)
        assert [(c.id, c.body) for c in second.items] == [(note_id, "/plan done")]

    def test_a_comment_edited_later_is_observed_again(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Edited much later"))
        note_id = other_side.add_comment(tracker.repo, issue.number, "/plan dne", user="alice")
        first = tracker.observe_comments(None)
        later(3600)
        other_side.edit_comment(tracker.repo, note_id, "/plan done")
        second = tracker.observe_comments(first.cursor)
        assert [(c.id, c.body) for c in second.items] == [(note_id, "/plan done")]

    def test_issues_quiet_for_a_minute_before_the_watermark_are_not_read_again(
        self,
        tracker: GitLabTracker,
        other_side: Any,
        sandbox: SandboxServer,
        later: Callable[[float], None],
    ) -> None:
        old = tracker.create_issue(IssueDraft(title="Old talk"))
        other_side.add_comment(tracker.repo, old.number, "long ago", user="alice")
        later(120)
        recent = tracker.create_issue(IssueDraft(title="Recent talk"))
        other_side.add_comment(tracker.repo, recent.number, "just now", user="bob")
        first = tracker.observe_comments(None)
        assert [c.body for c in first.items] == ["long ago", "just now"]
        assert (note_reads(sandbox, old.number), note_reads(sandbox, recent.number)) == (1, 1)

        before = tracker.stats.total
        assert tracker.observe_comments(first.cursor).items == ()
        # The issue list, and the notes of the issue a throttled note could hide in.
        assert tracker.stats.total - before == 2
        assert (note_reads(sandbox, old.number), note_reads(sandbox, recent.number)) == (1, 2)

    def test_an_issue_without_comments_costs_no_notes_request(
        self, tracker: GitLabTracker, sandbox: SandboxServer
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Silent"))
        tracker.set_estimate(issue.number, 30)  # a system note only
        before = tracker.stats.total
        assert tracker.observe_comments(None).items == ()
        assert tracker.stats.total - before == 1
        assert note_reads(sandbox, issue.number) == 0

    def test_the_watermark_follows_issues_changed_without_comments(
        self, tracker: GitLabTracker, later: Callable[[float], None]
    ) -> None:
        for n in range(3):
            tracker.create_issue(IssueDraft(title=f"Task {n}"))
        later(300)
        renamed = tracker.update_issue(1, IssuePatch(title="Task 0, renamed"))
        first = tracker.observe_comments(None)
        assert first.items == ()
        assert first.cursor.since is not None
        assert datetime.fromisoformat(first.cursor.since) == renamed.updated_at
        # The next read asks only for the issues of the minute before the watermark.
        later(300)
        second = tracker.observe_comments(first.cursor)
        assert second.items == ()
        assert second.cursor == first.cursor

    def test_the_cursor_is_plain_json(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Saved"))
        later(90)
        other_side.add_comment(tracker.repo, issue.number, "one", user="alice")
        other_side.add_comment(tracker.repo, issue.number, "two", user="bob")
        first = tracker.observe_comments(None)
        text = json.dumps(dataclasses.asdict(first.cursor))
        saved = json.loads(text)
        restored = Cursor(since=saved["since"], etag=saved["etag"], seen=tuple(saved["seen"]))
        assert restored == first.cursor
        assert sorted(restored.seen) == sorted(c.id for c in first.items)  # same instant
        later(10)
        third = other_side.add_comment(tracker.repo, issue.number, "three", user="carol")
        assert [c.id for c in tracker.observe_comments(restored).items] == [third]

    def test_a_note_touches_its_issue_once_the_minute_is_over(
        self, tracker: GitLabTracker, other_side: Any, later: Callable[[float], None]
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Touched"))
        later(61)
        other_side.add_comment(tracker.repo, issue.number, "a minute on", user="alice")
        moved = tracker.get_issue(issue.number)
        assert moved is not None
        assert moved.updated_at - issue.updated_at >= timedelta(seconds=61)


@dataclasses.dataclass(frozen=True)
class Stamp:
    id: int
    updated_at: datetime


T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


class TestCursorArithmetic:
    """gitlab_cursor.fresh_since, the watermark both GitLab streams move with."""

    def test_first_read_takes_everything_and_stands_at_the_newest(self) -> None:
        items = [Stamp(1, T0), Stamp(2, T0 + timedelta(seconds=5)), Stamp(3, T0)]
        fresh, cursor = fresh_since(None, items)
        assert [i.id for i in fresh] == [1, 2, 3]
        assert cursor == Cursor(since=(T0 + timedelta(seconds=5)).isoformat(), seen=(2,))

    def test_items_at_the_watermark_are_new_only_with_new_ids(self) -> None:
        start = Cursor(since=T0.isoformat(), seen=(1,))
        fresh, cursor = fresh_since(start, [Stamp(1, T0), Stamp(4, T0)])
        assert [i.id for i in fresh] == [4]
        assert cursor == Cursor(since=T0.isoformat(), seen=(1, 4))

    def test_reached_moves_the_watermark_past_the_items(self) -> None:
        start = Cursor(since=T0.isoformat(), seen=(1,))
        later = T0 + timedelta(minutes=5)
        fresh, cursor = fresh_since(start, [Stamp(7, T0 + timedelta(minutes=1))], reached=later)
        assert [i.id for i in fresh] == [7]
        assert cursor == Cursor(since=later.isoformat(), seen=())

    def test_reached_alone_moves_a_first_read(self) -> None:
        assert fresh_since(None, [], reached=T0) == ((), Cursor(since=T0.isoformat()))

    def test_reached_at_or_before_the_watermark_changes_nothing(self) -> None:
        start = Cursor(since=T0.isoformat(), seen=(1,))
        for reached in (T0, T0 - timedelta(minutes=1)):
            assert fresh_since(start, [Stamp(1, T0)], reached=reached) == ((), start)

    def test_an_item_newer_than_reached_sets_the_watermark(self) -> None:
        newest = T0 + timedelta(seconds=30)
        _, cursor = fresh_since(None, [Stamp(9, newest)], reached=T0)
        assert cursor == Cursor(since=newest.isoformat(), seen=(9,))
