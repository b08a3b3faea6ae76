"""Writing a planfile's summary block: the digest is recorded around the write, and a block a
person edited while the run was under way is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plansync.model.changeset import Status, WriteSummary
from plansync.planfile.rules import ReaderRules
from plansync.state.base import BlockRef, StateStore
from plansync.state.sqlite import SqliteDatabase
from plansync.summary.guard import digest
from plansync.sync.written import write_summary_file

OLD = "\n**Progress:** 0 / 1 tasks done (0%)\n\n"
NEW = "\n**Progress:** 1 / 1 tasks done (100%)\n\n"
REF = BlockRef("summary", "plan.md")


def plan(inside: str) -> bytes:
    """A planfile whose summary block holds `inside` as plansync writes it."""
    return (
        f"# Plan\n\n<!-- plansync:summary -->\n{inside}<!-- /plansync:summary -->\n\n- [x] Ship\n"
    ).encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with SqliteDatabase(tmp_path / "state.db") as database:
        yield database.store("demo", "demo@github")


def action() -> WriteSummary:
    return WriteSummary("plan.md", NEW, "after-title", "its figures changed")


class TestWriteSummaryFile:
    def test_the_write_is_recorded(self, tmp_path: Path, store: StateStore) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(plan(OLD))
        store.settle_block(REF, [digest(OLD)])
        outcome = write_summary_file(action(), path, ReaderRules(), plan(OLD), store)
        assert outcome.status is Status.APPLIED
        assert path.read_bytes() == outcome.data
        assert b"1 / 1 tasks done" in path.read_bytes()
        assert store.written_blocks() == {REF: frozenset({digest(NEW)})}

    def test_a_block_a_person_edited_during_the_run_is_kept(
        self, tmp_path: Path, store: StateStore
    ) -> None:
        path = tmp_path / "plan.md"
        edited = plan(OLD + "My own note.\n")
        path.write_bytes(edited)  # saved after the run read the file
        store.settle_block(REF, [digest(OLD)])
        outcome = write_summary_file(action(), path, ReaderRules(), plan(OLD), store)
        assert outcome.status is Status.SKIPPED
        assert outcome.detail == (
            f"{path}: the summary block was edited since plansync wrote it; it is kept"
        )
        assert path.read_bytes() == edited
        # The digest of the text it meant to write stays on record beside the old one.
        assert store.written_blocks() == {REF: frozenset({digest(OLD), digest(NEW)})}

    def test_a_change_elsewhere_during_the_run_is_written_over_only_in_the_block(
        self, tmp_path: Path, store: StateStore
    ) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(plan(OLD) + b"- [ ] Added meanwhile\n")
        store.settle_block(REF, [digest(OLD)])
        outcome = write_summary_file(action(), path, ReaderRules(), plan(OLD), store)
        assert outcome.status is Status.APPLIED
        assert path.read_bytes() == plan(NEW) + b"- [ ] Added meanwhile\n"
