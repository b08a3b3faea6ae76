"""What a sync costs, per tracker: prints requests, writes and time; asserts nothing.

    .venv/bin/python bench/sync_cost.py [PLAN ...]

Runs the local sandbox in-process (write pacing off) and, with each adapter (the real PyGithub /
python-gitlab clients over HTTP), syncs each plan three times: the first sync (every task gets an
issue), a sync with nothing changed, and a sync after one issue was closed on the tracker.
Without arguments it uses the shared plans beside the checkout, else the project's examples.

Reading the numbers: "one closed" ticks nothing when issue #1 belongs to a task the plan cannot
show done (an ID item, a table without a status column). Plan 000 names issue numbers of its own
repository in its milestone lists; in this empty one the links plansync writes collide with them,
so its "unchanged" sync moves one task's milestone (the e2e tests seed those issues instead).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
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
        'root = "."\n[[projects]]\nname = "bench"\nplans = ["*.md"]\n[projects.tracker]\n'
        + sandbox_tracker_toml(kind, server, REPOS[kind], TOKEN_ENV)
    )


def measure(server: SandboxServer, kind: str, plan: Path) -> None:
    server.reset()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / f"{plan.stem}.md").write_bytes(plan.read_bytes())
        (work / "plansync.toml").write_text(config_text(kind, server), encoding="utf-8")
        config = load_config(work / "plansync.toml")
        project = config.projects[0]
        environ = {TOKEN_ENV: "bench"}
        for label in ("first sync", "unchanged", "one closed"):
            if label == "one closed":
                server.store.close_issue(REPOS[kind], 1)
            tracker = open_tracker(project.tracker, environ)
            tracemalloc.start()
            start = time.perf_counter()
            with open_state(config.state_url) as state:
                result = run_once(config, project, store=state, tracker=tracker)
            elapsed = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            counts = result.counts()
            print(
                f"{kind:7} {plan.stem[:24]:24} {label:11} {result.requests:4d} requests "
                f"{tracker.stats.writes:4d} writes {tracker.stats.not_modified:3d} x 304  "
                f"{counts['created']:3d} created {counts['ticked']:2d} ticked  "
                f"{elapsed * 1000:8.1f} ms  peak {peak / 1e6:5.1f} MB"
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
