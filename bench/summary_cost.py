"""What a summary costs at the end of a run: figures, the rendered block and the planfile's new
bytes, per plan. Prints numbers, asserts nothing.

    .venv/bin/python bench/summary_cost.py [--repeat 20]

Runs on the shared plans (../shared/plans), the project's examples and a synthetic plan of 5,000
tasks in 50 milestones, every task linked to an issue and every third one done.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from plansync.config.project import ProjectConfig
from plansync.model.remote import IssueState, RemoteIssue
from plansync.model.sync import Findings, Link, PlanInput, RemoteSnapshot, TaskRef
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.summary.figures import Known, compute
from plansync.summary.place import write_summary
from plansync.summary.render import render_summary_block

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
PROJECT = ProjectConfig.model_validate(
    {"name": "bench", "tracker": {"kind": "github", "repo": "acme/plans"}, "plans": ["*.md"]}
)


def synthetic_plan(tasks: int) -> bytes:
    lines = ["# Synthetic plan", "", "**Owner:** bench", ""]
    for week in range(tasks // 100):
        lines += [f"## Week {week + 1}: Stream {week}", ""]
        lines += [
            f"- [{'x' if i % 3 == 0 else ' '}] `syn-{week}.{i}` - Task {i} of week {week} (2h)"
            for i in range(100)
        ]
        lines.append("")
    return "\n".join(lines).encode()


def linked(plan: PlanInput) -> Known:
    links: dict[TaskRef, Link] = {}
    issues: dict[int, RemoteIssue] = {}
    for number, task in enumerate(plan.synced_tasks(), start=1):
        ref = TaskRef(plan.planfile, task.key)
        url = f"https://github.com/acme/plans/issues/{number}"
        links[ref] = Link(ref, number, number, url)
        issues[number] = RemoteIssue(
            number, number, url, task.title, "", IssueState.OPEN, WHEN, WHEN
        )
    return Known(links, RemoteSnapshot(issues, []), Findings(), date(2026, 11, 21))


def measure(name: str, raw: bytes, repeat: int) -> None:
    path = Path(name)
    document = parse_plan(raw, path)
    text = decode_plan(raw, path).text
    plan = PlanInput(
        name, document, tuple(line.rstrip("\r\n") for line in split_text_lines(text))
    )
    known = linked(plan)

    def once() -> bytes | None:
        figures = compute(plan, PROJECT, known)
        return write_summary(raw, render_summary_block(figures), "after-title")

    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        timings.append(time.perf_counter() - start)
    tracemalloc.start()
    written = once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    block = len(written or b"") - len(raw)
    median_ms = statistics.median(timings) * 1e3
    print(
        f"{name[:28]:28}  {len(document.tasks):5} tasks  median {median_ms:8.2f} ms"
        f"  peak {peak / 1e6:6.2f} MB  block {block:6} bytes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    plans = sorted((ROOT.parent / "shared" / "plans").glob("*.txt"))
    plans += sorted((ROOT / "examples").glob("*.md"))
    for path in plans:
        measure(path.name, path.read_bytes(), args.repeat)
    measure("synthetic-5000", synthetic_plan(5000), max(1, args.repeat // 10))


if __name__ == "__main__":
    main()
