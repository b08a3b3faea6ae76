"""Tasks gone from their planfile: their open issues are closed as not planned, or kept open
with a notice, as the project says."""

from __future__ import annotations

from collections.abc import Sequence

from plansync.model.changeset import Action, CloseIssue
from plansync.model.plan import Task
from plansync.model.remote import IssueState
from plansync.model.sync import Known, Notice, PlanInput, RemoteSnapshot, TaskRef


def removed_task_actions(
    tasks: Sequence[tuple[PlanInput, Task]],
    plans: Sequence[PlanInput],
    known: Known,
    remote: RemoteSnapshot,
    renamed: set[TaskRef],
    close: bool,
) -> tuple[list[Action], list[Notice]]:
    """For each linked task missing from `tasks` whose planfile was read (and that was not
    renamed), with an open issue: a close when `close`, else a notice. In issue order."""
    present = {TaskRef(plan.planfile, task.key) for plan, task in tasks}
    read = {plan.planfile for plan in plans}
    actions: list[Action] = []
    notices: list[Notice] = []
    for ref, link in sorted(known.links.items(), key=lambda item: item[1].number):
        if ref.planfile not in read or ref in present or ref in renamed:
            continue
        issue = remote.issues.get(link.number)
        if issue is None or issue.state is not IssueState.OPEN:
            continue
        if close:
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
            notices.append(
                Notice(
                    ref,
                    f"the task is no longer in the plan; issue #{link.number} stays open",
                    link.number,
                )
            )
    return actions, notices
