"""Opening the state database a config names (`LoadedConfig.state_url`).

Today that is a SQLite file, named `sqlite:///ABSOLUTE-PATH`; the backend is chosen from the
URL's scheme, so another one is one more branch here.
"""

from __future__ import annotations

from pathlib import Path

from plansync.state.base import StateDatabase
from plansync.state.sqlite import SqliteDatabase

_SQLITE = "sqlite:///"


def sqlite_file(url: str) -> Path:
    """The file of a `sqlite:///PATH` URL."""
    if not url.startswith(_SQLITE):
        raise ValueError(f"not a sqlite:/// URL: {url!r}")
    return Path(url.removeprefix(_SQLITE))


def state_exists(url: str) -> bool:
    """Whether the database was created already (a run creates it only once it may write)."""
    return sqlite_file(url).exists()


def open_state(url: str) -> StateDatabase:
    """Open the database, creating it (and its folder) when it does not exist yet."""
    return SqliteDatabase(sqlite_file(url))


def memory_state() -> StateDatabase:
    """A database kept in memory, gone when closed: what a dry run without a state file
    reads from."""
    return SqliteDatabase.in_memory()
