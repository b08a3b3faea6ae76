"""The figures of one planfile's summary, as data. No I/O here; `figures.compute` makes them,
`render` writes them out. Every renderer shows the same figures, so they are computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from plansync.model.sync import TaskState


@dataclass(frozen=True)
class Effort:
    """A sum of estimates in minutes: `low` adds up the lower ends of ranges (`45-75 h`),
    `high` the upper ends; equal when no estimate is a range."""

    low: int
    high: int

    def __add__(self, other: Effort) -> Effort:
        return Effort(self.low + other.low, self.high + other.high)


@dataclass(frozen=True)
class Progress:
    """Done over total, dropped tasks (closed as not planned) counted apart from both.

    `effort_done` / `effort_total` are None when no task of the group has an estimate;
    `effort_total` covers the tasks counted in `total`."""

    done: int
    total: int
    dropped: int = 0
    effort_done: Effort | None = None
    effort_total: Effort | None = None

    @property
    def percent(self) -> int:
        """Rounded down: 100 only when everything is done."""
        return 100 * self.done // self.total if self.total else 0

    @property
    def effort_left(self) -> Effort | None:
        if self.effort_total is None:
            return None
        done = self.effort_done or Effort(0, 0)
        return Effort(self.effort_total.low - done.low, self.effort_total.high - done.high)


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone section of the planfile. `title` is the tracker milestone's title;
    `url` its page on the tracker (None until it exists there); `due_on` from the heading or
    the tracker; `overdue` when the due date has passed and tasks are left."""

    title: str
    progress: Progress
    due_on: date | None = None
    overdue: bool = False
    url: str | None = None


class Unlinked(StrEnum):
    """Why a task has no issue."""

    PULL = "pull"  # the direction is pull: plansync creates no issue
    FAILED = "failed"  # creating its issue failed in the last run
    EXCLUDED = "excluded"  # a criterion, and criteria are not synced
    GONE = "gone"  # its issue was deleted or moved
    PENDING = "pending"  # not synced yet


@dataclass(frozen=True)
class TaskLine:
    """A task as the summary lists it. `number` / `url`: its issue, when linked."""

    key: str
    title: str
    state: TaskState
    line: int
    id: str | None = None
    number: int | None = None
    url: str | None = None
    milestone: str | None = None
    unlinked: Unlinked | None = None
    detail: str = ""  # for FAILED: the error; for GONE: the issue number it had


@dataclass(frozen=True)
class Coverage:
    """`linked` of `total` tasks have an issue; `missing` are the others, with why."""

    linked: int
    total: int
    missing: tuple[TaskLine, ...] = ()


@dataclass(frozen=True)
class UntrackedIssue:
    """An issue in one of the planfile's milestones that no task of the project is linked to."""

    number: int
    title: str
    url: str
    open: bool
    milestone: str


class DriftKind(StrEnum):
    CONFLICT = "conflict"  # changed on both sides in the last run that synced anything
    NOT_PLANNED = "not-planned"  # the issue was closed as not planned
    GONE = "gone"  # the issue was deleted or moved


@dataclass(frozen=True)
class Drift:
    """Something that needs a person. For CONFLICT, `field`, `plan_value`, `tracker_value`
    and `resolution` say what happened."""

    kind: DriftKind
    task: TaskLine
    field: str = ""
    plan_value: str = ""
    tracker_value: str = ""
    resolution: str = ""


@dataclass(frozen=True)
class PlanFigures:
    """Everything one planfile's summary shows. `ascii_only` is set for a mis-encoded
    planfile, whose block must not make its encoding worse."""

    planfile: str
    title: str
    overall: Progress
    milestones: tuple[MilestoneRow, ...]
    coverage: Coverage
    tasks: tuple[TaskLine, ...]  # every synced task, in plan order
    untracked: tuple[UntrackedIssue, ...] = ()
    drift: tuple[Drift, ...] = ()
    states: dict[TaskState, int] = field(default_factory=dict)  # synced tasks per state
    ascii_only: bool = False
