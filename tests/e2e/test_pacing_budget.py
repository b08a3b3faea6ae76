"""A first sync against the sandbox with the write pacing on and a small hourly budget, on a
fake clock: a spent budget halts the run's writes cleanly (saved, saying how far it got and
when to run again), the run after the hour finishes without a duplicate, `--wait` waits for
the budget, a stop during a wait ends the run after the action in progress, and the state
store's write history reaches the pacer."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from harness import ENVIRON, SyncHarness

from plansync.clock import FakeClock
from plansync.config.load import load_config
from plansync.model.changeset import CreateIssue, Status
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult
from plansync.trackers.pacing import host_key, reset_pacers
from plansync.trackers.registry import open_tracker
from plansync.trackers.waits import WaitListener

TASKS = 6
PLAN = "# Plan\n\n" + "".join(f"- [ ] Task number {n} ➜ done\n" for n in range(1, TASKS + 1))
# Four writes an hour, spaced as on GitHub: the sixth task cannot be created in the first hour.
BUDGET = "pacing = { min_interval = 0.75, per_minute = 80, per_hour = 4 }"


@pytest.fixture
def kind() -> str:
    return "github"


@pytest.fixture(autouse=True)
def fresh_pacers() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture
def harness(make_harness: object) -> SyncHarness:
    made = make_harness({"plan.md": PLAN.encode()})  # type: ignore[operator]
    assert isinstance(made, SyncHarness)
    text = made.config_path.read_text(encoding="utf-8")
    made.config_path.write_text(
        re.sub(r"(?m)^pacing = \{ enabled = false \}$", BUDGET, text), encoding="utf-8"
    )
    return made


def paced_sync(
    harness: SyncHarness,
    clock: FakeClock,
    *,
    database: object = None,
    stop: threading.Event | None = None,
    wait_for_budget: bool = False,
    on_wait: WaitListener | None = None,
) -> RunResult:
    config = harness.config()
    project = config.projects[0]
    tracker = open_tracker(project.tracker, ENVIRON, clock)
    with open_state(config.state_url) as opened:
        return run_once(
            config,
            project,
            store=opened if database is None else database,  # type: ignore[arg-type]
            tracker=tracker,
            stop=stop,
            environ=ENVIRON,
            wait_for_budget=wait_for_budget,
            on_wait=on_wait,
        )


def created(result: RunResult) -> int:
    return sum(
        1
        for r in result.results
        if isinstance(r.action, CreateIssue) and r.status is Status.APPLIED
    )


class TestBudgetSpent:
    def test_the_run_stops_cleanly_and_the_next_one_after_the_hour_finishes(
        self, harness: SyncHarness
    ) -> None:
        clock = FakeClock()
        first = paced_sync(harness, clock)
        # Halted by the budget, not failed otherwise, without sleeping for it.
        assert first.rate_limit is not None
        assert "4 writes an hour" in first.rate_limit
        assert first.retry_at == FakeClock.DEFAULT_START + timedelta(hours=1)
        assert first.failed_otherwise == []
        assert all(s < 60 for s in clock.sleeps)
        assert harness.writes() == 4
        assert first.writes_done == 4
        assert first.writes_planned > first.writes_done
        made = created(first)
        assert 0 < made < TASKS
        # What it made is saved: the links in the store and the references in the plan.
        with harness.state() as store:
            assert len(store.links()) == made
        assert harness.plan("plan.md").count(b"(#") == made

        clock.advance(3600.0)
        second = paced_sync(harness, clock)
        assert second.ok
        assert second.rate_limit is None
        assert made + created(second) == TASKS
        by_task = harness.issues_by_task()
        assert len(by_task) == TASKS
        assert all(len(numbers) == 1 for numbers in by_task.values())  # no duplicate
        assert harness.plan("plan.md").count(b"(#") == TASKS

    def test_with_wait_for_budget_the_run_waits_and_finishes(self, harness: SyncHarness) -> None:
        clock = FakeClock()
        told: list[tuple[float, datetime]] = []
        result = paced_sync(
            harness, clock, wait_for_budget=True, on_wait=lambda s, at: told.append((s, at))
        )
        assert result.ok
        assert result.rate_limit is None
        assert created(result) == TASKS
        long_waits = [(s, at) for s, at in told if s > 60]
        assert long_waits
        seconds, until = long_waits[0]
        assert until == FakeClock.DEFAULT_START + timedelta(hours=1)
        assert seconds == pytest.approx(3600 - 3 * 0.75)
        assert len(harness.issues_by_task()) == TASKS

    def test_the_eta_is_the_pacings_time_for_the_writes(self, harness: SyncHarness) -> None:
        result = paced_sync(harness, FakeClock(), wait_for_budget=True)
        # The first changeset's writes: the label and six creates, the fifth an hour in.
        assert result.eta_seconds == pytest.approx(3600 + 2 * 0.75)


class TestStop:
    def test_a_stop_during_a_wait_ends_the_run_after_the_action_in_progress(
        self, harness: SyncHarness
    ) -> None:
        clock = FakeClock()
        stop = threading.Event()

        def ctrl_c(seconds: float, until: datetime) -> None:
            if seconds > 60:
                stop.set()

        result = paced_sync(harness, clock, stop=stop, wait_for_budget=True, on_wait=ctrl_c)
        assert result.stopped
        assert result.failed == []
        assert sum(clock.sleeps) < 60  # the hour's wait was not slept
        skipped = [r for r in result.results if r.status is Status.SKIPPED]
        assert skipped
        assert skipped[0].detail == "the run is stopping"
        # The issues made are linked in the store; a stopping run leaves the plan file as it
        # was (its edits are made whole by the next run).
        with harness.state() as store:
            assert len(store.links()) == created(result) > 0
        assert harness.plan("plan.md") == PLAN.encode()
        clock.advance(3600.0)
        again = paced_sync(harness, clock)
        assert again.ok
        assert len(harness.issues_by_task()) == TASKS
        assert all(len(n) == 1 for n in harness.issues_by_task().values())
        assert harness.plan("plan.md").count(b"(#") == TASKS


class TestHistory:
    def test_the_state_store_keeps_the_writes_and_a_restart_counts_them(
        self, harness: SyncHarness
    ) -> None:
        clock = FakeClock()
        config = load_config(harness.config_path)
        queue = f"{host_key(harness.sandbox.github_api_url)}/writes"
        first = paced_sync(harness, clock)
        with open_state(config.state_url) as database:
            kept = database.writes_since(queue, clock.now() - timedelta(hours=1))
        assert len(kept) == harness.writes() == 4
        assert first.rate_limit is not None
        reset_pacers()  # a new process: only the state store knows the hour's writes
        clock.advance(600.0)
        second = paced_sync(harness, clock)
        assert second.rate_limit is not None
        assert second.retry_at == first.retry_at
        assert harness.writes() == 4
