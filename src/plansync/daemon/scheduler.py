"""The daemon: every project synced on its own interval until SIGTERM or SIGINT.

APScheduler runs one job per project. A stop request (a signal, Ctrl-C, or the caller setting
`stop`) sets the stop event every run watches (the engine stops after the action in progress),
then shuts the scheduler down, waiting for the runs in progress to finish.

The scheduler's loop runs in a background thread and the calling thread waits in short slices.
A BlockingScheduler would hold the main thread in one wait until the next run is due, and a
signal that lands just before that wait (or on another thread) has its handler run only when
the wait ends, possibly an interval later.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from types import FrameType
from typing import Any

# APScheduler 3 ships without type information (no py.typed marker, no stubs package).
from apscheduler.schedulers import SchedulerNotRunningError  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from plansync.config.project import ProjectConfig
from plansync.errors import PlansyncError

RunProject = Callable[[ProjectConfig, threading.Event], object]
"""Syncs one project once; checks the event between actions and stops when it is set."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

# How long the waiting thread sleeps at most before it runs a pending signal handler.
_WAIT_SLICE = 0.25


def run_daemon(
    projects: Sequence[ProjectConfig],
    run: RunProject,
    *,
    first_run_now: bool = True,
    install_signal_handlers: bool = True,
    scheduler: BackgroundScheduler | None = None,
    stop: threading.Event | None = None,
    log: logging.Logger | None = None,
) -> int:
    """Run every project on its interval until stopped; return the exit code (0).

    A run that raises is logged and does not stop the daemon or the other projects. SIGTERM and
    SIGINT (handled only when called from the main thread, and restored on return), Ctrl-C, or
    setting `stop` end the daemon once the runs in progress have finished. `scheduler` must not
    be started yet.
    """
    if not projects:
        raise ValueError("run_daemon needs at least one project to run")
    if scheduler is not None and not isinstance(scheduler, BackgroundScheduler):
        raise TypeError(f"run_daemon needs a BackgroundScheduler, not {type(scheduler).__name__}")
    daemon = _Daemon(
        run,
        scheduler if scheduler is not None else BackgroundScheduler(),
        stop if stop is not None else threading.Event(),
        log if log is not None else logging.getLogger(__name__),
    )
    for project in projects:
        daemon.add(project, first_run_now)
    daemon.log.info(
        "daemon started: %d project%s (%s)",
        len(projects),
        "" if len(projects) == 1 else "s",
        ", ".join(f"{p.name} every {p.interval_minutes:g}m" for p in projects),
    )
    with _stop_on_signals(daemon.request_stop, install_signal_handlers):
        daemon.serve()
    daemon.log.info("stopped")
    return 0


def _grace_seconds(project: ProjectConfig) -> int:
    """How late a run may start (the machine slept, every worker was busy) and still run: one
    interval. Later than that, the next scheduled run takes its place."""
    return max(1, round(project.interval_minutes * 60))


class _Daemon:
    def __init__(
        self,
        run: RunProject,
        scheduler: Any,
        stop: threading.Event,
        log: logging.Logger,
    ) -> None:
        self.log = log
        self._run = run
        self._scheduler = scheduler
        self._stop = stop
        self._running: set[str] = set()
        self._running_lock = threading.Lock()
        self._stop_announced = False
        self._shut_down = threading.Event()  # set by the stopper once no run is in progress
        self._stopper = threading.Thread(
            target=self._shut_down_when_stopped, name="plansync-daemon-stopper"
        )

    def add(self, project: ProjectConfig, first_run_now: bool) -> None:
        options: dict[str, object] = {}
        if first_run_now:
            # Left out, APScheduler computes the first run from the trigger (one interval on).
            options["next_run_time"] = datetime.now(UTC)
        self._scheduler.add_job(
            self._run_project,
            trigger=IntervalTrigger(minutes=project.interval_minutes),
            args=(project,),
            id=project.name,
            name=project.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=_grace_seconds(project),
            **options,
        )

    def serve(self) -> None:
        """Start the scheduler and return once it is shut down and no run is in progress."""
        try:
            self._scheduler.start()
        except KeyboardInterrupt:
            self.request_stop("SIGINT")
            if not self._scheduler.running:
                return
        self._stopper.start()
        # Not Thread.join: in Python 3.11 a join interrupted by Ctrl-C marks the thread finished.
        while not self._shut_down.is_set():
            try:
                self._shut_down.wait(_WAIT_SLICE)
            except KeyboardInterrupt:
                self.request_stop("SIGINT")

    def request_stop(self, reason: str) -> None:
        self._announce_stop(reason)
        self._stop.set()

    def _announce_stop(self, reason: str) -> None:
        with self._running_lock:
            if self._stop_announced:
                return
            self._stop_announced = True
            running = sorted(self._running)
        if running:
            self.log.info(
                "stopping (%s): finishing the run in progress: %s", reason, ", ".join(running)
            )
        else:
            self.log.info("stopping (%s): no run in progress", reason)

    def _shut_down_when_stopped(self) -> None:
        self._stop.wait()
        self._announce_stop("stop requested")  # the caller set `stop` itself
        try:
            with contextlib.suppress(SchedulerNotRunningError):
                self._scheduler.shutdown(wait=True)
        finally:
            self._shut_down.set()

    def _run_project(self, project: ProjectConfig) -> None:
        if self._stop.is_set():
            return
        name = project.name
        with self._running_lock:
            self._running.add(name)
        self.log.info("run started: %s", name)
        started = time.monotonic()
        try:
            self._run(project, self._stop)
        except Exception as exc:
            self.log.error("run failed: %s: %s", name, _describe(exc))
            self.log.debug("run failed: %s", name, exc_info=True)
        else:
            self.log.info("run finished: %s (%.1f s)", name, time.monotonic() - started)
        finally:
            with self._running_lock:
                self._running.discard(name)


def _describe(exc: Exception) -> str:
    """An error on one line: plansync's own messages as they are, others with their type."""
    text = str(exc) if isinstance(exc, PlansyncError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


@contextlib.contextmanager
def _stop_on_signals(request_stop: Callable[[str], None], install: bool) -> Iterator[None]:
    # Python runs signal handlers in the main thread only, and only it may set them.
    if not install or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        request_stop(signal.Signals(signum).name)

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            # None: a handler set outside Python, which cannot be put back; the default is.
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
