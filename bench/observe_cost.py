"""What observing a repository costs, per tracker: prints requests, 304s and time; asserts nothing.

    .venv/bin/python bench/observe_cost.py [--issues 10000] [--milestones 1000] [--comments 200]
                                           [--changes 5]

Runs the local sandbox in-process, fills one repository, then with each adapter (the real
PyGithub / python-gitlab clients over HTTP) observes issues, milestones and comments: cold
(everything is new), again with the returned cursors (nothing changed), once more after
`--changes` issues and one milestone were edited, and quiet again.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from plansync.clock import FakeClock
from plansync.model.remote import Cursor
from plansync.sandbox.server import SandboxServer
from plansync.trackers.base import RequestStats, Tracker
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.pacing import PacingLimits

REPO = "bench/plans"


def fill(server: SandboxServer, issues: int, milestones: int, comments: int) -> FakeClock:
    """Milestones, issues and comments a second apart, ending an hour ago, as a real history
    would be (`since` filters are per second and inclusive: a whole history in one second is
    not). Returns the sandbox's clock."""
    store = server.store
    clock = FakeClock(datetime.now(UTC) - timedelta(seconds=issues + milestones + comments + 3600))
    store.set_clock(clock)
    for n in range(1, milestones + 1):
        store.create_milestone(REPO, f"Week {n} → ✨")
        clock.advance(1)
    for n in range(1, issues + 1):
        store.create_issue(REPO, f"Task {n}", body=f"<!-- plansync:task=T{n} -->")
        clock.advance(1)
    for n in range(comments):
        store.add_comment(REPO, 1 + n % issues, f"/plan estimate {n % 8 + 1}h", user="alice")
        clock.advance(1)
    return clock


def change(server: SandboxServer, clock: FakeClock, issues: int, changes: int) -> None:
    """Someone edits `changes` issues spread over the list and the middle milestone."""
    clock.advance(60)
    store = server.store
    for n in range(changes):
        store.set_issue_title(REPO, 1 + n * max(1, issues // max(1, changes)), f"Edited {n} ✏️")
        clock.advance(1)
    middle = max(1, len(store.milestones(REPO)) // 2)
    if store.milestones(REPO):
        store.update_milestone(REPO, middle, description="moved → later")


def observe_all(tracker: Tracker, cursors: dict[str, Cursor | None]) -> dict[str, Cursor | None]:
    issues = tracker.observe_issues(cursors["issues"])
    milestones = tracker.observe_milestones(cursors["milestones"])
    comments = tracker.observe_comments(cursors["comments"])
    return {"issues": issues.cursor, "milestones": milestones.cursor, "comments": comments.cursor}


def measure(name: str, make: Callable[[], Tracker], edit: Callable[[], None]) -> None:
    tracker = make()
    cursors: dict[str, Cursor | None] = {"issues": None, "milestones": None, "comments": None}
    for run in ("cold", "unchanged", "changed", "unchanged"):
        if run == "changed":
            edit()
        before = RequestStats(dict(tracker.stats.by_method), tracker.stats.not_modified)
        start = time.perf_counter()
        cursors = observe_all(tracker, cursors)
        elapsed = time.perf_counter() - start
        requests = tracker.stats.total - before.total
        not_modified = tracker.stats.not_modified - before.not_modified
        print(
            f"{name:7} {run:10} {requests:5d} requests  {not_modified:4d} answered 304  "
            f"{requests - not_modified:4d} read  {elapsed * 1000:8.1f} ms"
        )
    tracker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=1_000)
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--changes", type=int, default=5)
    args = parser.parse_args()
    with SandboxServer(repos=(REPO,)) as server:
        clock = fill(server, args.issues, args.milestones, args.comments)
        print(
            f"{args.issues} issues, {args.milestones} milestones, {args.comments} comments in "
            f"{REPO}; 'changed': {args.changes} issues and 1 milestone edited"
        )
        measure(
            "GitHub",
            lambda: GitHubTracker(
                REPO, "bench", base_url=server.github_api_url, pacing=PacingLimits.DISABLED
            ),
            lambda: change(server, clock, args.issues, args.changes),
        )
        measure(
            "GitLab",
            lambda: GitLabTracker(
                REPO,
                "bench",
                url=server.gitlab_url,
                pacing=PacingLimits.DISABLED,
                notes_pacing=PacingLimits.DISABLED,
            ),
            lambda: change(server, clock, args.issues, args.changes),
        )


if __name__ == "__main__":
    main()
