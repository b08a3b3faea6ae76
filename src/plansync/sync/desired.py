"""What a task's issue should hold, and how an issue's values read on the plan's terms.

Pure functions of a task, the project's rules and the tracker's answer: the reconciler compares
their results with the base values.
"""

from __future__ import annotations

from collections.abc import Mapping

from plansync.config.project import LabelRules, ProjectConfig
from plansync.model.changeset import BodySpec
from plansync.model.plan import Task
from plansync.model.remote import RemoteIssue
from plansync.model.sync import (
    Fields,
    Link,
    PlanInput,
    TaskRef,
    TaskState,
    plan_state,
    remote_state,
)
from plansync.planfile.edit_escape import pulled_title_text
from plansync.sync.body import render_body_block
from plansync.trackers.markers import marker_for


def tracker_title(task: Task) -> str:
    """The issue title: `[SEC-002] Authentication` for a task with an ID, else the title."""
    return f"[{task.id}] {task.title}" if task.id else task.title


def plan_title_of(remote_title: str, task_id: str | None) -> str:
    """An issue title on the plan's terms: without the `[ID] ` prefix plansync gave it."""
    if task_id:
        prefix = f"[{task_id}]"
        if remote_title.startswith(prefix):
            return remote_title[len(prefix) :].strip()
    return remote_title.strip()


def task_labels(task: Task, rules: LabelRules) -> tuple[str, ...]:
    """The labels plansync manages on the task's issue, sorted."""
    labels: set[str] = set()
    if rules.managed:
        labels.add(rules.managed)
    if rules.priority and task.priority is not None:
        labels.add(rules.priority.replace("{priority}", task.priority.value))
    if rules.groups:
        labels.update(task.labels)
    return tuple(sorted(labels))


def task_assignees(task: Task, people: Mapping[str, str]) -> tuple[str, ...] | None:
    """Tracker usernames for the task's owners through the people map; None when the plan
    names nobody the map knows (plansync then leaves the issue's assignees alone)."""
    mapped = {people[name] for name in task.assignees if name in people}
    return tuple(sorted(mapped)) if mapped else None


def body_spec(plan: PlanInput, task: Task) -> BodySpec:
    """What plansync's block of the task's issue body says about the task."""
    ref = TaskRef(plan.planfile, task.key)
    return BodySpec(
        description=task.description,
        estimate=task.estimate.text if task.estimate else None,
        priority=task.priority.value if task.priority else None,
        depends_on=task.depends_on,
        plan_path=plan.planfile,
        plan_url=plan.plan_url,
        task_label=task.id or task.key,
        marker=marker_for(ref),
    )


def dependencies_of(plan: PlanInput, task: Task) -> tuple[tuple[str, TaskRef], ...]:
    """The task's dependencies found among its planfile's tasks (by ID, else key), as
    (the dependency as written, the task it names)."""
    found: list[tuple[str, TaskRef]] = []
    for dep in task.depends_on:
        other = plan.task_named(dep)
        if other is not None:
            found.append((dep, TaskRef(plan.planfile, other.key)))
    return tuple(found)


def desired_fields(
    plan: PlanInput,
    task: Task,
    remote: RemoteIssue | None,
    project: ProjectConfig,
    links: Mapping[TaskRef, Link],
) -> Fields:
    """The values the plan gives the task's issue. `remote`: the issue as it is (its
    assignees stay when the plan names nobody the people map knows); `links`: the tasks'
    issues, for the numbers of the dependencies."""
    labels = task_labels(task, project.labels)
    assignees = task_assignees(task, project.people)
    if assignees is None:
        assignees = tuple(sorted(remote.assignees)) if remote else ()
    numbers = {dep: links[ref].number for dep, ref in dependencies_of(plan, task) if ref in links}
    return Fields(
        title=task.title,
        state=plan_state(task, plan.struck(task)),
        milestone=plan.milestone_of(task, project.milestone_template),
        labels=labels,
        estimate=(task.estimate.minutes or None) if task.estimate else None,
        assignees=assignees,
        body=render_body_block(body_spec(plan, task), numbers),
        from_mention=task.from_mention,
    )


def same_state(a: TaskState, b: TaskState, reasons: bool) -> bool:
    """Equal states; on a tracker that keeps no close reason (GitLab) done and dropped read
    the same, since a dropped task's issue reads back as plainly closed."""
    if a == b:
        return True
    return not reasons and TaskState.OPEN not in (a, b)


def remote_fields(
    issue: RemoteIssue, task_id: str | None, managed: tuple[str, ...], body: str
) -> Fields:
    """The issue's values on the plan's terms. `managed` are the labels plansync manages for the
    task (desired and base): only those are compared. `body` is plansync's block of its body."""
    return Fields(
        title=pulled_title_text(plan_title_of(issue.title, task_id)),
        state=remote_state(issue),
        milestone=issue.milestone_title,
        labels=tuple(sorted(set(issue.labels) & set(managed))),
        estimate=issue.estimate_minutes,
        assignees=tuple(sorted(issue.assignees)),
        body=body,
    )
