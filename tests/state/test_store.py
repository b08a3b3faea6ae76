"""The state store's API: what is saved reads back, per scope, committed as it happens."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plansync.errors import PlansyncError
from plansync.model.remote import Cursor, PageMark, RemoteIssue
from plansync.model.sync import Conflict, Failure, Findings, TaskRef
from plansync.state import codec
from plansync.state import sqlite as store_module
from plansync.state.base import STREAMS, PendingReply, StateStore
from plansync.state.schema import LATEST_VERSION
from plansync.state.sqlite import SqliteDatabase

from . import samples
from .backends import PROJECT, SCOPE, Backend


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / ".plansync" / "nested" / "state.db"


@pytest.fixture
def sqlite_database(db_path: Path) -> Iterator[SqliteDatabase]:
    with SqliteDatabase(db_path) as opened:
        yield opened


class TestOpeningSqlite:
    def test_creates_its_folder_and_uses_a_wal_journal(
        self, sqlite_database: SqliteDatabase, db_path: Path
    ) -> None:
        assert sqlite_database.path == db_path
        assert db_path.is_file()
        raw = sqlite3.connect(db_path)
        try:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            raw.close()

    def test_connection_settings(self, sqlite_database: SqliteDatabase) -> None:
        connection = sqlite_database._connection
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 5000

    def test_in_memory(self) -> None:
        with SqliteDatabase.in_memory() as memory:
            assert memory.path is None
            assert memory.schema_version == LATEST_VERSION
            memory.store(PROJECT, SCOPE).save_link(samples.link())
            assert list(memory.store(PROJECT, SCOPE).links()) == [samples.link().task]

    def test_a_closed_store_refuses_calls(self, db_path: Path) -> None:
        with SqliteDatabase(db_path) as opened:
            pass
        with pytest.raises(sqlite3.ProgrammingError):
            opened.store(PROJECT, SCOPE).links()


class TestOpening:
    def test_reopening_keeps_everything(self, backend: Backend) -> None:
        with backend.open() as database:
            first = database.store(PROJECT, SCOPE)
            first.save_link(samples.link(base=samples.fields()))
            first.save_milestone_link(samples.milestone_link())
            first.add_known_labels(["plansync"])
            first.save_snapshot(
                [samples.issue()], [samples.milestone()], {"issues": samples.cursor()}
            )
            first.mark_comment_processed(501)
            run = first.start_run(dry_run=False)
            first.finish_run(run, ok=True, summary={"created": 1})
        with backend.open() as database:
            second = database.store(PROJECT, SCOPE)
            assert second.links() == {samples.link().task: samples.link(base=samples.fields())}
            assert second.milestone_links() == {"Phase 1": samples.milestone_link()}
            assert second.known_labels() == {"plansync"}
            assert second.cached_issues() == {12: samples.issue()}
            assert second.cached_milestones() == [samples.milestone()]
            assert second.cursor("issues") == samples.cursor()
            assert second.is_comment_processed(501)
            [record] = second.runs()
            assert (record.id, record.ok, record.summary) == (run, True, {"created": 1})

    def test_a_write_is_committed_when_the_call_returns(
        self, store: StateStore, backend: Backend
    ) -> None:
        # Another connection sees only committed data: what it reads survives a crash.
        store.save_link(samples.link())
        store.mark_comment_processed(7)
        assert backend.execute("SELECT count(*) FROM links") == 1
        assert backend.execute("SELECT count(*) FROM processed_comments") == 1


class TestLinks:
    def test_with_and_without_base(self, store: StateStore) -> None:
        bare = samples.link("T1", 12)
        based = samples.link("T2", 13, base=samples.fields())
        store.save_link(bare)
        store.save_link(based)
        assert store.links() == {bare.task: bare, based.task: based}

    def test_saving_again_replaces_the_link_of_the_task(self, store: StateStore) -> None:
        store.save_link(samples.link("T1", 12))
        moved = samples.link("T1", 40, base=samples.fields())
        store.save_link(moved)
        assert store.links() == {moved.task: moved}

    def test_tasks_of_other_planfiles_with_the_same_key_are_apart(self, store: StateStore) -> None:
        web = samples.link("T1", 12)
        api = replace(web, task=TaskRef("plans/api.md", "T1"), number=13)
        store.save_link(web)
        store.save_link(api)
        assert store.links() == {web.task: web, api.task: api}

    def test_delete(self, store: StateStore) -> None:
        store.save_link(samples.link("T1", 12))
        store.save_link(samples.link("T2", 13))
        store.delete_link(TaskRef("plans/web.md", "T1"))
        store.delete_link(TaskRef("plans/web.md", "never-linked"))
        assert list(store.links()) == [TaskRef("plans/web.md", "T2")]

    def test_milestone_links_with_and_without_due_date(self, store: StateStore) -> None:
        dated = samples.milestone_link("Phase 1")
        undated = samples.milestone_link("Phase 2", due_on=None)
        store.save_milestone_link(dated)
        store.save_milestone_link(undated)
        store.save_milestone_link(replace(dated, description="changed"))
        assert store.milestone_links() == {
            "Phase 1": replace(dated, description="changed"),
            "Phase 2": undated,
        }

    def test_known_labels_accumulate_without_repeats(self, store: StateStore) -> None:
        assert store.known_labels() == set()
        store.add_known_labels(["a", "b"])
        store.add_known_labels(iter(["b", "c", "c"]))
        store.add_known_labels([])
        assert store.known_labels() == {"a", "b", "c"}

    def test_findings_start_empty_and_are_replaced_whole(
        self, store: StateStore, other: StateStore
    ) -> None:
        assert store.findings() == Findings()
        task = TaskRef("plans/a.md", "T1")
        first = Findings(
            conflicts=(Conflict(task, "title", "Plan title", "Tracker | title", "the plan's"),),
            failures=(Failure(TaskRef("plans/a.md", "T2"), "422: title too long"),),
        )
        store.save_findings(first)
        assert store.findings() == first
        assert other.findings() == Findings()
        store.save_findings(Findings())
        assert store.findings() == Findings()


class TestScopes:
    def test_nothing_of_one_scope_is_seen_from_another(
        self, store: StateStore, other: StateStore
    ) -> None:
        store.save_link(samples.link())
        store.save_milestone_link(samples.milestone_link())
        store.add_known_labels(["plansync"])
        store.save_snapshot([samples.issue()], [samples.milestone()], {"issues": samples.cursor()})
        store.mark_comment_processed(501)
        store.start_run(dry_run=True)
        assert other.links() == {}
        assert other.milestone_links() == {}
        assert other.known_labels() == set()
        assert other.cached_issues() == {}
        assert other.cached_milestones() is None
        assert other.cursor("issues") is None
        assert not other.is_comment_processed(501)
        assert other.runs() == []

    def test_changes_in_one_scope_leave_the_other_alone(
        self, store: StateStore, other: StateStore
    ) -> None:
        for scoped in (store, other):
            scoped.save_link(samples.link())
            scoped.save_snapshot(
                [samples.issue()], [samples.milestone()], {"issues": samples.cursor()}
            )
        store.delete_link(samples.link().task)
        store.save_snapshot([], [], {"issues": None})
        assert other.links() == {samples.link().task: samples.link()}
        assert other.cached_issues() == {12: samples.issue()}
        assert other.cached_milestones() == [samples.milestone()]
        assert other.cursor("issues") == samples.cursor()


class TestSnapshot:
    def test_a_forgotten_issue_leaves_the_cache_of_its_scope_only(
        self, store: StateStore, other: StateStore
    ) -> None:
        store.save_snapshot([samples.issue()], None, {})
        other.save_snapshot([samples.issue()], None, {})
        store.forget_issue(12)
        assert store.cached_issues() == {}
        assert other.cached_issues() == {12: samples.issue()}

    def test_nothing_read_yet(self, store: StateStore) -> None:
        assert store.cached_issues() == {}
        assert store.cached_milestones() is None
        assert all(store.cursor(stream) is None for stream in STREAMS)

    def test_issues_are_merged_by_number(self, store: StateStore) -> None:
        store.save_snapshot([samples.bare_issue(1), samples.issue(2)], None, {})
        renamed = samples.issue(2, title="[T1] Renamed")
        store.save_snapshot(iter([renamed, samples.bare_issue(3)]), None, {})
        assert store.cached_issues() == {
            1: samples.bare_issue(1),
            2: renamed,
            3: samples.bare_issue(3),
        }

    def test_the_milestone_list_is_replaced_or_kept(self, store: StateStore) -> None:
        store.save_snapshot([], [samples.milestone(1), samples.milestone(2)], {})
        store.save_snapshot([], None, {})
        assert store.cached_milestones() == [samples.milestone(1), samples.milestone(2)]
        store.save_snapshot([], [samples.milestone(3, due_on=None)], {})
        assert store.cached_milestones() == [samples.milestone(3, due_on=None)]

    def test_an_empty_milestone_list_is_not_never_read(self, store: StateStore) -> None:
        store.save_snapshot([], [], {})
        assert store.cached_milestones() == []

    def test_cursors_are_set_replaced_and_deleted(self, store: StateStore) -> None:
        store.save_snapshot([], None, {"issues": samples.cursor(), "comments": Cursor(since="c")})
        later = Cursor(since="2024-05-18T00:00:00Z", etag=None, seen=())
        store.save_snapshot([], None, {"issues": later, "comments": None})
        assert store.cursor("issues") == later
        assert store.cursor("comments") is None
        assert store.cursor("milestones") is None

    def test_a_cursor_keeps_every_page_of_a_list(self, store: StateStore) -> None:
        url = "/repos/acme/web/milestones?page="
        pages = (
            PageMark(f"{url}1", 'W/"1"', (1, 2, 3)),
            PageMark(f"{url}2", 'W/"2"', (4, 5, 6)),
            PageMark(f"{url}3", 'W/"empty"'),
        )
        store.save_snapshot([], [samples.milestone(1)], {"milestones": Cursor(pages=pages)})
        assert store.cursor("milestones") == Cursor(pages=pages)

    def test_an_unknown_stream_is_refused_before_anything_is_written(
        self, store: StateStore
    ) -> None:
        with pytest.raises(ValueError, match=r"'issue'.*issues, milestones, comments"):
            store.save_snapshot([samples.issue()], [], {"issue": samples.cursor()})
        assert store.cached_issues() == {}
        with pytest.raises(ValueError, match="unknown cursor stream"):
            store.cursor("pulls")


class TestSnapshotAtomicity:
    @pytest.fixture
    def before(self, store: StateStore) -> StateStore:
        store.save_snapshot(
            [samples.bare_issue(1)], [samples.milestone(1)], {"issues": Cursor(since="a")}
        )
        return store

    def _unchanged(self, store: StateStore) -> None:
        assert store.cached_issues() == {1: samples.bare_issue(1)}
        assert store.cached_milestones() == [samples.milestone(1)]
        assert store.cursor("issues") == Cursor(since="a")
        assert store.cursor("comments") is None

    def test_a_failure_at_the_second_issue_writes_nothing(
        self, before: StateStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real_dumps = codec.dumps
        written: list[object] = []

        def failing_second(value: object) -> str:
            written.append(value)
            if len(written) == 2:
                raise RuntimeError("disk gone")
            return real_dumps(value)

        monkeypatch.setattr(codec, "dumps", failing_second)
        with pytest.raises(RuntimeError, match="disk gone"):
            before.save_snapshot(
                [replace(samples.bare_issue(1), title="changed"), samples.issue(2)],
                [],
                {"issues": Cursor(since="b"), "comments": Cursor(since="b")},
            )
        monkeypatch.undo()
        self._unchanged(before)

    def test_a_failure_after_issues_and_milestones_were_written_writes_nothing(
        self, before: StateStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real_dumps = codec.dumps

        def failing_on_cursors(value: object) -> str:
            if isinstance(value, Cursor):
                raise RuntimeError("cursor refused")
            return real_dumps(value)

        monkeypatch.setattr(codec, "dumps", failing_on_cursors)
        with pytest.raises(RuntimeError, match="cursor refused"):
            before.save_snapshot(
                [samples.issue(2)],
                [samples.milestone(2)],
                {"comments": None, "issues": Cursor(since="b")},
            )
        monkeypatch.undo()
        self._unchanged(before)

    def test_an_issue_source_failing_midway_writes_nothing(self, before: StateStore) -> None:
        def issues() -> Iterator[RemoteIssue]:
            yield samples.issue(2)
            raise ConnectionError("page 2 failed")

        with pytest.raises(ConnectionError):
            before.save_snapshot(issues(), [], {"issues": Cursor(since="b")})
        self._unchanged(before)

    def test_the_store_works_after_a_failed_snapshot(self, before: StateStore) -> None:
        with pytest.raises(ValueError, match="unknown cursor stream"):
            before.save_snapshot([samples.issue(2)], None, {"nope": None})
        before.save_snapshot([samples.issue(2)], None, {})
        assert set(before.cached_issues()) == {1, 2}


class TestComments:
    def test_processed_comments_are_remembered(self, store: StateStore) -> None:
        assert not store.is_comment_processed(501)
        store.mark_comment_processed(501)
        store.mark_comment_processed(501)
        assert store.is_comment_processed(501)
        assert not store.is_comment_processed(502)

    def test_a_reply_is_kept_until_posted_and_its_comment_is_processed_at_once(
        self, store: StateStore
    ) -> None:
        big = 4_000_000_001  # past 32 bits, as GitHub's comment ids are
        store.record_reply(PendingReply(big, 12, "> /plan done\n\nDone.", "rocket"))
        store.record_reply(PendingReply(big, 12, "a second answer is ignored", "confused"))
        store.record_reply(PendingReply(7, 3, "> /plan help", "+1"))
        assert store.is_comment_processed(big)
        assert store.pending_replies() == [
            PendingReply(7, 3, "> /plan help", "+1"),
            PendingReply(big, 12, "> /plan done\n\nDone.", "rocket"),
        ]
        store.reply_posted(7)
        assert [r.comment_id for r in store.pending_replies()] == [big]
        assert store.is_comment_processed(7)


class TestRuns:
    def test_newest_first_with_their_summaries(self, store: StateStore) -> None:
        started = datetime.now(UTC)
        first = store.start_run(dry_run=True)
        store.finish_run(first, ok=True, summary={"created": 2, "failed": []})
        second = store.start_run(dry_run=False)
        store.finish_run(
            second, ok=False, summary={"failed": [{"task": "T1", "why": "422"}], "rate": 0.5}
        )
        third = store.start_run(dry_run=False)
        records = store.runs()
        assert [r.id for r in records] == [third, second, first]
        newest, failed, dry = records
        assert (newest.project, newest.ok, newest.finished_at, newest.summary) == (
            PROJECT,
            None,
            None,
            {},
        )
        assert failed.ok is False
        assert failed.dry_run is False
        assert failed.summary == {"failed": [{"task": "T1", "why": "422"}], "rate": 0.5}
        assert dry.dry_run is True
        assert dry.ok is True
        assert dry.summary == {"created": 2, "failed": []}
        for record in (failed, dry):
            assert record.finished_at is not None
            assert record.started_at <= record.finished_at
        assert started - timedelta(seconds=1) <= dry.started_at <= datetime.now(UTC)
        assert dry.started_at.tzinfo is not None
        assert dry.started_at.utcoffset() == timedelta(0)

    def test_limit_keeps_the_newest(self, store: StateStore) -> None:
        ids = [store.start_run(dry_run=False) for _ in range(5)]
        assert [r.id for r in store.runs(limit=2)] == ids[:-3:-1]
        assert len(store.runs()) == 5

    def test_finishing_an_unknown_run_is_refused(self, store: StateStore) -> None:
        with pytest.raises(ValueError, match="no run 99"):
            store.finish_run(99, ok=True, summary={})


class TestFailures:
    def test_an_unreadable_row_names_the_database_table_and_row(
        self, store: StateStore, backend: Backend
    ) -> None:
        store.save_snapshot([samples.issue(2)], None, {})
        backend.execute("UPDATE cached_issues SET data = '{\"number\": 2}'")
        with pytest.raises(PlansyncError) as caught:
            store.cached_issues()
        message = str(caught.value)
        assert backend.where in message
        assert "`cached_issues`" in message
        assert "issue #2" in message
        assert "the field 'id' is missing" in message

    def test_a_file_locked_by_another_process_is_reported_and_nothing_is_lost(
        self, db_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
        with SqliteDatabase(db_path) as database:
            store = database.store(PROJECT, SCOPE)
            other = sqlite3.connect(db_path, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                with pytest.raises(PlansyncError) as caught:
                    store.save_link(samples.link())
                message = str(caught.value)
                assert str(db_path) in message
                assert "locked" in message
                assert "another plansync" in message
                other.execute("COMMIT")
            finally:
                other.close()
            store.save_link(samples.link())
            assert store.links() == {samples.link().task: samples.link()}

    def test_calls_from_several_threads_are_serialised(self, store: StateStore) -> None:
        def save(worker: int) -> None:
            for n in range(25):
                store.save_link(samples.link(f"W{worker}-{n}", worker * 100 + n))
                store.links()

        threads = [threading.Thread(target=save, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(store.links()) == 100
