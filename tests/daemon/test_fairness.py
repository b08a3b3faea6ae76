"""No project waits on another: a run stopped by its tracker's rate limit gives its worker back
and its project runs again at the reset time; a run that found every worker busy runs as soon
as one is free instead of being dropped; hanging runs never hold the other projects back.

Assertions are on events and their order (which run started, what the scheduler holds), never
on how fast something went.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from builders import scheduled_project, wait_until
from plansync.config.project import ProjectConfig
from plansync.daemon.scheduler import Daemon, RunProject, RunReport
from plansync.errors import RateLimitedError, TrackerUnavailableError

LOGGER = "tests.daemon.fairness"
WAIT = 10.0  # seconds a test waits for something that should take milliseconds


@dataclass
class Runs:
    """What a fake runner saw: each run's project and start time, in order."""

    started: list[tuple[str, datetime]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str) -> None:
        with self.lock:
            self.started.append((name, datetime.now(UTC)))

    def of(self, name: str) -> list[datetime]:
        with self.lock:
            return [at for n, at in self.started if n == name]

    def names(self) -> list[str]:
        with self.lock:
            return [n for n, _ in self.started]


@dataclass
class Served:
    daemon: Daemon
    scheduler: BackgroundScheduler
    stop: threading.Event
    thread: threading.Thread
    missed: list[str]

    def next_run(self, name: str) -> datetime | None:
        job = self.scheduler.get_job(name)
        return None if job is None else job.next_run_time


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(projects: list[ProjectConfig], run: RunProject, *, workers: int) -> Served:
        scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(workers)})
        missed: list[str] = []

        def on_missed(event: JobExecutionEvent) -> None:
            missed.append(event.job_id)

        scheduler.add_listener(on_missed, EVENT_JOB_MISSED)
        stop = threading.Event()
        log = logging.getLogger(LOGGER)
        daemon = Daemon(projects, run, scheduler=scheduler, stop=stop, log=log)
        thread = threading.Thread(target=daemon.run_until_stopped)
        served = Served(daemon, scheduler, stop, thread, missed)
        started.append(served)
        thread.start()
        return served

    yield start
    for served in started:
        served.stop.set()
        served.thread.join(WAIT)


def paused_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER and r.getMessage().startswith("run paused")
    ]


def limited(retry_at: datetime) -> RateLimitedError:
    return RateLimitedError("GitHub acme/a asked to wait 1 h", retry_at=retry_at)


class TestRateLimited:
    @pytest.mark.parametrize("how", ["report", "raised"])
    def test_the_next_run_is_at_retry_at_and_logged_once_with_the_time(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture, how: str
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        retry_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if how == "raised":
                raise limited(retry_at)
            return RunReport(f"{p.name}: done: 0 created", ok=False, retry_at=retry_at)

        # A 2-minute interval: the next run would be 2 minutes on without the rate limit.
        served = serve([scheduled_project("a", 2)], run, workers=2)
        wait_until(lambda: served.next_run("a") == retry_at, "the job to move to retry_at")

        assert runs.names() == ["a"]
        lines = paused_lines(caplog)
        assert len(lines) == 1, lines
        assert retry_at.strftime("%Y-%m-%d %H:%M:%S UTC") in lines[0]
        assert lines[0].startswith("run paused by the rate limit: a")
        # The interval goes on from the reset: the run after it comes one interval later.
        job = served.scheduler.get_job("a")
        assert job.trigger.get_next_fire_time(retry_at, retry_at) == retry_at + timedelta(minutes=2)

    def test_it_runs_again_at_retry_at_not_sooner(self, serve: Callable[..., Served]) -> None:
        runs = Runs()
        retry_at: list[datetime] = []

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if len(runs.of(p.name)) == 1:
                retry_at.append(datetime.now(UTC) + timedelta(seconds=1))
                return RunReport(f"{p.name}: limited", ok=False, retry_at=retry_at[0])
            return RunReport(f"{p.name}: done")

        serve([scheduled_project("a", 60)], run, workers=1)
        wait_until(lambda: len(runs.of("a")) == 2, "the run at retry_at")

        assert runs.of("a")[1] >= retry_at[0]

    def test_its_worker_is_free_for_the_others_while_it_waits(
        self, serve: Callable[..., Served]
    ) -> None:
        retry_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if p.name == "a":
                return RunReport("a: limited", ok=False, retry_at=retry_at)
            return RunReport(f"{p.name}: done")

        # One worker: were it held by the wait, no other run could start.
        served = serve(
            [scheduled_project("a"), scheduled_project("b"), scheduled_project("c")], run, workers=1
        )
        wait_until(lambda: served.next_run("a") == retry_at, "a to wait for its reset")
        wait_until(lambda: set(runs.names()) == {"a", "b", "c"}, "every first run")
        for k in range(3):
            served.daemon.trigger("b")
            wait_until(lambda k=k: len(runs.of("b")) == 2 + k, "b's triggered run")  # type: ignore[misc]

        assert runs.names().count("a") == 1
        assert served.next_run("a") == retry_at

    def test_a_trigger_while_it_waits_runs_it_at_retry_at(
        self, serve: Callable[..., Served]
    ) -> None:
        retry_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            raise limited(retry_at)

        served = serve([scheduled_project("a")], run, workers=2)
        wait_until(lambda: served.next_run("a") == retry_at, "a to wait for its reset")
        served.daemon.trigger("a")  # a webhook: the tracker would refuse a run before the reset
        time.sleep(0.2)

        assert runs.names() == ["a"]
        assert served.next_run("a") == retry_at

    def test_a_rate_limit_without_a_time_is_a_failed_run_on_the_interval(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            raise RateLimitedError("limited, no time given")

        before = datetime.now(UTC)
        served = serve([scheduled_project("a", 60)], run, workers=1)
        wait_until(
            lambda: any("run failed: a" in r.getMessage() for r in caplog.records),
            "the failed run's line",
        )
        wait_until(lambda: (served.next_run("a") or before) > before + timedelta(minutes=59))

        assert paused_lines(caplog) == []


class TestBusyWorkers:
    def test_a_run_late_because_every_worker_hangs_runs_once_one_is_free(
        self, serve: Callable[..., Served]
    ) -> None:
        release = {"h1": threading.Event(), "h2": threading.Event()}
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if p.name in release:
                release[p.name].wait(WAIT)
            return RunReport(f"{p.name}: done")

        # c runs every 0.6 s: while both workers hang its run waits in the pool's queue
        # far longer than one interval, the grace a run used to have before it was dropped.
        served = serve(
            [scheduled_project("h1"), scheduled_project("h2"), scheduled_project("c", 0.01)],
            run,
            workers=2,
        )
        wait_until(lambda: {"h1", "h2"} <= set(runs.names()), "both hanging runs")
        waiting_from = len(runs.of("c"))
        time.sleep(2.5)  # c's next run is due meanwhile and finds no worker
        assert len(runs.of("c")) == waiting_from  # no worker was free: nothing ran
        release["h1"].set()
        wait_until(lambda: len(runs.of("c")) > waiting_from, "c's late run")

        assert served.missed == []
        assert not release["h2"].is_set()  # it ran while h2 still held its worker
        release["h2"].set()

    def test_hanging_runs_do_not_stop_the_other_projects(
        self, serve: Callable[..., Served]
    ) -> None:
        hang = threading.Event()
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if p.name.startswith("hang"):
                hang.wait(WAIT)
            return RunReport(f"{p.name}: done")

        others = [f"p{n}" for n in range(5)]
        hanging = [scheduled_project("hang1"), scheduled_project("hang2")]
        served = serve([*hanging, *(scheduled_project(n, 0.01) for n in others)], run, workers=3)
        # Three rounds of every other project while both hanging runs hold their workers.
        for name in others:
            wait_until(lambda name=name: len(runs.of(name)) >= 3, f"{name}'s third run")  # type: ignore[misc]

        assert runs.names().count("hang1") == 1
        assert runs.names().count("hang2") == 1
        assert served.missed == []
        hang.set()


def lane(served: Served, name: str) -> str | None:
    job = served.scheduler.get_job(name)
    return None if job is None else str(job.executor)


class TestSlowLane:
    def test_projects_whose_trackers_do_not_answer_leave_the_main_workers(
        self, serve: Callable[..., Served]
    ) -> None:
        runs = Runs()
        lock = threading.Lock()
        hanging_now = [0]
        most_after_move: list[int] = []
        moved = threading.Event()  # every hanging project is in the slow lane

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if not p.name.startswith("hang"):
                return RunReport(f"{p.name}: done")
            with lock:
                hanging_now[0] += 1
                if moved.is_set():
                    most_after_move.append(hanging_now[0])
            try:
                time.sleep(0.5)  # the request timeouts bound each hang
                raise TrackerUnavailableError(f"{p.name}: the tracker did not answer")
            finally:
                with lock:
                    hanging_now[0] -= 1

        hanging = [f"hang{n}" for n in range(3)]
        others = [f"p{n}" for n in range(3)]
        served = serve([scheduled_project(n, 0.01) for n in [*hanging, *others]], run, workers=3)
        wait_until(
            lambda: all(lane(served, n) == "slow" for n in hanging),
            "every hanging project in the slow lane",
        )
        moved.set()
        marks = {n: len(runs.of(n)) for n in others}
        for name in others:
            wait_until(
                lambda name=name: len(runs.of(name)) >= marks[name] + 3,  # type: ignore[misc]
                f"three more runs of {name}",
            )
        wait_until(lambda: bool(most_after_move), "a hanging run in the slow lane")
        # The slow lane has a fifth of the daemon's ten workers: two, whatever the others do.
        assert max(most_after_move) <= 2
        assert all(lane(served, n) == "default" for n in others)

    def test_a_tracker_that_answers_again_brings_its_project_back(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        runs = Runs()

        def run(p: ProjectConfig, _stop: threading.Event) -> RunReport:
            runs.add(p.name)
            if len(runs.of(p.name)) == 1:
                raise TrackerUnavailableError(f"{p.name}: the tracker did not answer")
            return RunReport(f"{p.name}: done")

        served = serve([scheduled_project("flaky", 0.01)], run, workers=2)
        wait_until(lambda: len(runs.of("flaky")) >= 1, "the failed run")
        wait_until(
            lambda: len(runs.of("flaky")) >= 3 and lane(served, "flaky") == "default",
            "a run that got through, and the project back in the main lane",
        )
        said = [r.getMessage() for r in caplog.records if r.name == LOGGER]
        to_slow = [i for i, m in enumerate(said) if "go to the slow lane" in m]
        back = [i for i, m in enumerate(said) if "back in the main lane" in m]
        assert to_slow, said
        assert back, said
        assert to_slow[0] < back[0], said
