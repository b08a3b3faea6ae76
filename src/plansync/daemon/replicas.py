"""Several daemons on one PostgreSQL store: who runs a project a webhook woke.

Any daemon may receive a delivery. It records the delivery id in the store (a redelivery to
another daemon is seen there) and marks the woken projects dirty, then wakes its own claimer.
Every daemon's claimer claims dirty projects (`FOR UPDATE SKIP LOCKED`, with a lease) every
`claim_every_seconds` and runs them on its own scheduler; the claim is finished when that run
ends, so marks made during the run keep the project dirty. A run takes the project's advisory
lock; one that finds it taken skips (another daemon runs the project), and its claim stays
dirty for the next claimer. A daemon that dies drops its locks with its connections, and its
claims are free again once their lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from plansync.config.project import ProjectConfig
from plansync.daemon.scheduler import RunProject, RunReport
from plansync.errors import PlansyncError
from plansync.state.base import DirtyClaim, StateDatabase

# Claimed at most this many projects waiting for their run on one daemon: the rest stay
# dirty for the daemons with free workers.
CLAIMS_WAITING = 8
# Delivery ids are kept this long: trackers redeliver within hours, not days.
DELIVERIES_KEPT = 3 * 24 * 3600.0
_FORGET_EVERY = 3600.0


def owner_name() -> str:
    """This daemon as claims name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Replicas:
    """The claims of one daemon among several sharing `state`."""

    def __init__(
        self,
        state: StateDatabase,
        projects: dict[str, ProjectConfig],
        *,
        every: float,
        lease: float,
        log: logging.Logger,
        owner: str | None = None,
    ) -> None:
        self._state = state
        self._projects = projects
        self._every = every
        self._lease = lease
        self._log = log
        self.owner = owner or owner_name()
        self._lock = threading.Lock()
        self._waiting: dict[str, list[DirtyClaim]] = {}  # claimed, their run not started
        self._wake = threading.Event()
        self._stopped = False

    # webhooks -------------------------------------------------------------------------------

    def first_time(self, delivery_id: str) -> bool:
        """True the first time any daemon sharing the store sees the delivery."""
        return self._state.record_delivery(delivery_id)

    def mark(self, name: str) -> bool:
        """A webhook woke the project: mark it dirty and claim at once. False once stopping."""
        project = self._projects.get(name)
        if project is None:
            raise KeyError(name)
        if self._stopped:
            return False
        self._state.store(project.name, project.scope).mark_dirty()
        self._wake.set()
        return True

    # runs -----------------------------------------------------------------------------------

    def runner(self, run: RunProject) -> RunProject:
        """`run`, finishing the claims taken for the project before it started."""

        def claimed_run(project: ProjectConfig, stop: threading.Event) -> RunReport | None:
            with self._lock:
                claims = self._waiting.pop(project.name, [])
            ran = False
            try:
                report = run(project, stop)
                ran = report is None or not report.skipped
                return report
            except Exception:
                # A failed run is not retried at once (as with one daemon): the next interval
                # run covers it.
                ran = True
                raise
            finally:
                self._finish(claims, ran)

        return claimed_run

    def claim_loop(self, trigger: Callable[[str], bool], stopping: threading.Event) -> None:
        """Claim dirty projects and trigger their runs until `stopping` is set."""
        forgot = 0.0
        while not stopping.is_set():
            try:
                self._claim(trigger)
                if time.monotonic() - forgot > _FORGET_EVERY:
                    self._state.forget_deliveries(DELIVERIES_KEPT)
                    forgot = time.monotonic()
            except Exception as exc:  # the next tick tries again; this thread must live on
                self._log.warning("claiming dirty projects failed: %s", exc)
            self._wake.wait(self._every)
            self._wake.clear()
        self._stopped = True
        with self._lock:
            left = [claim for claims in self._waiting.values() for claim in claims]
            self._waiting.clear()
        self._finish(left, False)

    def _claim(self, trigger: Callable[[str], bool]) -> None:
        with self._lock:
            free = CLAIMS_WAITING - sum(len(c) for c in self._waiting.values())
        if free <= 0:
            return
        for claim in self._state.claim_dirty(self.owner, self._lease, limit=free):
            if claim.project not in self._projects:
                self._log.warning(
                    "dirty project %s is not in this daemon's config: left to the others",
                    claim.project,
                )
                self._finish([claim], False)
                continue
            with self._lock:
                self._waiting.setdefault(claim.project, []).append(claim)
            if not trigger(claim.project):  # stopping
                with self._lock:
                    mine = self._waiting.pop(claim.project, [])
                self._finish(mine, False)

    def _finish(self, claims: list[DirtyClaim], ran: bool) -> None:
        for claim in claims:
            try:
                self._state.finish_claim(claim, ran)
            except PlansyncError as exc:
                # The lease runs out and another daemon claims it again: nothing is lost.
                self._log.warning("finishing the claim on %s failed: %s", claim.project, exc)
