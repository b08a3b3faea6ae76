"""The GitHub Action's own shell steps, run as a runner would run them against the sandbox: the
sync edits the plan, the commit step pushes it as `plansync: ...` and leaves the state store
out, and a second run has nothing to commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer

ACTION = Path(__file__).resolve().parents[2] / "deploy" / "github-action" / "action.yml"
PLAN = b"# Plan\n\n## Phase 1: Start\n\n- [ ] Write the brief\n- [ ] Book the room\n"


def steps() -> dict[str, dict[str, Any]]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return {step.get("name", ""): step for step in action["runs"]["steps"]}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout


def run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    step = steps()[name]
    assert step["shell"] == "bash"
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def checkout(tmp_path: Path, sandbox: SandboxServer) -> Path:
    """A clone of a repository holding a plan and a config for the sandbox, as
    actions/checkout leaves it."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(remote), str(work))
    (work / "plans").mkdir()
    (work / "plans" / "plan.md").write_bytes(PLAN)
    (work / "config").mkdir()
    tracker = sandbox_tracker_toml("github", sandbox, "demo/plans", "GITHUB_TOKEN")
    (work / "config" / "plansync.toml").write_text(
        'root = ".."\n[[projects]]\nname = "plans"\nplans = ["plans/*.md"]\n'
        f"[projects.summary]\nenabled = false\nmilestones = false\n[projects.tracker]\n{tracker}",
        encoding="utf-8",
    )
    git(work, "add", "-A")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "Plans")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    return work


def test_the_actions_steps_sync_and_commit_the_plan(checkout: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_TOKEN": "sandbox-token",
        "PLANSYNC_CONFIG": "config/plansync.toml",
        "PLANSYNC_STATE": str(checkout / ".plansync-state" / "state.db"),
        "PROJECT": "",
        "DRY_RUN": "false",
    }
    synced = run_step("Sync", checkout, env)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert b"(#1)" in (checkout / "plans" / "plan.md").read_bytes()

    committed = run_step("Commit the plan files' changes", checkout, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    log = git(checkout, "log", "--format=%s", "origin/main")
    assert log.splitlines()[0] == "plansync: sync plan files with the issues"
    assert git(checkout, "show", "--name-only", "--format=", "origin/main").split() == [
        "plans/plan.md"
    ]
    # The state store stays out of the repository (the Actions cache keeps it).
    assert (checkout / ".plansync-state" / "state.db").is_file()

    again = run_step("Sync", checkout, env)
    assert again.returncode == 0, again.stderr
    quiet = run_step("Commit the plan files' changes", checkout, env)
    assert quiet.returncode == 0, quiet.stderr
    assert "did not change" in quiet.stdout
    assert len(git(checkout, "log", "--format=%s", "origin/main").splitlines()) == 2
