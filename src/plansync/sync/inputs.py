"""What `reconcile` is given: the planfiles as read, the tracker as observed, what the state
store remembers, and the marker that ties an issue to its task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plansync.model import PlanDocument, Task
from plansync.sync.desired import milestone_title
from plansync.sync.model import Link, TaskRef
from plansync.trackers.base import RemoteIssue, RemoteMilestone
from plansync.trackers.markers import task_marker


@dataclass(frozen=True)
class PlanInput:
    """One planfile as read: `lines` are its decoded lines without endings (line n at n - 1)."""

    planfile: str
    document: PlanDocument
    lines: tuple[str, ...]
    plan_url: str | None = None
    sync_criteria: bool = False

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


def marker_for(task: TaskRef) -> str:
    return task_marker(str(task))


def task_of_marker(key: str) -> TaskRef | None:
    planfile, sep, task_key = key.rpartition("#")
    return TaskRef(planfile, task_key) if sep and planfile and task_key else None
