"""`reconcile`: planfiles + tracker snapshot + base -> Changeset. Pure: no I/O, no clock.

For each field of each task it compares three versions (plan, tracker, base). Changed on one
side: copied to the other. Changed on both: the project's policy decides and a Conflict is
reported. Titles and states sync both ways; milestone, labels, estimate, assignees and plansync's
block of the issue body go from the plan to the tracker only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from plansync.config.project import ProjectConfig
from plansync.model.changeset import (
    Action,
    BaseUpdate,
    BodySpec,
    Changeset,
    CloseIssue,
    CreateIssue,
    CreateMilestone,
    EditPlan,
    EnsureLabels,
    PlanEditKind,
    ReopenIssue,
    UpdateIssue,
    UpdateMilestone,
)
from plansync.model.plan import Task
from plansync.model.remote import IssueState, RemoteIssue
from plansync.model.sync import (
    Conflict,
    Fields,
    Known,
    Link,
    MilestoneLink,
    Notice,
    PlanInput,
    RemoteSnapshot,
    TaskRef,
    TaskState,
    can_show_state,
    due_date_text,
    plan_state,
)
from plansync.sync.body import managed_block, render_body_block, splice
from plansync.sync.desired import (
    plan_title_of,
    remote_fields,
    same_state,
    task_assignees,
    task_labels,
    tracker_title,
)
from plansync.sync.links import resolve_links
from plansync.trackers.markers import marker_for

_V = TypeVar("_V")


def reconcile(
    plans: Sequence[PlanInput],
    remote: RemoteSnapshot,
    known: Known,
    project: ProjectConfig,
    *,
    reasons: bool = True,
) -> Changeset:
    """The changeset that brings `plans` and `remote` in step. `reasons`: whether the tracker
    keeps a close reason (GitHub does, GitLab does not)."""
    return _Reconciler(plans, remote, known, project, reasons).run()


class _Reconciler:
    def __init__(
        self,
        plans: Sequence[PlanInput],
        remote: RemoteSnapshot,
        known: Known,
        project: ProjectConfig,
        reasons: bool,
    ) -> None:
        self.plans = plans
        self.remote = remote
        self.known = known
        self.project = project
        self.reasons = reasons
        self.push = project.direction in ("both", "push")
        self.pull = project.direction in ("both", "pull")
        self.out = Changeset()
        self.needed_labels: set[str] = set()
        self.needed_milestones: dict[str, date | None] = {}

    # -- driver ---------------------------------------------------------------------------------

    def run(self) -> Changeset:
        tasks = [(plan, task) for plan in self.plans for task in plan.synced_tasks()]
        resolution = resolve_links(tasks, self.remote, self.known, self.project)
        self.out.notices.extend(resolution.notices)
        self.links = resolution.links
        self.linked_now = resolution.linked_now
        self.to_create = resolution.to_create
        self.renamed = resolution.renamed
        self.made_here = resolution.made_here
        updates: list[Action] = []
        edits: list[Action] = []
        for plan, task in tasks:
            ref = TaskRef(plan.planfile, task.key)
            link = self.links.get(ref)
            if link is None:
                continue
            issue = self.remote.issues.get(link.number)
            if issue is None:
                continue  # reported by resolve_links
            self._sync_task(plan, task, ref, link, issue, updates, edits)
        creates = self._creates()
        removed = self._removed(tasks)
        self.out.actions = [
            *self._labels_action(),
            *self._milestone_actions(),
            *self.linked_now.values(),
            *creates,
            *updates,
            *removed,
            *edits,
        ]
        return self.out

    # -- what a task should be -----------------------------------------------------------------

    def _milestone(self, plan: PlanInput, task: Task) -> str | None:
        """The task's milestone title, noted as needed on the tracker."""
        title = plan.milestone_of(task, self.project.milestone_template)
        if title is not None and self.push:
            due = due_date_text(task.milestone or "")
            self.needed_milestones.setdefault(title, date.fromisoformat(due) if due else None)
        return title

    def _spec(self, plan: PlanInput, task: Task) -> BodySpec:
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

    def _dependencies(self, plan: PlanInput, task: Task) -> tuple[tuple[str, TaskRef], ...]:
        found: list[tuple[str, TaskRef]] = []
        for dep in task.depends_on:
            for other in plan.document.tasks:
                if dep in (other.id, other.key):
                    found.append((dep, TaskRef(plan.planfile, other.key)))
                    break
        return tuple(found)

    def _numbers(self, deps: tuple[tuple[str, TaskRef], ...]) -> dict[str, int]:
        return {dep: self.links[ref].number for dep, ref in deps if ref in self.links}

    def _desired(self, plan: PlanInput, task: Task, remote: RemoteIssue | None) -> Fields:
        labels = task_labels(task, self.project.labels)
        self.needed_labels.update(labels)
        assignees = task_assignees(task, self.project.people)
        if assignees is None:
            assignees = tuple(sorted(remote.assignees)) if remote else ()
        spec = self._spec(plan, task)
        body = render_body_block(spec, self._numbers(self._dependencies(plan, task)))
        return Fields(
            title=task.title,
            state=plan_state(task, plan.struck(task)),
            milestone=self._milestone(plan, task),
            labels=labels,
            estimate=(task.estimate.minutes or None) if task.estimate else None,
            assignees=assignees,
            body=body,
        )

    # -- one linked task ------------------------------------------------------------------------

    def _sync_task(
        self,
        plan: PlanInput,
        task: Task,
        ref: TaskRef,
        link: Link,
        issue: RemoteIssue,
        updates: list[Action],
        edits: list[Action],
    ) -> None:
        base = link.base
        plan_fields = self._desired(plan, task, issue)
        managed = tuple(sorted(set(plan_fields.labels) | set(base.labels if base else ())))
        block = managed_block(issue.body)
        there = remote_fields(issue, task.id, managed, _lf(block) if block else "")
        if base is None and ref in self.made_here:
            # The link was lost (a crash right after the create, or a deleted state store):
            # the issue was made open from the plan, so what differs from that changed since.
            base = replace(there, state=TaskState.OPEN)
        if not can_show_state(task):
            # The plan cannot show done-ness here: the tracker's state is the task's state.
            plan_fields = replace(plan_fields, state=base.state if base else there.state)
        target = plan_fields
        changed: list[str] = []

        raw_title = plan_title_of(issue.title, task.id)
        title, title_edit, push_title = self._title(
            plan, ref, task, plan_fields, there, base, raw_title
        )
        target = replace(target, title=title)
        if push_title:
            changed.append("title")
        elif (
            self.push
            and task.id
            and title == there.title
            and not issue.title.startswith(f"[{task.id}]")
        ):
            changed.append("title")  # same words, but the `[ID]` prefix was lost
        if title_edit is not None:
            edits.append(title_edit)

        state, state_actions = self._state(plan, ref, task, plan_fields, there, base, issue)
        target = replace(target, state=state)
        for action in state_actions:
            (edits if isinstance(action, EditPlan) else updates).append(action)

        for name in ("milestone", "estimate", "assignees"):
            value, pushed = self._one_way(ref, name, plan_fields, there, base)
            target = replace(target, **{name: value})
            if pushed:
                changed.append(name)
        if self.push:
            if plan_fields.labels != there.labels:
                changed.append("labels")
            if plan_fields.body != there.body:
                changed.append("body")
        else:
            target = replace(target, labels=there.labels, body=there.body)
        if changed:
            updates.append(self._update(ref, task, issue, target, changed, base))
        if self.pull and not any(
            r.number == link.number and r.repo is None for r in task.issue_refs
        ):
            edits.append(
                EditPlan(
                    ref,
                    PlanEditKind.LINK,
                    f"link the task to #{link.number}",
                    value=f"#{link.number}",
                )
            )
        self.out.bases[ref] = BaseUpdate(base, target)

    def _title(
        self,
        plan: PlanInput,
        ref: TaskRef,
        task: Task,
        mine: Fields,
        there: Fields,
        base: Fields | None,
        raw_title: str,
    ) -> tuple[str, EditPlan | None, bool]:
        """The title the base settles on, the plan edit that writes it, and whether the
        tracker's title is to be written with it. Titles compare as plain text (as the reader
        reads them); the plan gets the tracker's title as written (`raw_title`)."""
        plan_side, tracker_side = mine.title, there.title
        if plan_side == tracker_side:
            return plan_side, None, False
        plan_changed = base is None or plan_side != base.title
        tracker_changed = base is None or tracker_side != base.title
        if plan_changed and tracker_changed:
            plan_wins = self.project.conflicts.text == "plan"
            self._conflict(ref, "title", plan_side, tracker_side, base, plan_wins)
            if plan_wins and self.push:
                return plan_side, None, True
            if not plan_wins and self.pull and plan.holds(task, plan_side):
                edit = self._retitle(ref, plan_side, raw_title, "the tracker wins")
                return tracker_side, edit, False
            title = self._unwritable(base.title if base else None, plan_side, tracker_side)
            return title, None, False
        if plan_changed:
            if not self.push:
                self._notice(ref, "title changed in the plan; not pushed: the direction is pull")
                return tracker_side, None, False
            return plan_side, None, True
        if not self.pull:
            self._notice(ref, "title changed on the tracker; not pulled: the direction is push")
            return plan_side, None, False
        if not plan.holds(task, plan_side):
            self._notice(
                ref,
                f"retitled {raw_title!r} on the tracker; the plan's title has inline markup "
                "plansync does not rewrite: retitle it in the plan by hand",
            )
            return base.title if base else plan_side, None, False
        edit = self._retitle(ref, plan_side, raw_title, "retitled on the tracker")
        return tracker_side, edit, False

    def _unwritable(self, base: _V | None, plan_side: _V, tracker_side: _V) -> _V:
        """Where the base goes when the winner of a conflict cannot be written in this
        direction: nowhere (the conflict stays, reported each run). Without a base it takes the
        side the direction cannot write, so the next run reads the other side as changed alone
        and leaves it, instead of copying the loser over the winner."""
        if base is not None:
            return base
        return plan_side if not self.pull else tracker_side

    def _retitle(self, ref: TaskRef, old: str, new: str, why: str) -> EditPlan:
        return EditPlan(ref, PlanEditKind.RETITLE, f"{why}: {new!r}", value=new, old=old)

    def _state(
        self,
        plan: PlanInput,
        ref: TaskRef,
        task: Task,
        mine: Fields,
        there: Fields,
        base: Fields | None,
        issue: RemoteIssue,
    ) -> tuple[TaskState, list[Action]]:
        plan_side, tracker_side = mine.state, there.state
        if same_state(plan_side, tracker_side, self.reasons):
            return plan_side, []
        plan_changed = base is None or not same_state(plan_side, base.state, self.reasons)
        tracker_changed = base is None or not same_state(tracker_side, base.state, self.reasons)
        if plan_changed and tracker_changed:
            policy = self.project.conflicts.state
            if policy == "close-wins":
                plan_wins = plan_side is not TaskState.OPEN
            else:
                plan_wins = policy == "plan"
            self._conflict(ref, "state", plan_side, tracker_side, base, plan_wins)
            if plan_wins and self.push:
                return plan_side, self._push_state(ref, issue, plan_side, "the plan wins")
            if not plan_wins and self.pull and can_show_state(task):
                return tracker_side, self._pull_state(ref, task, plan_side, tracker_side)
            return self._unwritable(base.state if base else None, plan_side, tracker_side), []
        if plan_changed:
            if not self.push:
                self._notice(ref, f"{plan_side} in the plan; not pushed: the direction is pull")
                return base.state if base else tracker_side, []
            return plan_side, self._push_state(ref, issue, plan_side, f"{plan_side} in the plan")
        if not self.pull:
            self._notice(ref, f"{tracker_side} on the tracker; not pulled: the direction is push")
            return base.state if base else plan_side, []
        if not can_show_state(task):
            return tracker_side, []  # nothing in the plan shows it: only the base follows
        if tracker_side is TaskState.DROPPED and not plan.holds(task, task.title):
            self._notice(
                ref,
                "closed as not planned on the tracker; the plan's title has inline markup, so "
                "it is not struck through: strike or remove the task by hand",
            )
            return base.state if base else plan_side, []
        return tracker_side, self._pull_state(ref, task, plan_side, tracker_side)

    def _push_state(
        self, ref: TaskRef, issue: RemoteIssue, state: TaskState, why: str
    ) -> list[Action]:
        if state is TaskState.OPEN:
            return [ReopenIssue(ref, issue.number, why)]
        return [CloseIssue(ref, issue.number, state is TaskState.DROPPED, why)]

    def _pull_state(
        self, ref: TaskRef, task: Task, plan_side: TaskState, tracker_side: TaskState
    ) -> list[Action]:
        why = {
            TaskState.DONE: "closed as completed on the tracker",
            TaskState.DROPPED: "closed as not planned on the tracker",
            TaskState.OPEN: "reopened on the tracker",
        }[tracker_side]
        edits: list[Action] = []
        if plan_side is TaskState.DROPPED:
            edits.append(EditPlan(ref, PlanEditKind.UNSTRIKE, why, value=task.title))
        if tracker_side is TaskState.DROPPED:
            edits.append(EditPlan(ref, PlanEditKind.STRIKE, why, value=task.title))
            if task.done:
                edits.append(EditPlan(ref, PlanEditKind.UNTICK, why))
        elif (tracker_side is TaskState.DONE) != task.done:
            kind = PlanEditKind.TICK if tracker_side is TaskState.DONE else PlanEditKind.UNTICK
            edits.append(EditPlan(ref, kind, why))
        return edits

    def _one_way(
        self, ref: TaskRef, name: str, mine: Fields, there: Fields, base: Fields | None
    ) -> tuple[Any, bool]:
        """A field that goes from the plan to the tracker: pushed when the plan changed it (or
        on a first sync); a change made on the tracker alone is left there. Returns the value
        the base settles on and whether it is pushed."""
        plan_side, tracker_side = getattr(mine, name), getattr(there, name)
        if plan_side == tracker_side or not self.push:
            return tracker_side, False
        if base is not None and plan_side == getattr(base, name):
            if name == "milestone":
                self._notice(
                    ref,
                    f"moved to milestone {tracker_side!r} on the tracker; the plan keeps it "
                    f"under {plan_side!r}: move the task in the plan to follow",
                )
            # The base keeps the plan's value: taking the tracker's would make the next run
            # read the plan as changed and push it over the tracker's change.
            return plan_side, False
        return plan_side, True

    def _update(
        self,
        ref: TaskRef,
        task: Task,
        issue: RemoteIssue,
        target: Fields,
        changed: list[str],
        base: Fields | None,
    ) -> UpdateIssue:
        labels: tuple[str, ...] | None = None
        if "labels" in changed:
            dropped = set(base.labels if base else ()) - set(target.labels)
            labels = tuple(sorted((set(issue.labels) - dropped) | set(target.labels)))
        why = "first sync of a linked issue" if base is None else "changed in the plan"
        return UpdateIssue(
            task=ref,
            number=issue.number,
            changed=tuple(changed),
            fields=target,
            why=f"{why}: {', '.join(changed)}",
            tracker_title=tracker_title(replace(task, title=target.title))
            if "title" in changed
            else None,
            labels=labels,
            milestone=target.milestone if "milestone" in changed else None,
            clear_milestone="milestone" in changed and target.milestone is None,
            assignees=target.assignees if "assignees" in changed else None,
            estimate=target.estimate,
            set_estimate="estimate" in changed,
            body=splice(issue.body, target.body) if "body" in changed else None,
        )

    # -- new issues, milestones, labels, removed tasks ----------------------------------------

    def _creates(self) -> list[Action]:
        creates: list[CreateIssue] = []
        for plan, task in self.to_create:
            ref = TaskRef(plan.planfile, task.key)
            fields = self._desired(plan, task, None)
            creates.append(
                CreateIssue(
                    task=ref,
                    tracker_title=tracker_title(task),
                    fields=fields,
                    why="new task" if not task.issue_refs else "the referenced issue is missing",
                    spec=self._spec(plan, task),
                    dependencies=self._dependencies(plan, task),
                )
            )
        return list(_dependencies_first(creates))

    def _labels_action(self) -> list[Action]:
        missing = sorted(self.needed_labels - self.known.labels)
        if not missing or not self.push:
            return []
        return [EnsureLabels(tuple(missing), "labels plansync puts on issues")]

    def _milestone_actions(self) -> list[Action]:
        by_title = {m.title: m for m in self.remote.milestones}
        actions: list[Action] = []
        for title, due in self.needed_milestones.items():
            found = by_title.get(title)
            if found is None:
                actions.append(CreateMilestone(title, "a milestone section of the plan", due))
                continue
            self.out.found_milestones.append(
                MilestoneLink(
                    title, found.number, found.id, found.url, found.due_on, found.description
                )
            )
            if due is not None and found.due_on != due:
                actions.append(
                    UpdateMilestone(found.number, title, due, f"the plan says due {due}")
                )
        return actions

    def _removed(self, tasks: list[tuple[PlanInput, Task]]) -> list[Action]:
        present = {TaskRef(plan.planfile, task.key) for plan, task in tasks}
        read = {plan.planfile for plan in self.plans}
        actions: list[Action] = []
        for ref, link in sorted(self.known.links.items(), key=lambda item: item[1].number):
            if ref.planfile not in read or ref in present or ref in self.renamed:
                continue
            issue = self.remote.issues.get(link.number)
            if issue is None or issue.state is not IssueState.OPEN:
                continue
            if self.project.removed == "close" and self.push:
                actions.append(
                    CloseIssue(
                        ref,
                        link.number,
                        not_planned=True,
                        why="the task is no longer in the plan",
                        comment=f"plansync: the task `{ref.key}` is no longer in "
                        f"`{ref.planfile}`, so this issue is closed as not planned.",
                        removed=True,
                    )
                )
            else:
                self._notice(
                    ref,
                    f"the task is no longer in the plan; issue #{link.number} stays open",
                    link.number,
                )
        return actions

    # -- reports --------------------------------------------------------------------------------

    def _notice(self, ref: TaskRef | None, message: str, number: int | None = None) -> None:
        self.out.notices.append(Notice(ref, message, number))

    def _conflict(
        self,
        ref: TaskRef,
        field_name: str,
        plan_value: object,
        tracker_value: object,
        base: Fields | None,
        plan_wins: bool,
    ) -> None:
        side = "the plan's value wins" if plan_wins else "the tracker's value wins"
        if base is None:
            self._notice(
                ref,
                f"first sync: {field_name} differs ({plan_value!s} in the plan, "
                f"{tracker_value!s} on the tracker); {side}",
            )
            return
        self.out.conflicts.append(
            Conflict(ref, field_name, str(plan_value), str(tracker_value), side)
        )


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


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


__all__ = ["Known", "PlanInput", "RemoteSnapshot", "marker_for", "reconcile"]
