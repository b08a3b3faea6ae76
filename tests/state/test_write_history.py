"""The write history of the pacing queues: what a pacer recorded reads back after a restart and
in every process on the store, oldest first, cut at `since`, each queue apart, pruned as it
grows. Run against both backends; from threads and processes at once too."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest

from plansync.state import codec, postgres_schema, schema
from plansync.state.base import StateDatabase, StateStore
from plansync.state.open import open_state
from plansync.state.schema import LATEST_VERSION, MIGRATIONS
from plansync.state.write_history import KEPT

from . import samples
from .backends import OTHER, PROJECT, SCOPE, Backend

GITHUB = "api.github.com"
GITLAB = "gitlab.example"
T0 = datetime(2026, 12, 6, 21, 0, 0, 123456, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _rows(backend: Backend) -> int:
    return backend.execute("SELECT count(*) FROM write_history")


class TestRecordAndRead:
    def test_nothing_recorded_at_first(self, database: StateDatabase) -> None:
        assert database.writes_since(GITHUB, T0 - KEPT) == []

    def test_writes_read_back_oldest_first_as_utc(self, database: StateDatabase) -> None:
        for seconds in (3, 1, 2, 0.000001):  # recorded out of order, as threads may
            database.record_write(GITHUB, _at(seconds))
        found = database.writes_since(GITHUB, T0)
        assert found == [_at(0.000001), _at(1), _at(2), _at(3)]
        assert all(at.tzinfo is UTC for at in found)

    def test_another_offset_is_the_same_instant(self, database: StateDatabase) -> None:
        paris = timezone(timedelta(hours=1))
        database.record_write(GITHUB, T0.astimezone(paris))
        [found] = database.writes_since(GITHUB, T0.astimezone(paris))
        assert found == T0
        assert found.utcoffset() == timedelta(0)

    def test_two_writes_in_the_same_microsecond_count_twice(self, database: StateDatabase) -> None:
        database.record_write(GITHUB, T0)
        database.record_write(GITHUB, T0)
        assert database.writes_since(GITHUB, T0) == [T0, T0]

    def test_since_keeps_the_writes_at_or_after_it(self, database: StateDatabase) -> None:
        for seconds in (0, 10, 20, 30):
            database.record_write(GITHUB, _at(seconds))
        assert database.writes_since(GITHUB, _at(10)) == [_at(10), _at(20), _at(30)]
        assert database.writes_since(GITHUB, _at(10.000001)) == [_at(20), _at(30)]
        assert database.writes_since(GITHUB, _at(31)) == []

    def test_queues_are_kept_apart(self, database: StateDatabase) -> None:
        database.record_write(GITHUB, _at(1))
        database.record_write(GITLAB, _at(2))
        database.record_write(GITHUB, _at(3))
        assert database.writes_since(GITHUB, T0) == [_at(1), _at(3)]
        assert database.writes_since(GITLAB, T0) == [_at(2)]
        assert database.writes_since("gitlab.example:8443", T0) == []

    def test_a_value_of_the_wrong_kind_is_refused_and_nothing_is_written(
        self, database: StateDatabase, backend: Backend
    ) -> None:
        with pytest.raises(ValueError, match="time zone"):
            database.record_write(GITHUB, datetime(2026, 12, 6, 21, 0))  # naive: which zone?
        with pytest.raises(ValueError, match="time zone"):
            database.record_write(GITHUB, 1_765_000_000.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="non-empty text"):
            database.record_write("", T0)
        with pytest.raises(ValueError, match="`since`"):
            database.writes_since(GITHUB, datetime(2026, 12, 6, 21, 0))
        assert _rows(backend) == 0


class TestPruning:
    def test_a_write_forgets_its_queues_writes_older_than_kept(
        self, database: StateDatabase, backend: Backend
    ) -> None:
        database.record_write(GITHUB, _at(0))
        database.record_write(GITHUB, _at(60))
        database.record_write(GITLAB, _at(0))
        later = T0 + KEPT + timedelta(seconds=30)
        database.record_write(GITHUB, later)
        assert database.writes_since(GITHUB, T0 - KEPT) == [_at(60), later]
        assert database.writes_since(GITLAB, T0 - KEPT) == [_at(0)]  # another queue's rows
        assert _rows(backend) == 3

    def test_a_write_exactly_kept_before_is_kept(self, database: StateDatabase) -> None:
        database.record_write(GITHUB, T0)
        database.record_write(GITHUB, T0 + KEPT)
        assert database.writes_since(GITHUB, T0) == [T0, T0 + KEPT]

    def test_a_steady_queue_stays_at_an_hours_rows(
        self, database: StateDatabase, backend: Backend
    ) -> None:
        # One write a minute for three hours: only the last KEPT of them stay.
        for minute in range(180):
            database.record_write(GITHUB, _at(minute * 60))
        kept_minutes = int(KEPT.total_seconds() // 60)
        assert _rows(backend) == kept_minutes + 1
        assert database.writes_since(GITHUB, T0)[0] == _at((179 - kept_minutes) * 60)


class TestSharedAndDurable:
    def test_the_history_survives_closing_the_database(self, backend: Backend) -> None:
        with backend.open() as database:
            database.record_write(GITHUB, _at(1))
            database.record_write(GITHUB, _at(2))
        with backend.open() as restarted:
            assert restarted.writes_since(GITHUB, T0) == [_at(1), _at(2)]

    def test_a_write_recorded_under_a_project_lock_is_seen_at_once_elsewhere(
        self, backend: Backend, database: StateDatabase, store: StateStore
    ) -> None:
        with store.lock(), backend.open() as elsewhere:
            database.record_write(GITHUB, _at(1))
            assert elsewhere.writes_since(GITHUB, T0) == [_at(1)]
            elsewhere.record_write(GITHUB, _at(2))
            assert database.writes_since(GITHUB, T0) == [_at(1), _at(2)]

    def test_threads_recording_at_once_lose_nothing(self, database: StateDatabase) -> None:
        threads, each = 8, 25
        start = threading.Barrier(threads)
        errors: list[BaseException] = []

        def record(thread: int) -> None:
            start.wait()
            try:
                for n in range(each):
                    database.record_write(GITHUB, _at(n * threads + thread))
            except BaseException as exc:  # reported by the test below
                errors.append(exc)

        workers = [threading.Thread(target=record, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        assert database.writes_since(GITHUB, T0) == [_at(s) for s in range(threads * each)]

    def test_processes_recording_at_once_lose_nothing(self, backend: Backend) -> None:
        backend.open().close()  # created before the processes start, as a daemon's store is
        processes, each = 4, 20
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            errors = pool.map(
                _record_in_process, [(backend.url, p, processes, each) for p in range(processes)]
            )
        assert [error for error in errors if error] == []
        with backend.open() as database:
            found = database.writes_since(GITHUB, T0)
        assert found == [_at(s) for s in range(processes * each)]


def _record_in_process(args: tuple[str, int, int, int]) -> str | None:
    url, process, processes, each = args
    try:
        with open_state(url) as database:
            for n in range(each):
                database.record_write(GITHUB, _at(n * processes + process))
    except Exception as exc:  # reported by the test, with every other process's
        return f"process {process}: {exc!r}"
    return None


class TestMigrationFromVersion5:
    def test_a_store_at_version_5_gets_the_table_and_keeps_its_rows(self, backend: Backend) -> None:
        assert MIGRATIONS[4].version == 5
        assert LATEST_VERSION >= 6
        _migrate_to_version_5(backend)
        link = codec.dumps(samples.link())
        backend.execute(
            "INSERT INTO links (scope, planfile, task_key, data) "
            f"VALUES ('{SCOPE}', 'plans/web.md', 'T1', '{link}')"
        )
        backend.execute(
            "INSERT INTO webhook_deliveries (delivery_id, received_ms) VALUES ('d-1', 1)"
        )
        with backend.open() as database:
            assert _version(backend) == LATEST_VERSION
            store = database.store(PROJECT, SCOPE)
            assert store.links() == {samples.link().task: samples.link()}
            assert database.record_delivery("d-1") is False  # seen before the upgrade
            assert database.store(PROJECT, OTHER).links() == {}
            database.record_write(GITHUB, T0)
            assert database.writes_since(GITHUB, T0) == [T0]


def _migrate_to_version_5(backend: Backend) -> None:
    if backend.name == "sqlite":
        raw = sqlite3.connect(backend.where)
        try:
            assert schema.migrate(raw, backend.where, MIGRATIONS[:5]) == 5
        finally:
            raw.close()
        return
    with psycopg.connect(backend.url, autocommit=True) as connection:
        assert postgres_schema.migrate(connection, backend.where, MIGRATIONS[:5]) == 5


def _version(backend: Backend) -> int:
    if backend.name == "sqlite":
        return backend.execute("PRAGMA user_version")
    return backend.execute("SELECT version FROM schema_version")
