"""Several daemons on one PostgreSQL store: prints numbers; asserts nothing.

    .venv/bin/python bench/replicas_cost.py [--projects 300] [--daemons 3] [--rounds 3]

Starts the local sandbox in-process with one repository per project, a real-looking plan per
project (as bench/daemon_cost.py writes them), and --daemons `plansync daemon --listen`
processes sharing one PostgreSQL store (PLANSYNC_BENCH_POSTGRES, or a throwaway cluster, as
bench/state_cost.py finds it). Measured:

- the first round: from the start until every project has a finished run in the run log;
- rounds per minute: a signed `issues` delivery per project, each to a random daemon, then the
  time until every project has a run that started after its delivery; --rounds times;
- how the runs spread over the daemons, how many were skipped for another daemon's lock;
- database connections: the most the daemons held at once (pg_stat_activity, every 20 ms),
  in all and per daemon.

The sandbox's request quota is lifted: with GitHub's 5000 an hour for one token, the quota,
not the daemons, bounds the rounds of 300 projects.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
from daemon_cost import PLAN, SECRET, TOKEN_ENV, Daemon, mis_encoded
from state_cost import postgres_url

from plansync.daemon.webhook_auth import github_signature
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer


class Connections:
    """The most connections each daemon (by pid) and all of them held at once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.most_total = 0
        self.most: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as watcher:
            while not self._stop.is_set():
                rows = watcher.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE application_name LIKE 'plansync %' GROUP BY application_name"
                ).fetchall()
                self.most_total = max(self.most_total, sum(int(n) for _, n in rows))
                for name, n in rows:
                    pid = str(name).rsplit(" ", 1)[-1]
                    self.most[pid] = max(self.most.get(pid, 0), int(n))
                time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def finished_since(url: str, since: str | None) -> int:
    """How many projects have a finished run that started at or after `since` (ISO time)."""
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(DISTINCT project) FROM plansync.runs WHERE finished_at IS NOT NULL"
            + (" AND started_at >= %s" if since else ""),
            (since,) if since else (),
        ).fetchone()
    return int(row[0]) if row else 0


def now() -> str:
    """Now as the run log writes its times (UTC, ISO); the daemons run on this machine."""
    return datetime.now(UTC).isoformat()


def wait_all(url: str, count: int, since: str | None, timeout: float = 1800) -> float:
    started = time.monotonic()
    while finished_since(url, since) < count:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"waited {timeout:.0f} s in vain for {count} projects' runs")
        time.sleep(0.1)
    return time.monotonic() - started


def deliver(urls: list[str], projects: int, tag: str) -> None:
    for n in range(projects):
        payload = {"action": "edited", "repository": {"full_name": f"bench/p{n}"}}
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": f"{tag}-{n}",
            "X-Hub-Signature-256": github_signature(SECRET.encode(), body),
            "Content-Type": "application/json",
        }
        answer = requests.post(
            random.choice(urls) + "/webhook/github", data=body, headers=headers, timeout=30
        )
        if answer.status_code != 202:
            raise SystemExit(f"delivery {tag}-{n}: {answer.status_code} {answer.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--daemons", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    url, server = postgres_url()
    repos = [f"bench/p{n}" for n in range(args.projects)]
    # GitHub's 5000 requests an hour per token would be spent by the first round: the bench
    # measures the daemons and the database, so the sandbox's quota is lifted.
    sandbox = SandboxServer(repos=repos, limits=LimitConfig(primary=10_000_000))
    sandbox.start()
    daemons: list[Daemon] = []
    watch = Connections(url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            # Polling once an hour: the rounds measured are the webhooks' runs.
            config = [f'root = "."\nstate = "{url}"\n[daemon]\nsafety_net_minutes = 60\n']
            for n, repo in enumerate(repos):
                plans = root / f"p{n}"
                plans.mkdir()
                text = PLAN.format(n=n)
                data = mis_encoded(text) if n % 10 == 9 else text.encode()
                (plans / "plan.md").write_bytes(data)
                tracker = sandbox_tracker_toml("github", sandbox, repo, TOKEN_ENV)
                config.append(
                    f'[[projects]]\nname = "p{n}"\nplans = ["p{n}/*.md"]\n'
                    f"[projects.tracker]\n{tracker}\n"
                )
            config_path = root / "plansync.toml"
            config_path.write_text("".join(config), encoding="utf-8")
            env = {**os.environ, TOKEN_ENV: "bench", "PLANSYNC_GITHUB_WEBHOOK_SECRET": SECRET}
            command = [sys.executable, "-m", "plansync", "daemon", "--config", str(config_path)]
            started = time.monotonic()
            for _ in range(args.daemons):
                daemons.append(Daemon([*command, "--listen", "127.0.0.1:0"], env))
            urls = []
            for daemon in daemons:
                daemon.wait("listening on ")
                line = next(ln for _, ln in daemon.lines if "listening on " in ln)
                urls.append(line.split("listening on ", 1)[1].split()[0])
            wait_all(url, args.projects, None)
            first = time.monotonic() - started
            print(
                f"{args.projects} projects, {args.daemons} daemons: every project's first run "
                f"done {first:.1f} s after start"
            )
            seconds: list[float] = []
            for k in range(args.rounds):
                since = now()
                sent = time.monotonic()
                deliver(urls, args.projects, f"round{k}")
                wait_all(url, args.projects, since)
                seconds.append(time.monotonic() - sent)
            per_minute = [60 / s for s in seconds]
            print(
                f"webhook rounds (a delivery per project, to random daemons): "
                f"{', '.join(f'{s:.1f}' for s in seconds)} s; "
                f"median {statistics.median(per_minute):.2f} rounds per minute "
                f"({statistics.median(per_minute) * args.projects:.0f} project runs per minute)"
            )
            for n, daemon in enumerate(daemons):
                lines = [ln for _, ln in daemon.lines]
                ran = sum("run finished: " in ln for ln in lines)
                skipped = sum("run skipped: " in ln for ln in lines)
                pid = str(daemon.process.pid)
                print(
                    f"daemon {n + 1}: {ran} runs, {skipped} skipped for another daemon; "
                    f"at most {watch.most.get(pid, 0)} database connections"
                )
            print(f"database connections of all daemons at once: at most {watch.most_total}")
    finally:
        watch.stop()
        for daemon in daemons:
            daemon.process.terminate()
        for daemon in daemons:
            daemon.process.wait(120)
        sandbox.stop()
        if server is not None:
            server.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
