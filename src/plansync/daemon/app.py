"""The daemon's wiring: one sync run of a project per job, logged, on the scheduler; with
`listen`, the HTTP service (webhooks, health, metrics) beside it in the same process.

Each run goes through the engine's `run_once`; the state database is opened once and shared by
the projects' runs (in parallel worker threads). A daemon's run waits on a tracker's rate limit
for at most the `[daemon]` table's `max_wait_seconds`: a longer wait stops the run, and the
scheduler runs the project again when the limit resets, so no worker sleeps through it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.daemon.deliveries import PendingHints
from plansync.daemon.health import Health, tracker_label
from plansync.daemon.logs import LogFormat, configure_logging
from plansync.daemon.metrics import Metrics, action_name
from plansync.daemon.scheduler import RunProject, RunReport, run_daemon
from plansync.errors import AuthenticationError, BusyError, RateLimitedError
from plansync.model.changeset import (
    ActionResult,
    CloseIssue,
    CreateIssue,
    CreateTrackingIssue,
    LinkIssue,
    ReopenIssue,
    Status,
    UpdateIssue,
    UpdateTrackingIssue,
)
from plansync.model.sync import TaskRef
from plansync.state.base import StateDatabase
from plansync.state.open import is_postgres, open_state
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult
from plansync.trackers.registry import open_tracker

LOGGER = "plansync.daemon"

# Failed actions named in a run's log line; more are counted.
_FAILURES_SHOWN = 3
# Actions about an existing issue (its number); a created one's number starts its detail.
_ISSUE_ACTIONS = (LinkIssue, UpdateIssue, CloseIssue, ReopenIssue, UpdateTrackingIssue)
_MADE = re.compile(r"^#(\d+)\b")


def serve(
    config: LoadedConfig,
    projects: Sequence[ProjectConfig],
    *,
    listen: tuple[str, int] | None = None,
    log_format: LogFormat = "text",
) -> int:
    """Log to stderr and sync `projects` on their intervals until SIGTERM or SIGINT; return the
    exit code. With `listen` (host, port), serve webhooks, health and metrics there too."""
    configure_logging(log_format)
    log = logging.getLogger(LOGGER)
    with open_state(config.state_url) as state:
        if listen is None:
            shared = is_postgres(config.state_url)
            runner = project_runner(config, state, shared=shared)
            return run_daemon(projects, runner, log=log, workers=config.daemon.workers)
        from plansync.daemon.service import run_service

        return run_service(config, projects, state, listen, log)


@dataclass
class RunWatch:
    """What the service keeps of each run: metrics, health, and the deliveries it answers."""

    metrics: Metrics
    health: Health
    pending: PendingHints


def project_runner(
    config: LoadedConfig,
    state: StateDatabase | None = None,
    watch: RunWatch | None = None,
    *,
    shared: bool = False,
) -> RunProject:
    """What a project's job does: one run, reported on one line. With a `shared` store
    (several daemons), a project locked by another daemon's run is skipped, not an error."""

    def run(project: ProjectConfig, stop: threading.Event) -> RunReport:
        project = waiting_at_most(project, config.daemon.max_wait_seconds)
        try:
            if watch is None:
                return report(run_once(config, project, store=state, stop=stop))
            return _watched_run(config, project, state, stop, watch, shared)
        except BusyError:
            if not shared:
                raise
            return RunReport(f"{project.name}: another daemon is running it", skipped=True)

    return run


def waiting_at_most(project: ProjectConfig, seconds: float) -> ProjectConfig:
    """The project with its tracker's `max_wait` lowered to `seconds` (kept when lower)."""
    tracker = project.tracker
    if tracker.max_wait <= seconds:
        return project
    lowered = tracker.model_copy(update={"max_wait": seconds})
    return project.model_copy(update={"tracker": lowered})


def _watched_run(
    config: LoadedConfig,
    project: ProjectConfig,
    state: StateDatabase | None,
    stop: threading.Event,
    watch: RunWatch,
    shared: bool = False,
) -> RunReport:
    log = logging.getLogger(LOGGER)
    name = project.name
    deliveries = watch.pending.take(name)
    if deliveries:
        log.info(
            "run started: %s (webhook deliveries: %s)",
            name,
            ", ".join(deliveries),
            extra={"project": name, "delivery_ids": deliveries},
        )
    started = time.monotonic()
    tracker = None
    try:
        tracker = open_tracker(project.tracker)
        result = run_once(config, project, store=state, tracker=tracker, stop=stop)
    except BusyError:
        if shared:
            # Another daemon is syncing it, and the tracker answered this one: the project is
            # looked after (readiness), and there is no run of this daemon to count.
            watch.health.run_finished(project)
        else:
            watch.metrics.run_finished(name, "error", time.monotonic() - started)
        raise
    except AuthenticationError:
        watch.health.token_refused(project)
        watch.metrics.run_finished(name, "error", time.monotonic() - started)
        raise
    except RateLimitedError as exc:
        if exc.retry_at is None:
            watch.metrics.run_finished(name, "error", time.monotonic() - started)
        else:
            _rate_limited(watch, project, exc.retry_at, time.monotonic() - started)
        raise
    except Exception:
        watch.metrics.run_finished(name, "error", time.monotonic() - started)
        raise
    finally:
        if tracker is not None:
            watch.metrics.tracker_requests(tracker_label(project), tracker.stats)
    watch.metrics.action_results(name, result.results)
    watch.metrics.command_verdicts(result.commands)
    seconds = time.monotonic() - started
    if result.retry_at is not None:
        _rate_limited(watch, project, result.retry_at, seconds)
    else:
        watch.health.run_finished(project)
        watch.metrics.run_finished(
            name, "ok" if result.ok else "failed", seconds, time.time() if result.ok else None
        )
    for done in result.results:
        log.info(
            "action: %s: %s %s%s",
            name,
            action_name(done),
            done.status.value,
            f": {' '.join(done.detail.split())}" if done.detail else "",
            extra={
                "project": name,
                "action": action_name(done),
                "result": done.status.value,
                **action_fields(done),
            },
        )
    return report(result)


def _rate_limited(
    watch: RunWatch, project: ProjectConfig, retry_at: datetime, seconds: float
) -> None:
    """The tracker answered, with a rate limit: the project waits for it, and is not late."""
    watch.health.rate_limited(project, retry_at.timestamp())
    watch.metrics.run_finished(project.name, "rate_limited", seconds)
    watch.metrics.rate_limited(project.name, retry_at.timestamp())


def action_fields(done: ActionResult) -> dict[str, object]:
    """The task and issue an action is about, for a JSON log line."""
    action = done.action
    fields: dict[str, object] = {}
    task = getattr(action, "task", None)
    if isinstance(task, TaskRef):
        fields["task"] = str(task)
    if isinstance(action, _ISSUE_ACTIONS):
        fields["issue"] = action.number
    elif isinstance(action, CreateIssue | CreateTrackingIssue) and done.status is Status.APPLIED:
        made = _MADE.match(done.detail)
        if made is not None:
            fields["issue"] = int(made[1])
    return fields


def report(result: RunResult) -> RunReport:
    """The run's summary line, with its failed actions named."""
    line = result.summary_line()
    failed = result.failed
    if failed:
        details = [" ".join(f.detail.split()) for f in failed[:_FAILURES_SHOWN]]
        more = len(failed) - _FAILURES_SHOWN
        line += "; failed: " + "; ".join(details) + (f"; and {more} more" if more > 0 else "")
    return RunReport(line, ok=not failed, retry_at=result.retry_at)
