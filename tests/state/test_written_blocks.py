"""The digests of the blocks plansync wrote: kept per block and scope, the two steps of a write,
and the migration that brings an older file to them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from plansync.errors import PlansyncError
from plansync.state.base import BLOCK_KINDS, BlockRef, StateDatabase, StateStore
from plansync.state.schema import LATEST_VERSION, MIGRATIONS, migrate
from plansync.state.sqlite import SqliteDatabase

from . import samples
from .backends import OTHER, PROJECT, SCOPE, Backend

SUMMARY = BlockRef("summary", "plans/web.md")
BODY = BlockRef("body", "12")
PROGRESS = BlockRef("progress", "3")


class TestBlockRef:
    @pytest.mark.parametrize("kind", BLOCK_KINDS)
    def test_the_kinds_plansync_writes(self, kind: str) -> None:
        assert BlockRef(kind, "x").kind == kind

    def test_an_unknown_kind_is_refused_naming_the_kinds(self) -> None:
        with pytest.raises(ValueError, match="unknown block kind 'sumary'; the kinds are summary"):
            BlockRef("sumary", "plan.md")


class TestDigests:
    def test_none_on_record_at_first(self, store: StateStore) -> None:
        assert store.written_blocks() == {}

    def test_a_write_in_two_steps(self, store: StateStore) -> None:
        store.settle_block(SUMMARY, ["old"])
        store.expect_block(SUMMARY, "new")
        # Killed here: both texts count as plansync's.
        assert store.written_blocks() == {SUMMARY: frozenset({"old", "new"})}
        store.settle_block(SUMMARY, ["new"])
        assert store.written_blocks() == {SUMMARY: frozenset({"new"})}

    def test_settling_keeps_every_digest_given_and_no_other(self, store: StateStore) -> None:
        store.expect_block(BODY, "a")
        store.expect_block(BODY, "b")
        store.settle_block(BODY, ["c", "d", "c"])
        assert store.written_blocks() == {BODY: frozenset({"c", "d"})}

    def test_expecting_twice_keeps_one(self, store: StateStore) -> None:
        store.expect_block(BODY, "a")
        store.expect_block(BODY, "a")
        assert store.written_blocks() == {BODY: frozenset({"a"})}

    def test_blocks_are_apart_by_kind_and_target(self, store: StateStore) -> None:
        store.settle_block(BODY, ["a"])
        store.settle_block(BlockRef("body", "13"), ["b"])
        store.settle_block(BlockRef("tracking", "12"), ["c"])
        store.settle_block(PROGRESS, ["d"])
        store.settle_block(BODY, ["e"])
        assert store.written_blocks() == {
            BODY: frozenset({"e"}),
            BlockRef("body", "13"): frozenset({"b"}),
            BlockRef("tracking", "12"): frozenset({"c"}),
            PROGRESS: frozenset({"d"}),
        }

    def test_each_scope_keeps_its_own(self, database: StateDatabase, store: StateStore) -> None:
        other = database.store(PROJECT, OTHER)
        store.settle_block(SUMMARY, ["mine"])
        other.settle_block(SUMMARY, ["theirs"])
        store.settle_block(SUMMARY, ["mine again"])
        assert store.written_blocks() == {SUMMARY: frozenset({"mine again"})}
        assert other.written_blocks() == {SUMMARY: frozenset({"theirs"})}

    def test_kept_across_reopening(self, backend: Backend) -> None:
        with backend.open() as database:
            database.store(PROJECT, SCOPE).settle_block(PROGRESS, ["line"])
        with backend.open() as database:
            assert database.store(PROJECT, SCOPE).written_blocks() == {
                PROGRESS: frozenset({"line"})
            }

    def test_an_unreadable_row_names_the_file_table_and_block(
        self, store: StateStore, backend: Backend
    ) -> None:
        store.settle_block(SUMMARY, ["d"])
        backend.execute("UPDATE written_blocks SET kind = 'sumary'")
        with pytest.raises(PlansyncError) as caught:
            store.written_blocks()
        message = str(caught.value)
        assert backend.where in message
        assert "`written_blocks`" in message
        assert "sumary 'plans/web.md'" in message


class TestMigration:
    def test_a_file_at_version_2_gets_the_table_and_keeps_its_rows(self, db_path: Path) -> None:
        raw = sqlite3.connect(db_path)
        try:
            assert migrate(raw, str(db_path), MIGRATIONS[:2]) == 2
            with raw:
                raw.execute(
                    "INSERT INTO findings (scope, data) VALUES (?, ?)",
                    (SCOPE, '{"conflicts": [], "failures": []}'),
                )
        finally:
            raw.close()
        with SqliteDatabase(db_path) as database:
            assert database.schema_version == LATEST_VERSION >= 3
            store = database.store(PROJECT, SCOPE)
            assert store.written_blocks() == {}
            store.settle_block(SUMMARY, ["d"])
            assert store.written_blocks() == {SUMMARY: frozenset({"d"})}
            store.save_link(samples.link())
            assert store.findings().conflicts == ()
