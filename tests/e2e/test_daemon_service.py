"""`plansync daemon --listen` as a real process against the sandbox: signed deliveries run the
project at once, bursts and replays cost no extra runs, bad requests are refused without a
run, health and metrics tell the truth, and SIGTERM ends it cleanly."""

from __future__ import annotations

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from daemon_process import GITHUB_SECRET, WAIT, DaemonProcess
from harness import SyncHarness
from prometheus_client.parser import text_string_to_metric_families

from plansync.sandbox.server import SandboxServer

PLAN = b"""# Service plan

## Phase 1: Start

- [ ] Write the brief
- [x] Book the room
"""
ISSUES = {"action": "closed", "issue": {"number": 1}, "repository": {"full_name": "demo/plans"}}


def metric(daemon: DaemonProcess, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 when none)."""
    text = daemon.get("/metrics").text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def runs(daemon: DaemonProcess) -> float:
    return metric(daemon, "plansync_sync_runs_total")


def started(harness: SyncHarness, *options: str, **kwargs: object) -> DaemonProcess:
    daemon = DaemonProcess.start(harness, *options, **kwargs)  # type: ignore[arg-type]
    daemon.wait_for_line("run finished: ")
    return daemon


def settled(daemon: DaemonProcess, quiet: float = 1.5) -> float:
    """The number of runs once none has started or ended for `quiet` seconds."""
    last, since = runs(daemon), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.1)
        now = runs(daemon)
        if now != last:
            last, since = now, time.monotonic()
    return last


def refused(daemon: DaemonProcess) -> bool:
    try:
        daemon.get("/livez")
    except requests.ConnectionError:
        return True
    return False


@pytest.fixture
def harness(tmp_path: Path, sandbox: SandboxServer) -> SyncHarness:
    return SyncHarness.create(tmp_path, sandbox, "github", {"plan.md": PLAN})


class TestWebhookRuns:
    def test_a_signed_delivery_runs_the_project_at_once_and_the_plan_shows_it(
        self, harness: SyncHarness
    ) -> None:
        with started(harness) as daemon:
            # The interval is long (the safety net, with webhooks on): only a delivery runs it.
            assert "demo every 60m" in daemon.output
            harness.store.close_issue(harness.repo, 1, user="alice")
            harness.store.add_comment(harness.repo, 1, "Done, closing.", user="alice")
            mark = len(daemon.lines)
            sent = time.monotonic()
            answer = daemon.github("issues", ISSUES, delivery="delivery-1")
            assert answer.status_code == 202, answer.text
            assert answer.json()["projects"] == ["demo"]
            daemon.wait_for_line("run started: demo (webhook deliveries: delivery-1)", after=mark)
            # At once, not at the next (60-minute) interval; bench/daemon_cost.py measures how
            # soon (milliseconds), this only rules out waiting for the schedule.
            assert time.monotonic() - sent < 10, "the run did not start at once"
            daemon.wait_for_line("run finished: demo", after=mark)
            assert b"- [x] Write the brief" in harness.plan("plan.md")

    def test_a_burst_of_fifty_deliveries_makes_at_most_two_runs(self, harness: SyncHarness) -> None:
        # A gap longer than the burst takes even on a loaded machine.
        with harness.config_path.open("a", encoding="utf-8") as config:
            config.write("\n[daemon]\ntrigger_gap_seconds = 5\n")
        with started(harness) as daemon:
            before = settled(daemon, quiet=0.5)
            # GitHub sends deliveries side by side, not one after the other.
            with ThreadPoolExecutor(max_workers=10) as pool:
                answers = list(
                    pool.map(lambda _: daemon.github("issue_comment", ISSUES), range(50))
                )
            assert {a.status_code for a in answers} == {202}
            after = settled(daemon, quiet=6)
            assert 1 <= after - before <= 2, daemon.output
            assert "Traceback" not in daemon.output
            assert "maximum number of running instances" not in daemon.output

    def test_a_replayed_delivery_runs_nothing(self, harness: SyncHarness) -> None:
        with started(harness) as daemon:
            first = daemon.github("issues", ISSUES, delivery="replayed")
            assert first.status_code == 202
            once = settled(daemon)
            again = daemon.github("issues", ISSUES, delivery="replayed")
            assert again.status_code == 200
            assert again.json() == {"result": "duplicate"}
            assert settled(daemon) == once
            assert (
                metric(
                    daemon, "plansync_webhook_deliveries_total", event="issues", result="duplicate"
                )
                == 1
            )

    def test_pushes_of_other_files_and_of_plansync_itself_run_nothing(
        self, harness: SyncHarness
    ) -> None:
        def push(files: list[str], message: str) -> dict[str, object]:
            return {
                "ref": "refs/heads/main",
                "repository": {"full_name": "demo/plans", "default_branch": "main"},
                "commits": [{"message": message, "added": [], "modified": files, "removed": []}],
            }

        with started(harness) as daemon:
            before = settled(daemon, quiet=0.5)
            other = daemon.github("push", push(["src/app.py"], "Fix the app"))
            own = daemon.github("push", push(["plan.md"], "plansync: tick FIX-1"))
            assert other.json()["result"] == own.json()["result"] == "ignored"
            assert "changes none of its plan files" in other.json()["ignored"][0]
            assert "plansync's own commits" in own.json()["ignored"][0]
            assert settled(daemon, quiet=1.0) == before
            plan = daemon.github("push", push(["plan.md"], "Add a task"))
            assert plan.status_code == 202
            assert settled(daemon) == before + 1


class TestRefused:
    def test_bad_requests_get_a_4xx_one_log_line_and_no_run(self, harness: SyncHarness) -> None:
        with started(harness) as daemon:
            before = settled(daemon, quiet=0.5)
            mark = len(daemon.lines)
            body = json.dumps(ISSUES).encode()
            cases = {
                "bad-wrong-secret": (daemon.github("issues", ISSUES, secret="wrong"), 401),
                "bad-no-signature": (
                    requests.post(
                        daemon.url + "/webhook/github",
                        data=body,
                        headers={
                            "X-GitHub-Event": "issues",
                            "X-GitHub-Delivery": "bad-no-signature",
                        },
                        timeout=5,
                    ),
                    401,
                ),
                "bad-unknown-event": (daemon.github("fork", ISSUES), 400),
                "bad-malformed": (daemon.github("issues", None, body=b"{not json"), 400),
                "bad-too-deep": (
                    daemon.github("issues", None, body=b"[" * 100_000 + b"]" * 100_000),
                    400,
                ),
                "bad-wrong-shape": (daemon.github("issues", {"repository": "demo/plans"}), 400),
                "bad-too-large": (daemon.github("issues", None, body=b" " * (25 * 2**20 + 1)), 413),
            }
            for delivery, (answer, status) in cases.items():
                assert answer.status_code == status, (delivery, answer.text)
            # Delivery ids were random for some cases: count the refusals instead.
            refusals = [ln for ln in daemon.lines[mark:] if "webhook refused: github" in ln]
            assert len(refusals) == len(cases), "\n".join(refusals)
            assert any("bad-no-signature" in line for line in refusals)
            assert "Traceback" not in daemon.output
            assert GITHUB_SECRET not in daemon.output
            assert settled(daemon, quiet=0.5) == before

    def test_rotated_secrets_and_gitlab_tokens(
        self, tmp_path: Path, sandbox: SandboxServer
    ) -> None:
        harness = SyncHarness.create(tmp_path, sandbox, "gitlab", {"plan.md": PLAN})
        environ = {
            "PLANSYNC_GITHUB_WEBHOOK_SECRET": "new-secret",
            "PLANSYNC_GITHUB_WEBHOOK_SECRET_PREVIOUS": GITHUB_SECRET,
            "PLANSYNC_GITLAB_WEBHOOK_SECRET": "gl-secret",
        }
        issue = {"object_kind": "issue", "project": {"path_with_namespace": harness.repo}}
        with started(harness, environ=environ) as daemon:
            old = daemon.github("ping", {"zen": "Keep it logically awesome."})
            new = daemon.github("ping", {"zen": "x"}, secret="new-secret")
            retired = daemon.github("ping", {"zen": "x"}, secret="older-secret")
            assert (old.status_code, new.status_code, retired.status_code) == (200, 200, 401)
            assert daemon.gitlab("Issue Hook", issue, token="wrong").status_code == 401
            assert daemon.gitlab("Issue Hook", issue, token=None).status_code == 401
            mark = len(daemon.lines)
            accepted = daemon.gitlab("Issue Hook", issue, token="gl-secret", delivery="gl-1")
            assert accepted.status_code == 202, accepted.text
            daemon.wait_for_line("run started: demo (webhook deliveries: gl-1)", after=mark)
            replay = daemon.gitlab("Issue Hook", issue, token="gl-secret", delivery="gl-1")
            assert replay.json() == {"result": "duplicate"}
            # GitHub's other content type: the JSON in a form's `payload` field, signed as sent.
            form = "payload=" + quote(json.dumps(ISSUES))
            formed = daemon.github(
                "issues",
                None,
                body=form.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            # Read, and no project here syncs that GitHub repository.
            assert formed.status_code == 200, formed.text
            assert formed.json()["result"] == "ignored"
            for secret in ("new-secret", GITHUB_SECRET, "gl-secret"):
                assert secret not in daemon.output


class TestHealth:
    def test_readyz_names_a_refused_token_and_recovers(self, tmp_path: Path) -> None:
        # A sandbox of its own: the test revokes the daemon's token on it.
        sandbox = SandboxServer(repos=("demo/plans",))
        sandbox.start()
        try:
            harness = SyncHarness.create(tmp_path, sandbox, "github", {"plan.md": PLAN})
            with DaemonProcess.start(harness) as daemon:
                assert daemon.get("/livez").status_code == 200
                daemon.wait_until(lambda: daemon.get("/readyz").status_code == 200, "ready")
                assert daemon.get("/healthz").text == "ready\n"

                sandbox.refuse_tokens(["test-token"])
                mark = len(daemon.lines)
                daemon.github("issues", ISSUES)
                daemon.wait_for_line("run failed: demo", after=mark)
                ready = daemon.get("/readyz")
                assert ready.status_code == 503
                assert "tracker github:demo/plans: the token was refused" in ready.text
                assert daemon.get("/livez").status_code == 200
                assert metric(daemon, "plansync_sync_runs_total", result="error") == 1
                assert metric(daemon, "plansync_tracker_requests_total", status="401") >= 1
                assert "test-token" not in daemon.output

                sandbox.refuse_tokens([])
                daemon.github("issues", ISSUES)
                daemon.wait_until(lambda: daemon.get("/readyz").status_code == 200, "ready again")
        finally:
            sandbox.stop()

    def test_metrics_move_as_runs_and_deliveries_happen(self, harness: SyncHarness) -> None:
        with started(harness) as daemon:
            first = settled(daemon, quiet=0.5)
            assert metric(daemon, "plansync_sync_runs_total", project="demo", result="ok") == first
            assert (
                metric(daemon, "plansync_actions_total", action="create_issue", result="applied")
                == 2
            )
            assert metric(daemon, "plansync_tracker_requests_total", method="POST") >= 2
            assert metric(daemon, "plansync_rate_limit_remaining", tracker="github:demo/plans") > 0
            assert metric(daemon, "plansync_last_success_timestamp_seconds") > time.time() - 60
            assert metric(daemon, "plansync_sync_duration_seconds_count") == first
            assert metric(daemon, "plansync_build_info") == 1

            daemon.github("issues", ISSUES)
            assert settled(daemon) == first + 1
            assert metric(daemon, "plansync_webhook_deliveries_total", result="accepted") == 1
            names = {f.name for f in text_string_to_metric_families(daemon.get("/metrics").text)}
            assert "plansync_commands" in names


class TestLogsAndStopping:
    def test_json_logs_are_one_object_a_line_without_secrets(self, harness: SyncHarness) -> None:
        with started(harness, "--log-format", "json") as daemon:
            daemon.github("issues", ISSUES, delivery="json-1")
            daemon.wait_for_line('"delivery_ids": ["json-1"]')
            daemon.wait_until(lambda: daemon.count("run finished: ") >= 2, "the second run")
            daemon.process.send_signal(signal.SIGTERM)
            daemon.process.wait(WAIT)
        records = [json.loads(line) for line in daemon.lines]
        assert {"time", "level", "message"} <= set(records[0])
        assert not any("color_message" in r for r in records)  # uvicorn's coloured copy
        created = [r for r in records if r.get("action") == "create_issue"]
        assert [(r["project"], r["task"], r["issue"]) for r in created] == [
            ("demo", "plan.md#phase-1-start/write-the-brief", 1),
            ("demo", "plan.md#phase-1-start/book-the-room", 2),
        ]
        assert any(r.get("delivery_id") == "json-1" for r in records)
        assert GITHUB_SECRET not in daemon.output
        assert "test-token" not in daemon.output

    def test_sigterm_during_a_run_finishes_the_action_closes_http_and_exits_zero(
        self, harness: SyncHarness
    ) -> None:
        # Every issue creation takes a second: SIGTERM lands while one is in flight.
        harness.store.faults.fail("timeout", every=1, methods=["POST"], seconds=2.0, api="github")
        harness.write_plan("plan.md", PLAN + b"- [ ] Third\n- [ ] Fourth\n")
        daemon = DaemonProcess.start(harness)
        with daemon:
            daemon.wait_until(lambda: harness.store.faults.to_json()[0]["fired"] >= 1, "a write")
            daemon.process.send_signal(signal.SIGTERM)
            daemon.wait_for_line("stopping (SIGTERM): finishing the run in progress: demo")
            daemon.wait_until(lambda: refused(daemon), "the HTTP service to close", timeout=1.5)
            # Closed while the action in flight (2 s) was still being finished.
            assert daemon.count("run finished: ") == 0
            assert daemon.process.wait(WAIT) == 0
        assert "Traceback" not in daemon.output
        assert "stopped" in daemon.lines[-1]
        # The action in flight was finished and recorded: a second run creates no duplicate.
        harness.store.faults.clear()
        harness.sync()
        titles = [issue.title for issue in harness.issues()]
        assert sorted(titles) == sorted(set(titles))
        assert len(titles) == 4
