"""`reconcile`: planfiles + tracker snapshot + base -> Changeset. Pure: no I/O, no clock.

Each task is linked to its issue (`links`), each linked task merged three-way with it
(`merge`); tasks without an issue get one, tasks gone from the plan close theirs (`removed`),
and the labels and milestones the issues need come first (`needs`). A task of which only a
mention of its ID in prose is left, where an item once defined it, is gone from the plan too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from plansync.config.project import ProjectConfig
from plansync.gcpause import without_gc
from plansync.model.changeset import Action, Changeset, CloseIssue, CreateIssue
from plansync.model.plan import Task
from plansync.model.remote import RemoteIssue
from plansync.model.sync import Fields, Known, PlanInput, RemoteSnapshot, TaskRef
from plansync.sync.desired import body_spec, dependencies_of, desired_fields, tracker_title
from plansync.sync.links import resolve_links, retired_tasks, without_retired
from plansync.sync.merge import TaskMerger
from plansync.sync.needs import TrackerNeeds
from plansync.sync.removed import removed_task_actions


@without_gc
def reconcile(
    plans: Sequence[PlanInput],
    remote: RemoteSnapshot,
    known: Known,
    project: ProjectConfig,
    *,
    reasons: bool = True,
    unmatched: frozenset[str] = frozenset(),
) -> Changeset:
    """The changeset that brings `plans` and `remote` in step. `reasons`: whether the tracker
    keeps a close reason (GitHub does, GitLab does not). `unmatched`: linked planfiles that
    still exist but that the project's globs no longer match (not deleted: never closed)."""
    push = project.direction in ("both", "push")
    out = Changeset()
    retired = frozenset(
        TaskRef(plan.planfile, key) for plan in plans for key in retired_tasks(plan, known.links)
    )
    plans = [without_retired(plan, known.links) for plan in plans]
    tasks = [(plan, task) for plan in plans for task in plan.synced_tasks()]
    resolution = resolve_links(tasks, remote, known, project, retired)
    out.notices.extend(resolution.notices)
    needs = TrackerNeeds(push)

    def desired(plan: PlanInput, task: Task, issue: RemoteIssue | None) -> Fields:
        fields = desired_fields(plan, task, issue, project, resolution.links)
        needs.note(task, fields)
        return fields

    references = resolution.references(remote, project)
    # An adopted issue's base is the issue as found, as for one plansync made.
    as_found = resolution.made_here | resolution.adopted
    merger = TaskMerger(project, reasons, as_found, references, out)
    updates: list[Action] = []
    edits: list[Action] = []
    for plan, task in tasks:
        link = resolution.links.get(TaskRef(plan.planfile, task.key))
        if link is None:
            continue
        issue = remote.issues.get(link.number)
        if issue is None:
            continue  # reported by resolve_links
        task_updates, task_edits = merger.merge(plan, task, link, issue, desired(plan, task, issue))
        updates.extend(task_updates)
        edits.extend(task_edits)

    creates = [
        CreateIssue(
            task=TaskRef(plan.planfile, task.key),
            tracker_title=tracker_title(task),
            fields=desired(plan, task, None),
            why="new task" if not task.issue_refs else "the referenced issue is missing",
            spec=body_spec(plan, task),
            dependencies=dependencies_of(plan, task),
        )
        for plan, task in resolution.to_create
    ]
    removed, notices = removed_task_actions(
        tasks,
        plans,
        known,
        remote,
        resolution.renamed,
        project.removed == "close" and push,
        unmatched,
    )
    # A retired task's link stays when its issue is closed: it remembers that an item defined
    # the task, so the mention left in the plan never becomes the task on a later run.
    removed = [
        replace(a, removed=False) if isinstance(a, CloseIssue) and a.task in retired else a
        for a in removed
    ]
    out.notices.extend(notices)
    milestone_actions, found_milestones = needs.milestone_actions(remote.milestones)
    out.found_milestones.extend(found_milestones)
    out.actions = [
        *needs.label_actions(known.labels),
        *milestone_actions,
        *resolution.linked_now.values(),
        *_dependencies_first(creates),
        *updates,
        *removed,
        *edits,
    ]
    return out


def _dependencies_first(creates: list[CreateIssue]) -> list[CreateIssue]:
    """Creates in document order, except that a task's dependencies come before it (so its
    body can link them at once). A cycle is cut where it closes: the task of the cycle met
    first comes after the others."""
    pending = {c.task: c for c in creates}
    ordered: list[CreateIssue] = []
    visiting: set[TaskRef] = set()

    def visit(create: CreateIssue) -> None:
        if create.task not in pending or create.task in visiting:
            return
        visiting.add(create.task)
        for _, dep in create.dependencies:
            if dep in pending:
                visit(pending[dep])
        visiting.discard(create.task)
        if create.task in pending:
            ordered.append(pending.pop(create.task))

    for create in creates:
        visit(create)
    return ordered
