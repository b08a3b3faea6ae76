"""The daemon's Prometheus metrics, on a registry of its own (served at /metrics)."""

from __future__ import annotations

import platform
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from plansync import __version__
from plansync.commands.dispatch import TASK_HANDLERS
from plansync.model.changeset import ActionResult
from plansync.trackers.base import RequestStats

CONTENT_TYPE = CONTENT_TYPE_LATEST
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# Runs take from well under a second (nothing changed) to many minutes (a first sync).
_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs = Counter(
            "plansync_sync_runs", "Sync runs, by how they ended.", ["project", "result"], registry=r
        )
        self.duration = Histogram(
            "plansync_sync_duration_seconds",
            "How long sync runs took.",
            ["project"],
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.last_success = Gauge(
            "plansync_last_success_timestamp_seconds",
            "When the project's last run without failed actions finished (Unix time).",
            ["project"],
            registry=r,
        )
        self.actions = Counter(
            "plansync_actions",
            "Actions of sync runs, by kind and result (applied, skipped, failed).",
            ["project", "action", "result"],
            registry=r,
        )
        self.deliveries = Counter(
            "plansync_webhook_deliveries",
            "Webhook deliveries received, by what became of them.",
            ["provider", "event", "result"],
            registry=r,
        )
        self.commands = Counter(
            "plansync_commands",
            "/plan commands, by verb and result.",
            ["verb", "result"],
            registry=r,
        )
        self.requests = Counter(
            "plansync_tracker_requests",
            "HTTP requests to the trackers, by method and answer status (0: no answer).",
            ["tracker", "method", "status"],
            registry=r,
        )
        self.rate_limit = Gauge(
            "plansync_rate_limit_remaining",
            "Requests left in the tracker's rate-limit window, as its last answer said.",
            ["tracker"],
            registry=r,
        )
        self.rate_limited_until = Gauge(
            "plansync_rate_limited_until_timestamp_seconds",
            "When the project's run, stopped by its tracker's rate limit, runs again (Unix "
            "time); 0 once a run was not stopped by one.",
            ["project"],
            registry=r,
        )
        build = Gauge(
            "plansync_build_info",
            "plansync's version and the Python running it (always 1).",
            ["version", "python"],
            registry=r,
        )
        build.labels(__version__, platform.python_version()).set(1)

    def run_finished(
        self, project: str, result: str, seconds: float, finished_at: float | None = None
    ) -> None:
        """A run ended: `result` is ok, failed (some actions failed), error (it stopped) or
        rate_limited (the tracker's rate limit stopped it; see `rate_limited`)."""
        self.runs.labels(project, result).inc()
        if result != "rate_limited":
            self.rate_limited_until.labels(project).set(0)
        self.duration.labels(project).observe(seconds)
        if finished_at is not None:
            self.last_success.labels(project).set(finished_at)

    def rate_limited(self, project: str, until: float) -> None:
        self.rate_limited_until.labels(project).set(until)

    def action_results(self, project: str, results: list[ActionResult]) -> None:
        for result in results:
            self.actions.labels(project, action_name(result), result.status.value).inc()

    def command_verdicts(self, verdicts: list[tuple[str, str]]) -> None:
        for verb, verdict in verdicts:
            # A verb is typed by anyone: only known ones become label values.
            known = verb if verb in TASK_HANDLERS or verb == "track" else "other"
            self.commands.labels(known, verdict).inc()

    def tracker_requests(self, tracker: str, stats: RequestStats) -> None:
        for (method, status), count in stats.by_status.items():
            self.requests.labels(tracker, method, str(status)).inc(count)
        if stats.rate_limit_remaining is not None:
            self.rate_limit.labels(tracker).set(stats.rate_limit_remaining)

    def delivery(self, provider: str, event: str, result: str) -> None:
        self.deliveries.labels(provider, event, result).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def action_name(result: ActionResult) -> str:
    """An action's kind in snake case: CreateIssue -> create_issue."""
    return _CAMEL.sub("_", type(result.action).__name__).lower()
