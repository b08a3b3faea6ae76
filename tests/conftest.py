"""Fixtures shared by the whole suite: the local tracker sandbox, the shared inputs folder and a
throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from plansync.sandbox.server import SandboxServer
from postgres_server import INSTALL_HINT, PostgresServer

# Under CI every generated test draws the same examples each run, so a run passes or fails on
# the code, not on the draw; elsewhere they explore (`--hypothesis-seed=N` repeats one draw).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

SANDBOX_REPOS = ("demo/plans", "demo/other", "group/sub/project")
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the session, on a free loopback port."""
    server = SandboxServer(repos=SANDBOX_REPOS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The session's sandbox, reset: empty repositories, no faults, an empty request log,
    the real clock."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def shared_dir() -> Path:
    """The shared inputs folder (real plans, recorded tracker traffic), beside the repository."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"the shared inputs folder {SHARED_DIR} is absent")
    return SHARED_DIR


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the session. Without PostgreSQL's binaries the test
    is skipped, saying how to get them; under CI (CI=true) it fails instead."""
    server = PostgresServer.find()
    if server is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database of the session's cluster."""
    return postgres_server.new_database()
