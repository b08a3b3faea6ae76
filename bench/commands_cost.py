"""What `/plan` commands cost, per tracker: prints requests (reads, writes, 304s) and time;
asserts nothing.

    .venv/bin/python bench/commands_cost.py [--commands 1 5 20]

Runs the local sandbox in-process. A plan of 40 tasks (a table with estimates, checkbox lists
with IDs, arrows and emoji) is synced once; then, for each k, k comments each holding one
command (`estimate`, `done`, `rename`, `priority` in turn) on k different issues are answered
by one run, and a quiet run follows (on GitHub it must be all 304s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from plansync.commands.authorise import forget_permissions
from plansync.config.load import load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.trackers.registry import open_tracker

REPOS = {"github": "bench/plans", "gitlab": "bench/group/plans"}
TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"
COMMANDS = (
    "/plan estimate 3h",
    "/plan done",
    '/plan rename "Renamed → ✅ {n}"',
    "/plan priority low",
)


def plan_bytes() -> bytes:
    rows = "".join(
        f"| CMD-{n:03d} | Build part {n} → 🚀 | {n % 8 + 1}h | Todo |\n" for n in range(20)
    )
    items = "".join(f"- [ ] CMD-{n:03d}: Check step {n} ✨ ({n % 3 + 1}h)\n" for n in range(20, 40))
    return (
        "# Bench plan — commands\n\n## Phase 1: Build\n\n"
        "| ID | Task | Estimate | Status |\n|----|------|----------|--------|\n"
        f"{rows}\n## Phase 2: Check\n\n{items}"
    ).encode()


def measure(server: SandboxServer, kind: str, counts: list[int]) -> None:
    server.reset()
    forget_permissions()
    repo = REPOS[kind]
    server.store.set_permission(repo, "alice", "write")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "plan.md").write_bytes(plan_bytes())
        (work / "plansync.toml").write_text(
            'root = "."\n[[projects]]\nname = "bench"\nplans = ["*.md"]\n'
            "[projects.summary]\nenabled = false\nmilestones = false\n[projects.tracker]\n"
            + sandbox_tracker_toml(kind, server, repo, TOKEN_ENV),
            encoding="utf-8",
        )
        config = load_config(work / "plansync.toml")
        project = config.projects[0]
        environ = {TOKEN_ENV: "bench"}

        def run(label: str) -> None:
            tracker = open_tracker(project.tracker, environ)
            start = time.perf_counter()
            with open_state(config.state_url) as state:
                result = run_once(config, project, store=state, tracker=tracker)
            elapsed = time.perf_counter() - start
            stats = tracker.stats
            reads = stats.total - stats.writes
            print(
                f"{kind:6} {label:22} {stats.total:4d} requests ({reads:3d} reads, "
                f"{stats.not_modified:3d} answered 304, {stats.writes:3d} writes)  "
                f"{elapsed * 1000:8.1f} ms  ok={result.ok}"
            )

        run("first sync")
        run("quiet")
        issue = 1
        for k in counts:
            for n in range(k):
                command = COMMANDS[n % len(COMMANDS)].format(n=n)
                server.store.add_comment(repo, issue, command, user="alice")
                issue = issue % 40 + 1
            run(f"{k} command(s)")
            run("quiet after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()
    with SandboxServer(repos=tuple(REPOS.values())) as server:
        for kind in ("github", "gitlab"):
            measure(server, kind, args.commands)


if __name__ == "__main__":
    main()
