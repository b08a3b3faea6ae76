"""How close a first sync with GitHub's default write pacing runs to GitHub's secondary limits
(80 content-creating requests a minute, 500 an hour): prints numbers; asserts nothing.

    .venv/bin/python bench/pacing_cost.py [TASKS ...]      (default: 600)

Each plan (checkbox tasks with emoji and arrows) is synced against the in-process sandbox, whose
GitHub API enforces a secondary limit of 80 POSTs a minute, on a fake clock shared by the
sandbox and the pacer (no real waiting). The run waits for the hourly budget (`sync --wait`).
Printed: the writes in the first minute and hour and in the busiest minute and hour (each as a
share of the limit), the rate-limit answers the sandbox gave, the pacing's ETA for the first
changeset when it began, and the time the run took on the fake clock.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from plansync.clock import FakeClock
from plansync.config.load import load_config
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.trackers.pacing import reset_pacers
from plansync.trackers.registry import open_tracker

REPO = "bench/plans"
TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"
MINUTE, HOUR = 60.0, 3600.0


class RecordedHistory:
    """The state database, with the pacer's write history kept in memory for counting."""

    def __init__(self, database: object) -> None:
        self.database = database
        self.writes: list[datetime] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.database, name)

    def record_write(self, queue: str, at: datetime) -> None:
        self.writes.append(at)

    def writes_since(self, queue: str, since: datetime) -> list[datetime]:
        return [at for at in self.writes if at >= since]


def plan_text(tasks: int) -> str:
    lines = ["# Launch plan 🚀\n\n## Phase 1 → build\n\n"]
    lines += [f"- [ ] **P-{n:04d}**: Ship part {n} → staging ✅\n" for n in range(1, tasks + 1)]
    return "".join(lines)


def busiest(times: list[float], span: float) -> int:
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best


def measure(server: SandboxServer, tasks: int) -> None:
    server.reset()
    reset_pacers()
    clock = FakeClock()
    server.store.set_clock(clock)  # the sandbox's limits count on the pacer's clock
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "plan.md").write_text(plan_text(tasks), encoding="utf-8")
        (work / "plansync.toml").write_text(
            'root = "."\n[[projects]]\nname = "bench"\nplans = ["*.md"]\n'
            f'[projects.tracker]\nkind = "github"\nrepo = "{REPO}"\n'
            f'base_url = "{server.github_api_url}"\ntoken_env = "{TOKEN_ENV}"\n',
            encoding="utf-8",
        )
        config = load_config(work / "plansync.toml")
        project = config.projects[0]
        tracker = open_tracker(project.tracker, {TOKEN_ENV: "bench"}, clock)
        wall = time.perf_counter()
        with open_state(config.state_url) as database:
            history = RecordedHistory(database)
            result = run_once(
                config,
                project,
                store=history,  # type: ignore[arg-type]
                tracker=tracker,
                wait_for_budget=True,
            )
        wall = time.perf_counter() - wall
    start = FakeClock.DEFAULT_START
    times = [(at - start).total_seconds() for at in history.writes]
    first_minute = sum(1 for t in times if t < MINUTE)
    first_hour = sum(1 for t in times if t < HOUR)
    statuses = server.store.requests.by_status()
    limited = statuses.get("403", 0) + statuses.get("429", 0)
    eta = result.eta_seconds if result.eta_seconds is not None else float("nan")
    print(
        f"{tasks:5d} tasks  {len(times):5d} writes  "
        f"first minute {first_minute:3d} ({first_minute / 80:4.0%} of 80)  "
        f"busiest minute {busiest(times, MINUTE):3d}  "
        f"first hour {first_hour:4d} ({first_hour / 500:4.0%} of 500)  "
        f"busiest hour {busiest(times, HOUR):4d}  "
        f"rate-limited answers {limited}  "
        f"ETA {eta / 60:6.1f} min  took {clock.monotonic() / 60:6.1f} min (fake)  "
        f"{wall:5.1f} s real  ok={result.ok}"
    )


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [600]
    server = SandboxServer(repos=(REPO,), limits=LimitConfig(secondary=80, secondary_window=60))
    server.start()
    try:
        for tasks in sizes:
            measure(server, tasks)
    finally:
        server.stop()
        reset_pacers()


if __name__ == "__main__":
    main()
