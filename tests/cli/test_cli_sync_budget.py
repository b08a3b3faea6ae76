"""`plansync sync` when the write pacing's hourly budget is spent: it stops at once (no silent
wait), exits 3, and says how far it got and when to run again, in text and in --json."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.cli.stopping import stop_on_signals
from plansync.cli.sync import ProgressBar, eta_text
from plansync.model.changeset import Changeset, EnsureLabels
from plansync.sandbox.server import SandboxServer
from plansync.trackers.pacing import reset_pacers

TOKEN_ENV = "PLANSYNC_CLI_TOKEN"
TASKS = 5
PLAN = "# Plan\n\n" + "".join(f"- [ ] Step {n} → ship\n" for n in range(1, TASKS + 1))
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_pacers() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture
def config(sandbox: SandboxServer, tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    (root / "plan.md").write_text(PLAN, encoding="utf-8")
    path = root / "plansync.toml"
    # Three writes an hour: the run spends its budget on its first writes.
    path.write_text(
        '[[projects]]\nname = "demo"\nplans = ["*.md"]\n'
        '[projects.tracker]\nkind = "github"\nrepo = "demo/plans"\n'
        f'base_url = "{sandbox.github_api_url}"\ntoken_env = "{TOKEN_ENV}"\n'
        "pacing = { min_interval = 0, per_minute = 80, per_hour = 3 }\n",
        encoding="utf-8",
    )
    return path


def sync(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["sync", "--config", str(config), *args], env={TOKEN_ENV: "test-token"}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout


def writes(sandbox: SandboxServer) -> int:
    return sum(n for m, n in sandbox.store.requests.by_method().items() if m != "GET")


class TestBudgetSpent:
    def test_the_text_says_how_far_it_got_and_when_to_run_again(
        self, config: Path, sandbox: SandboxServer
    ) -> None:
        before = datetime.now(UTC)
        code, out = sync(config)
        assert code == 3
        assert writes(sandbox) == 3
        assert "demo: stopped at the rate limit: made 3 of its " in out
        assert "everything made is saved" in out
        assert "--wait" in out
        found = re.search(r"\((\d\d:\d\d:\d\d) UTC\)", out)
        assert found is not None
        # About an hour from now, in UTC, after the local time.
        hour = (before + timedelta(hours=1)).strftime("%H:%M")
        later = (before + timedelta(hours=1, minutes=1)).strftime("%H:%M")
        assert found.group(1)[:5] in (hour, later)
        assert (config.parent / "plan.md").read_text(encoding="utf-8").count("(#") == 2

    def test_json_carries_the_counts_the_eta_and_retry_at(
        self, config: Path, sandbox: SandboxServer
    ) -> None:
        code, out = sync(config, "--json")
        assert code == 3
        report = json.loads(out)["projects"][0]
        written = report["writes"]
        assert written["done"] == 3
        assert written["planned"] == 1 + TASKS  # the label, then the issues
        assert written["eta_seconds"] == pytest.approx(3600.0, abs=5)
        retry_at = datetime.fromisoformat(written["retry_at"].replace("Z", "+00:00"))
        assert timedelta(minutes=59) < retry_at - datetime.now(UTC) <= timedelta(seconds=3601)
        assert datetime.fromisoformat(written["retry_at_local"]) == retry_at
        assert "3 writes an hour" in written["rate_limit"]
        assert report["ok"] is False


def pace(config: Path, pacing: str) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r"(?m)^pacing = .*$", pacing, text),
        encoding="utf-8",
    )


class TestWait:
    def test_without_wait_a_longer_wait_stops_and_with_it_the_run_waits(
        self, config: Path, sandbox: SandboxServer
    ) -> None:
        # 0.2 s between writes, and a run that may wait 0.1 s: every second write is refused.
        pace(config, "pacing = { min_interval = 0.2 }\nmax_wait = 0.1")
        code, out = sync(config)
        assert code == 3
        assert "made 1 of its" in out
        reset_pacers()
        code, out = sync(config, "--wait")
        assert code == 0, out
        assert (config.parent / "plan.md").read_text(encoding="utf-8").count("(#") == TASKS

    def test_help_names_the_option_and_the_exit_code(self) -> None:
        result = runner.invoke(app, ["sync", "--help"], env={"COLUMNS": "200"})
        assert "--wait" in result.stdout
        assert "3: stopped at a rate limit" in result.stdout


class TestCtrlC:
    def test_a_sigint_during_a_long_wait_stops_the_run_at_once(
        self, config: Path, sandbox: SandboxServer
    ) -> None:
        # The second write waits an hour, which the run may wait.
        pace(config, "pacing = { min_interval = 3600 }\nmax_wait = 7200")
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            code, out = sync(config)
        finally:
            timer.cancel()
        assert code == 130
        assert writes(sandbox) == 1
        assert "stopped on request: made 1 of its" in out


class TestProgressBar:
    def test_the_bar_shows_the_pacings_eta_for_the_writes_left_and_a_long_wait(self) -> None:
        asked: list[int] = []

        def eta(writes: int) -> float | None:
            asked.append(writes)
            return writes * 7.2

        bar = ProgressBar(False, eta)
        bar.enabled = True  # as on a terminal
        changeset = Changeset(actions=[EnsureLabels((f"label {n}",), "why") for n in range(10)])
        bar.changeset(changeset)
        try:
            assert bar.task is not None
            task = next(t for t in bar.bar.tasks if t.id == bar.task)
            assert task.fields["eta"] == "about 72 s left"
            bar.advance(changeset.actions[0])
            assert task.fields["eta"] == "about 65 s left"
            assert asked == [10, 9]
            until = datetime(2026, 12, 6, 14, 32, 7, tzinfo=UTC)
            bar.waiting(3000.0, until)
            assert task.description.startswith("waiting for the write budget until ")
            assert until.astimezone().strftime("%H:%M:%S") in task.description
            bar.advance(changeset.actions[1])
            assert task.description == "syncing"
            # Within the second, more writes only move the bar: the ETA, which walks every
            # write left, waits for the next second or the last write.
            for action in changeset.actions[2:9]:
                bar.advance(action)
            assert asked == [10, 9]
            bar.advance(changeset.actions[9])
            assert asked == [10, 9, 0]
        finally:
            bar.__exit__(None, None, None)

    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (None, ""),
            (0.4, "less than 1 s left"),
            (90.0, "about 90 s left"),
            (3000, "about 50 min left"),
        ],
    )
    def test_eta_text(self, seconds: float | None, text: str) -> None:
        assert eta_text(seconds) == text


def interrupt() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)  # the handler raises here, at once


class TestSignals:
    def test_the_first_signal_asks_to_stop_the_second_quits_and_handlers_come_back(
        self,
    ) -> None:
        stop = threading.Event()
        told: list[str] = []
        before = signal.getsignal(signal.SIGTERM)
        with stop_on_signals(stop, told.append):
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.wait(timeout=5)
            assert told == ["SIGTERM"]
            with pytest.raises(KeyboardInterrupt):
                interrupt()
        assert signal.getsignal(signal.SIGTERM) is before
