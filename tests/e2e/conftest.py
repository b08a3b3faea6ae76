"""Fixtures of the end-to-end tests: a harness per tracker kind, and a tracker wrapper that runs
hooks around each write call.

    def test_x(make_harness):                   # runs once for github, once for gitlab
        harness = make_harness({"plan.md": b"..."})

    tracker = hook_writes(harness.tracker(), before=lambda n, name: ...)
    harness.sync(tracker=tracker)

The wrapper delegates every method to the real adapter; `before(n, name)` runs before the n-th
write call (1-based) reaches the adapter and `after(n, name)` once it returned. A hook that
raises stops the write there, the way a killed process or a crash would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from harness import SteppingClock, SyncHarness

from plansync.sandbox.server import SandboxServer
from plansync.trackers.base import Tracker
from postgres_server import PostgresServer

WriteHook = Callable[[int, str], None]

# The Protocol's methods that change something on the tracker, and those that only read.
WRITE_METHODS = frozenset(
    {
        "create_issue",
        "update_issue",
        "close_issue",
        "reopen_issue",
        "create_milestone",
        "update_milestone",
        "ensure_labels",
        "post_comment",
        "add_reaction",
        "write_file",
        "set_estimate",
        # a repository plan source's commit and its pull request (trackers/repository.py)
        "commit_files",
        "pull_request",
    }
)
READ_METHODS = frozenset(
    {
        "observe_issues",
        "get_issue",
        "find_issue_by_marker",
        "list_milestones",
        "observe_milestones",
        "observe_comments",
        "permission",
        "read_file",
    }
)


class HookedTracker:
    """A real tracker adapter whose write calls run `before` / `after` hooks; `writes` lists
    the write calls made (hooks included), by method name, in order."""

    def __init__(
        self, inner: Tracker, before: WriteHook | None = None, after: WriteHook | None = None
    ) -> None:
        self.inner = inner
        self.before = before
        self.after = after
        self.writes: list[str] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if name not in WRITE_METHODS:
            return value

        def write(*args: Any, **kwargs: Any) -> Any:
            self.writes.append(name)
            n = len(self.writes)
            if self.before is not None:
                self.before(n, name)
            result = value(*args, **kwargs)
            if self.after is not None:
                self.after(n, name)
            return result

        return write


def _protocol_methods() -> set[str]:
    return {name for name, value in vars(Tracker).items() if callable(value) and name[0] != "_"}


@pytest.fixture(scope="session")
def hook_writes() -> Callable[..., HookedTracker]:
    """`hook_writes(tracker, before=..., after=...)`: the tracker behind a HookedTracker."""
    unsorted = _protocol_methods() - WRITE_METHODS - READ_METHODS
    assert not unsorted, f"Tracker methods neither read nor write here: {sorted(unsorted)}"
    return HookedTracker


KINDS = ("github", "gitlab")
MakeHarness = Callable[..., SyncHarness]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """The tracker kind: a test asking for it runs once against each."""
    return str(request.param)


@pytest.fixture
def harness_state() -> str | None:
    """The `state` of the harnesses' config: None, the default SQLite file. A module that
    overrides it runs its tests against another store (see `state_backends`)."""
    return None


@pytest.fixture(params=("sqlite", "postgresql"))
def state_backends(request: pytest.FixtureRequest) -> str | None:
    """For a module's `harness_state = state_backends`-style override: once with the default
    SQLite file, once with a new database of the session's PostgreSQL cluster."""
    if request.param == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def make_harness(
    sandbox: SandboxServer, tmp_path: Path, kind: str, harness_state: str | None
) -> MakeHarness:
    """`make_harness(plans, project_toml=..., reader_toml=...)`: a SyncHarness of `kind` in
    tmp_path, synced against the session's sandbox (reset for the test), whose clock is a
    SteppingClock: every run and every edit between runs fall within one GitHub second."""
    sandbox.store.set_clock(SteppingClock())

    def make(plans: Mapping[str, bytes], **options: str) -> SyncHarness:
        return SyncHarness.create(tmp_path, sandbox, kind, plans, state=harness_state, **options)

    return make
