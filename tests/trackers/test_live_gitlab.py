"""A subset of the GitLab adapter's behaviour against a real GitLab project.

Runs only when PLANSYNC_LIVE_GITLAB_TOKEN (a token with the `api` scope) and
PLANSYNC_LIVE_GITLAB_PROJECT ("group/project", a throwaway project) are set;
PLANSYNC_LIVE_GITLAB_URL picks a self-managed instance (default https://gitlab.com). The tests
create issues, a milestone, labels and notes with unique titles, and close what they open.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from plansync.model.remote import (
    Cursor,
    IssueDraft,
    IssuePatch,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
    RemoteIssue,
)
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.markers import task_marker
from plansync.trackers.pacing import reset_pacers

TOKEN = os.environ.get("PLANSYNC_LIVE_GITLAB_TOKEN", "")
PROJECT = os.environ.get("PLANSYNC_LIVE_GITLAB_PROJECT", "")
URL = os.environ.get("PLANSYNC_LIVE_GITLAB_URL", "https://gitlab.com")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (TOKEN and PROJECT),
        reason=(
            "live GitLab tests need PLANSYNC_LIVE_GITLAB_TOKEN (an `api` token) and "
            "PLANSYNC_LIVE_GITLAB_PROJECT (group/project); PLANSYNC_LIVE_GITLAB_URL is optional"
        ),
    ),
]


@pytest.fixture
def tracker() -> Iterator[GitLabTracker]:
    reset_pacers()
    yield GitLabTracker(PROJECT, TOKEN, url=URL)
    reset_pacers()


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


def _close(tracker: GitLabTracker, issue: RemoteIssue) -> None:
    if tracker.get_issue(issue.number) is not None:
        tracker.close_issue(issue.number)


def test_create_find_update_close_reopen(tracker: GitLabTracker, run_id: str) -> None:
    marker = task_marker(f"LIVE-{run_id}")
    label = f"plansync-live-{run_id}"
    tracker.ensure_labels([label])
    writes = tracker.stats.writes
    tracker.ensure_labels([label])
    assert tracker.stats.writes == writes

    issue = tracker.create_issue(
        IssueDraft(title=f"live {run_id}", body=f"Live test.\n\n{marker}", labels=(label,)),
        marker=marker,
    )
    try:
        found = tracker.find_issue_by_marker(marker)
        assert found is not None
        assert found.number == issue.number

        updated = tracker.update_issue(issue.number, IssuePatch(title=f"live {run_id} renamed"))
        assert updated.title == f"live {run_id} renamed"
        assert updated.labels == (label,)

        closed = tracker.close_issue(issue.number)
        assert closed.state is IssueState.CLOSED
        assert tracker.reopen_issue(issue.number).state is IssueState.OPEN
    finally:
        _close(tracker, issue)


def test_observe_issues_moves_the_cursor(tracker: GitLabTracker, run_id: str) -> None:
    first = tracker.create_issue(IssueDraft(title=f"observed {run_id}"))
    try:
        fresh = tracker.get_issue(first.number)
        assert fresh is not None
        start = Cursor(since=fresh.updated_at.isoformat(), seen=())
        observed = tracker.observe_issues(start)
        assert first.number in [i.number for i in observed.items]
        again = tracker.observe_issues(observed.cursor)
        assert first.number not in [i.number for i in again.items]
    finally:
        _close(tracker, first)


def test_estimate_and_comments(tracker: GitLabTracker, run_id: str) -> None:
    issue = tracker.create_issue(IssueDraft(title=f"estimated {run_id}"))
    try:
        tracker.set_estimate(issue.number, 90)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes == 90
        tracker.set_estimate(issue.number, None)
        fetched = tracker.get_issue(issue.number)
        assert fetched is not None
        assert fetched.estimate_minutes is None

        start = Cursor(since=fetched.updated_at.isoformat(), seen=(fetched.id,))
        posted = tracker.post_comment(issue.number, f"live comment {run_id}")
        observed = tracker.observe_comments(start)
        assert posted.id in [c.id for c in observed.items]
        tracker.add_reaction(posted, "+1")
        tracker.add_reaction(posted, "+1")  # a second award of the same emoji is done too
    finally:
        _close(tracker, issue)


def test_milestone_round_trip(tracker: GitLabTracker, run_id: str) -> None:
    created = tracker.create_milestone(MilestoneDraft(title=f"live {run_id}"))
    updated = tracker.update_milestone(
        created.number, MilestonePatch(description="live", state=IssueState.CLOSED)
    )
    assert (updated.description, updated.state) == ("live", IssueState.CLOSED)
    listed = {m.number: m for m in tracker.list_milestones()}
    assert listed[created.number].state is IssueState.CLOSED
