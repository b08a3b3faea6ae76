"""Twenty projects of one config synced at once, as the daemon's worker threads run them: one
state file, one tracker, no run failing on another project's brief hold of the file."""

from __future__ import annotations

import threading
from pathlib import Path

from harness import ENVIRON, REPOS, TOKEN_ENV

from plansync.config.load import load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult

PROJECTS = 20


def test_twenty_projects_sync_at_once_on_one_state_file(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    root = tmp_path / "work"
    root.mkdir()
    blocks = []
    for n in range(PROJECTS):
        (root / f"p{n}.md").write_text(
            f"# Plan {n}\n\n## Phase 1 of {n}\n\n- [ ] Task one of {n}\n- [x] Task two of {n}\n",
            encoding="utf-8",
        )
        blocks.append(
            f'[[projects]]\nname = "p{n}"\nplans = ["p{n}.md"]\n'
            "[projects.summary]\nenabled = false\nmilestones = false\n"
            "[projects.tracker]\n"
            + sandbox_tracker_toml("github", sandbox, REPOS["github"], TOKEN_ENV)
        )
    (root / "plansync.toml").write_text('root = "."\n' + "\n".join(blocks), encoding="utf-8")
    config = load_config(root / "plansync.toml")
    results: dict[str, RunResult] = {}
    errors: list[str] = []
    start = threading.Barrier(PROJECTS)

    def run(index: int) -> None:
        project = config.projects[index]
        start.wait()
        try:
            results[project.name] = run_once(config, project, environ=ENVIRON)
        except Exception as exc:
            errors.append(f"{project.name}: {exc!r}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(PROJECTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert all(result.ok for result in results.values()), [
        r.failed for r in results.values() if not r.ok
    ]
    issues = sandbox.store.issues("demo/plans", include_pull_requests=False)
    assert len(issues) == 2 * PROJECTS
    for n in range(PROJECTS):
        text = (root / f"p{n}.md").read_text(encoding="utf-8")
        assert text.count("(#") == 2, text
