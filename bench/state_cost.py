"""What the state store costs, SQLite beside PostgreSQL: prints numbers; asserts nothing.

    .venv/bin/python bench/state_cost.py [PROJECTS]        (default: 300)

For each backend, PROJECTS projects of 40 tasks each get what a first sync records (links
with their base fields, the issue snapshot with cursors, the summary digests, a run) and what
a quiet sync reads back, each under its project lock; then every project is marked dirty and
three owners in threads claim them all (FOR UPDATE SKIP LOCKED in PostgreSQL). Printed: seconds
per phase, runs per second, claims per second, and for PostgreSQL the most connections the
database saw from this process.

Then the write history of the pacing queues: 2,000 writes recorded 3 s apart on one queue from
one thread (past the first 70 minutes each record prunes the row that fell out), 2,000 more
from 4 threads at once on a second queue, and a pacer's read of the last hour. Printed:
microseconds per record_write, milliseconds per writes_since, and the rows the table holds.

PostgreSQL is the database named by PLANSYNC_BENCH_POSTGRES (a URL without password, e.g.
postgresql://postgres@127.0.0.1:5432/bench; its `plansync` schema is dropped first), or else a
throwaway cluster started like the tests start theirs (PostgreSQL's server binaries needed).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from plansync.model.remote import Cursor, IssueState, RemoteIssue
from plansync.model.sync import Fields, Link, TaskRef, TaskState
from plansync.state.base import BlockRef, StateDatabase
from plansync.state.open import open_state

TASKS = 40
OWNERS = 3
PLAN = "plans/launch → beta 🚀.md"


def fields(n: int) -> Fields:
    return Fields(
        title=f"Ship step {n} → staging ✅",
        state=TaskState.DONE if n % 3 == 0 else TaskState.OPEN,
        milestone="Phase 2 — Delivery",
        labels=("plansync", "priority: high"),
        estimate=90,
        assignees=("alice",),
        body=f"Depends on LCH-{n - 1}. | a cell | ← an arrow",
    )


def issue(n: int) -> RemoteIssue:
    stamp = datetime(2026, 11, 30, 12, 0, n % 60, tzinfo=UTC)
    return RemoteIssue(
        number=n,
        id=900_000 + n,
        title=f"[LCH-{n}] Ship step {n} → staging ✅",
        body=f"Step {n}.\n\n<!-- plansync:task={PLAN}#LCH-{n} -->",
        state=IssueState.CLOSED if n % 3 == 0 else IssueState.OPEN,
        labels=("plansync", "priority: high"),
        milestone_title="Phase 2 — Delivery",
        assignees=("alice",),
        url=f"https://github.com/acme/web/issues/{n}",
        updated_at=stamp,
        created_at=stamp,
    )


def first_sync(database: StateDatabase, project: str) -> None:
    store = database.store(project, f"{project}@github:https://api.github.com/acme/{project}")
    with store.lock():
        run = store.start_run(dry_run=False)
        store.save_snapshot(
            [issue(n) for n in range(1, TASKS + 1)],
            [],
            {"issues": Cursor(since="2026-11-30T12:00:59Z", etag='W/"abc"')},
        )
        for n in range(1, TASKS + 1):
            task = TaskRef(PLAN, f"LCH-{n}")
            store.save_link(Link(task, n, 900_000 + n, issue(n).url, fields(n)))
            store.settle_block(BlockRef("body", str(n)), [f"digest-{n}"])
        store.settle_block(BlockRef("summary", PLAN), ["summary-digest"])
        store.finish_run(run, ok=True, summary={"created": TASKS})


def quiet_sync(database: StateDatabase, project: str) -> None:
    store = database.store(project, f"{project}@github:https://api.github.com/acme/{project}")
    store.links()
    store.cursor("issues")
    store.cached_issues()
    with store.lock():
        run = store.start_run(dry_run=False)
        store.written_blocks()
        store.findings()
        store.finish_run(run, ok=True, summary={})


def claim_all(database: StateDatabase, projects: list[str]) -> float:
    for project in projects:
        database.store(
            project, f"{project}@github:https://api.github.com/acme/{project}"
        ).mark_dirty()
    claimed: list[int] = []
    started = time.perf_counter()

    def owner(name: str) -> None:
        while batch := database.claim_dirty(name, 60.0, limit=5):
            for claim in batch:
                database.finish_claim(claim, ran=True)
            claimed.append(len(batch))

    threads = [threading.Thread(target=owner, args=(f"owner-{n}",)) for n in range(OWNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claimed) == len(projects)
    return time.perf_counter() - started


HISTORY_WRITES = 2000
HISTORY_THREADS = 4
HISTORY_START = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


def write_history_cost(database: StateDatabase) -> str:
    """The cost of recording and reading a pacing queue's writes, as one line."""
    started = time.perf_counter()
    for n in range(HISTORY_WRITES):
        database.record_write("api.github.com", HISTORY_START + timedelta(seconds=3 * n))
    alone = (time.perf_counter() - started) / HISTORY_WRITES
    each = HISTORY_WRITES // HISTORY_THREADS

    def record(thread: int) -> None:
        for n in range(each):
            at = HISTORY_START + timedelta(seconds=n * HISTORY_THREADS + thread)
            database.record_write("gitlab.example", at)

    threads = [threading.Thread(target=record, args=(t,)) for t in range(HISTORY_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shared = (time.perf_counter() - started) / (each * HISTORY_THREADS)
    last = HISTORY_START + timedelta(seconds=3 * (HISTORY_WRITES - 1))
    reads = 50
    started = time.perf_counter()
    for _ in range(reads):
        hour = database.writes_since("api.github.com", last - timedelta(hours=1))
    read = (time.perf_counter() - started) / reads
    held = sum(len(t.rows) for t in database.dump_tables() if t.table == "write_history")
    return (
        f"record_write {alone * 1e6:6.0f} us (one thread), {shared * 1e6:6.0f} us a write "
        f"({HISTORY_THREADS} threads at once)   writes_since(1 h, {len(hour)} writes) "
        f"{read * 1e3:5.2f} ms   rows held {held} of {2 * HISTORY_WRITES} recorded"
    )


def measure(label: str, url: str, projects: list[str], connections: Watch | None) -> None:
    with open_state(url) as database:
        started = time.perf_counter()
        for project in projects:
            first_sync(database, project)
        first = time.perf_counter() - started
        started = time.perf_counter()
        for project in projects:
            quiet_sync(database, project)
        quiet = time.perf_counter() - started
        claims = claim_all(database, projects)
        history = write_history_cost(database)
    n = len(projects)
    print(
        f"{label:<10} first syncs {first:6.2f} s ({n / first:6.1f} runs/s)   "
        f"quiet syncs {quiet:6.2f} s ({n / quiet:6.1f} runs/s)   "
        f"claims by {OWNERS} owners {claims:5.2f} s ({n / claims:7.1f} claims/s)"
        + (f"   connections at most {connections.most}" if connections else "")
    )
    print(f"{'':<10} write history: {history}")


class Watch:
    """Counts this process's connections to the database every 10 ms, keeping the most."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as watcher:
            while not self._stop.is_set():
                row = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
                    (f"plansync % pid {os.getpid()}",),
                ).fetchone()
                self.most = max(self.most, int(row[0]) if row else 0)
                time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def postgres_url() -> tuple[str, object | None]:
    given = os.environ.get("PLANSYNC_BENCH_POSTGRES")
    if given:
        with psycopg.connect(given, autocommit=True) as raw:
            raw.execute("DROP SCHEMA IF EXISTS plansync CASCADE")
        return given, None
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from postgres_server import INSTALL_HINT, PostgresServer

    server = PostgresServer.find()
    if server is None:
        raise SystemExit(f"PLANSYNC_BENCH_POSTGRES is not set. {INSTALL_HINT}")
    server.start()
    return server.new_database(), server


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    projects = [f"project-{n:03d}" for n in range(count)]
    print(f"{count} projects of {TASKS} tasks; {OWNERS} owners claiming")
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{Path(folder) / 'state.db'}", projects, None)
    url, server = postgres_url()
    try:
        watch = Watch(url)
        try:
            measure("PostgreSQL", url, projects, watch)
        finally:
            watch.stop()
    finally:
        if server is not None:
            server.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
