"""What a sync costs when the plans live in the tracker's repository: prints requests (all of
them, the plan source's included), 304s, writes and commits per run; asserts nothing.

    .venv/bin/python bench/repository_cost.py [PLAN ...]

Runs the local sandbox in-process and, with each adapter, syncs each plan (committed to the
sandbox repository first) four times: the first sync, an unchanged one, one after an issue was
closed on the tracker (a tick to commit), and one after a person pushed an unrelated file.
Without arguments it uses the shared plans beside the checkout, else the project's examples.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from plansync.config.load import load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.trackers.registry import open_tracker

ROOT = Path(__file__).resolve().parents[1]
REPOS = {"github": "bench/plans", "gitlab": "bench/group/plans"}
TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"


def config_text(kind: str, server: SandboxServer) -> str:
    return (
        'root = "."\n[[projects]]\nname = "bench"\nplans = ["plans/*.md"]\n'
        '[projects.plans_source]\nkind = "repository"\nwrite = "commit"\n[projects.tracker]\n'
        + sandbox_tracker_toml(kind, server, REPOS[kind], TOKEN_ENV)
    )


def commits(server: SandboxServer, kind: str) -> int:
    git = server.store.repo(REPOS[kind]).git
    return sum(1 for c in git.commits.values() if c.message.startswith("plansync:"))


def measure(server: SandboxServer, kind: str, plan: Path) -> None:
    server.reset()
    repo = REPOS[kind]
    server.store.put_file(repo, f"plans/{plan.stem}.md", plan.read_bytes(), user="alice")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "plansync.toml").write_text(config_text(kind, server), encoding="utf-8")
        config = load_config(work / "plansync.toml")
        project = config.projects[0]
        for label in ("first sync", "unchanged", "one closed", "other push"):
            if label == "one closed":
                server.store.close_issue(repo, 1)
            if label == "other push":
                server.store.put_file(repo, "README.md", b"elsewhere\n", user="alice")
            before = commits(server, kind)
            tracker = open_tracker(project.tracker, {TOKEN_ENV: "bench"})
            start = time.perf_counter()
            with open_state(config.state_url) as state:
                result = run_once(config, project, store=state, tracker=tracker)
            elapsed = time.perf_counter() - start
            print(
                f"{kind:7} {plan.stem[:24]:24} {label:11} {tracker.stats.total:4d} requests "
                f"{tracker.stats.not_modified:3d} x 304 {tracker.stats.writes:4d} writes "
                f"{commits(server, kind) - before:2d} commits  ok={result.ok!s:5} "
                f"{elapsed * 1000:8.1f} ms"
            )


def main() -> None:
    plans = [Path(arg) for arg in sys.argv[1:]]
    if not plans:
        shared = ROOT.parent / "shared" / "plans"
        plans = sorted(shared.iterdir()) if shared.is_dir() else sorted(ROOT.glob("examples/*.md"))
    server = SandboxServer(repos=tuple(REPOS.values()))
    server.start()
    try:
        for kind in ("github", "gitlab"):
            for plan in plans:
                measure(server, kind, plan)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
