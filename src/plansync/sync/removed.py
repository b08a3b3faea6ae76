"""What went away between runs, and what plansync does about it.

A task gone from its planfile, or a planfile gone from the project (deleted, moved without its
references, or no longer matched by `plans`): their open issues are closed as not planned with
one comment, or kept open with a notice every run, as the project says (`removed`). An issue
gone from the tracker (deleted, or moved to another project): its task stays, with a notice of
what the person can do.
"""

from __future__ import annotations

from collections.abc import Sequence

from plansync.model.changeset import Action, CloseIssue
from plansync.model.plan import Task
from plansync.model.remote import IssueState
from plansync.model.sync import Known, Link, Notice, PlanInput, RemoteSnapshot, TaskRef


def removed_task_actions(
    tasks: Sequence[tuple[PlanInput, Task]],
    plans: Sequence[PlanInput],
    known: Known,
    remote: RemoteSnapshot,
    renamed: set[TaskRef],
    close: bool,
    unmatched: frozenset[str] = frozenset(),
) -> tuple[list[Action], list[Notice]]:
    """For each linked task missing from `tasks` (and not renamed) whose issue is open: a close
    when `close` (in issue order), else a notice: one per task, and one per planfile gone from
    `plans` naming its issues (in planfile order). A planfile in `unmatched` still exists (the
    globs no longer match it): a config change, not a deletion, so its issues are never
    closed for it."""
    present = {TaskRef(plan.planfile, task.key) for plan, task in tasks}
    read = {plan.planfile for plan in plans}
    actions: list[Action] = []
    notices: list[Notice] = []
    orphaned: dict[str, list[Link]] = {}  # planfile gone -> its links with an open issue
    for ref, link in sorted(known.links.items(), key=lambda item: item[1].number):
        if ref in present or ref in renamed:
            continue
        issue = remote.issues.get(link.number)
        if issue is None or issue.state is not IssueState.OPEN:
            continue
        if ref.planfile not in read and close and ref.planfile not in unmatched:
            actions.append(
                _close(
                    link,
                    "its plan file is gone",
                    f"the plan file `{ref.planfile}` of the task `{ref.key}` is no longer "
                    "among the project's plans",
                )
            )
        elif ref.planfile not in read:
            orphaned.setdefault(ref.planfile, []).append(link)
        elif close:
            actions.append(
                _close(
                    link,
                    "the task is no longer in the plan",
                    f"the task `{ref.key}` is no longer in `{ref.planfile}`",
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
    for planfile, links in sorted(orphaned.items()):
        gone = _planfile_unmatched if planfile in unmatched else _planfile_gone
        notices.append(gone(planfile, links))
    return actions, notices


def _close(link: Link, why: str, because: str) -> CloseIssue:
    return CloseIssue(
        link.task,
        link.number,
        not_planned=True,
        why=why,
        comment=f"plansync: {because}, so this issue is closed as not planned.",
        removed=True,
    )


def _planfile_gone(planfile: str, links: Sequence[Link]) -> Notice:
    numbers = ", ".join(f"#{link.number}" for link in links)
    issues = f"issue {numbers} stays" if len(links) == 1 else f"issues {numbers} stay"
    return Notice(
        None,
        f"the plan file {planfile} is no longer among the project's plans (deleted, moved, or "
        f"no longer matched by `plans`); its {issues} open: put the file back, close them, "
        'or set `removed = "close"` to have plansync close them as not planned',
    )


def _planfile_unmatched(planfile: str, links: Sequence[Link]) -> Notice:
    numbers = ", ".join(f"#{link.number}" for link in links)
    issues = f"issue {numbers} stays" if len(links) == 1 else f"issues {numbers} stay"
    return Notice(
        None,
        f"the plan file {planfile} still exists but the project's `plans` no longer match it; "
        f"its {issues} open and plansync leaves them alone: add the file back to `plans`, or "
        "delete the file to have `removed` apply",
    )


def gone_issue_message(number: int, direction: str) -> str:
    """What a person can do about a task whose issue was deleted or moved to another project
    (`direction` is the project's)."""
    gone = f"issue #{number} was deleted or moved to another project"
    if direction == "both":
        return (
            f"{gone}: remove the task from the plan, or remove its `#{number}` reference so "
            "plansync makes a new issue for it"
        )
    return (
        f"{gone}: remove the task from the plan (with direction {direction} plansync makes no "
        "new issue for it)"
    )
