"""One project synced against the sandbox, the way production does it: a config file on disk,
the real PyGithub / python-gitlab clients over HTTP, a state store file, planfiles in a folder.

    harness = SyncHarness.create(tmp_path, sandbox, "github", plans={"plan.md": b"..."})
    result = harness.sync()
    harness.plan("plan.md")          # the planfile's bytes now
    harness.issues()                 # the sandbox's issues of the repository
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plansync.config import LoadedConfig, load_config
from plansync.state.store import StateStore
from plansync.sync.engine import RunResult, run_once
from plansync.trackers.base import Tracker
from plansync.trackers.factory import open_tracker
from plansync.trackers.sandbox import SandboxServer
from plansync.trackers.sandbox.store import SandboxStore

REPOS = {"github": "demo/plans", "gitlab": "group/sub/project"}
TOKEN_ENV = "PLANSYNC_TEST_TOKEN"
ENVIRON = {TOKEN_ENV: "test-token"}


def tracker_toml(kind: str, sandbox: SandboxServer, repo: str | None = None) -> str:
    repo = repo or REPOS[kind]
    if kind == "github":
        return (
            f'kind = "github"\nrepo = "{repo}"\nbase_url = "{sandbox.github_api_url}"\n'
            f'token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n'
        )
    return (
        f'kind = "gitlab"\nrepo = "{repo}"\nurl = "{sandbox.gitlab_url}"\n'
        f'token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n'
        f"notes_pacing = {{ enabled = false }}\n"
    )


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
    ) -> SyncHarness:
        """Planfiles under tmp_path/work, a config syncing all of them (`*.md` and `**/*.md`)
        as project `demo`. `project_toml` adds keys to [[projects]] (before [projects.tracker]);
        `reader_toml` adds [reader] tables."""
        root = tmp_path / "work"
        root.mkdir(parents=True, exist_ok=True)
        for name, data in plans.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        config_path = root / "plansync.toml"
        config_path.write_text(
            'root = "."\n'
            f"{reader_toml}\n"
            "[[projects]]\n"
            'name = "demo"\n'
            'plans = ["*.md", "**/*.md"]\n'
            f"{project_toml}\n"
            "[projects.tracker]\n"
            f"{tracker_toml(kind, sandbox)}",
            encoding="utf-8",
        )
        return cls(root, sandbox, kind, config_path)

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
    ) -> RunResult:
        config = self.config()
        with StateStore(config.state_path) as store:
            return run_once(
                config,
                config.projects[0],
                store=store,
                tracker=tracker if tracker is not None else self.tracker(),
                dry_run=dry_run,
                stop=stop,
                environ=ENVIRON,
            )

    @property
    def state_path(self) -> Path:
        return self.config().state_path

    # -- looking ----------------------------------------------------------------------------

    def plan(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def write_plan(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    @property
    def store(self) -> SandboxStore:
        return self.sandbox.store

    def issues(self) -> list[Any]:
        """The repository's issues in the sandbox (not pull requests), by number."""
        found = self.store.issues(self.repo, include_pull_requests=False)
        return sorted(found, key=lambda issue: issue.number)

    def milestone_titles(self) -> list[str]:
        return sorted(m.title for m in self.store.milestones(self.repo))

    def writes(self) -> int:
        """Write requests the sandbox has logged so far."""
        return sum(
            n for method, n in self.store.requests.by_method().items() if method != "GET"
        )
