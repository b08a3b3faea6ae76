"""The GitLab adapter against the local sandbox, with the real python-gitlab client over HTTP:
the shared tracker contract, then what is GitLab's own (iids and milestone ids, notes read
through changed issues, system notes, award emoji, cursors without ETags)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from plansync.errors import AuthenticationError, NotFoundError
from plansync.trackers.base import (
    Cursor,
    IssueDraft,
    IssuePatch,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
    Tracker,
)
from plansync.trackers.clock import FakeClock
from plansync.trackers.gitlab import GitLabTracker
from plansync.trackers.pacing import PacingLimits, reset_pacers

from .contract import TrackerContract

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
    armed: list[Any] = []

    def arm() -> None:
        armed.append(
            sandbox.store.faults.fail(
                "502",
                nth=1,
                methods=["POST"],
                when="after",
                api="gitlab",
                path_contains="/issues",
            )
        )

    yield arm
    # The fault must have hit the create, or the test proved nothing.
    assert [rule["fired"] for rule in sandbox.store.faults.to_json()] == [1] * len(armed)


class TestGitLabContract(TrackerContract):
    # GitLab keeps no close reason: "completed" and "not planned" both just close.
    distinguishes_close_reason = False
    # GitLab's issue, milestone and note lists carry no ETag: nothing is answered 304.
    has_conditional_reads = False


class TestGitLabOnSandbox:
    def test_is_a_tracker(self, tracker: GitLabTracker) -> None:
        assert isinstance(tracker, Tracker)
        assert (tracker.kind, tracker.repo) == ("gitlab", "demo/plans")

    def test_an_unchanged_stream_costs_one_request(
        self, tracker: GitLabTracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Watched"))
        other_side.add_comment(tracker.repo, issue.number, "first", user="alice")
        issues = tracker.observe_issues(None)
        comments = tracker.observe_comments(None)
        before = tracker.stats.total
        assert tracker.observe_issues(issues.cursor).items == ()
        assert tracker.stats.total == before + 1
        assert tracker.observe_comments(comments.cursor).items == ()
        assert tracker.stats.total == before + 2

    def test_cursor_stays_when_nothing_came(self, tracker: GitLabTracker) -> None:
        tracker.create_issue(IssueDraft(title="Only one"))
        first = tracker.observe_issues(None)
        second = tracker.observe_issues(first.cursor)
        assert second.items == ()
        assert second.cursor == first.cursor
        assert tracker.observe_issues(None).cursor == first.cursor

    def test_system_notes_are_not_comments(
        self, tracker: GitLabTracker, other_side: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Busy"))
        tracker.set_estimate(issue.number, 30)  # GitLab records a system note for this
        tracker.close_issue(issue.number)
        other_side.add_comment(tracker.repo, issue.number, "why closed?", user="alice")
        observed = tracker.observe_comments(None)
        assert [c.body for c in observed.items] == ["why closed?"]
        [comment] = observed.items
        assert comment.url.endswith(f"/-/issues/{issue.number}#note_{comment.id}")

    def test_edited_comment_is_observed_again(
        self, tracker: GitLabTracker, other_side: Any, sandbox: Any
    ) -> None:
        issue = tracker.create_issue(IssueDraft(title="Edited"))
        note_id = other_side.add_comment(tracker.repo, issue.number, "/plan dne", user="alice")
        first = tracker.observe_comments(None)
        assert [c.id for c in first.items] == [note_id]
        other_side.edit_comment(tracker.repo, note_id, "/plan done")
        # GitLab touches the issue when one of its notes is edited; the sandbox's store does
        # not, so the issue is moved by hand here.
        other_side.set_issue_title(tracker.repo, issue.number, "Edited, renamed", user="alice")
        second = tracker.observe_comments(first.cursor)
        assert [(c.id, c.body) for c in second.items] == [(note_id, "/plan done")]

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

    def test_assignees_are_set_by_username(
        self, tracker: GitLabTracker, other_side: Any
    ) -> None:
        other_side.set_permission(tracker.repo, "carol", "write")
        issue = tracker.create_issue(IssueDraft(title="Mine", assignees=("carol",)))
        assert issue.assignees == ("carol",)
        cleared = tracker.update_issue(issue.number, IssuePatch(assignees=()))
        assert cleared.assignees == ()

    def test_reaction_twice_is_one_award(
        self, tracker: GitLabTracker, other_side: Any
    ) -> None:
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
