"""What the daemon costs as a service: prints numbers; asserts nothing.

    .venv/bin/python bench/daemon_cost.py [--projects 100] [--idle 20] [--deliveries 20]
    .venv/bin/python bench/daemon_cost.py --limited 10 [--interval 15] [--rounds 4]

Starts the local sandbox in-process with one repository per project, writes a small real-
looking plan per project (a table with an arrow and emoji, dependencies, a checkbox list; every
tenth plan a mis-encoded copy), then `plansync daemon --listen` as its own process with a
webhook secret set. Once every project's first run is over it measures, with /proc:

- idle CPU (% of one core) and RSS over --idle seconds with nothing to do;
- webhook -> run start: signed `issues` deliveries for different projects, from the request
  being sent to the daemon's `run started` line for that delivery (and the answer's time).

With --limited N, N of the projects live on a second sandbox whose rate limit (a small hourly
budget over a --reset-seconds window) is spent early, every project runs every --interval
seconds, and, once every free project's first sync is over, the free projects' runs are
timed over --rounds intervals: how many finished each round and the longest gap between two
finished runs of one project, against the interval. It runs twice: with the daemon's default
`max_wait_seconds` (a longer wait reschedules the project) and with 60 (each rate-limited run
sleeps in its worker until the reset, as runs did before).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

import requests

from plansync.daemon.webhook_auth import github_signature
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer

TOKEN_ENV = "PLANSYNC_BENCH_TOKEN"
SECRET = "bench-webhook-secret"
TICKS = os.sysconf("SC_CLK_TCK")

PLAN = """# Checkout revamp {n} 🛒

Owner: Dana → reviews weekly. Status: **in progress** ✅

## Phase 1: Design

| ID | Task | Estimate | Depends on |
|----|------|----------|------------|
| CO{n}-1 | Map the current flow → pain points 🔍 | 2h | |
| CO{n}-2 | Sketch the one-page checkout ✏️ | 3h | CO{n}-1 |
| CO{n}-3 | Review with support — “fewer clicks” | 1h | CO{n}-2 |

## Phase 2: Build

- [ ] **CO{n}-4**: Address form with autocomplete (90min)
- [ ] **CO{n}-5**: Card payments → 3-D Secure 🔐 (depends on CO{n}-4)
- [x] **CO{n}-6**: Feature flag `checkout_v2`
"""


def mis_encoded(text: str) -> bytes:
    """UTF-8 read as cp1252 and saved again, as some editors do."""
    return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")


class Daemon:
    """The daemon process; its lines with the monotonic time each arrived."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait(self, found: str, count: int = 1, timeout: float = 600) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hits = [at for at, line in self.lines if found in line]
            if len(hits) >= count:
                return hits[count - 1]
            if self.process.poll() is not None:
                break
            time.sleep(0.005)
        tail = "\n".join(line for _, line in self.lines[-20:])
        raise SystemExit(f"waited in vain for {count} x {found!r}; the daemon printed:\n{tail}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle measurement")
    parser.add_argument("--deliveries", type=int, default=20)
    parser.add_argument("--limited", type=int, default=0, help="rate-limited projects")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds, with --limited")
    parser.add_argument("--rounds", type=int, default=4, help="intervals timed, with --limited")
    parser.add_argument("--reset-seconds", type=float, default=45.0, help="with --limited")
    args = parser.parse_args()
    if args.limited:
        for max_wait in (None, 60.0):
            limited_rounds(args, max_wait)
        return

    repos = [f"bench/p{n}" for n in range(args.projects)]
    server = SandboxServer(repos=repos)
    server.start()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = ['root = "."\n']
        for n, repo in enumerate(repos):
            plans = root / f"p{n}"
            plans.mkdir()
            text = PLAN.format(n=n)
            (plans / "plan.md").write_bytes(mis_encoded(text) if n % 10 == 9 else text.encode())
            config.append(
                f'[[projects]]\nname = "p{n}"\nplans = ["p{n}/*.md"]\n'
                "[projects.summary]\nenabled = false\nmilestones = false\n"
                f"[projects.tracker]\n{sandbox_tracker_toml('github', server, repo, TOKEN_ENV)}\n"
            )
        config_path = root / "plansync.toml"
        config_path.write_text("".join(config), encoding="utf-8")
        env = {**os.environ, TOKEN_ENV: "bench", "PLANSYNC_GITHUB_WEBHOOK_SECRET": SECRET}
        command = [sys.executable, "-m", "plansync", "daemon", "--config", str(config_path)]
        started = time.monotonic()
        daemon = Daemon([*command, "--listen", "127.0.0.1:0"], env)
        try:
            measure(daemon, args, started)
        finally:
            daemon.process.terminate()
            code = daemon.process.wait(120)
            print(f"SIGTERM: exit code {code}")
            server.stop()


def measure(daemon: Daemon, args: argparse.Namespace, started: float) -> None:
    listening = next(
        line for _, line in _wait_lines(daemon, "listening on ") if "listening on " in line
    )
    url = listening.split("listening on ", 1)[1].split()[0]
    first = daemon.wait("run finished: ", count=args.projects)
    print(f"{args.projects} projects: every first sync done {first - started:.1f} s after start")
    print(f"RSS after the first syncs: {daemon.rss_mib():.1f} MiB")

    time.sleep(1.0)  # let the last runs' threads wind down
    cpu_before, at_before = daemon.cpu_seconds(), time.monotonic()
    time.sleep(args.idle)
    cpu = daemon.cpu_seconds() - cpu_before
    elapsed = time.monotonic() - at_before
    print(
        f"idle: {100 * cpu / elapsed:.2f} % of one core over {elapsed:.0f} s; "
        f"RSS {daemon.rss_mib():.1f} MiB"
    )

    latencies: list[float] = []
    answers: list[float] = []
    for k in range(args.deliveries):
        project = f"p{k % args.projects}"
        delivery = f"bench-{k}"
        payload = {"action": "edited", "repository": {"full_name": f"bench/{project}"}}
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": github_signature(SECRET.encode(), body),
            "Content-Type": "application/json",
        }
        sent = time.monotonic()
        answer = requests.post(url + "/webhook/github", data=body, headers=headers, timeout=10)
        answers.append(time.monotonic() - sent)
        if answer.status_code != 202:
            raise SystemExit(f"delivery {delivery}: {answer.status_code} {answer.text}")
        latencies.append(daemon.wait(f"(webhook deliveries: {delivery})") - sent)
        time.sleep(0.2)
    ms = sorted(1000 * s for s in latencies)
    print(
        f"webhook -> run start over {len(ms)} deliveries: median {statistics.median(ms):.1f} ms, "
        f"max {ms[-1]:.1f} ms; the 202 answer: median "
        f"{1000 * statistics.median(answers):.1f} ms"
    )


_FINISHED = re.compile(r"run finished: (p\d+):")


def limited_rounds(args: argparse.Namespace, max_wait: float | None) -> None:
    """The daemon with args.limited projects on a rate-limited tracker (see the docstring)."""
    free = [f"p{n}" for n in range(args.projects - args.limited)]
    limited = [f"p{n}" for n in range(len(free), args.projects)]
    servers = {
        "free": SandboxServer(repos=[f"bench/{p}" for p in free]),
        # A budget a few first syncs spend: every request after it is refused until the reset.
        "limited": SandboxServer(
            repos=[f"bench/{p}" for p in limited],
            limits=LimitConfig(primary=40, primary_window=args.reset_seconds),
        ),
    }
    for server in servers.values():
        server.start()
    daemon_table = "" if max_wait is None else f"[daemon]\nmax_wait_seconds = {max_wait:g}\n"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = ['root = "."\n', daemon_table]
        for n, name in enumerate(free + limited):
            server = servers["free" if name in free else "limited"]
            plans = root / name
            plans.mkdir()
            text = PLAN.format(n=n)
            (plans / "plan.md").write_bytes(mis_encoded(text) if n % 10 == 9 else text.encode())
            tracker = sandbox_tracker_toml("github", server, f"bench/{name}", TOKEN_ENV)
            config.append(
                f'[[projects]]\nname = "{name}"\nplans = ["{name}/*.md"]\n'
                f"interval_minutes = {args.interval / 60:g}\n"
                "[projects.summary]\nenabled = false\nmilestones = false\n"
                f"[projects.tracker]\n{tracker}\n"
            )
        config_path = root / "plansync.toml"
        config_path.write_text("".join(config), encoding="utf-8")
        env = {**os.environ, TOKEN_ENV: "bench"}
        command = [sys.executable, "-m", "plansync", "daemon", "--config", str(config_path)]
        started = time.monotonic()
        daemon = Daemon(command, env)
        try:
            _time_rounds(daemon, args, free, limited, max_wait, started)
        finally:
            daemon.process.terminate()
            daemon.process.wait(120)
            for server in servers.values():
                server.stop()


def _time_rounds(
    daemon: Daemon,
    args: argparse.Namespace,
    free: list[str],
    limited: list[str],
    max_wait: float | None,
    started: float,
) -> None:
    setting = "default" if max_wait is None else f"{max_wait:g} s"
    print(
        f"{len(free)} free + {len(limited)} rate-limited projects (budget resets every "
        f"{args.reset_seconds:g} s), every {args.interval:g} s, max_wait_seconds {setting}:"
    )

    def finished(since: float = 0.0) -> dict[str, list[float]]:
        runs: dict[str, list[float]] = {}
        for at, line in list(daemon.lines):
            match = _FINISHED.search(line)
            if match and at >= since:
                runs.setdefault(match[1], []).append(at)
        return runs

    deadline = time.monotonic() + 600
    while len([p for p in free if p in finished()]) < len(free):
        if time.monotonic() > deadline or daemon.process.poll() is not None:
            raise SystemExit("the free projects' first syncs did not all finish")
        time.sleep(0.1)
    warm = time.monotonic()
    print(f"  every free project's first sync done {warm - started:.1f} s after start")
    time.sleep(args.interval * args.rounds)
    end = time.monotonic()
    runs = finished(since=warm)
    per_round = []
    for k in range(args.rounds):
        low, high = warm + k * args.interval, warm + (k + 1) * args.interval
        per_round.append(sum(1 for p in free if any(low <= t < high for t in runs.get(p, []))))
    gaps = []
    for p in free:
        times = [warm, *runs.get(p, []), end]
        gaps.append(max(b - a for a, b in pairwise(times)))
    print(
        f"  free projects with a finished run, round by round: "
        f"{', '.join(f'{n}/{len(free)}' for n in per_round)}"
    )
    print(
        f"  longest gap between finished runs of a free project: median "
        f"{statistics.median(gaps):.1f} s, max {max(gaps):.1f} s (interval {args.interval:g} s)"
    )
    lines = [line for _, line in daemon.lines]
    paused = sum(1 for line in lines if "run paused by the rate limit: " in line)
    limited_done = sum(len(runs.get(p, [])) for p in limited)
    missed = sum(1 for line in lines if "was missed by" in line)
    print(
        f"  rate-limited projects: {paused} runs paused until the reset, {limited_done} "
        f"finished in the timed rounds; runs dropped as missed: {missed}"
    )


def _wait_lines(daemon: Daemon, found: str) -> list[tuple[float, str]]:
    daemon.wait(found)
    return list(daemon.lines)


if __name__ == "__main__":
    main()
