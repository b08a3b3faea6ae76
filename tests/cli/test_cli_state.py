"""`plansync state migrate` and `plansync state copy FROM TO`: a SQLite store copied into
PostgreSQL row for row, a target that holds anything refused unless --replace (and then left
exactly as it was), passwords never taken from a URL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.model.sync import Failure, Findings, TaskRef
from plansync.state.base import BlockRef, PendingReply, StateDatabase
from plansync.state.open import open_state
from plansync.state.schema import LATEST_VERSION, MIGRATIONS, migrate
from plansync.state.tables import TableRows
from state import samples

runner = CliRunner()
PROJECT = "web"
SCOPE = "web@github:https://api.github.com/acme/web"
WROTE_AT = datetime(2026, 12, 6, 21, 0, 0, 123456, tzinfo=UTC)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def fill(database: StateDatabase) -> None:
    """A store as a few runs leave it: something in every table."""
    store = database.store(PROJECT, SCOPE)
    store.save_link(samples.link("T1", 12, base=samples.fields()))
    store.save_link(samples.link("T2", 13))
    store.save_milestone_link(samples.milestone_link())
    store.add_known_labels(["plansync", "estimate: 2h"])
    store.save_snapshot([samples.issue(12)], [samples.milestone()], {"issues": samples.cursor()})
    store.settle_block(BlockRef("summary", "plans/web.md"), ["digest"])
    store.mark_comment_processed(4_000_000_001)  # past 32 bits, as GitHub's ids are
    store.record_reply(PendingReply(4_000_000_002, 12, "> /plan done\n\nDone.", "rocket"))
    store.save_findings(Findings(failures=(Failure(TaskRef("plans/web.md", "T3"), "422"),)))
    for ok in (True, False):
        run_id = store.start_run(dry_run=False)
        store.finish_run(run_id, ok=ok, summary={"created": 2, "failed": []})
    store.mark_dirty()
    database.record_delivery("delivery-1")
    database.record_write("api.github.com", WROTE_AT)


def rows(database: StateDatabase) -> dict[str, list[tuple[object, ...]]]:
    return {table.table: sorted(table.rows, key=repr) for table in database.dump_tables()}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with open_state(url) as database:
        fill(database)
    return url


class TestCopy:
    def test_sqlite_into_postgresql_keeps_every_row(
        self, sqlite_url: str, postgres_url: str
    ) -> None:
        code, stdout, stderr = run(
            "state", "copy", sqlite_url.removeprefix("sqlite:///"), postgres_url
        )
        assert (code, stderr) == (0, "")
        with open_state(sqlite_url) as source, open_state(postgres_url) as target:
            copied = rows(target)
            assert copied == rows(source)
            assert all(copied[table] for table in copied)  # every table had rows to copy
            total = sum(len(found) for found in copied.values())
            assert f"copied {total} rows from {source.where} to {postgres_url}" in stdout
            store = target.store(PROJECT, SCOPE)
            assert store.links() == source.store(PROJECT, SCOPE).links()
            assert store.is_comment_processed(4_000_000_001)
            assert [r.comment_id for r in store.pending_replies()] == [4_000_000_002]
            # The pacing history goes too: daemons on the target keep the hour's budget.
            assert target.writes_since("api.github.com", WROTE_AT) == [WROTE_AT]
            # New runs are numbered after the copied ones.
            assert store.start_run(dry_run=True) == max(r.id for r in store.runs()[1:]) + 1

    def test_postgresql_back_into_a_new_sqlite_file(
        self, sqlite_url: str, postgres_url: str, tmp_path: Path
    ) -> None:
        assert run("state", "copy", sqlite_url, postgres_url)[0] == 0
        back = f"sqlite:///{tmp_path / 'back' / 'state.db'}"
        assert run("state", "copy", postgres_url, back)[0] == 0
        with open_state(sqlite_url) as source, open_state(back) as copy:
            assert rows(copy) == rows(source)

    def test_a_target_holding_anything_is_refused_and_left_as_it_was(
        self, sqlite_url: str, postgres_url: str
    ) -> None:
        with open_state(postgres_url) as target:
            target.store("other", "other@gitlab:x/y").save_link(samples.link("X1", 99))
            before = rows(target)
        code, stdout, stderr = run("state", "copy", sqlite_url, postgres_url)
        assert code == 2
        message = " ".join(stderr.split())
        assert f"The state store {postgres_url} already holds rows (links: 1)" in message
        assert "--replace" in message
        assert "copied" not in stdout
        with open_state(postgres_url) as target:
            assert rows(target) == before

    def test_replace_deletes_what_the_target_held(self, sqlite_url: str, postgres_url: str) -> None:
        with open_state(postgres_url) as target:
            target.store("other", "other@gitlab:x/y").save_link(samples.link("X1", 99))
        assert run("state", "copy", sqlite_url, postgres_url, "--replace")[0] == 0
        with open_state(sqlite_url) as source, open_state(postgres_url) as target:
            assert rows(target) == rows(source)
            assert target.store("other", "other@gitlab:x/y").links() == {}

    def test_a_failure_midway_writes_nothing(
        self, sqlite_url: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from plansync.state import sqlite

        real = sqlite.SqliteDatabase.dump_tables

        def with_a_bad_row(self: sqlite.SqliteDatabase) -> list[TableRows]:
            tables = real(self)
            runs = next(t for t in tables if t.table == "runs")
            runs.rows.append((runs.rows[0][0], *runs.rows[0][1:]))  # a duplicate run id
            return tables

        monkeypatch.setattr(sqlite.SqliteDatabase, "dump_tables", with_a_bad_row)
        code, _, stderr = run("state", "copy", sqlite_url, postgres_url)
        assert code == 2
        message = " ".join(stderr.split())
        assert f"The copy into the state store {postgres_url} failed" in message
        assert "duplicate key" in message
        assert "Nothing was written there" in message
        monkeypatch.undo()
        with open_state(postgres_url) as target:
            assert all(not found for found in rows(target).values())

    def test_a_missing_source_is_named_and_no_file_is_made(self, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere" / "state.db"
        code, _, stderr = run("state", "copy", str(missing), str(tmp_path / "copy.db"))
        assert code == 2
        assert "There is no state store at" in stderr
        assert list(tmp_path.iterdir()) == []

    def test_a_password_in_a_url_is_refused_without_showing_it(
        self, sqlite_url: str, tmp_path: Path
    ) -> None:
        code, _, stderr = run(
            "state", "copy", sqlite_url, "postgresql://plansync:s3cr3t-pw@db.example/plansync"
        )
        assert code == 2
        assert "PGPASSWORD" in stderr
        assert "s3cr3t-pw" not in stderr

    def test_a_postgresql_database_without_a_store_is_no_source(
        self, postgres_url: str, tmp_path: Path
    ) -> None:
        code, _, stderr = run("state", "copy", postgres_url, str(tmp_path / "copy.db"))
        assert code == 2
        assert "holds no plansync state store" in " ".join(stderr.split())
        assert list(tmp_path.iterdir()) == []

    def test_the_same_store_twice_is_refused(self, sqlite_url: str) -> None:
        code, _, stderr = run("state", "copy", sqlite_url, sqlite_url)
        assert code == 2
        assert "both the source and the target" in stderr


class TestMigrate:
    def test_the_configured_postgresql_database_is_brought_to_the_latest_version(
        self, tmp_path: Path, postgres_url: str
    ) -> None:
        config = tmp_path / "plansync.toml"
        config.write_text(f'state = "{postgres_url}"\n', encoding="utf-8")
        code, stdout, _ = run("state", "migrate", "--config", str(config))
        assert code == 0
        assert f"{postgres_url}: at schema version {LATEST_VERSION}" in stdout
        with open_state(postgres_url) as database:
            assert database.dump_tables()  # the tables are there

    def test_a_sqlite_file_is_created(self, tmp_path: Path) -> None:
        config = tmp_path / "plansync.toml"
        config.write_text('state = "data/state.db"\n', encoding="utf-8")
        assert run("state", "migrate", "--config", str(config))[0] == 0
        assert (tmp_path / "data" / "state.db").is_file()

    def test_a_sqlite_file_at_version_5_is_upgraded_keeping_its_rows(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        raw = sqlite3.connect(path)
        try:
            assert migrate(raw, str(path), MIGRATIONS[:5]) == 5
            with raw:
                raw.execute("INSERT INTO webhook_deliveries VALUES ('delivery-1', 1)")
        finally:
            raw.close()
        (tmp_path / "plansync.toml").write_text('state = "state.db"\n', encoding="utf-8")
        code, stdout, _ = run("state", "migrate", "--config", str(tmp_path / "plansync.toml"))
        assert code == 0
        assert f"at schema version {LATEST_VERSION}" in stdout
        with open_state(f"sqlite:///{path}") as database:
            assert database.record_delivery("delivery-1") is False  # kept
            database.record_write("api.github.com", WROTE_AT)
            assert database.writes_since("api.github.com", WROTE_AT) == [WROTE_AT]
