"""The project lock in PostgreSQL: an advisory lock held on the run's own connection. Two
connections (two daemons) exclude each other, a process killed while holding it releases it,
and a run whose connection broke cannot write on without it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from plansync.errors import BusyError, PlansyncError
from plansync.state.postgres import PostgresDatabase, lock_key

from . import samples

SCOPE = "web@github:https://api.github.com/acme/web"
SRC = Path(__file__).resolve().parents[2] / "src"

HOLDER = """
import sys, time
from plansync.state.open import open_state
database = open_state(sys.argv[1])
with database.store("web", "web@github:https://api.github.com/acme/web").lock():
    print("locked", flush=True)
    time.sleep(120)
"""


class TestTheKey:
    def test_a_projects_key_is_the_same_everywhere(self) -> None:
        # Daemons of other versions and machines must agree: the key is pinned.
        assert lock_key("web") == 4567545885212771690
        assert lock_key("website") == 6588518599038995206


class TestTwoDaemons:
    def test_one_run_at_a_time_per_project_across_connections(self, postgres_url: str) -> None:
        with PostgresDatabase(postgres_url) as one, PostgresDatabase(postgres_url) as two:
            with one.store("web", SCOPE).lock():
                with pytest.raises(BusyError) as caught, two.store("web", SCOPE).lock():
                    pass
                message = str(caught.value)
                assert "Project web is being synced by another run" in message
                assert "held by plansync " in message  # the holder's host and pid
                # The same project synced with another repository is the same planfiles.
                with pytest.raises(BusyError), two.store("web", "web@gitlab:x/y").lock():
                    pass
                with two.store("docs", SCOPE).lock():
                    pass  # another project is not held up
            with two.store("web", SCOPE).lock():
                pass  # released

    def test_a_waiting_run_gets_the_lock_once_it_is_released(self, postgres_url: str) -> None:
        with PostgresDatabase(postgres_url) as one, PostgresDatabase(postgres_url) as two:
            held = one.store("web", SCOPE).lock()
            held.__enter__()
            threading.Timer(0.3, held.__exit__, (None, None, None)).start()
            started = time.monotonic()
            with two.store("web", SCOPE).lock(wait=10):
                assert time.monotonic() - started >= 0.25

    def test_a_lock_is_not_taken_twice_by_one_store(self, postgres_url: str) -> None:
        with PostgresDatabase(postgres_url) as database:
            store = database.store("web", SCOPE)
            with store.lock(), pytest.raises(RuntimeError, match="already holds"), store.lock():
                pass


class TestCrashes:
    def test_a_killed_process_releases_its_lock(self, postgres_url: str) -> None:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, postgres_url],
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            with PostgresDatabase(postgres_url) as database:
                store = database.store("web", SCOPE)
                with pytest.raises(BusyError), store.lock():
                    pass
                holder.kill()  # SIGKILL: no cleanup of any kind
                holder.wait()
                with store.lock(wait=10):
                    store.save_link(samples.link())
                assert store.links() == {samples.link().task: samples.link()}
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()

    def test_a_run_whose_connection_broke_writes_nothing_more(self, postgres_url: str) -> None:
        with PostgresDatabase(postgres_url) as database:
            store = database.store("web", SCOPE)
            with store.lock() as connection:
                assert isinstance(connection, psycopg.Connection)
                pid = connection.info.backend_pid
                with psycopg.connect(postgres_url, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                with pytest.raises(PlansyncError, match="could not be used"):
                    store.save_link(samples.link())
            # The lock went with the connection; the pool gives working connections again.
            with store.lock():
                store.save_link(samples.link("T2", 13))
            assert list(store.links()) == [samples.link("T2", 13).task]

    def test_the_runs_calls_go_through_the_locked_connection(self, postgres_url: str) -> None:
        with PostgresDatabase(postgres_url) as database:
            store = database.store("web", SCOPE)

            def requests() -> int:
                return int(database._pool.get_stats().get("requests_num", 0))

            with store.lock():
                before = requests()
                store.add_known_labels(["plansync"])
                store.save_link(samples.link())
                assert store.links() == {samples.link().task: samples.link()}
                assert requests() == before  # no other connection was asked for
            after = requests()
            assert store.known_labels() == {"plansync"}
            assert requests() == after + 1
