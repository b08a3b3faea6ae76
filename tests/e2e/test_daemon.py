"""`plansync daemon` as a process: it syncs on start, and SIGTERM / SIGINT end it with exit 0
after the run in progress, its state kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import ENVIRON, SyncHarness

from plansync.sandbox.server import SandboxServer

PLAN = b"""# Daemon plan

## Phase 1: Start

- [ ] Write the brief
- [x] Book the room
"""


def _start(harness: SyncHarness) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "plansync", "daemon", "--config", str(harness.config_path)],
        env={**os.environ, **ENVIRON},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_links(harness: SyncHarness, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if b"(#2)" in harness.plan("plan.md"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    output, _ = process.communicate()
    pytest.fail(f"the daemon did not sync the plan; it printed:\n{output}")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_daemon_syncs_at_once_and_stops_cleanly(
    tmp_path: Path, sandbox: SandboxServer, stop_signal: signal.Signals
) -> None:
    harness = SyncHarness.create(tmp_path, sandbox, "github", {"plan.md": PLAN})
    process = _start(harness)
    _wait_for_links(harness, process)
    # The first run is over once the state says so; then stop.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with harness.state() as store:
            runs = store.runs()
        if runs and runs[0].finished_at is not None:
            break
        time.sleep(0.05)
    process.send_signal(stop_signal)
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert "daemon started: 1 project (demo every 5m)" in output
    assert "stopped" in output
    assert "Traceback" not in output
    # One line per run, with its result, and no other per-run lines.
    finished = [line for line in output.splitlines() if "run finished: " in line]
    assert len(finished) == len([r for r in runs if r.finished_at is not None]), output
    assert "demo: done: 2 created" in finished[0]
    assert "executed successfully" not in output
    assert "Running job" not in output
    assert [issue.title for issue in harness.issues()] == ["Write the brief", "Book the room"]
    with harness.state() as store:
        links = store.links()
        runs = store.runs()
    assert sorted(link.number for link in links.values()) == [1, 2]
    assert all(link.base is not None for link in links.values())
    assert runs[0].ok is True
    # What the daemon left is a synced state: a run now has nothing to do.
    again = harness.sync()
    assert again.actions == []
