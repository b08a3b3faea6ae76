"""The issue of a new task: created with its labels, milestone, assignees and estimate, linked
and given its base at once, then completed by the steps the create request did not carry (an
estimate the tracker did not take with it, its close).

Once the issue exists and is linked, a step that fails is reported on its own and the create
stays applied: the next run finds the link, and a base without that step, and tries the step
again. Nothing here can make the issue twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from plansync.model.changeset import Action, CloseIssue, CreateIssue, UpdateIssue
from plansync.model.remote import CloseReason, IssueDraft, RemoteIssue
from plansync.model.sync import Fields, Link, TaskRef, TaskState
from plansync.sync.body import render_body_block
from plansync.trackers.markers import marker_for

if TYPE_CHECKING:
    from plansync.sync.apply import ApplyContext

SaveBase = Callable[[TaskRef, Fields], None]
# Runs one step completing an applied action and says whether it applied (see apply).
FollowUp = Callable[[Action, Callable[[], object]], bool]


def create_issue(
    action: CreateIssue,
    ctx: ApplyContext,
    save_base: SaveBase,
    follow_up: FollowUp,
    created: Callable[[RemoteIssue, str], None],
) -> str:
    """Create the task's issue; what to report of it (`#12`, and what it lacks). `created` is
    told of the new issue and the body plansync gave it, once it is linked."""
    tracker = ctx.tracker
    fields = action.fields
    body = render_body_block(action.spec, _numbers(action, ctx))
    milestone = ctx.milestones.get(fields.milestone) if fields.milestone else None
    draft = IssueDraft(
        title=action.tracker_title,
        body=body,
        labels=fields.labels,
        milestone_number=milestone,
        assignees=fields.assignees,
        estimate_minutes=fields.estimate or None,
    )
    issue = tracker.create_issue(draft, marker=marker_for(action.task))
    ctx.issues[issue.number] = issue
    # Recorded at once: a crash from here on finds the link, not a reason to create again.
    ctx.links[action.task] = Link(action.task, issue.number, issue.id, issue.url, None)
    # The base keeps the plan's assignees even when the tracker left one out: the next run
    # then reads that as the tracker's own change and does not push it again.
    carried = bool(fields.estimate) and issue.estimate_minutes == fields.estimate
    base = replace(
        fields, body=body, state=TaskState.OPEN, estimate=fields.estimate if carried else None
    )
    if milestone is None:
        base = replace(base, milestone=None)
    save_base(action.task, base)
    created(issue, body)
    notes = [f"#{issue.number}", *_unassigned(draft.assignees, issue.assignees)]
    if fields.estimate and not carried:  # the tracker did not take it with the create
        estimated = replace(base, estimate=fields.estimate)
        step = UpdateIssue(
            action.task,
            issue.number,
            ("estimate",),
            estimated,
            "set the new issue's estimate",
            estimate=fields.estimate,
            set_estimate=True,
        )
        if follow_up(step, partial(tracker.set_estimate, issue.number, fields.estimate)):
            base = estimated
            save_base(action.task, base)
        else:
            notes.append("its estimate is not set (tried again next run)")
    if fields.state is not TaskState.OPEN:
        dropped = fields.state is TaskState.DROPPED
        why = "close the new issue: the task is closed in the plan"
        close = CloseIssue(action.task, issue.number, dropped, why)
        reason = CloseReason.NOT_PLANNED if dropped else CloseReason.COMPLETED
        if follow_up(close, partial(_close, ctx, issue.number, reason)):
            save_base(action.task, replace(base, state=fields.state))
        else:
            notes.append("left open: closing it failed (tried again next run)")
    return "; ".join(notes)


def _close(ctx: ApplyContext, number: int, reason: CloseReason) -> RemoteIssue:
    closed = ctx.tracker.close_issue(number, reason)
    ctx.issues[number] = closed
    return closed


def _numbers(action: CreateIssue, ctx: ApplyContext) -> dict[str, int]:
    """The issue numbers of the task's dependencies linked so far, for its body's links."""
    return {dep: ctx.links[ref].number for dep, ref in action.dependencies if ref in ctx.links}


def _unassigned(asked: tuple[str, ...], assigned: tuple[str, ...]) -> list[str]:
    """A note naming who the new issue was meant to have as assignee but has not (trackers
    compare logins without case), or none."""
    have = {name.lower() for name in assigned}
    missing = [name for name in asked if name.lower() not in have]
    if not missing:
        return []
    who = ", ".join(missing)
    return [
        f"made without assignee {who}: cannot be assigned in this repository (not a "
        "collaborator or member with access to it)"
    ]
