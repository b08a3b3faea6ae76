"""Three `plansync daemon --listen` processes on one PostgreSQL store and one sandbox: webhooks
sent to random daemons sync every project, no project runs on two daemons at once (the run
log says so), redeliveries to another daemon run nothing, and a daemon killed mid-run loses
nothing: the others carry its projects on, without a duplicate issue."""

from __future__ import annotations

import itertools
import random
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from daemon_process import DaemonProcess
from harness import TOKEN_ENV, SyncHarness

from plansync.config.load import load_config
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer
from plansync.state.base import RunRecord
from plansync.state.open import open_state
from plansync.state.postgres import lock_key
from plansync.trackers.markers import find_marker

PROJECTS = 30
WAIT = 120.0


def plan(i: int, extra: str = "") -> bytes:
    return (
        f"# Plan {i} → launch 🚀\n\n## Phase 1: Start\n\n"
        f"- [ ] Write brief {i}\n- [ ] Book room {i}\n{extra}"
    ).encode()


def repo(i: int) -> str:
    return f"demo/replica{i:02d}"


def write_config(harness: SyncHarness, state: str) -> None:
    parts = [f'root = "."\nstate = "{state}"\n']
    # Webhooks are on: the safety-net interval is each project's interval.
    parts.append("[daemon]\nsafety_net_minutes = 0.5\nclaim_lease_seconds = 5\n")
    for i in range(PROJECTS):
        tracker = sandbox_tracker_toml("github", harness.sandbox, repo(i), TOKEN_ENV)
        parts.append(
            f'[[projects]]\nname = "p{i:02d}"\nplans = ["p{i:02d}/*.md"]\ninterval_minutes = 0.5\n'
            f"[projects.tracker]\n{tracker}"
        )
    harness.config_path.write_text("\n".join(parts), encoding="utf-8")


@pytest.fixture
def harness(tmp_path: Path, sandbox: SandboxServer, postgres_url: str) -> SyncHarness:
    plans = {f"p{i:02d}/plan.md": plan(i) for i in range(PROJECTS)}
    made = SyncHarness.create(tmp_path, sandbox, "github", plans, state=postgres_url)
    for i in range(PROJECTS):
        sandbox.store.add_repo(repo(i))
    write_config(made, postgres_url)
    return made


@pytest.fixture
def daemons(harness: SyncHarness) -> Iterator[list[DaemonProcess]]:
    with ExitStack() as stack:
        yield [stack.enter_context(DaemonProcess.start(harness)) for _ in range(3)]


def run_log(harness: SyncHarness) -> dict[str, list[RunRecord]]:
    config = load_config(harness.config_path)
    with open_state(config.state_url) as database:
        return {p.name: database.store(p.name, p.scope).runs(1000) for p in config.projects}


def finished_runs(harness: SyncHarness) -> dict[str, int]:
    return {
        name: sum(1 for r in runs if r.finished_at is not None)
        for name, runs in run_log(harness).items()
    }


def markers(harness: SyncHarness, i: int) -> Counter[str]:
    issues = harness.store.issues(repo(i), include_pull_requests=False)
    return Counter(find_marker(issue.body or "") for issue in issues)


def no_overlap(harness: SyncHarness, unfinished_allowed: int = 0) -> None:
    unfinished = 0
    for name, runs in run_log(harness).items():
        ordered = sorted(runs, key=lambda r: r.started_at)
        for before, after in itertools.pairwise(ordered):
            if before.finished_at is None:
                unfinished += 1  # killed mid-run: its lock went with its connection
                continue
            assert after.started_at >= before.finished_at, f"{name}: two runs at once"
    assert unfinished <= unfinished_allowed


def claimed_by(harness: SyncHarness, daemon: DaemonProcess) -> list[str]:
    """The dirty projects the daemon holds claims on."""
    assert harness.state_setting is not None
    with psycopg.connect(harness.state_setting) as connection:
        rows = connection.execute(
            "SELECT project FROM plansync.dirty_projects WHERE claimed_by LIKE %s",
            (f"%:{daemon.process.pid}",),
        ).fetchall()
    return [project for (project,) in rows]


def unfinished(harness: SyncHarness) -> int:
    return sum(1 for runs in run_log(harness).values() for r in runs if r.finished_at is None)


def wait_for(daemon: DaemonProcess, check: object, what: str) -> None:
    daemon.wait_until(check, what, timeout=WAIT)  # type: ignore[arg-type]


def deliver(daemons: list[DaemonProcess], to: DaemonProcess | None = None) -> None:
    """An issues delivery for every repository, to `to` or a random daemon, and each delivered
    again to another one: the redelivery is seen in the store."""
    for i in range(PROJECTS):
        payload = {"action": "edited", "issue": {"number": 1}, "repository": {"full_name": repo(i)}}
        delivery = str(uuid.uuid4())
        first, second = random.sample(daemons, 2)
        if to is not None:
            first, second = to, next(d for d in daemons if d is not to)
        assert first.github("issues", payload, delivery=delivery).status_code == 202
        again = second.github("issues", payload, delivery=delivery)
        assert again.json()["result"] == "duplicate"


def test_three_daemons_share_the_projects_and_survive_a_kill(
    harness: SyncHarness, daemons: list[DaemonProcess]
) -> None:
    watcher = daemons[0]
    # Every daemon starts every project: each runs on one daemon, the others skip it.
    wait_for(watcher, lambda: all(finished_runs(harness).values()), "a run of every project")
    for i in range(PROJECTS):
        counts = markers(harness, i)
        assert len(counts) == 2, f"{repo(i)}: {counts}"
        assert set(counts.values()) == {1}, f"{repo(i)}: duplicate issues {counts}"

    # Every daemon is ready, those whose runs were skipped for another daemon's too.
    for daemon in daemons:
        wait_for(daemon, lambda d=daemon: d.get("/readyz").status_code == 200, "readiness")

    # A person closes an issue of every project; webhooks go to random daemons.
    for i in range(PROJECTS):
        harness.store.close_issue(repo(i), 1, user="alice")
    before = finished_runs(harness)
    deliver(daemons)
    wait_for(
        watcher,
        lambda: all(b"- [x]" in harness.plan(f"p{i:02d}/plan.md") for i in range(PROJECTS)),
        "every plan showing its closed issue",
    )
    # A run writes the plan before it records that it finished: wait for the records too.
    wait_for(
        watcher,
        lambda: all(count > before[name] for name, count in finished_runs(harness).items()),
        "a finished run of every project after the deliveries",
    )
    no_overlap(harness)

    # A new task in every plan; the deliveries go to one daemon, which dies mid-run.
    for i in range(PROJECTS):
        harness.write_plan(
            f"p{i:02d}/plan.md", harness.plan(f"p{i:02d}/plan.md") + b"- [ ] Ship it\n"
        )
    victim, survivors = daemons[0], daemons[1:]
    mark = len(victim.lines)
    deliver(daemons, to=victim)
    victim.wait_until(
        lambda: (
            any("run started: " in line for line in victim.lines[mark:])
            and claimed_by(harness, victim)
            and unfinished(harness)
        ),
        "a run in progress and claims held",
    )
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(10)

    def shipped() -> bool:
        return all(
            any(str(key).endswith("/ship-it") for key in markers(harness, i))
            for i in range(PROJECTS)
        )

    # Within one interval (30 s) and a lease (5 s), with slack for a busy machine.
    wait_for(survivors[0], shipped, "every project's new task on the tracker")
    for i in range(PROJECTS):
        counts = markers(harness, i)
        assert set(counts.values()) == {1}, f"{repo(i)}: duplicate issues {counts}"
        assert len(counts) == 3
    # The dead daemon's claims ran out and were taken by the others: nothing is left dirty.
    wait_for(survivors[0], lambda: not claimed_by(harness, victim), "the dead daemon's claims gone")
    no_overlap(harness, unfinished_allowed=10)


def test_a_project_locked_elsewhere_is_skipped_quietly_and_runs_once_the_lock_drops(
    harness: SyncHarness, daemons: list[DaemonProcess]
) -> None:
    wait_for(daemons[0], lambda: all(finished_runs(harness).values()), "a run of every project")
    assert harness.state_setting is not None
    # Another daemon's run of p00, as far as the database can tell: its advisory lock is held.
    with psycopg.connect(harness.state_setting, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("p00"),))
        harness.store.close_issue(repo(0), 1, user="alice")
        before = finished_runs(harness)["p00"]
        payload = {"action": "closed", "issue": {"number": 1}, "repository": {"full_name": repo(0)}}
        assert daemons[1].github("issues", payload).status_code == 202
        skipped = [d.count("run skipped: p00") for d in daemons]
        wait_for(
            daemons[1],
            lambda: sum(d.count("run skipped: p00") for d in daemons) > sum(skipped),
            "a skipped run",
        )
        assert not any("run failed" in line for d in daemons for line in d.lines)
        assert finished_runs(harness)["p00"] == before
        assert b"- [x]" not in harness.plan("p00/plan.md")
    # The lock dropped with the connection: the project, still dirty, runs on the next claim.
    wait_for(daemons[1], lambda: finished_runs(harness)["p00"] > before, "the run of p00")
    assert b"- [x]" in harness.plan("p00/plan.md")
    no_overlap(harness)
