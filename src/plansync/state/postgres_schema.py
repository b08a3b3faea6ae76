"""The state store's tables in PostgreSQL: schema.py's migrations, rendered for PostgreSQL, in
a namespace of their own (`plansync`), whose table `schema_version` holds the version it is at.

A namespace of its own keeps plansync's tables (`links`, `runs`, ...) apart from those of
other programs sharing the database. Each migration is one transaction (PostgreSQL's DDL is
transactional) that first takes a transaction-level advisory lock, so replicas starting at
once migrate one after the other and the second finds the work done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from plansync.errors import ConfigError
from plansync.state.schema import MIGRATIONS, POSTGRES, Migration

NAMESPACE = "plansync"
# pg_advisory_xact_lock key of migrations: "plsnmigr" as a big-endian 64-bit integer.
MIGRATION_LOCK = int.from_bytes(b"plsnmigr", "big", signed=True)

Connection = psycopg.Connection[Any]


def current_version(connection: Connection, where: str) -> int:
    """The schema version of the database (0: plansync never wrote to it). ConfigError when its
    `plansync` namespace holds tables but no version: another program's."""
    row = connection.execute(
        "SELECT to_regclass(%s) IS NOT NULL, "
        "(SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = %s)",
        (f"{NAMESPACE}.schema_version", NAMESPACE),
    ).fetchone()
    assert row is not None
    has_version, tables = bool(row[0]), int(row[1])
    if not has_version:
        if tables:
            raise ConfigError(
                f"The state store {where} has a `{NAMESPACE}` schema with {tables} tables but "
                "no plansync schema version: it belongs to another program. plansync leaves "
                "it alone; set `state` in the configuration to another database."
            )
        return 0
    found = connection.execute(f"SELECT max(version) FROM {NAMESPACE}.schema_version").fetchone()
    return int(found[0]) if found is not None and found[0] is not None else 0


def migrate(
    connection: Connection, where: str, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the database to the last of `migrations`, one transaction per migration, and
    return the version it is at. ConfigError when the database is newer than this code, or a
    migration cannot be written (nothing of that migration is kept)."""
    try:
        version = current_version(connection, where)
    except psycopg.Error as exc:
        raise ConfigError(
            f"The state store {where} could not be read ({reason(exc)}). Check that the "
            "database exists and its user may use it."
        ) from exc
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise ConfigError(
            f"The state store {where} is at schema version {version}, written by a newer "
            f"plansync; this one knows versions up to {latest}. Upgrade plansync, or set "
            "`state` in the configuration to another database."
        )
    for migration in migrations:
        if migration.version > version:
            version = _apply(connection, where, migration)
    return version


def _apply(connection: Connection, where: str, migration: Migration) -> int:
    try:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {NAMESPACE}")
            connection.execute(f"SET LOCAL search_path TO {NAMESPACE}")
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
            found = int(row[0]) if row is not None and row[0] is not None else 0
            if found >= migration.version:
                return found
            for statement in migration.rendered(POSTGRES):
                connection.execute(statement)
            connection.execute("DELETE FROM schema_version")
            connection.execute(
                "INSERT INTO schema_version (version) VALUES (%s)", (migration.version,)
            )
    except psycopg.Error as exc:
        raise ConfigError(
            f"The state store {where} could not be upgraded to schema version "
            f"{migration.version} ({migration.description}): {reason(exc)}. Nothing of that "
            "upgrade was kept. Check that the database user may create a schema and tables "
            "there (or run `plansync state migrate` as a user who may), then run plansync again."
        ) from exc
    return migration.version


def reason(exc: psycopg.Error) -> str:
    """The server's message without its context lines."""
    return " ".join(str(exc).split()) or type(exc).__name__
