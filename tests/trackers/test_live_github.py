"""A subset of the GitHub adapter's behaviour against a real GitHub repository.

Runs only when PLANSYNC_LIVE_GITHUB_TOKEN (a classic token with the `repo` scope, or a
fine-grained one with Issues and Contents read-write) and PLANSYNC_LIVE_GITHUB_REPO
("owner/name", a throwaway repository) are set; PLANSYNC_LIVE_GITHUB_API_URL picks GitHub
Enterprise Server (default https://api.github.com). The tests create issues, a milestone and
labels with unique titles, and close what they open. Writes are paced as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from plansync.model.remote import (
    CloseReason,
    IssueDraft,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
    Permission,
)
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.markers import task_marker
from plansync.trackers.pacing import reset_pacers

TOKEN = os.environ.get("PLANSYNC_LIVE_GITHUB_TOKEN", "")
REPO = os.environ.get("PLANSYNC_LIVE_GITHUB_REPO", "")
API_URL = os.environ.get("PLANSYNC_LIVE_GITHUB_API_URL", "https://api.github.com")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (TOKEN and REPO),
        reason=(
            "live GitHub tests need PLANSYNC_LIVE_GITHUB_TOKEN (a token with the `repo` scope) "
            "and PLANSYNC_LIVE_GITHUB_REPO (owner/name); PLANSYNC_LIVE_GITHUB_API_URL is optional"
        ),
    ),
]


@pytest.fixture
def tracker() -> Iterator[GitHubTracker]:
    reset_pacers()
    github = GitHubTracker(REPO, TOKEN, base_url=API_URL)
    yield github
    github.close()
    reset_pacers()


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


def test_unchanged_repository_is_answered_304(tracker: GitHubTracker) -> None:
    issues = tracker.observe_issues(None)
    milestones = tracker.observe_milestones(None)
    before = tracker.stats.not_modified
    again_milestones = tracker.observe_milestones(milestones.cursor)
    assert again_milestones.not_modified
    # Issues move whenever anyone touches the repository; an idle one answers 304 as well.
    again_issues = tracker.observe_issues(issues.cursor)
    if not again_issues.items:
        assert again_issues.not_modified
    assert tracker.stats.not_modified > before


def test_create_find_estimate_and_close(tracker: GitHubTracker, run_id: str) -> None:
    marker = task_marker(f"LIVE-{run_id}")
    tracker.ensure_labels([f"plansync-live-{run_id}"])
    issue = tracker.create_issue(
        IssueDraft(
            title=f"plansync live test {run_id}",
            body=f"Created by plansync's live tests.\n\n{marker}",
            labels=(f"plansync-live-{run_id}",),
        ),
        marker=marker,
    )
    try:
        found = tracker.find_issue_by_marker(marker)
        assert found is not None
        assert found.number == issue.number

        tracker.set_estimate(issue.number, 90)
        estimated = tracker.get_issue(issue.number)
        assert estimated is not None
        assert estimated.estimate_minutes == 90
    finally:
        closed = tracker.close_issue(issue.number, CloseReason.NOT_PLANNED)
    assert closed.state is IssueState.CLOSED
    assert closed.state_reason is CloseReason.NOT_PLANNED


def test_milestone_round_trip(tracker: GitHubTracker, run_id: str) -> None:
    created = tracker.create_milestone(MilestoneDraft(title=f"plansync live {run_id}"))
    closed = tracker.update_milestone(created.number, MilestonePatch(state=IssueState.CLOSED))
    assert closed.state is IssueState.CLOSED
    assert created.number in {m.number for m in tracker.list_milestones()}


def test_unknown_user_has_no_permission(tracker: GitHubTracker, run_id: str) -> None:
    assert tracker.permission(f"plansync-no-such-user-{run_id}") is Permission.NONE
