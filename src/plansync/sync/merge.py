"""The three-way merge of one linked task: plan, tracker and base, field by field.

Changed on one side: copied to the other. Changed on both: the project's policy decides and a
Conflict is reported. Titles and states sync both ways; milestone, labels, estimate, assignees
and plansync's block of the issue body go from the plan to the tracker only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from plansync.config.project import ProjectConfig
from plansync.model.changeset import (
    Action,
    BaseUpdate,
    Changeset,
    CloseIssue,
    EditPlan,
    PlanEditKind,
    ReopenIssue,
    UpdateIssue,
)
from plansync.model.plan import Task
from plansync.model.remote import RemoteIssue
from plansync.model.sync import (
    Conflict,
    Fields,
    Link,
    Notice,
    PlanInput,
    TaskRef,
    TaskState,
    can_show_state,
)
from plansync.sync.body import managed_block, splice
from plansync.sync.desired import plan_title_of, remote_fields, same_state, tracker_title
from plansync.sync.references import LineReferences, references

_V = TypeVar("_V")


class TaskMerger:
    """Merges the linked tasks of one run; their conflicts, notices and bases go to `out`.
    `made_here`: tasks whose issue plansync made (linked through its marker); `references`:
    what the references on the tasks' lines mean (for the reference a task's line gets)."""

    def __init__(
        self,
        project: ProjectConfig,
        reasons: bool,
        made_here: set[TaskRef],
        references: LineReferences,
        out: Changeset,
    ) -> None:
        self.project = project
        self.reasons = reasons
        self.made_here = made_here
        self.references = references
        self.push = project.direction in ("both", "push")
        self.pull = project.direction in ("both", "pull")
        self.out = out

    def merge(
        self, plan: PlanInput, task: Task, link: Link, issue: RemoteIssue, plan_fields: Fields
    ) -> tuple[list[Action], list[Action]]:
        """The tracker actions and plan edits that bring the task and its issue in step.
        `plan_fields` are the values the plan gives the issue (see `desired_fields`)."""
        ref = TaskRef(plan.planfile, task.key)
        updates: list[Action] = []
        edits: list[Action] = []
        base = link.base
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
        changed: list[str] = []

        raw_title = plan_title_of(issue.title, task.id)
        title, title_edit, push_title = self._title(
            plan, ref, task, plan_fields, there, base, raw_title
        )
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
        for action in state_actions:
            (edits if isinstance(action, EditPlan) else updates).append(action)

        one_way: dict[str, Any] = {}
        for name in ("milestone", "estimate", "assignees"):
            one_way[name], pushed = self._one_way(ref, name, plan_fields, there, base)
            if pushed:
                changed.append(name)
        if self.push:
            if plan_fields.labels != there.labels:
                changed.append("labels")
            if plan_fields.body != there.body:
                changed.append("body")
        # The values the base settles on: built once (a quiet run merges every linked task).
        target = Fields(
            title=title,
            state=state,
            milestone=one_way["milestone"],
            labels=plan_fields.labels if self.push else there.labels,
            estimate=one_way["estimate"],
            assignees=one_way["assignees"],
            body=plan_fields.body if self.push else there.body,
            from_mention=plan_fields.from_mention,
        )
        if changed:
            updates.append(self._update(ref, task, issue, target, changed, base))
        if self.pull and not references(task, link.number, self.project.tracker):
            link_edit, notices = self.references.link_edit(plan, task, link.number)
            self.out.notices.extend(notices)
            if link_edit is not None:
                edits.append(link_edit)
        self.out.bases[ref] = BaseUpdate(base, target)
        return updates, edits

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
