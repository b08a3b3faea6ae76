"""The sync engine's memory: one SQLite file (WAL journal) shared by every project and tracker,
each row scoped by a `scope` string the engine chooses.

Every mutating method is its own transaction and commits before it returns, so what the engine
records as it happens survives a crash right after.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from plansync.errors import ConfigError, PlansyncError
from plansync.model.remote import Cursor, RemoteIssue, RemoteMilestone
from plansync.model.sync import Findings, Link, MilestoneLink, TaskRef
from plansync.state import codec, schema

STREAMS = ("issues", "milestones", "comments")
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class RunRecord:
    """One run of the engine. `ok` and `finished_at` are None while it runs, or when it was
    killed before it finished."""

    id: int
    project: str
    started_at: datetime
    finished_at: datetime | None
    dry_run: bool
    ok: bool | None
    summary: dict[str, object] = field(default_factory=dict)


class StateStore:
    """Links, base values, the tracker snapshot cache, cursors, processed comments and the run
    log. Safe to call from several threads; calls are serialised."""

    path: Path | None

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"The folder of the state store {path} cannot be created ({exc}). Create it, "
                "or set `state` in the configuration to a writable path."
            ) from exc
        self._open(path)

    @classmethod
    def in_memory(cls) -> StateStore:
        """A store kept in memory, gone when closed; for tests of the modules that use one."""
        store = cls.__new__(cls)
        store._open(None)
        return store

    def _open(self, path: Path | None) -> None:
        self.path = path
        self._where = str(path) if path is not None else ":memory:"
        self._lock = threading.Lock()
        try:
            # The daemon calls from its scheduler thread; the lock keeps calls one at a time.
            self._connection = sqlite3.connect(
                self._where, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ConfigError(
                f"The state store {self._where} cannot be opened ({exc}). Check that the path "
                "is a file plansync may read and write, or set `state` in the configuration "
                "to another path."
            ) from exc
        try:
            self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            # Identify the file before anything is written to it: another program's database
            # is left exactly as it was.
            schema.current_version(self._connection, self._where)
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            schema.migrate(self._connection, self._where)
        except sqlite3.Error as exc:
            self._connection.close()
            raise ConfigError(
                f"The state store {self._where} cannot be prepared ({exc}). Check that the "
                "file and its folder are writable and that no other program holds it, or set "
                "`state` in the configuration to another path."
            ) from exc
        except BaseException:
            self._connection.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._reading() as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])

    # transactions -------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed on success and rolled back on any exception."""
        with self._lock:
            try:
                with self._connection:
                    # IMMEDIATE: take the write lock (waiting up to the busy timeout) before
                    # the first statement, so another plansync process cannot interleave.
                    self._connection.execute("BEGIN IMMEDIATE")
                    yield self._connection
            except sqlite3.OperationalError as exc:
                raise self._failure(exc) from exc

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._connection
            except sqlite3.OperationalError as exc:
                raise self._failure(exc) from exc

    def _failure(self, exc: sqlite3.OperationalError) -> PlansyncError:
        return PlansyncError(
            f"The state store {self._where} could not be used ({exc}). Nothing of the failed "
            "step was written. If another plansync is running against the same file, let it "
            "finish; otherwise check that the file is writable and the disk is not full, then "
            "run plansync again."
        )

    @contextmanager
    def _reading_row(self, table: str, scope: str, row: str) -> Iterator[None]:
        """Report a stored value that does not fit its type as the row of the file it is in."""
        try:
            yield
        except codec.CodecError as exc:
            raise PlansyncError(
                f"The state store {self._where} holds an unreadable row in `{table}` (scope "
                f"{scope!r}, {row}): {exc}. The file was changed by something other than this "
                "plansync. Restore it from a backup, or set `state` in the configuration to a "
                "new path (plansync then finds its issues again through the links in the "
                "planfiles and the markers in issue bodies)."
            ) from exc

    # links ----------------------------------------------------------------------------------

    def links(self, scope: str) -> dict[TaskRef, Link]:
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT planfile, task_key, data FROM links WHERE scope = ? "
                "ORDER BY planfile, task_key",
                (scope,),
            ).fetchall()
        result: dict[TaskRef, Link] = {}
        for planfile, task_key, data in rows:
            with self._reading_row("links", scope, f"task {planfile}#{task_key}"):
                link = codec.loads(Link, data)
            result[link.task] = link
        return result

    def save_link(self, scope: str, link: Link) -> None:
        """Insert or replace the link of `link.task`."""
        data = codec.dumps(link)
        with self._writing() as connection:
            connection.execute(
                "INSERT INTO links (scope, planfile, task_key, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, planfile, task_key) DO UPDATE SET data = excluded.data",
                (scope, link.task.planfile, link.task.key, data),
            )

    def delete_link(self, scope: str, task: TaskRef) -> None:
        with self._writing() as connection:
            connection.execute(
                "DELETE FROM links WHERE scope = ? AND planfile = ? AND task_key = ?",
                (scope, task.planfile, task.key),
            )

    # milestone links ------------------------------------------------------------------------

    def milestone_links(self, scope: str) -> dict[str, MilestoneLink]:
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT title, data FROM milestone_links WHERE scope = ? ORDER BY title",
                (scope,),
            ).fetchall()
        result: dict[str, MilestoneLink] = {}
        for title, data in rows:
            with self._reading_row("milestone_links", scope, f"title {title!r}"):
                result[title] = codec.loads(MilestoneLink, data)
        return result

    def save_milestone_link(self, scope: str, link: MilestoneLink) -> None:
        """Insert or replace the link of the milestone titled `link.title`."""
        data = codec.dumps(link)
        with self._writing() as connection:
            connection.execute(
                "INSERT INTO milestone_links (scope, title, data) VALUES (?, ?, ?) "
                "ON CONFLICT (scope, title) DO UPDATE SET data = excluded.data",
                (scope, link.title, data),
            )

    # findings -------------------------------------------------------------------------------

    def findings(self, scope: str) -> Findings:
        """The conflicts and failed creates of the last run that synced anything (none yet:
        empty findings)."""
        with self._reading() as connection:
            row = connection.execute(
                "SELECT data FROM findings WHERE scope = ?", (scope,)
            ).fetchone()
        if row is None:
            return Findings()
        with self._reading_row("findings", scope, "the findings"):
            return codec.loads(Findings, row[0])

    def save_findings(self, scope: str, findings: Findings) -> None:
        data = codec.dumps(findings)
        with self._writing() as connection:
            connection.execute(
                "INSERT INTO findings (scope, data) VALUES (?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET data = excluded.data",
                (scope, data),
            )

    # labels ---------------------------------------------------------------------------------

    def known_labels(self, scope: str) -> set[str]:
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT name FROM known_labels WHERE scope = ?", (scope,)
            ).fetchall()
        return {name for (name,) in rows}

    def add_known_labels(self, scope: str, names: Iterable[str]) -> None:
        with self._writing() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO known_labels (scope, name) VALUES (?, ?)",
                ((scope, name) for name in names),
            )

    # the tracker snapshot cache ---------------------------------------------------------------

    def cached_issues(self, scope: str) -> dict[int, RemoteIssue]:
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT number, data FROM cached_issues WHERE scope = ? ORDER BY number",
                (scope,),
            ).fetchall()
        result: dict[int, RemoteIssue] = {}
        for number, data in rows:
            with self._reading_row("cached_issues", scope, f"issue #{number}"):
                result[number] = codec.loads(RemoteIssue, data)
        return result

    def forget_issue(self, scope: str, number: int) -> None:
        """Drop an issue the tracker says is gone (404 / 410) from the cached snapshot."""
        with self._writing() as connection:
            connection.execute(
                "DELETE FROM cached_issues WHERE scope = ? AND number = ?", (scope, number)
            )

    def cached_milestones(self, scope: str) -> list[RemoteMilestone] | None:
        """The milestone list last saved, or None when none was ever saved for `scope`."""
        with self._reading() as connection:
            row = connection.execute(
                "SELECT data FROM cached_milestones WHERE scope = ?", (scope,)
            ).fetchone()
        if row is None:
            return None
        with self._reading_row("cached_milestones", scope, "the milestone list"):
            return codec.loads_list(RemoteMilestone, row[0])

    def cursor(self, scope: str, stream: str) -> Cursor | None:
        _check_stream(stream)
        with self._reading() as connection:
            row = connection.execute(
                "SELECT data FROM cursors WHERE scope = ? AND stream = ?", (scope, stream)
            ).fetchone()
        if row is None:
            return None
        with self._reading_row("cursors", scope, f"stream {stream!r}"):
            return codec.loads(Cursor, row[0])

    def save_snapshot(
        self,
        scope: str,
        issues: Iterable[RemoteIssue],
        milestones: Sequence[RemoteMilestone] | None,
        cursors: Mapping[str, Cursor | None],
    ) -> None:
        """In one transaction: upsert `issues` by number, replace the milestone list unless
        `milestones` is None, set each cursor (None deletes it). If anything fails, nothing
        is written."""
        for stream in cursors:
            _check_stream(stream)
        with self._writing() as connection:
            for issue in issues:
                connection.execute(
                    "INSERT INTO cached_issues (scope, number, data) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, number) DO UPDATE SET data = excluded.data",
                    (scope, issue.number, codec.dumps(issue)),
                )
            if milestones is not None:
                connection.execute(
                    "INSERT INTO cached_milestones (scope, data) VALUES (?, ?) "
                    "ON CONFLICT (scope) DO UPDATE SET data = excluded.data",
                    (scope, codec.dumps(tuple(milestones))),
                )
            for stream, cursor in cursors.items():
                if cursor is None:
                    connection.execute(
                        "DELETE FROM cursors WHERE scope = ? AND stream = ?", (scope, stream)
                    )
                else:
                    connection.execute(
                        "INSERT INTO cursors (scope, stream, data) VALUES (?, ?, ?) "
                        "ON CONFLICT (scope, stream) DO UPDATE SET data = excluded.data",
                        (scope, stream, codec.dumps(cursor)),
                    )

    # comment commands -------------------------------------------------------------------------

    def is_comment_processed(self, scope: str, comment_id: int) -> bool:
        with self._reading() as connection:
            row = connection.execute(
                "SELECT 1 FROM processed_comments WHERE scope = ? AND comment_id = ?",
                (scope, comment_id),
            ).fetchone()
        return row is not None

    def mark_comment_processed(self, scope: str, comment_id: int) -> None:
        """Remember the comment; marking it again keeps the first time."""
        with self._writing() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO processed_comments (scope, comment_id, processed_at) "
                "VALUES (?, ?, ?)",
                (scope, comment_id, _now()),
            )

    # run log --------------------------------------------------------------------------------

    def start_run(self, scope: str, project: str, dry_run: bool) -> int:
        """Record the start of a run; returns its id for `finish_run`."""
        with self._writing() as connection:
            run_id = connection.execute(
                "INSERT INTO runs (scope, project, started_at, dry_run) VALUES (?, ?, ?, ?)",
                (scope, project, _now(), int(dry_run)),
            ).lastrowid
        if run_id is None:
            raise PlansyncError(f"The state store {self._where} did not number the new run.")
        return run_id

    def finish_run(self, run_id: int, ok: bool, summary: Mapping[str, object]) -> None:
        """Record the end of a run with its summary (kept as JSON: enums, dates and
        dataclasses in it are stored as their plain values)."""
        data = codec.dumps(dict(summary))
        with self._writing() as connection:
            updated = connection.execute(
                "UPDATE runs SET finished_at = ?, ok = ?, summary = ? WHERE id = ?",
                (_now(), int(ok), data, run_id),
            ).rowcount
            if updated != 1:
                raise ValueError(
                    f"The state store {self._where} has no run {run_id}: finish_run takes the "
                    "id start_run returned."
                )

    def runs(self, scope: str, limit: int = 20) -> list[RunRecord]:
        """The last `limit` runs of `scope`, newest first."""
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT id, project, started_at, finished_at, dry_run, ok, summary FROM runs "
                "WHERE scope = ? ORDER BY id DESC LIMIT ?",
                (scope, limit),
            ).fetchall()
        return [self._run_record(scope, row) for row in rows]

    def _run_record(self, scope: str, row: tuple[Any, ...]) -> RunRecord:
        run_id, project, started_at, finished_at, dry_run, ok, summary = row
        return RunRecord(
            id=run_id,
            project=project,
            started_at=datetime.fromisoformat(started_at),
            finished_at=None if finished_at is None else datetime.fromisoformat(finished_at),
            dry_run=bool(dry_run),
            ok=None if ok is None else bool(ok),
            summary=self._run_summary(scope, run_id, summary),
        )

    def _run_summary(self, scope: str, run_id: int, text: str) -> dict[str, object]:
        with self._reading_row("runs", scope, f"run {run_id}"):
            return codec.loads_object(text)


def _check_stream(stream: str) -> None:
    if stream not in STREAMS:
        raise ValueError(f"unknown cursor stream {stream!r}; the streams are {', '.join(STREAMS)}")


def _now() -> str:
    return datetime.now(UTC).isoformat()
