"""The daemon's wiring: one sync run of a project per job, logged, on the scheduler.

Each run goes through the engine's `run_once`, which opens the project's tracker; the state
database is opened once and shared by the projects' runs (in parallel worker threads).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.daemon.scheduler import RunProject, RunReport, run_daemon
from plansync.state.base import StateDatabase
from plansync.state.open import open_state
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
LOGGER = "plansync.daemon"

# Failed actions named in a run's log line; more are counted.
_FAILURES_SHOWN = 3


def serve(config: LoadedConfig, projects: Sequence[ProjectConfig]) -> int:
    """Log to stderr and sync `projects` on their intervals until SIGTERM or SIGINT; return the
    exit code. The state database is opened once and shared by the projects' runs."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    # The scheduler's own per-job lines would repeat, and contradict, the one line per run.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log = logging.getLogger(LOGGER)
    with open_state(config.state_url) as state:
        return run_daemon(projects, project_runner(config, state), log=log)


def project_runner(config: LoadedConfig, state: StateDatabase | None = None) -> RunProject:
    """What a project's job does: one run, reported on one line."""

    def run(project: ProjectConfig, stop: threading.Event) -> RunReport:
        return report(run_once(config, project, store=state, stop=stop))

    return run


def report(result: RunResult) -> RunReport:
    """The run's summary line, with its failed actions named."""
    line = result.summary_line()
    failed = result.failed
    if failed:
        details = [" ".join(f.detail.split()) for f in failed[:_FAILURES_SHOWN]]
        more = len(failed) - _FAILURES_SHOWN
        line += "; failed: " + "; ".join(details) + (f"; and {more} more" if more > 0 else "")
    return RunReport(line, ok=not failed)
