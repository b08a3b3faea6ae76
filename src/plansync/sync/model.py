"""The sync engine's data: links, base values, actions and their results. No I/O here.

A run reads the planfiles and the tracker, then `reconcile` turns them, with the base values the
state store keeps, into a `Changeset`: an ordered list of actions, each saying why. `apply`
carries the actions out and records an `ActionResult` for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from plansync.project_config import SummaryPlace
from plansync.sync.body import BodySpec


class TaskState(StrEnum):
    """A task's state as both sides can hold it. DROPPED: the issue was closed as not planned."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Fields:
    """The synced fields of one task, as plansync compares them on the plan side, on the tracker
    side and in the base (the values of the last sync).

    `title` is the plan's form (no `[ID]` prefix); `milestone` the tracker milestone's title;
    `labels` only the labels plansync manages for the task; `assignees` tracker usernames;
    `estimate` minutes; `body` plansync's block of the issue body.
    """

    title: str
    state: TaskState
    milestone: str | None = None
    labels: tuple[str, ...] = ()
    estimate: int | None = None
    assignees: tuple[str, ...] = ()
    body: str = ""


@dataclass(frozen=True)
class TaskRef:
    """A task's identity inside a project: its planfile (posix path relative to the root) and
    its key in that file."""

    planfile: str
    key: str

    def __str__(self) -> str:
        return f"{self.planfile}#{self.key}"


@dataclass(frozen=True)
class Link:
    """A task linked to an issue. `base` is None until the first sync of its fields."""

    task: TaskRef
    number: int
    issue_id: int
    url: str
    base: Fields | None = None


@dataclass(frozen=True)
class MilestoneLink:
    title: str
    number: int
    milestone_id: int
    url: str
    due_on: date | None = None
    description: str = ""


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
    """One edit of a task's line. `value` is the issue reference for LINK, the new title for
    RETITLE (and `old` the title it replaces), the title for STRIKE / UNSTRIKE."""

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


@dataclass(frozen=True)
class Conflict:
    task: TaskRef
    field: str
    plan_value: str
    tracker_value: str
    resolution: str  # what the policy decided, in words


@dataclass(frozen=True)
class Notice:
    """Something a person should know that no action fixes (a removed task left open, an
    issue deleted on the tracker, a skip because of the direction)."""

    task: TaskRef | None
    message: str
    number: int | None = None


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
        return [a for a in self.actions if not isinstance(a, EditPlan | WriteSummary | LinkIssue)]

    @property
    def plan_edits(self) -> list[EditPlan]:
        return [a for a in self.actions if isinstance(a, EditPlan)]

    def is_empty(self) -> bool:
        return not self.actions


@dataclass(frozen=True)
class Failure:
    """A task whose issue could not be created, and why."""

    task: TaskRef
    why: str


@dataclass(frozen=True)
class Findings:
    """What the last run that synced anything found, kept for the summary until the next such
    run: its conflicts, and the creates that failed."""

    conflicts: tuple[Conflict, ...] = ()
    failures: tuple[Failure, ...] = ()


class Status(StrEnum):
    APPLIED = "applied"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class ActionResult:
    action: Action
    status: Status
    detail: str = ""  # why it was skipped or failed; what was made (e.g. `#12`) when applied
