"""The state store's contract runs against every backend: a test asking for `backend`,
`database`, `store` or `other` runs once with a SQLite file and once with a PostgreSQL
database (a new one of the session's throwaway cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plansync.state.base import StateDatabase, StateStore

from .backends import BACKENDS, OTHER, PROJECT, SCOPE, Backend


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, db_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", f"sqlite:///{db_path}", str(db_path))
    url: str = request.getfixturevalue("postgres_url")
    return Backend("postgresql", url, url)


@pytest.fixture
def database(backend: Backend) -> Iterator[StateDatabase]:
    with backend.open() as opened:
        yield opened


@pytest.fixture
def store(database: StateDatabase) -> StateStore:
    return database.store(PROJECT, SCOPE)


@pytest.fixture
def other(database: StateDatabase) -> StateStore:
    """The same project synced with another repository: a scope of its own."""
    return database.store(PROJECT, OTHER)
