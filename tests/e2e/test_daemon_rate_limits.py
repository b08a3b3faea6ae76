"""`plansync daemon` as a real process with one project's tracker rate-limited: that run stops
at once instead of sleeping in its worker, the project runs again by itself at the reset time
(not an interval later), the other project runs meanwhile, and the log, the metrics and the
readiness say so."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from daemon_process import DaemonProcess
from harness import ENVIRON, TOKEN_ENV, SyncHarness
from prometheus_client.parser import text_string_to_metric_families

from plansync.daemon.app import project_runner
from plansync.sandbox.config import sandbox_tracker_toml
from plansync.sandbox.server import SandboxServer
from plansync.state.open import open_state

PLAN = b"""# Plan

## Phase 1: Start

- [ ] Write the brief
- [ ] Book the room
"""
LIMITED = "demo/other"
WAIT_ON_LIMIT = 4  # seconds the limited tracker asks for: above the daemon's 1 s max wait


def _config(harness: SyncHarness, sandbox: SandboxServer) -> None:
    projects = []
    for name, repo in (("free", "demo/plans"), ("limited", LIMITED)):
        projects.append(
            f'[[projects]]\nname = "{name}"\nplans = ["{name}/*.md"]\n'
            "[projects.summary]\nenabled = false\nmilestones = false\n"
            f"[projects.tracker]\n{sandbox_tracker_toml('github', sandbox, repo, TOKEN_ENV)}\n"
        )
    harness.config_path.write_text(
        'root = "."\n[daemon]\nmax_wait_seconds = 1\n\n' + "".join(projects), encoding="utf-8"
    )


def _records(daemon: DaemonProcess, result: str, project: str) -> list[dict[str, object]]:
    found = []
    for line in daemon.lines:
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("project") == project and record.get("result") == result:
            found.append(record)
    return found


def test_a_rate_limited_project_waits_for_the_reset_without_holding_up_the_other(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    harness = SyncHarness.create(
        tmp_path, sandbox, "github", {"free/plan.md": PLAN, "limited/plan.md": PLAN}
    )
    _config(harness, sandbox)
    # The limited repository's first request is refused with a Retry-After.
    sandbox.store.faults.fail(
        "429", nth=1, api="github", path_contains=f"/repos/{LIMITED}", retry_after=WAIT_ON_LIMIT
    )
    with DaemonProcess.start(harness, "--log-format", "json") as daemon:
        daemon.wait_until(lambda: _records(daemon, "rate_limited", "limited"), "the pause")
        paused = _records(daemon, "rate_limited", "limited")[0]
        retry_at = datetime.fromisoformat(str(paused["retry_at"]))
        assert "next run at " + retry_at.strftime("%Y-%m-%d %H:%M:%S UTC") in str(paused["message"])
        metrics = daemon.get("/metrics").text
        ready = daemon.get("/readyz")

        daemon.wait_until(lambda: _records(daemon, "ok", "free"), "the free project's run")
        daemon.wait_until(lambda: _records(daemon, "ok", "limited"), "the run after the reset")
        resumed = _records(daemon, "ok", "limited")[0]

    # Paused once, logged once; the run after it came at the reset (not 5 minutes on), and
    # did the work.
    assert len(_records(daemon, "rate_limited", "limited")) == 1
    assert "limited: done: 2 created" in str(resumed["message"])
    requests = [e for e in sandbox.store.requests.entries if f"/repos/{LIMITED}" in e.path]
    assert requests[0].status == 429
    assert all(e.at >= retry_at for e in requests[1:]), "a request came before the reset"
    assert [i.title for i in sandbox.store.repo(LIMITED).issues.values()] == [
        "Write the brief",
        "Book the room",
    ]
    # While it waited: counted as a rate-limited run, the reset time shown, not late.
    samples = {
        (s.name, s.labels.get("project"), s.labels.get("result")): s.value
        for family in text_string_to_metric_families(metrics)
        for s in family.samples
    }
    assert samples[("plansync_sync_runs_total", "limited", "rate_limited")] == 1
    until = samples[("plansync_rate_limited_until_timestamp_seconds", "limited", None)]
    assert until == retry_at.timestamp()
    assert "project limited" not in ready.text


def test_writes_refused_by_a_rate_limit_give_the_run_a_retry_time(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit comes on a write, after the reads: the run's report carries the reset time
    (the scheduler's next run), the writes not made are left for that run."""
    harness = SyncHarness.create(tmp_path, sandbox, "github", {"limited/plan.md": PLAN})
    _config(harness, sandbox)
    sandbox.store.faults.fail(
        "429", every=1, methods=["POST"], api="github", retry_after=WAIT_ON_LIMIT
    )
    monkeypatch.setenv(TOKEN_ENV, ENVIRON[TOKEN_ENV])
    config = harness.config()
    limited = next(p for p in config.projects if p.name == "limited")
    before = datetime.now(UTC)
    with open_state(config.state_url) as state:
        report = project_runner(config, state)(limited, threading.Event())

    assert report is not None
    assert report.retry_at is not None
    assert report.retry_at >= before + timedelta(seconds=WAIT_ON_LIMIT)
    assert not report.ok
    # One refused create, nothing slept on and tried again.
    posts = [e for e in sandbox.store.requests.entries if e.method == "POST"]
    assert [e.status for e in posts] == [429]
