"""Many projects on one state store at once, as the daemon runs them: threads of one process and
separate processes, from the store's creation on (a SQLite file, a PostgreSQL database). None
may fail on a lock another project holds briefly, nor take a store being created for another
program's."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from plansync.model.sync import Link, TaskRef
from plansync.state.open import open_state
from postgres_server import PostgresServer

from .backends import BACKENDS

PROJECTS = 20


def _one_run(url: str, project: str) -> str | None:
    """What a run does to the state store, from opening it to closing it; its error, if any."""
    try:
        with open_state(url) as database:
            store = database.store(project, f"{project}@github:https://api.github.com/o/r")
            with store.lock():
                run = store.start_run(dry_run=False)
                for n in range(5):
                    store.save_link(Link(TaskRef("plan.md", f"T{n}"), n, 1000 + n, f"u{n}"))
                store.save_snapshot([], [], {"issues": None})
                store.finish_run(run, ok=True, summary={"created": 5})
                assert len(store.links()) == 5
    except Exception as exc:  # reported by the test, with every other thread's
        return f"{project}: {exc!r}"
    return None


def _run_in_process(args: tuple[str, str]) -> str | None:
    return _one_run(*args)


def _rounds_in_threads(url: str, rounds: int) -> list[str]:
    errors: list[str] = []
    for _ in range(rounds):
        start = threading.Barrier(PROJECTS)

        def run(project: str, start: threading.Barrier) -> None:
            start.wait()
            error = _one_run(url, project)
            if error is not None:
                errors.append(error)

        threads = [threading.Thread(target=run, args=(f"p{i}", start)) for i in range(PROJECTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors


def _new_store(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


class TestManyProjectsOnOneStore:
    @pytest.mark.parametrize("backend", BACKENDS)
    def test_twenty_projects_in_threads_from_a_new_store(
        self, request: pytest.FixtureRequest, tmp_path: Path, backend: str
    ) -> None:
        for n in range(5):
            url = _new_store(request, tmp_path / str(n), backend)
            assert _rounds_in_threads(url, rounds=1) == []

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_twenty_projects_in_processes_from_a_new_store(
        self, request: pytest.FixtureRequest, tmp_path: Path, backend: str
    ) -> None:
        url = _new_store(request, tmp_path, backend)
        with multiprocessing.get_context("spawn").Pool(4) as pool:
            errors = pool.map(_run_in_process, [(url, f"p{i}") for i in range(PROJECTS)])
        assert [e for e in errors if e] == []

    @pytest.mark.slow
    def test_twenty_projects_fifty_times(self, tmp_path: Path) -> None:
        assert _rounds_in_threads(f"sqlite:///{tmp_path / 'state.db'}", rounds=50) == []
