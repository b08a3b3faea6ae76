"""`apply`: carry a changeset out, recording each action in the state store as it happens.

Tracker writes go one at a time through the adapter (which paces them); planfile edits are
made last, per file, through the editor and written atomically only if the file still holds
the bytes the run read (else they are made again on what it holds now). Each action ends
applied, skipped or failed, with why; one failure does not stop the others, but when the
tracker itself is gone (refused token, rate limit, 5xx after retries) the remaining tracker
actions are skipped rather than tried one by one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from plansync.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    PlansyncError,
    RateLimitedError,
    StopRequested,
    TrackerUnavailableError,
)
from plansync.model.changeset import (
    Action,
    ActionResult,
    Changeset,
    CloseIssue,
    CreateIssue,
    CreateMilestone,
    CreateTrackingIssue,
    DescribeMilestone,
    EditPlan,
    EnsureLabels,
    LinkIssue,
    ReopenIssue,
    Status,
    UpdateIssue,
    UpdateMilestone,
    UpdateTrackingIssue,
    WriteSummary,
)
from plansync.model.plan import PlanDocument
from plansync.model.remote import (
    CloseReason,
    IssueDraft,
    IssuePatch,
    MilestoneDraft,
    MilestonePatch,
    RemoteIssue,
    RemoteMilestone,
)
from plansync.model.sync import Fields, Link, MilestoneLink, TaskRef
from plansync.planfile.parse import read_plan_bytes
from plansync.planfile.rules import ReaderRules
from plansync.state.base import StateStore
from plansync.sync.bases import BaseKeeper
from plansync.sync.body import block_text
from plansync.sync.create import create_issue
from plansync.sync.planedit import apply_edits, write_if_unchanged
from plansync.sync.written import (
    BlockRecords,
    body_block,
    progress_block,
    progress_text,
    tracking_block,
    write_summary_file,
)
from plansync.trackers.base import Tracker

# Errors that say the tracker (or the token) is unusable for now, not this one action.
_FATAL = (AuthenticationError, PermissionDeniedError, RateLimitedError, TrackerUnavailableError)
# How often a planfile edited under the run is read again before its edits are given up.
_WRITE_ATTEMPTS = 3

# Told of each tracker action as it ends (the CLI's progress bar).
ProgressListener = Callable[[Action], None]


@dataclass(frozen=True)
class PlanTarget:
    """Where a planfile's edits go: its path, the rules it is read with, the bytes read and,
    when the run has it, what the reader read in them (so they are not read again)."""

    path: Path
    rules: ReaderRules
    raw: bytes
    document: PlanDocument | None = None


@dataclass
class ApplyContext:
    tracker: Tracker
    store: StateStore
    links: MutableMapping[TaskRef, Link]
    issues: MutableMapping[int, RemoteIssue]  # the snapshot, kept current with each write
    milestones: MutableMapping[str, int]  # milestone title -> number
    milestone_list: list[RemoteMilestone]  # the snapshot's, kept current with each create
    plans: Mapping[str, PlanTarget]
    stop: threading.Event | None = None
    progress: ProgressListener | None = None
    written: dict[str, bytes] = field(default_factory=dict)  # planfile -> bytes written
    # Why tracker actions are no longer tried (the token was refused, ...): kept across the
    # changesets of one run, so the summary's writes are not tried against a tracker gone.
    halted: str | None = None
    # When the tracker (or the pacing's write budget) lets writes go again, if it halted the
    # run by a rate limit that said so.
    retry_at: datetime | None = None
    rate_limit: str | None = None  # what that rate limit said


def apply(changeset: Changeset, ctx: ApplyContext) -> list[ActionResult]:
    return _Applier(changeset, ctx).run()


class _Applier:
    def __init__(self, changeset: Changeset, ctx: ApplyContext) -> None:
        self.changeset = changeset
        self.ctx = ctx
        self.results: list[ActionResult] = []
        self._follow_ups: list[ActionResult] = []
        self.bases = BaseKeeper(changeset, self._save_base)
        self.blocks = BlockRecords(ctx.store)

    def run(self) -> list[ActionResult]:
        for found in self.changeset.found_milestones:
            self.ctx.milestones[found.title] = found.number
            self.ctx.store.save_milestone_link(found)
        links = [a for a in self.changeset.actions if isinstance(a, LinkIssue)]
        for link in links:
            self._record(link, partial(self._link, link))
        self.bases.start()
        for action in self.changeset.actions:
            if isinstance(action, LinkIssue | EditPlan | WriteSummary):
                continue
            if self._stopping():
                self._skip(action, "the run is stopping")
            elif self.ctx.halted is not None:
                self._skip(action, self.ctx.halted)
            else:
                self._record(action, partial(self._tracker_action, action))
            if self.ctx.progress is not None:
                self.ctx.progress(action)
        self._edit_plans()
        self._write_summaries()
        return self.results

    # -- bookkeeping ---------------------------------------------------------------------------

    def _stopping(self) -> bool:
        return self.ctx.stop is not None and self.ctx.stop.is_set()

    def _record(self, action: Action, run: Callable[[], str]) -> None:
        result = self._attempt(action, run)
        self.results.append(result)
        if result.status is Status.APPLIED:
            self.bases.applied(action)
        else:
            self.bases.failed(action)
        # Steps that completed the action and did not apply come right after it.
        self.results.extend(self._follow_ups)
        self._follow_ups.clear()

    def _attempt(self, action: Action, run: Callable[[], str]) -> ActionResult:
        try:
            detail = run()
        except StopRequested:
            # Stopped while waiting for its turn to write: that write was not sent.
            return ActionResult(action, Status.SKIPPED, "the run is stopping")
        except _FATAL as exc:
            self.ctx.halted = f"not tried: {exc}"
            if isinstance(exc, RateLimitedError):
                self.ctx.rate_limit = str(exc)
                self.ctx.retry_at = exc.retry_at
            return ActionResult(action, Status.FAILED, str(exc))
        except NotFoundError as exc:
            self._gone(action)
            return ActionResult(action, Status.FAILED, str(exc))
        except PlansyncError as exc:
            return ActionResult(action, Status.FAILED, str(exc))
        except Exception as exc:  # one action's surprise must not cost the others
            return ActionResult(action, Status.FAILED, f"{type(exc).__name__}: {exc}")
        return ActionResult(action, Status.APPLIED, detail)

    def _follow_up(self, step: Action, run: Callable[[], object]) -> bool:
        """Run a step completing an applied action (a new issue's estimate, its close); say
        whether it applied. One that did not is reported after the action, which stays
        applied."""

        def done() -> str:
            run()
            return ""

        halted = self.ctx.halted
        result = ActionResult(step, Status.SKIPPED, halted) if halted else self._attempt(step, done)
        if result.status is not Status.APPLIED:
            self._follow_ups.append(result)
        return result.status is Status.APPLIED

    def _gone(self, action: Action) -> None:
        """The tracker says the action's issue is gone (deleted or moved): it leaves the
        snapshot, so the next run reports its task's issue as gone, and makes a planfile's
        tracking issue again, instead of writing to it run after run."""
        if isinstance(action, UpdateIssue | CloseIssue | ReopenIssue | UpdateTrackingIssue):
            self.ctx.issues.pop(action.number, None)
            self.ctx.store.forget_issue(action.number)

    def _fail(self, action: Action, why: str) -> None:
        self.results.append(ActionResult(action, Status.FAILED, why))
        self.bases.failed(action)

    def _skip(self, action: Action, why: str) -> None:
        self.results.append(ActionResult(action, Status.SKIPPED, why))
        self.bases.failed(action)

    def _save_base(self, task: TaskRef, fields: Fields) -> None:
        link = self.ctx.links.get(task)
        if link is None:
            return
        link = replace(link, base=fields)
        self.ctx.links[task] = link
        self.ctx.store.save_link(link)

    def _remember(self, issue: RemoteIssue) -> RemoteIssue:
        self.ctx.issues[issue.number] = issue
        return issue

    # -- the actions ---------------------------------------------------------------------------

    def _link(self, action: LinkIssue) -> str:
        base = None
        if action.previous is not None:
            old = self.ctx.links.pop(action.previous, None)
            base = old.base if old else None
            self.ctx.store.delete_link(action.previous)
        link = Link(action.task, action.number, action.issue_id, action.url, base)
        self.ctx.links[action.task] = link
        self.ctx.store.save_link(link)
        return f"#{action.number}"

    def _tracker_action(self, action: Action) -> str:
        tracker = self.ctx.tracker
        if isinstance(action, EnsureLabels):
            tracker.ensure_labels(action.names)
            self.ctx.store.add_known_labels(action.names)
            return ", ".join(action.names)
        if isinstance(action, CreateMilestone):
            made = tracker.create_milestone(MilestoneDraft(action.title, due_on=action.due_on))
            self.ctx.milestones[made.title] = made.number
            self.ctx.milestone_list.append(made)
            self.ctx.store.save_milestone_link(
                MilestoneLink(
                    made.title, made.number, made.id, made.url, made.due_on, made.description
                )
            )
            return f"milestone {made.number}"
        if isinstance(action, UpdateMilestone):
            tracker.update_milestone(action.number, MilestonePatch(due_on=action.due_on))
            return f"milestone {action.number}"
        if isinstance(action, CreateIssue):
            return create_issue(
                action, self.ctx, self._save_base, self._follow_up, self._record_body
            )
        if isinstance(action, UpdateIssue):
            return self._update(action)
        if isinstance(action, CloseIssue):
            reason = CloseReason.NOT_PLANNED if action.not_planned else CloseReason.COMPLETED
            self._remember(tracker.close_issue(action.number, reason))
            # After the close: a close that failed is tried again next run, a comment is not
            # posted twice for it.
            if action.comment:
                tracker.post_comment(action.number, action.comment)
            if action.removed:
                self.ctx.links.pop(action.task, None)
                self.ctx.store.delete_link(action.task)
            return f"#{action.number}"
        if isinstance(action, ReopenIssue):
            self._remember(tracker.reopen_issue(action.number))
            return f"#{action.number}"
        if isinstance(action, DescribeMilestone):
            return self._describe(action)
        if isinstance(action, CreateTrackingIssue):
            draft = IssueDraft(title=action.title, body=action.body)
            tracking = self._remember(tracker.create_issue(draft, marker=action.marker))
            self.blocks.after(tracking_block(tracking.number), action.body, tracking.body)
            return f"#{tracking.number}"
        if isinstance(action, UpdateTrackingIssue):
            patch_issue = IssuePatch(title=action.title, body=action.body)
            self.blocks.before(tracking_block(action.number), action.body)
            updated = self._remember(tracker.update_issue(action.number, patch_issue))
            if action.body is not None:
                self.blocks.after(tracking_block(action.number), action.body, updated.body)
            return f"#{action.number}"
        raise TypeError(f"not a tracker action: {action!r}")

    def _describe(self, action: DescribeMilestone) -> str:
        block = progress_block(action.number)
        sent = progress_text(action.description)
        self.blocks.before(block, sent)
        patch = MilestonePatch(description=action.description)
        made = self.ctx.tracker.update_milestone(action.number, patch)
        if sent is not None:
            self.blocks.after(block, sent, progress_text(made.description))
        return f"milestone {action.number}"

    def _record_body(self, issue: RemoteIssue, body: str) -> None:
        """A new issue's body block, as plansync wrote it: its own from now on."""
        self.blocks.after(body_block(issue.number), block_text(body), block_text(issue.body))

    def _update(self, action: UpdateIssue) -> str:
        tracker = self.ctx.tracker
        milestone: int | None = None
        if action.milestone is not None:
            milestone = self.ctx.milestones.get(action.milestone)
            if milestone is None:
                raise LookupError(f"milestone {action.milestone!r} was not created")
        patch = IssuePatch(
            title=action.tracker_title,
            body=action.body,
            labels=action.labels,
            milestone_number=milestone,
            clear_milestone=action.clear_milestone,
            assignees=action.assignees,
        )
        if patch != IssuePatch():
            sent = block_text(action.body) if action.body is not None else None
            self.blocks.before(body_block(action.number), sent)
            issue = self._remember(tracker.update_issue(action.number, patch))
            if sent is not None:
                self.blocks.after(body_block(action.number), sent, block_text(issue.body))
        if action.set_estimate:
            tracker.set_estimate(action.number, action.estimate)
        return f"#{action.number}"

    # -- planfiles -----------------------------------------------------------------------------

    def _edit_plans(self) -> None:
        by_file: dict[str, list[EditPlan]] = {}
        for edit in self.changeset.plan_edits:
            by_file.setdefault(edit.task.planfile, []).append(edit)
        for planfile, edits in by_file.items():
            if self._stopping():
                for edit in edits:
                    self._skip(edit, "the run is stopping")
                continue
            self._edit_plan(planfile, edits)

    def _write_summaries(self) -> None:
        for action in self.changeset.actions:
            if not isinstance(action, WriteSummary):
                continue
            if self._stopping():
                self._skip(action, "the run is stopping")
            else:
                self._write_summary(action)

    def _write_summary(self, action: WriteSummary) -> None:
        target = self.ctx.plans[action.planfile]
        expected = self.ctx.written.get(action.planfile, target.raw)
        outcome = write_summary_file(action, target.path, target.rules, expected, self.ctx.store)
        if outcome.data is not None:
            self.ctx.written[action.planfile] = outcome.data
        self.results.append(ActionResult(action, outcome.status, outcome.detail))

    def _edit_plan(self, planfile: str, edits: list[EditPlan]) -> None:
        target = self.ctx.plans[planfile]
        expected = target.raw
        for _ in range(_WRITE_ATTEMPTS):
            document = target.document if expected is target.raw else None
            outcome = apply_edits(expected, target.path, target.rules, edits, document)
            try:
                written = write_if_unchanged(target.path, expected, outcome.data)
            except OSError as exc:
                for edit in edits:
                    self._fail(edit, f"{target.path}: cannot be written ({exc.strerror})")
                return
            if written:
                self.ctx.written[planfile] = outcome.data
                for edit in outcome.applied:
                    self.results.append(ActionResult(edit, Status.APPLIED, str(target.path)))
                    self.bases.applied(edit)
                for edit, why in outcome.failed:
                    self._fail(edit, why)
                return
            # Someone edited the file since it was read: make the edits on what it holds now.
            try:
                expected = read_plan_bytes(target.path)
            except PlansyncError as exc:
                for edit in edits:
                    self._fail(edit, str(exc))
                return
        for edit in edits:
            self._fail(
                edit,
                f"{target.path} kept changing while it was being written; the next run tries again",
            )
