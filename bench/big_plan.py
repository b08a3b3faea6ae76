"""How a sync scales with the size of a prose-heavy plan: prints seconds; asserts nothing.

    .venv/bin/python bench/big_plan.py [--read-only] [MEGABYTES ...]      (default: 1 2 4 8)

Each plan is mostly prose (paragraphs with emoji and arrows, risk tables, quotes, code) with
1,000 checkbox tasks with IDs, estimates and dependencies at its end, in ten phases; a
mis-encoded copy (UTF-8 read as cp1252 and saved again, as some editors do) is synced too. Each
is synced against the in-process sandbox (GitHub API, pacing off): the first sync (1,000
issues, 1,000 links written into the file) and a quiet sync. Linear cost shows as seconds that
double with the megabytes. `--read-only` times reading alone (decode, parse, the summary
block), as many times as a run reads the file, without syncing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from plansync.config.load import load_config
from plansync.planfile.decode import storage_of
from plansync.planfile.parse import parse_plan
from plansync.sandbox.server import SandboxServer
from plansync.summary.place import summary_block
from plansync.sync.engine import run_once

REPO = "bench/plans"
TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"
TASKS = 1000

_PARAGRAPH = (
    "The rollout → staging 🚀 waits for the schema freeze; owners review it weekly — see the "
    "*risk register* below, which lists each blocker with its mitigation and its owner. "
)


def prose_plan(megabytes: float) -> bytes:
    parts = ["# Programme plan 🗺️\n\nOwner: Dev 1 · Status: draft\n"]
    size, section = 0, 0
    while size < megabytes * 1024 * 1024:
        section += 1
        part = (
            f"\n## Background {section}: context ✨\n\n{_PARAGRAPH * 6}\n\n"
            "| Risk | Owner | Mitigation |\n|---|---|---|\n"
            f"| Latency ↑ {section} | Dev 2 | cache → warm |\n"
            f"| Drift {section} | Dev 3 | diff |\n\n"
            f"> Note: {_PARAGRAPH}\n\n```\nsample {section} → ok\n```\n"
        )
        parts.append(part)
        size += len(part.encode())
    for phase in range(10):
        parts.append(f"\n## Phase {phase + 1}: Delivery 📦\n\n")
        for n in range(TASKS // 10):
            number = phase * (TASKS // 10) + n
            after = f" (depends on T{number - 1:04d})" if n else ""
            parts.append(f"- [ ] T{number:04d} Ship part {n} → stage {phase} (2h){after}\n")
    return "".join(parts).encode()


def mis_encoded(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-8").decode("cp1252", "replace").encode("utf-8")


def sync_twice(server: SandboxServer, name: str, data: bytes) -> None:
    server.reset()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "plan.md").write_bytes(data)
        (work / "plansync.toml").write_text(
            'root = "."\n[[projects]]\nname = "big"\nplans = ["plan.md"]\n'
            "[projects.summary]\nenabled = true\n"
            f'[projects.tracker]\nkind = "github"\nrepo = "{REPO}"\n'
            f'base_url = "{server.github_api_url}"\ntoken_env = "{TOKEN_ENV}"\n'
            "pacing = { enabled = false }\n",
            encoding="utf-8",
        )
        config = load_config(work / "plansync.toml")
        start = time.perf_counter()
        tasks = len(parse_plan(data, Path("plan.md")).tasks)
        read = time.perf_counter() - start
        timings = []
        for _ in ("first", "quiet"):
            start = time.perf_counter()
            result = run_once(config, config.projects[0], environ={TOKEN_ENV: "bench"})
            timings.append((time.perf_counter() - start, result.requests))
        (first, first_requests), (quiet, quiet_requests) = timings
        print(
            f"{name:28} {len(data) / 1e6:6.1f} MB {tasks:5d} tasks  read {read:6.2f} s  "
            f"first sync {first:7.2f} s ({first_requests} requests)  "
            f"quiet {quiet:6.2f} s ({quiet_requests} requests)",
            flush=True,
        )


def read_only(name: str, data: bytes) -> None:
    start = time.perf_counter()
    tasks = len(parse_plan(data, Path("plan.md")).tasks)
    summary_block(data)
    storage_of(data)
    seconds = time.perf_counter() - start
    print(
        f"{name:28} {len(data) / 1e6:6.1f} MB {tasks:5d} tasks  read {seconds:6.2f} s "
        f"({seconds / (len(data) / 1e6):5.2f} s/MB)",
        flush=True,
    )


def main() -> None:
    args = sys.argv[1:]
    sizes = [float(arg) for arg in args if arg != "--read-only"] or [1.0, 2.0, 4.0, 8.0]
    if "--read-only" in args:
        for megabytes in sizes:
            plan = prose_plan(megabytes)
            read_only(f"prose {megabytes:g} MB", plan)
            read_only(f"prose {megabytes:g} MB mis-encoded", mis_encoded(plan))
        return
    server = SandboxServer(repos=(REPO,))
    server.start()
    try:
        for megabytes in sizes:
            plan = prose_plan(megabytes)
            sync_twice(server, f"prose {megabytes:g} MB", plan)
            sync_twice(server, f"prose {megabytes:g} MB mis-encoded", mis_encoded(plan))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
