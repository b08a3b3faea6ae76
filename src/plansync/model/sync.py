"""A task as both sides hold it: its identity, its synced fields and their base, its link to an
issue; what a run is given (the planfiles as read, the tracker as observed, what the state store
remembers) and what it finds (conflicts, notices, failures).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property

from plansync.model.plan import PlanDocument, Task, TaskKind
from plansync.model.remote import CloseReason, IssueState, RemoteIssue, RemoteMilestone


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
    `estimate` minutes; `body` plansync's block of the issue body. `from_mention` is not
    synced: it records, in the base, whether prose that mentions the task's ID defined it (see
    `Task.from_mention`), so a later run knows whether an item ever did; None where the base
    was written before plansync kept it.
    """

    title: str
    state: TaskState
    milestone: str | None = None
    labels: tuple[str, ...] = ()
    estimate: int | None = None
    assignees: tuple[str, ...] = ()
    body: str = ""
    from_mention: bool | None = None


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


@dataclass(frozen=True)
class PlanInput:
    """One planfile as read: `lines` are its decoded lines without endings (line n at n - 1)."""

    planfile: str
    document: PlanDocument
    lines: tuple[str, ...]
    plan_url: str | None = None
    sync_criteria: bool = False

    @cached_property
    def _by_name(self) -> dict[str, Task]:
        named: dict[str, Task] = {}
        for task in self.document.tasks:
            if task.id:
                named.setdefault(task.id, task)
            named.setdefault(task.key, task)
        return named

    def task_named(self, name: str) -> Task | None:
        """The first task, in the file's order, whose ID or key is `name` (a dependency as
        written): one lookup, so linking every dependency costs linear time."""
        return self._by_name.get(name)

    def synced_tasks(self) -> list[Task]:
        return [t for t in self.document.tasks if self.sync_criteria or not t.criterion]

    def milestone_of(self, task: Task, template: str) -> str | None:
        """The tracker milestone title for the task's milestone section, if it has one."""
        plan_title = self.document.title or self.document.path.stem
        return milestone_title(task.milestone, plan_title, template)

    def struck(self, task: Task) -> bool:
        return self.holds(task, f"~~{task.title}~~")

    def holds(self, task: Task, text: str) -> bool:
        """Whether the task's line holds `text` as written: a title with inline markup
        (`**bold**`, code spans) is not its plain text on the line, and plansync does not
        rewrite it in place."""
        line = self.lines[task.line - 1] if 0 < task.line <= len(self.lines) else ""
        return text in line


@dataclass(frozen=True)
class RemoteSnapshot:
    issues: Mapping[int, RemoteIssue]
    milestones: Sequence[RemoteMilestone]


@dataclass(frozen=True)
class Known:
    """What the state store remembers."""

    links: Mapping[TaskRef, Link]
    labels: frozenset[str] = frozenset()


def milestone_title(section: str | None, plan_title: str, template: str) -> str | None:
    if section is None:
        return None
    return template.replace("{plan}", plan_title).replace("{section}", section).strip()


def can_show_state(task: Task) -> bool:
    """Whether the plan can show the task done or open: a checkbox, or a table status cell."""
    if task.kind is TaskKind.CHECKBOX:
        return True
    return task.table is not None and task.table.index_of("status") is not None


def plan_state(task: Task, struck: bool) -> TaskState:
    """A struck-through task (`~~title~~`) is dropped; a ticked one done; else open."""
    if struck:
        return TaskState.DROPPED
    return TaskState.DONE if task.done else TaskState.OPEN


def remote_state(issue: RemoteIssue) -> TaskState:
    if issue.state is IssueState.OPEN:
        return TaskState.OPEN
    if issue.state_reason is CloseReason.NOT_PLANNED:
        return TaskState.DROPPED
    return TaskState.DONE


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def due_date_text(section_title: str) -> str | None:
    """An explicit ISO date in a milestone heading (`Phase 2 (due 2026-12-01)`), as written."""
    match = _ISO_DATE.search(section_title)
    return match.group() if match else None
