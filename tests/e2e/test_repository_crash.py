"""The crash sweep of test_crash_safety with the plan in the tracker's repository: a first sync
killed before or after each of its writes (the commit of the plan among them), then run again,
ends where the uninterrupted local run ends: the same issues, milestones, labels, state store
links, and the repository's plan holding the local run's bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from harness import ALL_SUMMARIES, SyncHarness
from test_crash_safety import (
    PLAN,
    PLAN_NAME,
    Crash,
    Hooks,
    Reference,
    fresh_sandbox,
    kill_after,
    kill_before,
    recover,
    references,
    report,
)

from plansync.sandbox.server import SandboxServer

__all__ = ["references"]  # the reference runs are test_crash_safety's fixture

REPOSITORY = '[projects.plans_source]\nkind = "repository"\nwrite = "commit"\n'


class RepositoryHarness(SyncHarness):
    """The plan lives on the default branch of the sandbox's repository."""

    def plan(self, name: str) -> bytes:
        return self.store.file(self.repo, name).content

    @classmethod
    def make(
        cls, tmp_path: Path, sandbox: SandboxServer, kind: str, plans: Mapping[str, bytes]
    ) -> RepositoryHarness:
        base = SyncHarness.create(
            tmp_path, sandbox, kind, {}, project_toml=REPOSITORY, summary_toml=ALL_SUMMARIES
        )
        harness = cls(base.root, base.sandbox, base.kind, base.config_path)
        for name, data in plans.items():
            sandbox.store.put_file(harness.repo, name, data, user="alice")
        return harness


def own_commits(harness: SyncHarness) -> int:
    git = harness.store.repo(harness.repo).git
    return sum(1 for c in git.commits.values() if c.message.startswith("plansync:"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["github", "gitlab"])
@pytest.mark.parametrize("crash", [kill_before, kill_after], ids=["before", "after"])
def test_killed_at_every_write_then_rerun_matches_the_local_run(
    sandbox: SandboxServer,
    tmp_path: Path,
    references: Callable[[str], Reference],
    hook_writes: Hooks,
    kind: str,
    crash: Crash,
) -> None:
    reference = references(kind)
    fresh_sandbox(sandbox)
    counted = hook_writes(
        RepositoryHarness.make(tmp_path / "count", sandbox, kind, {PLAN_NAME: PLAN}).tracker()
    )
    counting = RepositoryHarness(
        tmp_path / "count" / "work", sandbox, kind, tmp_path / "count" / "work" / "plansync.toml"
    )
    assert counting.sync(tracker=counted).ok
    assert counted.writes.count("commit_files") == 1  # the run's one commit is swept too
    failures: dict[int, list[str]] = {}
    for k in range(1, len(counted.writes) + 1):
        fresh_sandbox(sandbox)
        harness = RepositoryHarness.make(tmp_path / f"k{k}", sandbox, kind, {PLAN_NAME: PLAN})
        problems = crash(harness, k, hook_writes, reference.outcome)
        problems += recover(harness, reference.outcome)
        if own_commits(harness) > 3:  # the killed run's, the re-run's, and one left over
            problems.append(f"{own_commits(harness)} plansync commits")
        if problems:
            failures[k] = problems
    assert not failures, report(failures)
