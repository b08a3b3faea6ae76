"""Fixtures shared by the whole suite: the local tracker sandbox and the shared inputs folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plansync.sandbox.server import SandboxServer

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
