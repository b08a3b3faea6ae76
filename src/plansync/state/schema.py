"""The state store's tables, versioned: `PRAGMA user_version` holds the version a file is at,
and `PRAGMA application_id` marks the file as plansync's.

A migration is applied in one transaction together with the version it brings the file to, so
a file is always at exactly one version. Migrations are only ever appended; a released one is
never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from plansync.errors import ConfigError

APPLICATION_ID = 0x706C736E  # "plsn": a SQLite file carrying it was written by plansync


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


# Every table is scoped: several projects and trackers share one file. Dataclasses are kept as
# JSON (`data`, see codec.py), with the columns they are looked up by beside them.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "links, milestone links, known labels, the tracker snapshot, cursors, comments, runs",
        (
            """CREATE TABLE links (
                scope TEXT NOT NULL,
                planfile TEXT NOT NULL,
                task_key TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (scope, planfile, task_key)
            )""",
            """CREATE TABLE milestone_links (
                scope TEXT NOT NULL,
                title TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (scope, title)
            )""",
            """CREATE TABLE known_labels (
                scope TEXT NOT NULL,
                name TEXT NOT NULL,
                PRIMARY KEY (scope, name)
            )""",
            """CREATE TABLE cached_issues (
                scope TEXT NOT NULL,
                number INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (scope, number)
            )""",
            # One row per scope holding the whole list: no row means never read, which an
            # empty list (a repository without milestones) must not be confused with.
            """CREATE TABLE cached_milestones (
                scope TEXT PRIMARY KEY,
                data TEXT NOT NULL
            )""",
            """CREATE TABLE cursors (
                scope TEXT NOT NULL,
                stream TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (scope, stream)
            )""",
            """CREATE TABLE processed_comments (
                scope TEXT NOT NULL,
                comment_id INTEGER NOT NULL,
                processed_at TEXT NOT NULL,
                PRIMARY KEY (scope, comment_id)
            )""",
            # AUTOINCREMENT: a run id is never reused, so "newest first" is "highest id first".
            """CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                scope TEXT NOT NULL,
                project TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                dry_run INTEGER NOT NULL,
                ok INTEGER,
                summary TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX runs_by_scope ON runs (scope, id)",
        ),
    ),
    Migration(
        2,
        "findings: the conflicts and failed creates of the last run that synced anything",
        (
            """CREATE TABLE findings (
                scope TEXT PRIMARY KEY,
                data TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "written blocks: the digest of each block plansync wrote (summary, body, progress, "
        "tracking issue), so a block a person edited is not written over",
        (
            # Several rows per block while a write is under way: the digest it had and the
            # one being written, so a run killed between the write and its record still
            # knows both as plansync's.
            """CREATE TABLE written_blocks (
                scope TEXT NOT NULL,
                kind TEXT NOT NULL,
                target TEXT NOT NULL,
                digest TEXT NOT NULL,
                PRIMARY KEY (scope, kind, target, digest)
            )""",
        ),
    ),
    Migration(
        4,
        "comment replies: the answer to each processed comment, kept until it is posted",
        (
            # Written with the processed comment id, before the reply is posted: a run killed
            # in between posts it next time, and never runs the comment's commands again.
            """CREATE TABLE comment_replies (
                scope TEXT NOT NULL,
                comment_id INTEGER NOT NULL,
                issue_number INTEGER NOT NULL,
                body TEXT NOT NULL,
                reaction TEXT NOT NULL,
                posted INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (scope, comment_id)
            )""",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def current_version(connection: sqlite3.Connection, where: str) -> int:
    """The schema version of the open file, after checking it is a plansync state store (or a
    new, empty file). ConfigError when it is another program's database or not one at all."""
    try:
        # One read transaction: another process creating the file at this moment is seen
        # either not at all or complete, never as tables without plansync's id.
        in_transaction = connection.in_transaction
        if not in_transaction:
            connection.execute("BEGIN")
        try:
            application_id = _pragma_int(connection, "application_id")
            version = _pragma_int(connection, "user_version")
            objects = _object_count(connection)
        finally:
            if not in_transaction:
                connection.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"The state store {where} is not a SQLite database ({exc}). plansync keeps its links "
            "and watermarks in that file: move the file away, or set `state` in the "
            "configuration to another path."
        ) from exc
    empty = application_id == 0 and version == 0 and objects == 0
    if application_id != APPLICATION_ID and not empty:
        raise ConfigError(
            f"The state store {where} is a SQLite database of another program (application id "
            f"{application_id}, {objects} tables and indexes), not a plansync state store. "
            "Set `state` in the configuration to another path; plansync leaves this file alone."
        )
    return version


def migrate(
    connection: sqlite3.Connection,
    where: str,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Bring the open file to the last of `migrations`, one transaction per migration, and
    return the version it is at. ConfigError when the file is newer than this code, or a
    migration cannot be written."""
    version = current_version(connection, where)
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise ConfigError(
            f"The state store {where} is at schema version {version}, written by a newer "
            f"plansync; this one knows versions up to {latest}. Upgrade plansync, or set "
            "`state` in the configuration to another path (plansync then finds its issues "
            "again through the links in the planfiles and the markers in issue bodies)."
        )
    for migration in migrations:
        if migration.version > version:
            version = _apply(connection, where, migration)
    return version


def _apply(connection: sqlite3.Connection, where: str, migration: Migration) -> int:
    try:
        with connection:
            # IMMEDIATE takes the write lock before the version is read again, so two
            # processes opening the same old file do not both migrate it.
            connection.execute("BEGIN IMMEDIATE")
            found = _pragma_int(connection, "user_version")
            if found >= migration.version:
                return found
            for statement in migration.statements:
                connection.execute(statement)
            # PRAGMA takes no parameters; both values are ints of this module.
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
            connection.execute(f"PRAGMA user_version = {migration.version:d}")
    except sqlite3.Error as exc:
        raise ConfigError(
            f"The state store {where} could not be upgraded to schema version "
            f"{migration.version} ({migration.description}): {exc}. Nothing of that upgrade "
            "was kept. Check that the file and its folder are writable and the disk is not "
            "full, then run plansync again."
        ) from exc
    return migration.version


def _pragma_int(connection: sqlite3.Connection, name: str) -> int:
    row = connection.execute(f"PRAGMA {name}").fetchone()
    return int(row[0])


def _object_count(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(row[0])
