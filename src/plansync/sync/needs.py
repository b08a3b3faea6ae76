"""The labels and milestones the tasks' issues are given, and the actions that make sure the
tracker has them before any issue is created or updated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from plansync.model.changeset import Action, CreateMilestone, EnsureLabels, UpdateMilestone
from plansync.model.plan import Task
from plansync.model.remote import RemoteMilestone
from plansync.model.sync import Fields, MilestoneLink, due_date_text


@dataclass
class TrackerNeeds:
    """Collected task by task, in document order (the order milestones are created in).
    Milestones are needed only when the run pushes to the tracker."""

    push: bool
    labels: set[str] = field(default_factory=set)
    milestones: dict[str, date | None] = field(default_factory=dict)  # title -> due date

    def note(self, task: Task, fields: Fields) -> None:
        """What the task's issue, given `fields`, needs on the tracker."""
        self.labels.update(fields.labels)
        if fields.milestone is not None and self.push:
            due = due_date_text(task.milestone or "")
            self.milestones.setdefault(fields.milestone, date.fromisoformat(due) if due else None)

    def label_actions(self, known: frozenset[str]) -> list[Action]:
        missing = sorted(self.labels - known)
        if not missing or not self.push:
            return []
        return [EnsureLabels(tuple(missing), "labels plansync puts on issues")]

    def milestone_actions(
        self, existing: Sequence[RemoteMilestone]
    ) -> tuple[list[Action], list[MilestoneLink]]:
        """The milestones to create or re-date, and the needed ones the tracker already has."""
        by_title = {m.title: m for m in existing}
        actions: list[Action] = []
        found_milestones: list[MilestoneLink] = []
        for title, due in self.milestones.items():
            found = by_title.get(title)
            if found is None:
                actions.append(CreateMilestone(title, "a milestone section of the plan", due))
                continue
            found_milestones.append(
                MilestoneLink(
                    title, found.number, found.id, found.url, found.due_on, found.description
                )
            )
            if due is not None and found.due_on != due:
                actions.append(
                    UpdateMilestone(found.number, title, due, f"the plan says due {due}")
                )
        return actions, found_milestones
