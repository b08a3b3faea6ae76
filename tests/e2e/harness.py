"""One project synced against the sandbox, the way production does it: a config file on disk,
the real PyGithub / python-gitlab clients over HTTP, a state store file, planfiles in a folder.

    harness = SyncHarness.create(tmp_path, sandbox, "github", plans={"plan.md": b"..."})
    result = harness.sync()
    harness.plan("plan.md")          # the planfile's bytes now
    harness.issues()                 # the sandbox's issues of the repository
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from plansync.clock import FakeClock
from plansync.config.load import LoadedConfig, load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.records import Issue
from plansync.sandbox.server import SandboxServer
from plansync.sandbox.store import SandboxStore
from plansync.state.base import StateStore
from plansync.state.open import memory_state, open_state, sqlite_file, state_exists
from plansync.sync.apply import ProgressListener
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult
from plansync.trackers.base import Tracker
from plansync.trackers.markers import find_marker
from plansync.trackers.registry import open_tracker

REPOS = {"github": "demo/plans", "gitlab": "group/sub/project"}


class SteppingClock(FakeClock):
    """The sandbox's time for a fast run: each reading moves it 1 ms on. A whole sync then
    lands within one second, the worst case for GitHub's `since` (it counts whole seconds),
    while GitLab's milliseconds still tell every event apart. Deterministic, unlike the
    real clock, whose second boundaries fall anywhere in a test."""

    STEP = 0.001

    def now(self) -> datetime:
        self.advance(self.STEP)
        return super().now()


TOKEN_ENV = "PLANSYNC_TEST_TOKEN"
ENVIRON = {TOKEN_ENV: "test-token"}


NO_SUMMARY = "[projects.summary]\nenabled = false\nmilestones = false\n"
# Every summary plansync can write.
ALL_SUMMARIES = "[projects.summary]\ntracking_issue = true\n"


@dataclass
class SyncHarness:
    root: Path
    sandbox: SandboxServer
    kind: str
    config_path: Path

    @classmethod
    def create(
        cls,
        tmp_path: Path,
        sandbox: SandboxServer,
        kind: str,
        plans: Mapping[str, bytes],
        *,
        project_toml: str = "",
        reader_toml: str = "",
        summary_toml: str = NO_SUMMARY,
    ) -> SyncHarness:
        """Planfiles under tmp_path/work, a config syncing all of them (`*.md` and `**/*.md`)
        as project `demo`. `project_toml` adds keys to [[projects]] (before [projects.tracker]);
        `reader_toml` adds [reader] tables; `summary_toml` is the [projects.summary] table (by
        default summaries are off: most tests look at the lines of tasks, and the summary
        tests turn them on)."""
        root = tmp_path / "work"
        root.mkdir(parents=True, exist_ok=True)
        for name, data in plans.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        harness = cls(root, sandbox, kind, root / "plansync.toml")
        harness.reconfigure(
            project_toml=project_toml, reader_toml=reader_toml, summary_toml=summary_toml
        )
        return harness

    def reconfigure(
        self, *, project_toml: str = "", reader_toml: str = "", summary_toml: str = NO_SUMMARY
    ) -> None:
        """Write the config again with other project keys (e.g. `direction = "pull"`): the
        same root, planfiles, tracker and state store."""
        self.config_path.write_text(
            'root = "."\n'
            f"{reader_toml}\n"
            "[[projects]]\n"
            'name = "demo"\n'
            'plans = ["*.md", "**/*.md"]\n'
            f"{project_toml}\n"
            f"{summary_toml}\n"
            "[projects.tracker]\n"
            f"{sandbox_tracker_toml(self.kind, self.sandbox, self.repo, TOKEN_ENV)}",
            encoding="utf-8",
        )

    # -- running ----------------------------------------------------------------------------

    @property
    def repo(self) -> str:
        return REPOS[self.kind]

    def config(self) -> LoadedConfig:
        return load_config(self.config_path)

    def tracker(self) -> Tracker:
        return open_tracker(self.config().projects[0].tracker, ENVIRON)

    def sync(
        self,
        *,
        dry_run: bool = False,
        tracker: Tracker | None = None,
        stop: threading.Event | None = None,
        progress: ProgressListener | None = None,
        today: date | None = None,
    ) -> RunResult:
        """One run, as `plansync sync [--dry-run]` makes it: a dry run without a state file
        reads from a store kept in memory, so it creates no file."""
        config = self.config()
        if dry_run and not state_exists(config.state_url):
            database = memory_state()
        else:
            database = open_state(config.state_url)
        with database:
            return run_once(
                config,
                config.projects[0],
                store=database,
                tracker=tracker if tracker is not None else self.tracker(),
                dry_run=dry_run,
                stop=stop,
                progress=progress,
                environ=ENVIRON,
                today=today,
            )

    @property
    def state_path(self) -> Path:
        return sqlite_file(self.config().state_url)

    @contextmanager
    def state(self) -> Iterator[StateStore]:
        """The project's state store, opened (and created) for a look."""
        config = self.config()
        project = config.projects[0]
        with open_state(config.state_url) as database:
            yield database.store(project.name, project.scope)

    # -- looking ----------------------------------------------------------------------------

    def plan(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def write_plan(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    def edit_plan(self, name: str, old: bytes, new: bytes) -> None:
        """Replace the one occurrence of `old` in the planfile, as a person editing it would."""
        data = self.plan(name)
        assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times in {name}"
        self.write_plan(name, data.replace(old, new))

    @property
    def store(self) -> SandboxStore:
        return self.sandbox.store

    def issues(self) -> list[Any]:
        """The repository's issues in the sandbox (not pull requests), by number."""
        found = self.store.issues(self.repo, include_pull_requests=False)
        return sorted(found, key=lambda issue: issue.number)

    def issue(self, number: int) -> Issue:
        """One issue of the repository, as the sandbox holds it now."""
        return self.store.issue(self.repo, number)

    def issues_by_task(self) -> dict[str, list[int]]:
        """`planfile#key` -> the numbers of the issues carrying that task's hidden marker."""
        found: dict[str, list[int]] = {}
        for issue in self.issues():
            key = find_marker(issue.body or "")
            if key is not None:
                found.setdefault(key, []).append(issue.number)
        return found

    def number(self, planfile: str, key: str) -> int:
        """The one issue carrying the marker of task `key` of `planfile`."""
        numbers = self.issues_by_task().get(f"{planfile}#{key}", [])
        assert len(numbers) == 1, f"task {key!r} has the issues {numbers}"
        return numbers[0]

    def milestone_titles(self) -> list[str]:
        return sorted(m.title for m in self.store.milestones(self.repo))

    def writes(self) -> int:
        """Write requests the sandbox has logged so far."""
        return sum(n for method, n in self.store.requests.by_method().items() if method != "GET")
