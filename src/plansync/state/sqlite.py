"""The state database in one SQLite file (WAL journal) shared by every project and tracker:
its connection, schema and transactions. Each project's rows are read and written through its
`SqliteStore`; its lock is a file lock beside the database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType

from plansync.errors import BusyError, ConfigError, PlansyncError
from plansync.state import codec, schema, write_history
from plansync.state.base import DirtyClaim
from plansync.state.lock import ProjectLock
from plansync.state.sqlite_store import SqliteStore
from plansync.state.tables import TableRows, check_empty, copy_failed, insert_statement

BUSY_TIMEOUT_MS = 5000
_PREPARING = threading.Lock()


class SqliteDatabase:
    """Safe to call from several threads; calls are serialised."""

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
    def in_memory(cls) -> SqliteDatabase:
        """A database kept in memory, gone when closed: what a dry run without a state file
        reads from, and tests."""
        store = cls.__new__(cls)
        store._open(None)
        return store

    def _open(self, path: Path | None) -> None:
        self.path = path
        self.where = str(path) if path is not None else ":memory:"
        self._lock = threading.Lock()
        self._project_locks: dict[str, threading.Lock] = {}
        try:
            # The daemon calls from its scheduler thread; the lock keeps calls one at a time.
            self._connection = sqlite3.connect(
                self.where, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ConfigError(
                f"The state store {self.where} cannot be opened ({exc}). Check that the path "
                "is a file plansync may read and write, or set `state` in the configuration "
                "to another path."
            ) from exc
        try:
            self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            # Identify the file before anything is written to it: another program's database
            # is left exactly as it was. A file already at the latest schema was prepared
            # (WAL is kept in the file): opening it takes no write lock at all.
            version = schema.current_version(self._connection, self.where)
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            if version != schema.LATEST_VERSION:
                with _PREPARING:  # the threads of one process prepare a new file one by one
                    self._connection.execute("PRAGMA journal_mode = WAL")
                    schema.migrate(self._connection, self.where)
        except sqlite3.Error as exc:
            self._connection.close()
            raise ConfigError(
                f"The state store {self.where} cannot be prepared ({exc}). Check that the "
                "file and its folder are writable and that no other program holds it, or set "
                "`state` in the configuration to another path."
            ) from exc
        except BaseException:
            self._connection.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> SqliteDatabase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def store(self, project: str, scope: str) -> SqliteStore:
        """The state of `project`, kept under `scope`."""
        return SqliteStore(self, project, scope)

    def lock(self, project: str, wait: float = 0.0) -> AbstractContextManager[object]:
        """A file lock beside the database (in memory: one lock per project in this process)."""
        if self.path is None:
            return _memory_lock(self._project_locks.setdefault(project, threading.Lock()), wait)
        lock = ProjectLock(self.path.parent / "locks", project)
        lock.acquire(wait)
        return _releasing(lock)

    # coordination of daemons (one process's threads, or processes on one machine) -------------

    def claim_dirty(self, owner: str, lease: float, limit: int = 1) -> list[DirtyClaim]:
        """See StateDatabase; the write lock of the transaction keeps claims apart."""
        now = _now_ms()
        with self.writing() as connection:
            rows = connection.execute(
                "SELECT project, scope, marks FROM dirty_projects "
                "WHERE lease_until IS NULL OR lease_until < ? ORDER BY marked_at, scope LIMIT ?",
                (now, limit),
            ).fetchall()
            connection.executemany(
                "UPDATE dirty_projects SET claimed_by = ?, lease_until = ? WHERE scope = ?",
                [(owner, now + int(lease * 1000), scope) for _, scope, _ in rows],
            )
        claims = [DirtyClaim(project, scope, owner, int(marks)) for project, scope, marks in rows]
        return sorted(claims, key=lambda claim: claim.scope)

    def finish_claim(self, claim: DirtyClaim, ran: bool) -> None:
        with self.writing() as connection:
            if ran:
                done = connection.execute(
                    "DELETE FROM dirty_projects WHERE scope = ? AND claimed_by = ? AND marks = ?",
                    (claim.scope, claim.owner, claim.marks),
                ).rowcount
                if done:
                    return
            connection.execute(
                "UPDATE dirty_projects SET claimed_by = NULL, lease_until = NULL "
                "WHERE scope = ? AND claimed_by = ?",
                (claim.scope, claim.owner),
            )

    def record_delivery(self, delivery_id: str) -> bool:
        with self.writing() as connection:
            added = connection.execute(
                "INSERT INTO webhook_deliveries (delivery_id, received_ms) VALUES (?, ?) "
                "ON CONFLICT (delivery_id) DO NOTHING",
                (delivery_id, _now_ms()),
            ).rowcount
        return added == 1

    def forget_deliveries(self, older_than: float) -> int:
        with self.writing() as connection:
            return connection.execute(
                "DELETE FROM webhook_deliveries WHERE received_ms < ?",
                (_now_ms() - int(older_than * 1000),),
            ).rowcount

    # the write history of the pacing queues ------------------------------------------------

    def record_write(self, queue: str, at: datetime) -> None:
        """See StateDatabase; the prune walks the queue's index, a row or two a write."""
        queue = write_history.checked_queue(queue)
        stamp = write_history.to_micros(at, "at")
        with self.writing() as connection:
            connection.execute(
                "INSERT INTO write_history (queue, at_us) VALUES (?, ?)", (queue, stamp)
            )
            connection.execute(
                "DELETE FROM write_history WHERE queue = ? AND at_us < ?",
                (queue, stamp - write_history.KEPT_US),
            )

    def writes_since(self, queue: str, since: datetime) -> list[datetime]:
        queue = write_history.checked_queue(queue)
        cut = write_history.to_micros(since, "since")
        with self.reading() as connection:
            rows = connection.execute(
                "SELECT at_us FROM write_history WHERE queue = ? AND at_us >= ? ORDER BY at_us",
                (queue, cut),
            ).fetchall()
        return [write_history.from_micros(at_us) for (at_us,) in rows]

    # whole tables, for `plansync state copy` ---------------------------------------------------

    def dump_tables(self) -> list[TableRows]:
        """Every table of the store with all its rows, in one read transaction."""
        with self.writing() as connection:  # a write lock: nothing changes while it is read
            names = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                ).fetchall()
            ]
            dumped = []
            for name in names:
                cursor = connection.execute(f'SELECT * FROM "{name}"')
                columns = tuple(column[0] for column in cursor.description)
                dumped.append(TableRows(name, columns, [tuple(row) for row in cursor.fetchall()]))
        return dumped

    def load_tables(self, tables: Sequence[TableRows], replace: bool) -> None:
        """Write `tables` into this store's tables in one transaction; see copy.py."""
        with self.writing() as connection:
            held = {
                table.table: int(
                    connection.execute(f'SELECT count(*) FROM "{table.table}"').fetchone()[0]
                )
                for table in tables
            }
            check_empty(self.where, held, replace)
            try:
                for table in tables:
                    connection.execute(f'DELETE FROM "{table.table}"')
                    connection.executemany(insert_statement(table, "?"), table.rows)
            except sqlite3.DatabaseError as exc:
                raise copy_failed(self.where, str(exc)) from exc

    @property
    def schema_version(self) -> int:
        with self.reading() as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])

    # transactions -------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
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
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._connection
            except sqlite3.OperationalError as exc:
                raise self._failure(exc) from exc

    def _failure(self, exc: sqlite3.OperationalError) -> PlansyncError:
        return PlansyncError(
            f"The state store {self.where} could not be used ({exc}). Nothing of the failed "
            "step was written. If another plansync is running against the same file, let it "
            "finish; otherwise check that the file is writable and the disk is not full, then "
            "run plansync again."
        )

    @contextmanager
    def reading_row(self, table: str, scope: str, row: str) -> Iterator[None]:
        """Report a stored value that does not fit its type as the row of the file it is in."""
        try:
            yield
        except codec.CodecError as exc:
            raise PlansyncError(
                f"The state store {self.where} holds an unreadable row in `{table}` (scope "
                f"{scope!r}, {row}): {exc}. The file was changed by something other than this "
                "plansync. Restore it from a backup, or set `state` in the configuration to a "
                "new path (plansync then finds its issues again through the links in the "
                "planfiles and the markers in issue bodies)."
            ) from exc


def _now_ms() -> int:
    return int(time.time() * 1000)


@contextmanager
def _releasing(lock: ProjectLock) -> Iterator[object]:
    try:
        yield lock
    finally:
        lock.release()


@contextmanager
def _memory_lock(lock: threading.Lock, wait: float) -> Iterator[object]:
    if not lock.acquire(timeout=max(wait, 0.0)):
        raise BusyError("The project is being synced by another run in this process.")
    try:
        yield lock
    finally:
        lock.release()
