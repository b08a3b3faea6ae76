"""The daemon's wiring: one sync run of a project per job, logged, on the scheduler.

Each run goes through the engine's `run_once`, which opens the project's tracker and its own
state store (projects run in parallel worker threads).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.daemon.scheduler import RunProject, run_daemon
from plansync.sync.engine import run_once
from plansync.sync.result import RunResult

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
LOGGER = "plansync.daemon"

Summarise = Callable[[RunResult], str]
"""One line on a finished run, for the log."""


def serve(config: LoadedConfig, projects: Sequence[ProjectConfig], *, summarise: Summarise) -> int:
    """Log to stderr and sync `projects` on their intervals until SIGTERM or SIGINT; return the
    exit code."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    log = logging.getLogger(LOGGER)
    return run_daemon(projects, project_runner(config, log, summarise), log=log)


def project_runner(config: LoadedConfig, log: logging.Logger, summarise: Summarise) -> RunProject:
    """What a project's job does: one run, its summary line and each failure logged."""

    def run(project: ProjectConfig, stop: threading.Event) -> None:
        result = run_once(config, project, stop=stop)
        log.info("%s", summarise(result))
        for failure in result.failed:
            log.warning("%s: failed: %s", project.name, failure.detail)

    return run
