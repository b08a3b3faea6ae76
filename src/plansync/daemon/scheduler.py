"""The daemon: every project synced on its own interval until SIGTERM or SIGINT.

APScheduler runs one job per project. A stop request (a signal, Ctrl-C, or the caller setting
`stop`) sets the stop event every run watches (the engine stops after the action in progress),
then shuts the scheduler down, waiting for the runs in progress to finish.

A run that the tracker's rate limit stops (its report, or the RateLimitedError it raised, has a
`retry_at`) gives its worker back: the project's next run is set to that time, and triggers
meanwhile wait for it too. A run that is late because every worker was busy runs as soon as one
is free (no misfire grace), once however many of its times were missed (coalesce).

A project whose run failed because its tracker did not answer (timeouts or 5xx answers that
outlasted the retries) moves to a small pool of its own (a fifth as many workers as the main
one), the slow lane: a hanging tracker then holds at most that pool's workers, never the ones
the other projects run on. Its first run that
gets through moves it back.

`Daemon.trigger` runs a project's job now (a webhook's hint that something changed): at once when
the project is idle, or once more right after the run in progress, however often it is triggered
meanwhile; with a `trigger_gap`, triggered runs of a project start at least that far apart.

The scheduler's loop runs in a background thread and the calling thread waits in short slices.
A BlockingScheduler would hold the main thread in one wait until the next run is due, and a
signal that lands just before that wait (or on another thread) has its handler run only when
the wait ends, possibly an interval later.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# APScheduler 3 ships without type information (no py.typed marker, no stubs package).
from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.schedulers import SchedulerNotRunningError  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from plansync.config.project import ProjectConfig
from plansync.errors import (
    PlansyncError,
    RateLimitedError,
    StopRequested,
    TrackerUnavailableError,
)
from plansync.stop_signals import stop_signals_handled


@dataclass(frozen=True)
class RunReport:
    """How a run went, on one line; `ok` False when some of its actions failed, `skipped` when
    another daemon sharing the store was running the project, `retry_at` when the tracker's
    rate limit stopped it and the project should run again then."""

    line: str
    ok: bool = True
    skipped: bool = False
    retry_at: datetime | None = None


RunProject = Callable[[ProjectConfig, threading.Event], RunReport | None]
"""Syncs one project once; checks the event between actions and stops when it is set."""


# How long the waiting thread sleeps at most before it runs a pending signal handler.
_WAIT_SLICE = 0.25
# Worker threads when the caller names none (APScheduler's own default).
DEFAULT_WORKERS = 10
# The executors of the two lanes: every project starts in the main one.
MAIN_LANE = "default"
SLOW_LANE = "slow"


def run_daemon(
    projects: Sequence[ProjectConfig],
    run: RunProject,
    *,
    first_run_now: bool = True,
    install_signal_handlers: bool = True,
    scheduler: BackgroundScheduler | None = None,
    stop: threading.Event | None = None,
    log: logging.Logger | None = None,
    workers: int = DEFAULT_WORKERS,
) -> int:
    """Run every project on its interval until stopped; return the exit code (0).

    A run that raises is logged and does not stop the daemon or the other projects. SIGTERM and
    SIGINT (handled only when called from the main thread, and restored on return), Ctrl-C, or
    setting `stop` end the daemon once the runs in progress have finished. `scheduler` must not
    be started yet.
    """
    daemon = Daemon(
        projects,
        run,
        first_run_now=first_run_now,
        scheduler=scheduler,
        stop=stop,
        log=log,
        workers=workers,
    )
    return daemon.run_until_stopped(install_signal_handlers=install_signal_handlers)


class Daemon:
    """One job per project on a BackgroundScheduler (a given `scheduler` must not be started
    yet; otherwise one with `workers` threads), with `coalesce=True, max_instances=1`: never
    two runs of a project at once. The other arguments are run_daemon's."""

    def __init__(
        self,
        projects: Sequence[ProjectConfig],
        run: RunProject,
        *,
        first_run_now: bool = True,
        scheduler: BackgroundScheduler | None = None,
        stop: threading.Event | None = None,
        log: logging.Logger | None = None,
        trigger_gap: float = 0.0,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        if not projects:
            raise ValueError("the daemon needs at least one project to run")
        if scheduler is not None and not isinstance(scheduler, BackgroundScheduler):
            raise TypeError(
                f"the daemon needs a BackgroundScheduler, not {type(scheduler).__name__}"
            )
        self.log = log if log is not None else logging.getLogger(__name__)
        self._projects = list(projects)
        self._run = run
        if workers < 1:
            raise ValueError(f"the daemon needs at least one worker, not {workers}")
        self._scheduler: Any = (
            scheduler
            if scheduler is not None
            else BackgroundScheduler(executors={MAIN_LANE: ThreadPoolExecutor(workers)})
        )
        # A pool of a fifth as many workers (at least one), besides the main one, for the
        # projects whose trackers do not answer.
        self._scheduler.add_executor(ThreadPoolExecutor(max(1, workers // 5)), SLOW_LANE)
        # Each project's lane, and the lane its last run asked for (acted on in _job_done).
        self._lane: dict[str, str] = {}
        self._lane_wanted: dict[str, str] = {}
        self._stop = stop if stop is not None else threading.Event()
        self._lock = threading.Lock()
        self._running: set[str] = set()  # inside `run`
        # From the start of a run until APScheduler counts its job finished (EVENT_JOB_EXECUTED
        # comes after that): a trigger meanwhile waits in _triggered instead of being skipped.
        self._busy: set[str] = set()
        self._triggered: set[str] = set()
        # Triggered runs of a project start at least this many seconds apart: a burst of
        # triggers shorter than that becomes one run now and at most one more. `_slot` is when
        # the project's last triggered run was set to start.
        self._trigger_gap = timedelta(seconds=trigger_gap)
        self._slot: dict[str, datetime] = {}
        # Projects whose last run the tracker's rate limit stopped: when they may run again.
        # Set by the run, acted on once APScheduler counts the job finished (_job_done), and
        # cleared when the next run starts; a trigger meanwhile waits for it.
        self._resume_at: dict[str, datetime] = {}
        self._paused: set[str] = set()  # of those, the ones whose next run is not yet moved
        self._stop_announced = False
        self._shut_down = threading.Event()  # set by the stopper once no run is in progress
        self._stopper = threading.Thread(
            target=self._shut_down_when_stopped, name="plansync-daemon-stopper"
        )
        self._scheduler.add_listener(self._job_done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        for project in self._projects:
            self._add(project, first_run_now)

    def run_until_stopped(self, *, install_signal_handlers: bool = True) -> int:
        """Run every project on its interval until stopped; return the exit code (0)."""
        self.log.info(
            "daemon started: %d project%s (%s)",
            len(self._projects),
            "" if len(self._projects) == 1 else "s",
            ", ".join(f"{p.name} every {p.interval_minutes:g}m" for p in self._projects),
        )
        with stop_signals_handled(self.request_stop, install_signal_handlers):
            self._serve()
        self.log.info("stopped")
        return 0

    def trigger(self, project_name: str) -> bool:
        """Run the project's job now. While a run of it is in progress, run it once more right
        after that run, however often it is triggered meanwhile. The next scheduled run comes
        one interval after the triggered one. False, and nothing runs, once the daemon is
        stopping; KeyError for a project it does not run. Safe to call from any thread."""
        if all(p.name != project_name for p in self._projects):
            raise KeyError(project_name)
        with self._lock:
            if self._stop.is_set():
                return False
            if project_name in self._busy:
                self._triggered.add(project_name)
                return True
        self._run_now(project_name)
        return True

    @property
    def alive(self) -> bool:
        """The scheduler runs and no stop was requested."""
        return bool(self._scheduler.running) and not self._stop.is_set()

    @property
    def stopping(self) -> threading.Event:
        """Set once a stop was requested (by a signal, Ctrl-C or the caller)."""
        return self._stop

    def request_stop(self, reason: str) -> None:
        self._announce_stop(reason)
        self._stop.set()

    def _add(self, project: ProjectConfig, first_run_now: bool) -> None:
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
            # None: a run late because every worker was busy (or the machine slept) still
            # runs as soon as a worker is free, instead of being dropped as missed.
            misfire_grace_time=None,
            executor=MAIN_LANE,
            **options,
        )
        self._lane[project.name] = MAIN_LANE

    def _run_now(self, name: str) -> None:
        # Never called holding self._lock: APScheduler takes its own locks here. Should a run
        # start between the caller's look at _busy and this, the scheduler skips this one
        # (max_instances=1), and the run that started covers the trigger.
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            now = datetime.now(UTC)
            with self._lock:
                slot = self._slot.get(name)
                if slot is None or slot <= now:
                    # The next slot: now, or one gap after the last one.
                    slot = now if slot is None else max(now, slot + self._trigger_gap)
                    self._slot[name] = slot
                resume = self._resume_at.get(name)
                if resume is not None and resume > slot:
                    slot = resume  # the tracker would refuse a run before then
            self._scheduler.modify_job(name, next_run_time=slot)

    def _job_done(self, event: JobExecutionEvent) -> None:
        """APScheduler counts the job finished: run it again when it was triggered meanwhile."""
        name = event.job_id
        with self._lock:
            self._busy.discard(name)
            again = name in self._triggered and not self._stop.is_set()
            self._triggered.discard(name)
            resume = self._resume_at.get(name) if name in self._paused else None
            self._paused.discard(name)
            lane = self._lane_wanted.pop(name, None)
            if lane == self._lane.get(name):
                lane = None
        if lane is not None and not self._stop.is_set():
            threading.Thread(
                target=self._move, args=(name, lane), name="plansync-daemon-lane"
            ).start()
        if resume is not None and not self._stop.is_set():
            # The same reason as below for another thread; a trigger meanwhile is covered by
            # the run at `resume`.
            threading.Thread(
                target=self._resume, args=(name, resume), name="plansync-daemon-resume"
            ).start()
        elif again:
            # Not from this thread: a run that ends before APScheduler has finished submitting
            # it reports here from the scheduler's own loop, which then sets the job's next run
            # one interval on, over ours. Another thread waits for that loop to let go.
            threading.Thread(
                target=self._run_now, args=(name,), name="plansync-daemon-trigger"
            ).start()

    def _move(self, name: str, lane: str) -> None:
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            self._scheduler.modify_job(name, executor=lane)
            with self._lock:
                self._lane[name] = lane
            if lane == SLOW_LANE:
                self.log.warning(
                    "%s: its tracker does not answer; its runs go to the slow lane until one "
                    "gets through",
                    name,
                    extra={"project": name, "lane": lane},
                )
            else:
                self.log.info(
                    "%s: its tracker answers again; back in the main lane",
                    name,
                    extra={"project": name, "lane": lane},
                )

    def _resume(self, name: str, at: datetime) -> None:
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            self._scheduler.modify_job(name, next_run_time=max(at, datetime.now(UTC)))

    def _pause(self, name: str, retry_at: datetime, line: str, seconds: float) -> None:
        """The tracker's rate limit stopped the run: its next run is at `retry_at`."""
        with self._lock:
            self._resume_at[name] = retry_at
            self._paused.add(name)
        at = retry_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        self.log.warning(
            "run paused by the rate limit: %s (%.1f s); next run at %s",
            line,
            seconds,
            at,
            extra={"project": name, "result": "rate_limited", "retry_at": retry_at.isoformat()},
        )

    def _serve(self) -> None:
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

    def _announce_stop(self, reason: str) -> None:
        with self._lock:
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
        name = project.name
        with self._lock:
            self._busy.add(name)  # before anything else: _job_done follows every call
        if self._stop.is_set():
            return
        with self._lock:
            self._running.add(name)
            self._resume_at.pop(name, None)
        # One line per run, with its result, once it is over.
        started = time.monotonic()
        try:
            report = self._run(project, self._stop)
        except RateLimitedError as exc:
            self._want_lane(name, MAIN_LANE)  # the tracker answered
            seconds = time.monotonic() - started
            if exc.retry_at is None:
                self._failed(name, exc, seconds)
            else:
                self._pause(name, exc.retry_at, f"{name}: {_describe(exc)}", seconds)
        except StopRequested:
            self.log.info(
                "run stopped: %s (%.1f s): the daemon is stopping",
                name,
                time.monotonic() - started,
                extra={"project": name, "result": "stopped"},
            )
        except TrackerUnavailableError as exc:
            self._want_lane(name, SLOW_LANE)
            self._failed(name, exc, time.monotonic() - started)
        except Exception as exc:
            self._failed(name, exc, time.monotonic() - started)
        else:
            self._want_lane(name, MAIN_LANE)
            seconds = time.monotonic() - started
            if report is not None and report.skipped:
                self.log.info(
                    "run skipped: %s", report.line, extra={"project": name, "result": "skipped"}
                )
                return
            if report is not None and report.retry_at is not None:
                self._pause(name, report.retry_at, report.line, seconds)
                return
            line = report.line if report is not None else name
            level = logging.INFO if report is None or report.ok else logging.WARNING
            result = "ok" if level == logging.INFO else "failed"
            self.log.log(
                level,
                "run finished: %s (%.1f s)",
                line,
                seconds,
                extra={"project": name, "result": result},
            )
        finally:
            with self._lock:
                self._running.discard(name)

    def _want_lane(self, name: str, lane: str) -> None:
        with self._lock:
            self._lane_wanted[name] = lane

    def _failed(self, name: str, exc: Exception, seconds: float) -> None:
        self.log.error(
            "run failed: %s: %s (%.1f s)",
            name,
            _describe(exc),
            seconds,
            extra={"project": name, "result": "error"},
        )
        self.log.debug("run failed: %s", name, exc_info=True)


def _describe(exc: Exception) -> str:
    """An error on one line: plansync's own messages as they are, others with their type."""
    text = str(exc) if isinstance(exc, PlansyncError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())
