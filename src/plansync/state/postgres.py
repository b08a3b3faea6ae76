"""The state database in PostgreSQL, shared by every project and by several daemons: a small
connection pool, the schema (postgres_schema.py), the project locks and the coordination of
daemons. Each project's rows are read and written through its `PostgresStore`.

A project lock is a session-level advisory lock (`pg_try_advisory_lock`) on a key derived from
the project's name, held on a connection taken from the pool for the whole run. The run's own
store calls go through that connection too, so a run whose connection broke cannot go on
writing without its lock; and a process that dies, however it dies, closes its connections,
which releases its locks at once.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql as _sql
from psycopg_pool import ConnectionPool, PoolTimeout

from plansync.errors import BusyError, ConfigError, PlansyncError
from plansync.state import codec, postgres_schema, write_history
from plansync.state.base import DirtyClaim
from plansync.state.open import where_of
from plansync.state.postgres_store import PostgresStore
from plansync.state.tables import TableRows, check_empty, copy_failed, insert_statement

Connection = psycopg.Connection[Any]

# Connections: the daemon runs up to 10 projects at once (APScheduler's default workers), each
# holding one while it holds its lock, plus short calls outside a run.
POOL_SIZE = 12
CONNECT_TIMEOUT = 10  # seconds, for one connection attempt
POOL_TIMEOUT = 30.0  # seconds to wait for a free connection of the pool
_POLL_SECONDS = 0.1
# The database's clock, in ms since the epoch: every daemon compares leases on one clock.
NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"


def lock_key(project: str) -> int:
    """The advisory lock key of a project: a stable 64-bit hash of its name (the same for every
    daemon, every Python, every run)."""
    digest = hashlib.sha256(b"plansync project\0" + project.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def application_name() -> str:
    """Who holds a connection, as pg_stat_activity shows it (and a busy message names it)."""
    return f"plansync {socket.gethostname()} pid {os.getpid()}"[:63]


def database_has_store(url: str) -> bool:
    """Whether plansync made its tables in the database already (without making them)."""
    where = where_of(url)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as connection:
            return postgres_schema.current_version(connection, where) > 0
    except psycopg.Error as exc:
        raise ConfigError(unreachable(where, exc)) from exc


def unreachable(where: str, exc: psycopg.Error) -> str:
    return (
        f"The state store {where} cannot be reached ({postgres_schema.reason(exc)}). Check the "
        "host, database and user in `state`, and that the password is in PGPASSWORD, ~/.pgpass "
        "or the service file (never in the configuration)."
    )


class PostgresDatabase:
    """Safe to call from several threads: each call takes a pooled connection."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.where = where_of(url)
        self.schema_version = self.migrate()
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs=self._connect_options(),
            configure=_configure,
            timeout=POOL_TIMEOUT,
            name="plansync-state",
            open=True,
        )

    def _connect_options(self) -> dict[str, Any]:
        return {
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": application_name(),
        }

    def migrate(self) -> int:
        """Bring the database's schema to this plansync's version, on a connection of its own
        (the real error when it cannot connect, not a pool's timeout)."""
        try:
            connection = psycopg.connect(self.url, **self._connect_options())
        except psycopg.Error as exc:
            raise ConfigError(unreachable(self.where, exc)) from exc
        with connection:
            return postgres_schema.migrate(connection, self.where)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresDatabase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def store(self, project: str, scope: str) -> PostgresStore:
        """The state of `project`, kept under `scope`."""
        return PostgresStore(self, project, scope)

    # project locks --------------------------------------------------------------------------

    @contextmanager
    def lock(self, project: str, wait: float = 0.0) -> Iterator[Connection]:
        """The project's advisory lock, on a pooled connection kept for the block (yielded:
        the run's calls go through it). BusyError when another run holds it after `wait`."""
        key = lock_key(project)
        connection = self._getconn()
        try:
            deadline = time.monotonic() + max(wait, 0.0)
            while not self._try_lock(connection, key):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BusyError(self._busy_message(connection, project, key))
                time.sleep(min(_POLL_SECONDS, remaining))
        except BaseException:
            self._pool.putconn(connection)
            raise
        try:
            yield connection
        finally:
            self._unlock(connection, key)

    def _getconn(self) -> Connection:
        try:
            return self._pool.getconn()
        except PoolTimeout as exc:
            raise self.failure(exc) from exc

    def _try_lock(self, connection: Connection, key: int) -> bool:
        try:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        except psycopg.OperationalError as exc:
            raise self.failure(exc) from exc
        return row is not None and bool(row[0])

    def _unlock(self, connection: Connection, key: int) -> None:
        # A broken connection: the server dropped the lock with it, and the pool discards
        # such a connection when it is given back.
        try:
            with suppress(psycopg.Error):
                if not connection.closed:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            self._pool.putconn(connection)

    def _busy_message(self, connection: Connection, project: str, key: int) -> str:
        holder = self._holder(connection, key)
        held = f", held by {holder}" if holder else ""
        return (
            f"Project {project} is being synced by another run (advisory lock in "
            f"{self.where}{held}). Wait for it to finish, or stop the daemon first."
        )

    def _holder(self, connection: Connection, key: int) -> str | None:
        # A bigint key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        try:
            row = connection.execute(
                "SELECT a.application_name FROM pg_catalog.pg_locks l "
                "JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.classid = %s AND l.objid = %s",
                (unsigned >> 32, unsigned & 0xFFFFFFFF),
            ).fetchone()
        except psycopg.Error:
            return None
        return str(row[0]) if row is not None and row[0] else None

    # transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self, held: Connection | None = None) -> Iterator[Connection]:
        """One transaction, committed on success and rolled back on any exception: on `held`
        (a locked run's connection) or on a pooled one."""
        try:
            if held is not None:
                with held.transaction():
                    yield held
                return
            with self._pool.connection() as connection, connection.transaction():
                yield connection
        except psycopg.OperationalError as exc:
            raise self.failure(exc) from exc

    @contextmanager
    def statement(self, held: Connection | None = None) -> Iterator[Connection]:
        """A connection for one statement, its own transaction (autocommit): `held` or a
        pooled one."""
        try:
            if held is not None:
                yield held
                return
            with self._pool.connection() as connection:
                yield connection
        except psycopg.OperationalError as exc:
            raise self.failure(exc) from exc

    def failure(self, exc: psycopg.Error) -> PlansyncError:
        return PlansyncError(
            f"The state store {self.where} could not be used ({postgres_schema.reason(exc)}). "
            "Nothing of the failed step was written. Check that the PostgreSQL server is up "
            "and reachable, then run plansync again."
        )

    @contextmanager
    def reading_row(self, table: str, scope: str, row: str) -> Iterator[None]:
        """Report a stored value that does not fit its type as the row it is in."""
        try:
            yield
        except codec.CodecError as exc:
            raise PlansyncError(
                f"The state store {self.where} holds an unreadable row in `{table}` (scope "
                f"{scope!r}, {row}): {exc}. It was changed by something other than this "
                "plansync. Restore it from a backup, or point `state` at a new database "
                "(plansync then finds its issues again through the links in the planfiles and "
                "the markers in issue bodies)."
            ) from exc

    # whole tables, for `plansync state copy` ---------------------------------------------------

    def dump_tables(self) -> list[TableRows]:
        """Every table of the store with all its rows, from one snapshot."""
        with self.transaction() as connection:
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            names = [name for (name,) in connection.execute(_TABLES, _NAMESPACE).fetchall()]
            dumped = []
            for name in names:
                cursor = connection.execute(
                    _sql.SQL("SELECT * FROM {}").format(_sql.Identifier(name))
                )
                columns = tuple(column.name for column in cursor.description or ())
                dumped.append(TableRows(name, columns, [tuple(row) for row in cursor.fetchall()]))
        return dumped

    def load_tables(self, tables: Sequence[TableRows], replace: bool) -> None:
        """Write `tables` into this store's tables in one transaction; see copy.py."""
        with self.transaction() as connection:
            held = {}
            for table in tables:
                query = _sql.SQL("SELECT count(*) FROM {}").format(_sql.Identifier(table.table))
                row = connection.execute(query).fetchone()
                held[table.table] = int(row[0]) if row is not None else 0
            check_empty(self.where, held, replace)
            try:
                for table in tables:
                    name = _sql.Identifier(table.table)
                    connection.execute(_sql.SQL("DELETE FROM {}").format(name))
                    if table.rows:
                        connection.cursor().executemany(insert_statement(table, "%s"), table.rows)
            except psycopg.DatabaseError as exc:
                raise copy_failed(self.where, postgres_schema.reason(exc)) from exc
            # Identity columns (the run id) go on after the highest id copied.
            for name, column in connection.execute(_IDENTITY_COLUMNS, _NAMESPACE).fetchall():
                connection.execute(
                    _sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({qualified}, {column}), "
                        "coalesce((SELECT max({field}) FROM {table}), 0) + 1, false)"
                    ).format(
                        qualified=_sql.Literal(f"{postgres_schema.NAMESPACE}.{name}"),
                        column=_sql.Literal(column),
                        field=_sql.Identifier(column),
                        table=_sql.Identifier(name),
                    )
                )

    # coordination of daemons ----------------------------------------------------------------

    def claim_dirty(self, owner: str, lease: float, limit: int = 1) -> list[DirtyClaim]:
        # SKIP LOCKED: daemons claiming at the same moment take different rows, none waits.
        with self.transaction() as connection:
            rows = connection.execute(
                "WITH picked AS ("
                " SELECT scope FROM dirty_projects"
                f" WHERE lease_until IS NULL OR lease_until < {NOW_MS}"
                " ORDER BY marked_at, scope LIMIT %s FOR UPDATE SKIP LOCKED)"
                " UPDATE dirty_projects d SET claimed_by = %s,"
                f" lease_until = {NOW_MS} + %s"
                " FROM picked WHERE d.scope = picked.scope"
                " RETURNING d.project, d.scope, d.marks",
                (limit, owner, int(lease * 1000)),
            ).fetchall()
        claims = [DirtyClaim(project, scope, owner, int(marks)) for project, scope, marks in rows]
        return sorted(claims, key=lambda claim: claim.scope)

    def finish_claim(self, claim: DirtyClaim, ran: bool) -> None:
        with self.transaction() as connection:
            if ran:
                done = connection.execute(
                    "DELETE FROM dirty_projects WHERE scope = %s AND claimed_by = %s "
                    "AND marks = %s",
                    (claim.scope, claim.owner, claim.marks),
                ).rowcount
                if done:
                    return
            connection.execute(
                "UPDATE dirty_projects SET claimed_by = NULL, lease_until = NULL "
                "WHERE scope = %s AND claimed_by = %s",
                (claim.scope, claim.owner),
            )

    def record_delivery(self, delivery_id: str) -> bool:
        with self.transaction() as connection:
            added = connection.execute(
                "INSERT INTO webhook_deliveries (delivery_id, received_ms) "
                f"VALUES (%s, {NOW_MS}) ON CONFLICT (delivery_id) DO NOTHING",
                (delivery_id,),
            ).rowcount
        return added == 1

    def forget_deliveries(self, older_than: float) -> int:
        with self.transaction() as connection:
            return connection.execute(
                f"DELETE FROM webhook_deliveries WHERE received_ms < {NOW_MS} - %s",
                (int(older_than * 1000),),
            ).rowcount

    # the write history of the pacing queues ------------------------------------------------

    def record_write(self, queue: str, at: datetime) -> None:
        """See StateDatabase. One statement on a pooled connection (never a run's locked one),
        its own transaction. The prune skips rows another process is pruning at that moment
        (SKIP LOCKED): it is deleting them already, and neither waits for the other."""
        queue = write_history.checked_queue(queue)
        stamp = write_history.to_micros(at, "at")
        with self.statement() as connection:
            connection.execute(
                "WITH pruned AS ("
                " DELETE FROM write_history WHERE ctid = ANY(ARRAY("
                "  SELECT ctid FROM write_history WHERE queue = %s AND at_us < %s"
                "  FOR UPDATE SKIP LOCKED)))"
                " INSERT INTO write_history (queue, at_us) VALUES (%s, %s)",
                (queue, stamp - write_history.KEPT_US, queue, stamp),
            )

    def writes_since(self, queue: str, since: datetime) -> list[datetime]:
        queue = write_history.checked_queue(queue)
        cut = write_history.to_micros(since, "since")
        with self.statement() as connection:
            rows = connection.execute(
                "SELECT at_us FROM write_history WHERE queue = %s AND at_us >= %s ORDER BY at_us",
                (queue, cut),
            ).fetchall()
        return [write_history.from_micros(at_us) for (at_us,) in rows]


_NAMESPACE = (postgres_schema.NAMESPACE,)
_TABLES = (
    "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s "
    "AND tablename <> 'schema_version' ORDER BY tablename"
)
_IDENTITY_COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = %s AND is_identity = 'YES'"
)


def _configure(connection: Connection) -> None:
    """Every pooled connection reads and writes plansync's own namespace."""
    connection.execute(f"SET search_path TO {postgres_schema.NAMESPACE}")
