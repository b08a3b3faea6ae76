"""Readiness (a refused token, a project whose runs stopped finishing), the metrics' names and
labels, and the JSON log lines."""

from __future__ import annotations

import io
import json
import logging

from prometheus_client.parser import text_string_to_metric_families

from builders import project
from plansync.daemon.health import Health
from plansync.daemon.logs import JsonFormatter
from plansync.daemon.metrics import Metrics, action_name
from plansync.model.changeset import ActionResult, EnsureLabels, Status
from plansync.trackers.base import RequestStats

WEB = project(name="web", interval_minutes=5)
API = project(name="api", tracker={"kind": "github", "repo": "acme/api"}, interval_minutes=1)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class TestReadiness:
    def test_unready_until_every_project_finished_a_run(self) -> None:
        clock = Clock()
        health = Health([WEB, API], clock)
        assert health.readiness().problems == (
            "project web: no run has finished yet",
            "project api: no run has finished yet",
        )
        health.run_finished(WEB)
        health.run_finished(API)
        assert health.readiness().ready

    def test_a_project_late_by_more_than_three_intervals_is_named(self) -> None:
        clock = Clock()
        health = Health([WEB, API], clock)
        health.run_finished(WEB)
        health.run_finished(API)
        clock.now += 3 * 60  # three of api's 1-minute intervals: still in time
        assert health.readiness().ready
        clock.now += 1
        readiness = health.readiness()
        assert not readiness.ready
        assert readiness.problems == (
            "project api: last run finished 3 min ago (more than 3 intervals of 1 min)",
        )

    def test_a_refused_token_is_named_until_a_run_of_that_tracker_finishes(self) -> None:
        health = Health([WEB], Clock())
        health.run_finished(WEB)
        health.token_refused(WEB)
        assert health.readiness().problems == (
            "tracker github:demo/plans: the token was refused (run of web)",
        )
        health.run_finished(WEB)
        assert health.readiness().ready

    def test_a_project_waiting_on_a_rate_limit_is_late_only_three_intervals_after_the_reset(
        self,
    ) -> None:
        clock = Clock()
        health = Health([API], clock)
        reset = clock.now + 3600  # an hour's budget spent: the project waits an hour
        health.rate_limited(API, reset)
        assert health.readiness().ready  # the tracker answered: not "no run has finished"
        clock.now = reset + 3 * 60
        assert health.readiness().ready
        clock.now += 1
        assert health.readiness().problems == (
            "project api: last run finished 63 min ago (more than 3 intervals of 1 min)",
        )
        health.run_finished(API)  # the run after the reset
        clock.now += 3 * 60 + 1
        assert not health.readiness().ready  # the wait is over: late as any project


class TestMetrics:
    def test_the_names_and_labels_the_service_exposes(self) -> None:
        metrics = Metrics()
        metrics.run_finished("web", "ok", 0.4, finished_at=1234.0)
        metrics.action_results(
            "web", [ActionResult(EnsureLabels(("plansync",), "labels"), Status.APPLIED)]
        )
        stats = RequestStats()
        stats.count("GET", 200)
        stats.count("GET", 304)
        stats.count("POST", 0)
        stats.note_remaining("4999")
        metrics.tracker_requests("github:demo/plans", stats)
        metrics.delivery("github", "issues", "accepted")
        metrics.command_verdicts(
            [("done", "applied"), ("done", "applied"), ("frobnicate", "refused")]
        )
        families = {
            f.name: f for f in text_string_to_metric_families(metrics.exposition().decode())
        }
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in families.values()
            for s in f.samples
        }
        assert samples[("plansync_sync_runs_total", (("project", "web"), ("result", "ok")))] == 1
        assert samples[("plansync_last_success_timestamp_seconds", (("project", "web"),))] == 1234
        assert samples[("plansync_sync_duration_seconds_count", (("project", "web"),))] == 1
        action = (("action", "ensure_labels"), ("project", "web"), ("result", "applied"))
        assert samples[("plansync_actions_total", action)] == 1
        tracker = ("tracker", "github:demo/plans")
        for method, status, count in (("GET", "200", 1), ("GET", "304", 1), ("POST", "0", 1)):
            labels = tuple(sorted((("method", method), ("status", status), tracker)))
            assert samples[("plansync_tracker_requests_total", labels)] == count
        assert samples[("plansync_rate_limit_remaining", (tracker,))] == 4999
        delivery = (("event", "issues"), ("provider", "github"), ("result", "accepted"))
        assert samples[("plansync_webhook_deliveries_total", delivery)] == 1
        done = (("result", "applied"), ("verb", "done"))
        assert samples[("plansync_commands_total", done)] == 2
        # A verb anyone may type does not become a label value of its own.
        assert samples[("plansync_commands_total", (("result", "refused"), ("verb", "other")))] == 1
        assert "plansync_build_info" in families

    def test_a_rate_limited_run_shows_its_reset_until_a_run_that_was_not(self) -> None:
        metrics = Metrics()

        def until() -> float | None:
            return metrics.registry.get_sample_value(
                "plansync_rate_limited_until_timestamp_seconds", {"project": "web"}
            )

        metrics.run_finished("web", "rate_limited", 0.2)
        metrics.rate_limited("web", 1_800_000_000.0)
        assert until() == 1_800_000_000.0
        runs = {"project": "web", "result": "rate_limited"}
        assert metrics.registry.get_sample_value("plansync_sync_runs_total", runs) == 1
        metrics.run_finished("web", "ok", 0.3, 1_800_000_100.0)
        assert until() == 0

    def test_action_names_are_snake_case(self) -> None:
        assert (
            action_name(ActionResult(EnsureLabels((), "labels"), Status.SKIPPED)) == "ensure_labels"
        )

    def test_a_rate_limit_header_that_is_not_a_number_is_ignored(self) -> None:
        stats = RequestStats()
        stats.note_remaining("12")
        stats.note_remaining("soon")
        stats.note_remaining(None)
        assert stats.rate_limit_remaining == 12


class TestJsonLogs:
    def test_one_object_a_line_with_the_extra_fields(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        log = logging.getLogger("tests.daemon.json")
        log.addHandler(handler)
        log.propagate = False
        try:
            log.warning("run finished: %s", "web ✓", extra={"project": "web", "issue": 3})
        finally:
            log.removeHandler(handler)
        (line,) = stream.getvalue().splitlines()
        record = json.loads(line)
        assert record["message"] == "run finished: web ✓"
        assert record["level"] == "warning"
        assert record["project"] == "web"
        assert record["issue"] == 3
        assert record["time"].endswith("+00:00")
