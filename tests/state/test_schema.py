"""The state store's file: identified, versioned, migrated one transaction at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from plansync.errors import ConfigError
from plansync.state.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, Migration, migrate
from plansync.state.sqlite import SqliteDatabase

from . import samples


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def raw(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the file, as another program would open it."""
    connection = sqlite3.connect(db_path)
    yield connection
    connection.close()


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _pragma(connection: sqlite3.Connection, name: str) -> int:
    return int(connection.execute(f"PRAGMA {name}").fetchone()[0])


NEXT = LATEST_VERSION + 1
V_NEXT = Migration(NEXT, "a notes table", ("CREATE TABLE notes (scope TEXT NOT NULL, text TEXT)",))


class TestMigrations:
    def test_versions_count_up_from_one_without_gaps(self) -> None:
        assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
        assert MIGRATIONS[-1].version == LATEST_VERSION

    def test_a_fresh_file_is_at_the_latest_version_and_marked_as_plansyncs(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        with SqliteDatabase(db_path) as store:
            assert store.schema_version == LATEST_VERSION
        assert _pragma(raw, "user_version") == LATEST_VERSION
        assert _pragma(raw, "application_id") == APPLICATION_ID
        assert {"links", "cached_issues", "cursors", "runs"} <= _tables(raw)

    def test_an_empty_file_becomes_a_store(self, db_path: Path) -> None:
        db_path.write_bytes(b"")
        with SqliteDatabase(db_path) as store:
            assert store.schema_version == LATEST_VERSION

    def test_migrating_again_changes_nothing(self, db_path: Path, raw: sqlite3.Connection) -> None:
        with SqliteDatabase(db_path) as store:
            store.store("p", "s").save_link(samples.link())
        before = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        assert migrate(raw, str(db_path)) == LATEST_VERSION
        assert migrate(raw, str(db_path)) == LATEST_VERSION
        assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == before
        with SqliteDatabase(db_path) as store:
            assert store.store("p", "s").links() == {samples.link().task: samples.link()}

    def test_a_file_at_an_older_version_gets_the_later_migrations_and_keeps_its_rows(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        with SqliteDatabase(db_path) as store:
            store.store("p", "s").save_link(samples.link())
        assert migrate(raw, str(db_path), (*MIGRATIONS, V_NEXT)) == NEXT
        assert _pragma(raw, "user_version") == NEXT
        assert "notes" in _tables(raw)
        assert raw.execute("SELECT count(*) FROM links").fetchone()[0] == 1

    def test_a_failing_migration_keeps_nothing_of_itself(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        SqliteDatabase(db_path).close()
        broken = Migration(
            NEXT,
            "half of it fails",
            ("CREATE TABLE notes (text TEXT)", "CREATE TABLE links (x INTEGER)"),
        )
        with pytest.raises(ConfigError) as caught:
            migrate(raw, str(db_path), (*MIGRATIONS, broken))
        message = str(caught.value)
        assert str(db_path) in message
        assert f"schema version {NEXT} (half of it fails)" in message
        assert "Nothing of that upgrade was kept" in message
        assert _pragma(raw, "user_version") == LATEST_VERSION
        assert "notes" not in _tables(raw)


class TestFilesThatAreNotOurs:
    def test_a_newer_schema_version_is_refused(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        SqliteDatabase(db_path).close()
        raw.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
        raw.commit()
        with pytest.raises(ConfigError) as caught:
            SqliteDatabase(db_path)
        message = str(caught.value)
        assert str(db_path) in message
        assert f"schema version {LATEST_VERSION + 1}" in message
        assert "newer plansync" in message
        assert "Upgrade plansync" in message

    def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(self, db_path: Path) -> None:
        content = b"# notes\nthis is not a database\n" * 40
        db_path.write_bytes(content)
        with pytest.raises(ConfigError) as caught:
            SqliteDatabase(db_path)
        message = str(caught.value)
        assert str(db_path) in message
        assert "not a SQLite database" in message
        assert "`state`" in message
        assert db_path.read_bytes() == content
        assert sorted(p.name for p in db_path.parent.iterdir()) == ["state.db"]

    def test_another_programs_database_is_refused_and_left_alone(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        raw.execute("CREATE TABLE accounts (id INTEGER)")
        raw.commit()
        raw.close()
        content = db_path.read_bytes()
        with pytest.raises(ConfigError) as caught:
            SqliteDatabase(db_path)
        message = str(caught.value)
        assert str(db_path) in message
        assert "another program" in message
        assert db_path.read_bytes() == content
        assert sorted(p.name for p in db_path.parent.iterdir()) == ["state.db"]

    def test_a_database_marked_by_another_application_is_refused(
        self, db_path: Path, raw: sqlite3.Connection
    ) -> None:
        raw.execute("PRAGMA application_id = 42")
        raw.commit()
        with pytest.raises(ConfigError, match="application id 42"):
            SqliteDatabase(db_path)

    def test_a_folder_in_the_way_is_reported(self, tmp_path: Path) -> None:
        blocker = tmp_path / "taken"
        blocker.write_text("a file where the folder should be")
        with pytest.raises(ConfigError, match=r"folder of the state store .*taken"):
            SqliteDatabase(blocker / "state.db")
