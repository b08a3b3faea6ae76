"""What observing a repository costs, per tracker: prints requests, 304s and time; asserts nothing.

    .venv/bin/python bench/observe_cost.py [--issues 500] [--comments 200]

Runs the local sandbox in-process, fills one repository, then with each adapter (the real
PyGithub / python-gitlab clients over HTTP) observes issues, milestones and comments twice:
cold (everything is new) and again with the returned cursors (nothing changed).
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


def fill(server: SandboxServer, issues: int, comments: int) -> None:
    """Issues and comments a minute apart, ending an hour ago, as a real history would be
    (`since` filters are per second and inclusive: a whole history in one second is not)."""
    store = server.store
    clock = FakeClock(datetime.now(UTC) - timedelta(minutes=issues + comments + 60))
    store.set_clock(clock)
    for n in range(1, issues + 1):
        store.create_issue(REPO, f"Task {n}", body=f"<!-- plansync:task=T{n} -->")
        clock.advance(60)
    for n in range(comments):
        store.add_comment(REPO, 1 + n % issues, f"/plan estimate {n % 8 + 1}h", user="alice")
        clock.advance(60)


def observe_all(tracker: Tracker, cursors: dict[str, Cursor | None]) -> dict[str, Cursor | None]:
    issues = tracker.observe_issues(cursors["issues"])
    milestones = tracker.observe_milestones(cursors["milestones"])
    comments = tracker.observe_comments(cursors["comments"])
    return {"issues": issues.cursor, "milestones": milestones.cursor, "comments": comments.cursor}


def measure(name: str, make: Callable[[], Tracker]) -> None:
    tracker = make()
    cursors: dict[str, Cursor | None] = {"issues": None, "milestones": None, "comments": None}
    for run in ("cold", "unchanged"):
        before = RequestStats(dict(tracker.stats.by_method), tracker.stats.not_modified)
        start = time.perf_counter()
        cursors = observe_all(tracker, cursors)
        elapsed = time.perf_counter() - start
        requests = tracker.stats.total - before.total
        not_modified = tracker.stats.not_modified - before.not_modified
        print(
            f"{name:7} {run:10} {requests:5d} requests  {not_modified:3d} answered 304  "
            f"{elapsed * 1000:8.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=500)
    parser.add_argument("--comments", type=int, default=200)
    args = parser.parse_args()
    with SandboxServer(repos=(REPO,)) as server:
        fill(server, args.issues, args.comments)
        print(f"{args.issues} issues, {args.comments} comments in {REPO}")
        measure(
            "GitHub",
            lambda: GitHubTracker(
                REPO, "bench", base_url=server.github_api_url, pacing=PacingLimits.DISABLED
            ),
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
        )


if __name__ == "__main__":
    main()
