"""The two-way sync against a real GitHub repository or GitLab project.

Runs only when the live variables of tests/trackers/test_live_github.py
(PLANSYNC_LIVE_GITHUB_TOKEN, PLANSYNC_LIVE_GITHUB_REPO, optional PLANSYNC_LIVE_GITHUB_API_URL)
or tests/trackers/test_live_gitlab.py (PLANSYNC_LIVE_GITLAB_TOKEN, PLANSYNC_LIVE_GITLAB_PROJECT,
optional PLANSYNC_LIVE_GITLAB_URL) are set: use a throwaway repository. A run creates two issues
and one milestone with unique titles, closes the issues it opened, and paces its writes as
in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from plansync.config.load import load_config
from plansync.model.remote import IssueState
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult
from plansync.trackers.base import Tracker
from plansync.trackers.pacing import reset_pacers
from plansync.trackers.registry import open_tracker

LIVE = {
    "github": (
        "PLANSYNC_LIVE_GITHUB_TOKEN",
        os.environ.get("PLANSYNC_LIVE_GITHUB_REPO", ""),
        f'base_url = "{os.environ.get("PLANSYNC_LIVE_GITHUB_API_URL", "https://api.github.com")}"',
    ),
    "gitlab": (
        "PLANSYNC_LIVE_GITLAB_TOKEN",
        os.environ.get("PLANSYNC_LIVE_GITLAB_PROJECT", ""),
        f'url = "{os.environ.get("PLANSYNC_LIVE_GITLAB_URL", "https://gitlab.com")}"',
    ),
}

pytestmark = pytest.mark.live


class LiveProject:
    def __init__(self, root: Path, kind: str) -> None:
        token_env, repo, location = LIVE[kind]
        self.root = root
        self.run_id = uuid.uuid4().hex[:8]
        (root / "plan.md").write_text(
            f"# Live sync {self.run_id}\n\n## Phase {self.run_id}\n\n"
            f"- [ ] First live task {self.run_id}\n- [ ] Second live task {self.run_id}\n",
            encoding="utf-8",
        )
        (root / "plansync.toml").write_text(
            f'root = "."\n[[projects]]\nname = "live"\nplans = ["plan.md"]\n'
            f'[projects.tracker]\nkind = "{kind}"\nrepo = "{repo}"\n{location}\n'
            f'token_env = "{token_env}"\n',
            encoding="utf-8",
        )
        self.config = load_config(root / "plansync.toml")
        self.tracker: Tracker = open_tracker(self.config.projects[0].tracker)

    def sync(self) -> RunResult:
        with open_state(self.config.state_url) as state:
            return run_once(self.config, self.config.projects[0], store=state, tracker=self.tracker)

    def plan(self) -> str:
        return (self.root / "plan.md").read_text(encoding="utf-8")


@pytest.fixture(params=["github", "gitlab"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveProject]:
    kind = str(request.param)
    token_env, repo, _ = LIVE[kind]
    if not (os.environ.get(token_env) and repo):
        where = "PLANSYNC_LIVE_GITHUB_REPO" if kind == "github" else "PLANSYNC_LIVE_GITLAB_PROJECT"
        pytest.skip(f"the live {kind} sync test needs {token_env} and {where}")
    reset_pacers()
    project = LiveProject(tmp_path, kind)
    yield project
    for issue in project.tracker.observe_issues(None).items:
        if project.run_id in issue.title and issue.state is IssueState.OPEN:
            project.tracker.close_issue(issue.number)
    reset_pacers()


def test_a_plan_and_a_real_tracker_stay_in_step(live: LiveProject) -> None:
    first = live.sync()
    assert first.ok, first.failed
    assert first.counts()["created"] == 2
    numbers = sorted(
        issue.number
        for issue in live.tracker.observe_issues(None).items
        if live.run_id in issue.title
    )
    assert len(numbers) == 2
    assert all(f"(#{n})" in live.plan() for n in numbers)

    assert live.sync().actions == []  # nothing changed: nothing to do

    (live.root / "plan.md").write_text(
        live.plan().replace("- [ ] First live task", "- [x] First live task"), encoding="utf-8"
    )
    live.tracker.close_issue(numbers[1])
    both = live.sync()
    assert both.ok, both.failed
    first_issue = live.tracker.get_issue(numbers[0])
    assert first_issue is not None
    assert first_issue.state is IssueState.CLOSED
    assert f"- [x] Second live task {live.run_id}" in live.plan()
