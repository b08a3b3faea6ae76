"""How a sync scales with the size of a prose-heavy plan: prints numbers; asserts nothing.

    .venv/bin/python bench/big_plan.py [MEGABYTES ...]          (default: 1 5 12.5 25 50)
    .venv/bin/python bench/big_plan.py --read-only [MEGABYTES ...]
    .venv/bin/python bench/big_plan.py --profile DIR [MEGABYTES ...]

Each plan is mostly prose (paragraphs with emoji, arrows and accented words, links, headings
of three levels, plain bullets, risk tables, quotes and code fences) with 1,000 checkbox tasks
with IDs, estimates and dependencies at its end, in ten phases; a mis-encoded copy (its UTF-8
read as cp1252 and saved again, as some editors do) is synced too. Each is synced against the
in-process sandbox (GitHub API, pacing off): the first sync (1,000 issues, 1,000 links and the
summary written into the file) and a quiet sync (nothing to do), each in a fresh process, so
its peak RSS is that run's own (the sandbox, in this process, is not counted). The curve is
linear when the CPU seconds per MB stay flat as the megabytes grow (CPU, not wall: on a
shared machine the wall clock also counts other processes).

`--read-only` times reading alone (decode, parse, the summary block) in this process.
`--profile DIR` writes cProfile stats of each run to DIR (`first-50MB.prof`, ...).
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plansync.config.load import load_config
from plansync.planfile.decode import storage_of
from plansync.planfile.parse import parse_plan
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer
from plansync.summary.place import summary_block
from plansync.sync.engine import run_once

REPO = "bench/plans"
TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"
TASKS = 1000
SIZES = (1.0, 5.0, 12.5, 25.0, 50.0)

_PARAGRAPH = (
    "The rollout → staging 🚀 waits for the schema freeze; owners review it weekly — see the "
    "*risk register* below, which lists each blocker with its mitigation and its owner. "
)
_ACCENTED = (
    "The café team in Zürich ships the naïve façade first ✅; the señor reviewer’s "
    "résumé of the [design notes](https://example.com/docs/design#façade) is due Friday ⏳. "
)


def _background(section: int) -> str:
    # Real prose does not repeat itself: each paragraph differs (no cache of the reader's
    # answers for a text it has seen serves the next section).
    prose = "".join(f"{sentence}({section}.{n}) " for n, sentence in enumerate(_SENTENCES))
    return (
        f"\n## Background {section}: context ✨\n\n{prose}\n\n"
        f"### Notes {section} → décisions 📝\n\n"
        f"- see the [runbook §{section}](https://example.com/runbook/{section}) ↗\n"
        "- the **owner** signs off → then staging 🚦\n\n"
        "| Risk | Owner | Mitigation |\n|---|---|---|\n"
        f"| Latency ↑ {section} | Dev 2 | cache → warm |\n"
        f"| Drift {section} | Dev 3 | diff ≠ ∅ |\n\n"
        f"> Note ({section}): {_PARAGRAPH}\n\n"
        f"```python\nsample_{section} = 'ok ✓'  # → déjà vu\n```\n"
    )


_SENTENCES = [_PARAGRAPH] * 4 + [_ACCENTED] * 2


def prose_plan(megabytes: float) -> bytes:
    parts = ["# Programme plan 🗺️\n\nOwner: Dev 1 · Status: draft\n"]
    size, section = 0, 0
    while size < megabytes * 1_000_000:
        section += 1
        part = _background(section)
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


def run_one(folder: Path, label: str, profile: Path | None) -> None:
    """In a fresh process: one run of the project in `folder`; prints one JSON line."""
    config = load_config(folder / "plansync.toml")
    profiler = cProfile.Profile() if profile is not None else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = run_once(config, config.projects[0], environ={TOKEN_ENV: "bench"})
    if profiler is not None:
        profiler.disable()
    row = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "requests": result.requests,
        "failed": len(result.failed),
        "label": label,
    }
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    print(json.dumps(row))


def _child(folder: Path, label: str, profile: Path | None) -> dict[str, float] | None:
    args = [sys.executable, __file__, "--one", str(folder), label]
    if profile is not None:
        args.append(str(profile))
    child = subprocess.run(
        args,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    if child.returncode != 0:
        print(f"{label}: the run failed\n{child.stderr[-2000:]}", flush=True)
        return None
    row: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return row


def sync_twice(server: SandboxServer, name: str, data: bytes, profiles: Path | None) -> None:
    server.reset()
    megabytes = len(data) / 1e6
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "plan.md").write_bytes(data)
        (work / "plansync.toml").write_text(
            'root = "."\nstate = "state.db"\n[[projects]]\nname = "big"\nplans = ["plan.md"]\n'
            "[projects.summary]\nenabled = true\n"
            f'[projects.tracker]\nkind = "github"\nrepo = "{REPO}"\n'
            f'base_url = "{server.github_api_url}"\ntoken_env = "{TOKEN_ENV}"\n'
            "pacing = { enabled = false }\n",
            encoding="utf-8",
        )
        for run in ("first", "quiet"):
            tag = f"{run}-{name.replace(' ', '-')}"
            profile = profiles / f"{tag}.prof" if profiles is not None else None
            row = _child(work, tag, profile)
            if row is None:
                return
            print(
                f"{name:24} {megabytes:6.1f} MB  {run:5} {row['wall']:8.2f} {row['cpu']:8.2f} "
                f"{row['cpu'] / megabytes:7.2f} {row['rss_mb']:7.0f} MB {row['requests']:6d}"
                + (f"  ({row['failed']} failed)" if row["failed"] else ""),
                flush=True,
            )
        grown = len((work / "plan.md").read_bytes()) - len(data)
        print(f"{'':24} the first sync added {grown:,} bytes to the file", flush=True)


def read_only(name: str, data: bytes) -> None:
    start = time.perf_counter()
    tasks = len(parse_plan(data, Path("plan.md")).tasks)
    summary_block(data)
    storage_of(data)
    seconds = time.perf_counter() - start
    print(
        f"{name:24} {len(data) / 1e6:6.1f} MB {tasks:5d} tasks  read {seconds:6.2f} s "
        f"({seconds / (len(data) / 1e6):5.2f} s/MB)",
        flush=True,
    )


def main() -> None:
    args = sys.argv[1:]
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return
    if args and args[0] == "--one":
        run_one(Path(args[1]), args[2], Path(args[3]) if len(args) > 3 else None)
        return
    profiles = None
    if "--profile" in args:
        at = args.index("--profile")
        profiles = Path(args[at + 1])
        profiles.mkdir(parents=True, exist_ok=True)
        del args[at : at + 2]
    sizes = [float(arg) for arg in args if arg != "--read-only"] or list(SIZES)
    if "--read-only" in args:
        for megabytes in sizes:
            plan = prose_plan(megabytes)
            read_only(f"prose {megabytes:g} MB", plan)
            read_only(f"prose {megabytes:g} MB mis-encoded", mis_encoded(plan))
        return
    # 2,000 requests a run: well inside GitHub's hour, but the sandbox's budget is raised so
    # that a long curve measures the runs, not the rate limit.
    server = SandboxServer(repos=(REPO,), limits=LimitConfig(primary=1_000_000))
    server.start()
    print(
        f"{'plan':24} {'size':>9}  {'run':5} {'wall s':>8} {'cpu s':>8} {'cpu/MB':>7} "
        f"{'peak RSS':>10} {'requests':>6}",
        flush=True,
    )
    try:
        for megabytes in sizes:
            plan = prose_plan(megabytes)
            sync_twice(server, f"prose {megabytes:g} MB", plan, profiles)
            sync_twice(server, f"prose {megabytes:g} MB mis-enc", mis_encoded(plan), profiles)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
