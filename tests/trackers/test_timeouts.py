"""Request timeouts: a tracker that accepts a connection and never answers holds a request for
the configured read timeout, on both clients, whatever the client library asked for."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import TypeAdapter, ValidationError

from plansync.sandbox.server import SandboxServer
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.gitlab.config import GitLabTrackerConfig
from plansync.trackers.pacing import reset_pacers
from plansync.trackers.registry import TrackerConfig, open_tracker
from plansync.trackers.timeouts import DEFAULT_TIMEOUTS, TimeoutAdapter, Timeouts

ADAPTER: TypeAdapter[GitHubTrackerConfig | GitLabTrackerConfig] = TypeAdapter(TrackerConfig)
TOKEN_ENV = "PLANSYNC_TIMEOUT_TEST_TOKEN"
HANG = 30.0  # seconds the sandbox holds a hanging answer: far past any test's patience
PATIENCE = 10.0


@pytest.fixture(autouse=True)
def _fresh_pacers() -> None:
    reset_pacers()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A URL whose server accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    done.set()
    listener.close()
    for connection in accepted:
        connection.close()


class TestAdapter:
    def test_a_silent_server_is_given_up_after_the_read_timeout(self, silent_server: str) -> None:
        session = requests.Session()
        session.mount("http://", TimeoutAdapter(Timeouts(connect=1.0, read=0.2)))
        with pytest.raises(requests.ReadTimeout):
            session.get(silent_server)  # no timeout of its own: requests would wait for ever

    def test_the_adapter_overrides_what_the_caller_asked(self, silent_server: str) -> None:
        session = requests.Session()
        session.mount("http://", TimeoutAdapter(Timeouts(connect=1.0, read=0.2)))
        with pytest.raises(requests.ReadTimeout):
            session.get(silent_server, timeout=HANG)

    def test_timeouts_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            Timeouts(connect=0, read=1)


class TestConfig:
    def test_defaults_and_settings(self) -> None:
        default = ADAPTER.validate_python({"kind": "github", "repo": "acme/site"})
        assert default.timeouts() == DEFAULT_TIMEOUTS == Timeouts(connect=10.0, read=30.0)
        set_ = ADAPTER.validate_python(
            {"kind": "gitlab", "repo": "g/p", "connect_timeout": 3, "read_timeout": 12.5}
        )
        assert set_.timeouts() == Timeouts(connect=3.0, read=12.5)

    @pytest.mark.parametrize(
        "setting",
        [
            {"read_timeout": 0},
            {"connect_timeout": -1},
            {"read_timeout": "soon"},
            {"read_timeout": "30"},
            {"connect_timeout": True},
        ],
    )
    def test_a_wrong_timeout_is_refused(self, setting: dict[str, Any]) -> None:
        with pytest.raises(ValidationError, match="timeout"):
            ADAPTER.validate_python({"kind": "github", "repo": "acme/site", **setting})


def _config(kind: str, sandbox: SandboxServer) -> GitHubTrackerConfig | GitLabTrackerConfig:
    where = (
        {"base_url": sandbox.github_api_url} if kind == "github" else {"url": sandbox.gitlab_url}
    )
    return ADAPTER.validate_python(
        {
            "kind": kind,
            "repo": "demo/plans",
            "token_env": TOKEN_ENV,
            "pacing": {"enabled": False},
            "read_timeout": 0.3,
            **where,
        }
    )


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_hanging_answer_is_cut_at_the_read_timeout_and_retried(
    sandbox: SandboxServer, kind: str
) -> None:
    tracker = open_tracker(_config(kind, sandbox), {TOKEN_ENV: "sandbox-token"})
    sandbox.store.faults.fail("timeout", nth=1, methods=["GET"], seconds=HANG, api=kind)
    found: list[object] = []
    call = threading.Thread(target=lambda: found.append(tracker.get_issue(1)), daemon=True)
    call.start()
    call.join(PATIENCE)

    assert not call.is_alive(), f"the request waited on the {HANG:g} s hang"
    assert found == [None]  # no issue #1: the retry was answered 404
    # The hanging request got no answer; the retry did.
    statuses = [entry.status for entry in sandbox.store.requests.entries]
    assert statuses[:2] == [None, 404]
