"""How fast the reader is, and how much memory it takes: prints numbers, asserts nothing.

    .venv/bin/python bench/parse_plans.py [--repeat 50] [PLAN ...]

Defaults to the shared plans (../shared/plans) and the project's examples, plus a synthetic plan
of 10,000 checkbox tasks to show how the reader scales.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

from plansync.planfile.parse import parse_plan

ROOT = Path(__file__).resolve().parents[1]


def synthetic_plan(tasks: int) -> bytes:
    lines = ["# Synthetic plan", ""]
    for week in range(tasks // 100):
        lines += [f"## Week {week + 1}: Stream {week}", ""]
        lines += [f"- [ ] `syn-{week}.{i}` - Task {i} of week {week} (2h)" for i in range(100)]
        lines.append("")
    return "\n".join(lines).encode()


def measure(name: str, raw: bytes, repeat: int) -> None:
    path = Path(name)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        document = parse_plan(raw, path)
        timings.append(time.perf_counter() - start)
    tracemalloc.start()
    parse_plan(raw, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(timings)
    print(
        f"{name[-40:]:>40}  {len(raw) / 1024:8.1f} KiB  {len(document.tasks):6d} tasks  "
        f"median {median * 1000:8.2f} ms  {len(document.tasks) / median:10.0f} tasks/s  "
        f"peak {peak / 1024 / 1024:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("plans", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    plans: list[Path] = args.plans or sorted(
        [*(ROOT.parent / "shared" / "plans").glob("*"), *(ROOT / "examples").glob("*.md")]
    )
    for plan in plans:
        measure(str(plan), plan.read_bytes(), args.repeat)
    measure("synthetic: 10,000 checkbox tasks", synthetic_plan(10_000), max(1, args.repeat // 10))


if __name__ == "__main__":
    main()
