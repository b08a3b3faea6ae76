"""The daemon: one job per project, failures isolated, a clean stop on SIGTERM / SIGINT, and a
project's run on request (trigger)."""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from builders import scheduled_project, wait_until
from plansync.config.project import ProjectConfig
from plansync.daemon.scheduler import Daemon, RunProject, run_daemon
from plansync.errors import StopRequested, TrackerError
from plansync.stop_signals import STOP_SIGNALS

LOGGER = "tests.daemon"
WAIT = 5.0  # seconds a test waits for something that should take milliseconds


@dataclass
class Served:
    """A daemon running in a background thread (so signal handlers are not installed)."""

    daemon: Daemon
    scheduler: BackgroundScheduler
    stop: threading.Event
    thread: threading.Thread
    result: list[int] = field(default_factory=list)

    def finish(self) -> int:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "run_daemon did not return after stop was set"
        return self.result[0]


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(
        projects: list[ProjectConfig], run: RunProject, *, first_run_now: bool = True
    ) -> Served:
        scheduler = BackgroundScheduler()
        stop = threading.Event()
        result: list[int] = []
        daemon = Daemon(
            projects,
            run,
            first_run_now=first_run_now,
            scheduler=scheduler,
            stop=stop,
            log=logging.getLogger(LOGGER),
        )

        def target() -> None:
            result.append(daemon.run_until_stopped())

        thread = threading.Thread(target=target)
        served = Served(daemon, scheduler, stop, thread, result)
        started.append(served)
        thread.start()
        return served

    yield start
    for served in started:
        served.stop.set()
        served.thread.join(WAIT)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


class TestJobs:
    def test_one_job_per_project_configured_for_a_daemon(
        self, serve: Callable[..., Served]
    ) -> None:
        served = serve(
            [scheduled_project("web", 5), scheduled_project("api", 1.5)],
            lambda p, s: None,
            first_run_now=False,
        )
        wait_until(lambda: served.scheduler.running and len(served.scheduler.get_jobs()) == 2)
        jobs = {job.id: job for job in served.scheduler.get_jobs()}
        now = datetime.now(UTC)

        assert set(jobs) == {"web", "api"}
        for name, minutes in (("web", 5), ("api", 1.5)):
            job = jobs[name]
            assert isinstance(job.trigger, IntervalTrigger)
            assert job.trigger.interval == timedelta(minutes=minutes)
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time is None
            # Not run at once: the first run is one interval away.
            assert job.next_run_time > now + timedelta(minutes=minutes) - timedelta(seconds=5)
        assert served.finish() == 0

    def test_first_run_now_runs_every_project_at_once(self, serve: Callable[..., Served]) -> None:
        ran: list[str] = []
        served = serve(
            [scheduled_project("web"), scheduled_project("api")], lambda p, s: ran.append(p.name)
        )
        wait_until(lambda: len(ran) == 2)
        assert served.finish() == 0
        assert sorted(ran) == ["api", "web"]

    def test_the_start_line_names_every_project_and_interval(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        served = serve(
            [scheduled_project("web", 5), scheduled_project("api", 1.5)], lambda p, s: None
        )
        assert served.finish() == 0
        log = messages(caplog)
        assert log[0] == "daemon started: 2 projects (web every 5m, api every 1.5m)"
        assert log[-1] == "stopped"

    def test_signal_handlers_are_left_alone_outside_the_main_thread(
        self, serve: Callable[..., Served]
    ) -> None:
        before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
        running = threading.Event()
        served = serve([scheduled_project("web")], lambda p, s: running.set())
        assert running.wait(WAIT)
        assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == before
        assert served.finish() == 0

    def test_no_projects_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one project"):
            run_daemon([], lambda p, s: None)

    def test_a_scheduler_that_would_block_the_waiting_thread_is_refused(self) -> None:
        with pytest.raises(TypeError, match="BackgroundScheduler, not BlockingScheduler"):
            run_daemon([scheduled_project("web")], lambda p, s: None, scheduler=BlockingScheduler())


class TestFailures:
    def test_a_failing_run_is_logged_and_runs_again_while_others_run(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        calls: dict[str, int] = {"broken": 0, "fine": 0}

        def run(p: ProjectConfig, stop: threading.Event) -> None:
            calls[p.name] += 1
            if p.name == "broken" and calls["broken"] == 1:
                raise TrackerError("acme/broken: the tracker answered 502 three times.")

        # 0.005 minutes = 0.3 s, so the failing project runs again within the test.
        served = serve([scheduled_project("broken", 0.005), scheduled_project("fine")], run)
        wait_until(lambda: calls["broken"] >= 2 and calls["fine"] >= 1)
        assert served.finish() == 0

        failures = [m for m in messages(caplog) if m.startswith("run failed")]
        assert [m.rsplit(" (", 1)[0] for m in failures] == [
            "run failed: broken: acme/broken: the tracker answered 502 three times."
        ]
        assert re.fullmatch(r".* \(\d+\.\d s\)", failures[0])
        assert "run finished: broken" in "\n".join(messages(caplog))

    def test_an_unexpected_error_is_one_line_naming_its_type(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        failed = threading.Event()

        def run(p: ProjectConfig, stop: threading.Event) -> None:
            failed.set()
            raise KeyError("line\nbreak")

        served = serve([scheduled_project("web")], run)
        assert failed.wait(WAIT)
        assert served.finish() == 0
        assert any(
            m.startswith("run failed: web: KeyError: 'line\\nbreak' (") for m in messages(caplog)
        )


    def test_a_run_stopped_by_the_daemon_stopping_is_no_failure(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        stopped = threading.Event()

        def run(p: ProjectConfig, stop: threading.Event) -> None:
            stopped.set()
            raise StopRequested("A stop was asked for while a write waited its turn.")

        served = serve([scheduled_project("web")], run)
        assert stopped.wait(WAIT)
        assert served.finish() == 0
        said = messages(caplog)
        assert any(m.startswith("run stopped: web (") for m in said), said
        assert not any(m.startswith("run failed") for m in said), said


def signalled_during_a_run(
    sig: signal.Signals, *, install_signal_handlers: bool, settle: float = 0.0
) -> dict[str, object]:
    """run_daemon in the main thread with its default scheduler, as `plansync daemon` runs it,
    sent `sig` while its one run is in progress. Returns what the run and the daemon saw."""
    in_progress = threading.Event()
    seen: dict[str, object] = {}
    backstop = threading.Event()  # ends a broken daemon instead of hanging the suite

    def run(p: ProjectConfig, stop: threading.Event) -> None:
        in_progress.set()
        seen["stop_set"] = stop.wait(WAIT)
        time.sleep(0.2)  # the action in progress still takes a moment
        seen["finished"] = True

    def send_signal() -> None:
        if in_progress.wait(WAIT):
            time.sleep(settle)
            os.kill(os.getpid(), sig)
        if not backstop.wait(WAIT):
            backstop.set()

    sender = threading.Thread(target=send_signal)
    sender.start()
    seen["code"] = run_daemon(
        [scheduled_project("web")],
        run,
        stop=backstop,
        install_signal_handlers=install_signal_handlers,
        log=logging.getLogger(LOGGER),
    )
    seen["finished_on_return"] = seen.get("finished")
    backstop.set()
    sender.join()
    return seen


class TestStopping:
    @pytest.mark.parametrize("sig", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
    def test_a_signal_lets_the_run_in_progress_finish_then_returns_zero(
        self, sig: signal.Signals, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        before = {s: signal.getsignal(s) for s in STOP_SIGNALS}

        seen = signalled_during_a_run(sig, install_signal_handlers=True)

        assert seen["code"] == 0
        assert seen["stop_set"] is True
        assert seen["finished_on_return"] is True
        name = signal.Signals(sig).name
        assert f"stopping ({name}): finishing the run in progress: web" in messages(caplog)
        assert messages(caplog)[-1] == "stopped"
        assert {s: signal.getsignal(s) for s in STOP_SIGNALS} == before

    def test_ctrl_c_without_handlers_stops_the_same_way(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

        # A KeyboardInterrupt lands wherever the main thread is, even inside APScheduler's
        # start(); handlers avoid that. Without them, Ctrl-C is sent once the daemon waits.
        seen = signalled_during_a_run(signal.SIGINT, install_signal_handlers=False, settle=0.2)

        assert seen["code"] == 0
        assert seen["stop_set"] is True
        assert seen["finished_on_return"] is True
        assert "stopping (SIGINT): finishing the run in progress: web" in messages(caplog)

    def test_a_stop_with_no_run_in_progress_starts_no_new_run(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        ran: list[str] = []
        served = serve(
            [scheduled_project("web")], lambda p, s: ran.append(p.name), first_run_now=False
        )
        wait_until(lambda: served.scheduler.running)
        assert served.finish() == 0
        assert ran == []
        assert "stopping (stop requested): no run in progress" in messages(caplog)


class TestTrigger:
    def test_a_triggered_project_runs_at_once_despite_a_long_interval(
        self, serve: Callable[..., Served]
    ) -> None:
        ran: list[str] = []
        served = serve(
            [scheduled_project("web", 60), scheduled_project("api", 60)],
            lambda p, s: ran.append(p.name),
            first_run_now=False,
        )
        wait_until(lambda: served.scheduler.running)

        assert served.daemon.trigger("web") is True
        wait_until(lambda: ran == ["web"])

        # Still one job with the same rules; its next run is one interval after the trigger.
        job = served.scheduler.get_job("web")
        assert (job.coalesce, job.max_instances) == (True, 1)
        wait_until(lambda: job.next_run_time > datetime.now(UTC) + timedelta(minutes=59))
        assert served.finish() == 0
        assert ran == ["web"]

    def test_triggers_during_a_run_make_one_more_run_after_it(
        self, serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
    ) -> None:
        events: list[str] = []
        started = threading.Event()
        release = threading.Event()

        def run(p: ProjectConfig, stop: threading.Event) -> None:
            events.append("start")
            started.set()
            assert release.wait(WAIT)
            events.append("end")

        served = serve([scheduled_project("web", 60)], run)
        assert started.wait(WAIT)
        assert served.daemon.trigger("web") is True
        assert served.daemon.trigger("web") is True
        assert events == ["start"]  # not a second run beside the first

        release.set()
        wait_until(lambda: len(events) == 4)
        time.sleep(0.5)  # room for a third run, which must not come
        assert served.finish() == 0
        assert events == ["start", "end", "start", "end"]
        assert not [r for r in caplog.records if "maximum number of running" in r.getMessage()]

    def test_a_trigger_after_a_stop_request_runs_nothing(
        self, serve: Callable[..., Served]
    ) -> None:
        ran: list[str] = []
        served = serve(
            [scheduled_project("web")], lambda p, s: ran.append(p.name), first_run_now=False
        )
        wait_until(lambda: served.scheduler.running)
        served.daemon.request_stop("test")

        assert served.daemon.trigger("web") is False
        assert served.finish() == 0
        assert ran == []

    def test_an_unknown_project_is_refused(self, serve: Callable[..., Served]) -> None:
        served = serve([scheduled_project("web")], lambda p, s: None, first_run_now=False)
        with pytest.raises(KeyError, match="nope"):
            served.daemon.trigger("nope")
        assert served.finish() == 0


class TestTriggerGap:
    def test_a_burst_of_triggers_makes_one_run_now_and_one_after_the_gap(self) -> None:
        starts: list[float] = []
        scheduler = BackgroundScheduler()
        stop = threading.Event()
        daemon = Daemon(
            [scheduled_project("web")],
            lambda p, s: starts.append(time.monotonic()),
            first_run_now=False,
            scheduler=scheduler,
            stop=stop,
            trigger_gap=1.0,
        )
        thread = threading.Thread(target=daemon.run_until_stopped)
        thread.start()
        try:
            wait_until(lambda: scheduler.running)
            begun = time.monotonic()
            for _ in range(20):
                assert daemon.trigger("web")
                time.sleep(0.01)
            wait_until(lambda: len(starts) == 2)
            time.sleep(0.3)
            assert len(starts) == 2
            assert starts[0] - begun < 0.5  # the first at once
            assert starts[1] - starts[0] >= 0.9  # the second one gap later
        finally:
            stop.set()
            thread.join(WAIT)
