"""The claims of one daemon among several: a webhook marks a project dirty, the claimer
triggers its run, and the claim is finished by that run: clean after a run, dirty again after
a skip (another daemon held the lock) or when the daemon stops before running it.

The coordination calls are the same in both backends; the SQLite store stands in here, and
tests/e2e/test_daemon_replicas.py runs three daemon processes on PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from plansync.config.project import ProjectConfig
from plansync.daemon.replicas import Replicas
from plansync.daemon.scheduler import RunReport
from plansync.state.base import StateDatabase
from plansync.state.open import memory_state

PROJECT = ProjectConfig.model_validate(
    {"name": "demo", "plans": ["*.md"], "tracker": {"kind": "github", "repo": "demo/plans"}}
)


@pytest.fixture
def state() -> Iterator[StateDatabase]:
    with memory_state() as database:
        yield database


def replicas(state: StateDatabase, owner: str = "one") -> Replicas:
    return Replicas(
        state,
        {PROJECT.name: PROJECT},
        every=0.01,
        lease=60.0,
        log=logging.getLogger("test"),
        owner=owner,
    )


def claim_then_stop(coordinator: Replicas, triggered: list[str], accept: bool = True) -> None:
    """The claim loop claims, triggers, and is stopped before the run."""
    stopping = threading.Event()

    def trigger(name: str) -> bool:
        triggered.append(name)
        stopping.set()
        return accept

    coordinator._wake.set()  # the loop claims at once
    coordinator.claim_loop(trigger, stopping)


def dirty(state: StateDatabase) -> list[str]:
    return [c.project for c in state.claim_dirty("probe", 0.001, limit=10)]


def test_a_delivery_is_recorded_once_for_every_daemon_sharing_the_store(
    state: StateDatabase,
) -> None:
    assert replicas(state, "one").first_time("github:abc")
    assert not replicas(state, "two").first_time("github:abc")


def test_a_marked_project_is_claimed_triggered_and_clean_after_its_run(
    state: StateDatabase,
) -> None:
    coordinator = replicas(state)
    assert coordinator.mark("demo")
    triggered: list[str] = []
    coordinator._claim(lambda name: triggered.append(name) is None)
    assert triggered == ["demo"]
    assert state.claim_dirty("other", 60.0) == []  # claimed by "one" until its run ends
    ran: list[str] = []

    def run(project: ProjectConfig, stop: threading.Event) -> RunReport:
        ran.append(project.name)
        return RunReport("demo: done")

    coordinator.runner(run)(PROJECT, threading.Event())
    assert ran == ["demo"]
    assert dirty(state) == []


def test_a_mark_during_the_run_keeps_the_project_dirty(state: StateDatabase) -> None:
    coordinator = replicas(state)
    store = state.store(PROJECT.name, PROJECT.scope)
    store.mark_dirty()
    coordinator._claim(lambda name: True)

    def run(project: ProjectConfig, stop: threading.Event) -> RunReport:
        store.mark_dirty()  # a webhook to another daemon, while this run reads
        return RunReport("demo: done")

    coordinator.runner(run)(PROJECT, threading.Event())
    assert dirty(state) == ["demo"]


def test_a_run_skipped_for_another_daemon_leaves_the_project_dirty(
    state: StateDatabase,
) -> None:
    coordinator = replicas(state)
    state.store(PROJECT.name, PROJECT.scope).mark_dirty()
    coordinator._claim(lambda name: True)

    def run(project: ProjectConfig, stop: threading.Event) -> RunReport:
        return RunReport("demo: another daemon is running it", skipped=True)

    coordinator.runner(run)(PROJECT, threading.Event())
    assert dirty(state) == ["demo"]


def test_a_daemon_stopping_before_the_run_frees_its_claim(state: StateDatabase) -> None:
    coordinator = replicas(state)
    state.store(PROJECT.name, PROJECT.scope).mark_dirty()
    claim_then_stop(coordinator, [], accept=False)
    assert state.claim_dirty("other", 60.0)[0].project == "demo"


def test_a_project_not_in_the_config_is_refused(state: StateDatabase) -> None:
    with pytest.raises(KeyError):
        replicas(state).mark("elsewhere")


def test_claims_whose_run_never_started_are_freed_when_the_daemon_stops(
    state: StateDatabase,
) -> None:
    coordinator = replicas(state)
    state.store(PROJECT.name, PROJECT.scope).mark_dirty()
    triggered: list[str] = []
    claim_then_stop(coordinator, triggered)  # triggered, then stopped before the run
    assert triggered == ["demo"]
    assert state.claim_dirty("other", 60.0)[0].project == "demo"
    assert not coordinator.mark("demo")  # stopped: a webhook is answered `stopping`
