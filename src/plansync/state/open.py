"""Opening the state database a config names (`LoadedConfig.state_url`).

The backend is chosen from the URL's scheme: `sqlite:///ABSOLUTE-PATH` is a SQLite file,
`postgresql://...` (or `postgres://...`) a PostgreSQL database. The PostgreSQL modules are
imported only for such a URL: a SQLite user needs no PostgreSQL driver.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from plansync.errors import ConfigError
from plansync.state.base import StateDatabase
from plansync.state.sqlite import SqliteDatabase

_SQLITE = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def where_of(url: str) -> str:
    """The URL as messages name it: without a password, should one be there."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def sqlite_file(url: str) -> Path:
    """The file of a `sqlite:///PATH` URL."""
    if not url.startswith(_SQLITE):
        raise ValueError(f"not a sqlite:/// URL: {url!r}")
    return Path(url.removeprefix(_SQLITE))


def state_exists(url: str) -> bool:
    """Whether the store was created already (a run creates it only once it may write): the
    SQLite file, or plansync's tables in the PostgreSQL database."""
    if is_postgres(url):
        try:
            from plansync.state.postgres import database_has_store
        except ImportError as exc:
            raise _no_driver(exc) from exc
        return database_has_store(url)
    return sqlite_file(url).exists()


def open_state(url: str) -> StateDatabase:
    """Open the database, creating it (a SQLite file and its folder) or its tables when they do
    not exist yet, and bringing its schema to this plansync's version."""
    if is_postgres(url):
        return _postgres(url)
    return SqliteDatabase(sqlite_file(url))


def memory_state() -> StateDatabase:
    """A database kept in memory, gone when closed: what a dry run without a state file
    reads from."""
    return SqliteDatabase.in_memory()


def _postgres(url: str) -> StateDatabase:
    try:
        from plansync.state.postgres import PostgresDatabase
    except ImportError as exc:
        raise _no_driver(exc) from exc
    return PostgresDatabase(url)


def _no_driver(exc: ImportError) -> ConfigError:
    return ConfigError(
        f"`state` names a PostgreSQL database, but the PostgreSQL driver is not installed "
        f"({exc}). Install plansync with it: pip install 'plansync[postgres]'."
    )
