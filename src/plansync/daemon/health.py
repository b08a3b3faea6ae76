"""Is the daemon ready? Every tracker accepted its token on its last try, and every project's
last run finished within three of its intervals. What is not so is named, one line each.
A project whose run the tracker's rate limit stopped is waiting, not late: its three intervals
count from when the limit resets.

A run that raised is not finished; one that ended with failed actions is (the tracker
answered, the next run retries them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from plansync.config.project import ProjectConfig

# A project is late when its last finished run is older than this many intervals.
LATE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...]


def tracker_label(project: ProjectConfig) -> str:
    """How metrics and health name a project's tracker: `github:acme/website`."""
    return f"{project.tracker.kind}:{project.tracker.repo}"


class Health:
    def __init__(
        self, projects: Sequence[ProjectConfig], clock: Callable[[], float] = time.time
    ) -> None:
        self._projects = list(projects)
        self._clock = clock
        self._lock = threading.Lock()
        self._finished: dict[str, float] = {}
        self._refused: dict[str, str] = {}  # tracker label -> the project whose run saw it
        self._waiting: dict[str, float] = {}  # project -> when its rate limit resets

    def run_finished(self, project: ProjectConfig) -> None:
        """The run read the tracker (its token was accepted) and came to its end."""
        with self._lock:
            self._finished[project.name] = self._clock()
            self._refused.pop(tracker_label(project), None)
            self._waiting.pop(project.name, None)

    def rate_limited(self, project: ProjectConfig, until: float) -> None:
        """The tracker answered the run (its token was accepted) with a rate limit that lasts
        until `until` (Unix time), when the project runs again."""
        with self._lock:
            self._finished[project.name] = self._clock()
            self._refused.pop(tracker_label(project), None)
            self._waiting[project.name] = until

    def token_refused(self, project: ProjectConfig) -> None:
        with self._lock:
            self._refused[tracker_label(project)] = project.name

    def readiness(self) -> Readiness:
        now = self._clock()
        problems: list[str] = []
        with self._lock:
            for tracker, seen_by in sorted(self._refused.items()):
                problems.append(f"tracker {tracker}: the token was refused (run of {seen_by})")
            for project in self._projects:
                finished = self._finished.get(project.name)
                limit = LATE_AFTER_INTERVALS * project.interval_minutes * 60
                if finished is None:
                    problems.append(f"project {project.name}: no run has finished yet")
                elif now - max(finished, self._waiting.get(project.name, 0.0)) > limit:
                    ago = (now - finished) / 60
                    problems.append(
                        f"project {project.name}: last run finished {ago:.0f} min ago (more "
                        f"than {LATE_AFTER_INTERVALS} intervals of "
                        f"{project.interval_minutes:g} min)"
                    )
        return Readiness(not problems, tuple(problems))
