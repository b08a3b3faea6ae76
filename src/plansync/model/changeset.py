"""The sync engine's data: links, base values, actions and their results. No I/O here.

A run reads the planfiles and the tracker, then `reconcile` turns them, with the base values the
state store keeps, into a `Changeset`: an ordered list of actions, each saying why. `apply`
carries the actions out and records an `ActionResult` for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from plansync.model.sync import Conflict, Fields, MilestoneLink, Notice, TaskRef


class PlanEditKind(StrEnum):
    TICK = "tick"
    UNTICK = "untick"
    RETITLE = "retitle"
    LINK = "link"
    STRIKE = "strike"
    UNSTRIKE = "unstrike"


# ------------------------------------------------------------------------------------------
# Actions. Each says what it does to which target, and why.


@dataclass(frozen=True)
class EnsureLabels:
    names: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class CreateMilestone:
    title: str
    why: str
    due_on: date | None = None


@dataclass(frozen=True)
class UpdateMilestone:
    number: int
    title: str
    due_on: date | None
    why: str


@dataclass(frozen=True)
class CreateIssue:
    """A new issue for a task. `fields.body` is rendered again at apply time, when the issues
    of dependencies created earlier in the same run are known."""

    task: TaskRef
    tracker_title: str
    fields: Fields
    why: str
    spec: BodySpec
    # (dependency as written, the task it names): their issue numbers go into the body.
    dependencies: tuple[tuple[str, TaskRef], ...] = ()


@dataclass(frozen=True)
class LinkIssue:
    """Record a link found in the planfile (`#61`) or in an issue body (the marker).
    `previous`: the task's key before it was renamed in the plan (its link and base move)."""

    task: TaskRef
    number: int
    issue_id: int
    url: str
    why: str
    previous: TaskRef | None = None


@dataclass(frozen=True)
class UpdateIssue:
    """Change an issue's fields; None leaves a field as it is. `fields` is the base after it."""

    task: TaskRef
    number: int
    changed: tuple[str, ...]  # names of the Fields that change, for the report
    fields: Fields
    why: str
    tracker_title: str | None = None
    labels: tuple[str, ...] | None = None  # the issue's whole label set after the change
    milestone: str | None = None
    clear_milestone: bool = False
    assignees: tuple[str, ...] | None = None
    estimate: int | None = None
    set_estimate: bool = False
    body: str | None = None  # the issue's whole body after the change

    @property
    def settles(self) -> tuple[str, ...]:
        return self.changed


@dataclass(frozen=True)
class CloseIssue:
    """Close an issue: a task's state pushed, or (`removed`) a task gone from the plan."""

    task: TaskRef
    number: int
    not_planned: bool
    why: str
    comment: str | None = None
    removed: bool = False

    @property
    def settles(self) -> tuple[str, ...]:
        return () if self.removed else ("state",)


@dataclass(frozen=True)
class ReopenIssue:
    task: TaskRef
    number: int
    why: str

    @property
    def settles(self) -> tuple[str, ...]:
        return ("state",)


@dataclass(frozen=True)
class EditPlan:
    """One edit of a task's line. `value` is the issue reference for LINK (and `old` a dead
    reference it replaces, if any), the new title for RETITLE (and `old` the title it
    replaces), the title for STRIKE / UNSTRIKE."""

    task: TaskRef
    kind: PlanEditKind
    why: str
    value: str = ""
    old: str = ""

    @property
    def settles(self) -> tuple[str, ...]:
        if self.kind is PlanEditKind.LINK:
            return ()
        return ("title",) if self.kind is PlanEditKind.RETITLE else ("state",)


@dataclass(frozen=True)
class BaseUpdate:
    """A linked task's base before the run and the base once all its actions applied. A field
    an action settles moves when that action applies; the others move at once."""

    before: Fields | None
    after: Fields


# ------------------------------------------------------------------------------------------
# Summary actions: made at the end of a run, from the figures the run left.


@dataclass(frozen=True)
class WriteSummary:
    """Put `content` into the planfile's summary block (inserted at `place` when it has none)."""

    planfile: str
    content: str
    place: SummaryPlace
    why: str


@dataclass(frozen=True)
class DescribeMilestone:
    """Set a milestone's description: the person's text with plansync's progress line."""

    number: int
    title: str
    description: str
    why: str


@dataclass(frozen=True)
class CreateTrackingIssue:
    """A planfile's tracking issue; `body` carries `marker`, by which it is found again."""

    planfile: str
    title: str
    body: str
    marker: str
    why: str


@dataclass(frozen=True)
class UpdateTrackingIssue:
    planfile: str
    number: int
    title: str | None
    body: str | None
    why: str


TrackerAction = (
    EnsureLabels
    | CreateMilestone
    | UpdateMilestone
    | CreateIssue
    | UpdateIssue
    | CloseIssue
    | ReopenIssue
    | DescribeMilestone
    | CreateTrackingIssue
    | UpdateTrackingIssue
)
PlanAction = EditPlan | WriteSummary
Action = TrackerAction | LinkIssue | PlanAction


@dataclass
class Changeset:
    """What one run will do, in order, with the conflicts and notices found on the way.
    `bases` says where each linked task's base goes; only the state store is written for it."""

    actions: list[Action] = field(default_factory=list)
    bases: dict[TaskRef, BaseUpdate] = field(default_factory=dict)
    found_milestones: list[MilestoneLink] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def tracker_actions(self) -> list[Action]:
        return [a for a in self.actions if is_tracker_action(a)]

    @property
    def plan_edits(self) -> list[EditPlan]:
        return [a for a in self.actions if isinstance(a, EditPlan)]

    def is_empty(self) -> bool:
        return not self.actions


class Status(StrEnum):
    APPLIED = "applied"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class ActionResult:
    action: Action
    status: Status
    detail: str = ""  # why it was skipped or failed; what was made (e.g. `#12`) when applied


@dataclass(frozen=True)
class BodySpec:
    """What a task's block says. Every text field is plan text, written as the plan has it.

    `depends_on` holds the keys or IDs of the tasks this one depends on, in the order written;
    `plan_path` is the planfile's posix path relative to the root and `plan_url` its address
    on the web when known; `task_label` is the task's ID, or its key when it has none;
    `marker` is the hidden marker (`trackers.markers.task_marker`), written verbatim.
    """

    description: str
    estimate: str | None
    priority: str | None
    depends_on: tuple[str, ...]
    plan_path: str
    plan_url: str | None
    task_label: str
    marker: str


SummaryPlace = Literal["after-title", "top", "end", "markers"]


def is_tracker_action(action: Action) -> bool:
    """Whether the action writes to the tracker (not to a plan file or the state store)."""
    return not isinstance(action, EditPlan | WriteSummary | LinkIssue)
