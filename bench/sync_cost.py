"""What a sync costs, per tracker: prints requests, writes and time; asserts nothing.

    .venv/bin/python bench/sync_cost.py [PLAN ...]
    .venv/bin/python bench/sync_cost.py --curve [--kinds github gitlab] [--with-10000]

`--curve` prints how the first sync and a quiet sync grow with a generated plan of 100, 1,000
and 5,000 tasks (and 10,000 with `--with-10000`): wall and CPU seconds, requests, writes per
task, peak RSS and the state store's size. The plan (see `scale_plans`) has emoji, arrows,
checkbox tasks and task tables with estimates, priorities, owners and dependencies, and a
mis-encoded second planfile (a tenth of the tasks). Each size runs in a fresh process (so the
peak RSS is that run's, the sandbox's excluded: it runs in this process), pacing off.

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

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from scale_plans import PEOPLE, checkbox_and_table_plan, mis_encoded

from plansync.config.load import load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.limits import LimitConfig
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


# -- the curve -----------------------------------------------------------------------------------

SIZES = (100, 1_000, 5_000)
PLAN_NAMES = ("plan.md", "mis-encoded.md")


def write_curve_project(work: Path, kind: str, api_url: str, tasks: int) -> Path:
    """A project folder holding the generated plans of `tasks` tasks and its config."""
    copy = max(1, tasks // 10)
    (work / PLAN_NAMES[0]).write_text(checkbox_and_table_plan(tasks - copy), encoding="utf-8")
    (work / PLAN_NAMES[1]).write_bytes(mis_encoded(checkbox_and_table_plan(copy, "MOJI")))
    if kind == "github":
        tracker = f'kind = "github"\nrepo = "{REPOS[kind]}"\nbase_url = "{api_url}"\n'
    else:
        tracker = f'kind = "gitlab"\nrepo = "{REPOS[kind]}"\nurl = "{api_url}"\n'
        tracker += "notes_pacing = { enabled = false }\n"
    people = "".join(f'{name} = "{login}"\n' for name, login in PEOPLE.items())
    config = work / "plansync.toml"
    config.write_text(
        'root = "."\nstate = "state.db"\n[[projects]]\nname = "curve"\nplans = ["*.md"]\n'
        f"[projects.people]\n{people}"
        f'[projects.tracker]\n{tracker}token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n',
        encoding="utf-8",
    )
    return config


def run_one(config_path: Path) -> None:
    """In a fresh process: a first sync and a quiet one of the project; prints one JSON line."""
    config = load_config(config_path)
    project = config.projects[0]
    rows = []
    for label in ("first", "quiet"):
        tracker = open_tracker(project.tracker, {TOKEN_ENV: "bench"})
        wall, cpu = time.perf_counter(), time.process_time()
        with open_state(config.state_url) as state:
            result = run_once(config, project, store=state, tracker=tracker)
        rows.append(
            {
                "run": label,
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "requests": result.requests,
                "writes": tracker.stats.writes,
                "created": result.counts()["created"],
                "failed": len(result.failed),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "store_kb": Path(config.state_url.removeprefix("sqlite:///")).stat().st_size / 1024,
            }
        )
    print(json.dumps(rows))


def curve_main(args: list[str]) -> None:
    if "--one" in args:
        run_one(Path(args[args.index("--one") + 1]))
        return
    kinds = ["github", "gitlab"]
    if "--kinds" in args:
        at = args.index("--kinds") + 1
        kinds = [a for a in args[at:] if not a.startswith("--")]
    sizes = [*SIZES, 10_000] if "--with-10000" in args else list(SIZES)
    # GitHub's 5,000 requests an hour would stop the larger first syncs: this measures the
    # run's own cost, so the sandbox's budget is raised (pacing is measured elsewhere).
    server = SandboxServer(repos=tuple(REPOS.values()), limits=LimitConfig(primary=1_000_000))
    server.start()
    print(
        f"{'tracker':7} {'tasks':>6} {'run':5} {'wall s':>8} {'cpu s':>7} {'requests':>8} "
        f"{'writes':>7} {'w/task':>6} {'peak RSS':>9} {'store':>9}"
    )
    try:
        for kind in kinds:
            walls: dict[int, float] = {}
            for tasks in sizes:
                server.reset()
                for login in PEOPLE.values():
                    server.store.set_permission(REPOS[kind], login, "write")
                api_url = server.github_api_url if kind == "github" else server.gitlab_url
                with tempfile.TemporaryDirectory() as folder:
                    config = write_curve_project(Path(folder), kind, api_url, tasks)
                    child = subprocess.run(
                        [sys.executable, __file__, "--one", str(config)],
                        capture_output=True,
                        text=True,
                        check=False,
                        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                    )
                if child.returncode != 0:
                    print(f"{kind} {tasks}: the run failed\n{child.stderr[-2000:]}")
                    continue
                for row in json.loads(child.stdout.strip().splitlines()[-1]):
                    if row["run"] == "first":
                        walls[tasks] = row["wall"]
                    print(
                        f"{kind:7} {tasks:6d} {row['run']:5} {row['wall']:8.2f} {row['cpu']:7.2f} "
                        f"{row['requests']:8d} {row['writes']:7d} "
                        f"{row['writes'] / tasks:6.2f} {row['rss_mb']:6.0f} MB "
                        f"{row['store_kb']:6.0f} KB"
                        + (f"  ({row['failed']} failed)" if row["failed"] else ""),
                        flush=True,
                    )
            if 1_000 in walls and 5_000 in walls:
                print(
                    f"{kind}: first sync of 5,000 tasks took {walls[5_000] / walls[1_000]:.1f}x "
                    "the time of 1,000"
                )
    finally:
        server.stop()


def main() -> None:
    if "--curve" in sys.argv[1:] or "--one" in sys.argv[1:]:
        curve_main(sys.argv[1:])
        return
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
