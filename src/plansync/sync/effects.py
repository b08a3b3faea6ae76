"""What a run's changesets do to the world: `Writes` carries them out (tracker, planfiles, state
store), `Preview` only works out what the planfiles would hold. The engine takes the same steps
with either, so a dry run shows what the real run does.
"""

from __future__ import annotations

import threading
from typing import Protocol

from plansync.model.changeset import Changeset, WriteSummary
from plansync.model.sync import Findings
from plansync.state.base import StateStore
from plansync.summary.place import write_summary
from plansync.sync.apply import ApplyContext, PlanTarget, ProgressListener, apply
from plansync.sync.observe import Snapshot
from plansync.sync.planedit import apply_edits
from plansync.sync.plans import PlanRead, PlanSource
from plansync.sync.result import RunResult
from plansync.trackers.base import Tracker


class Effects(Protocol):
    @property
    def writes(self) -> bool:
        """Whether the changesets are carried out (else only previewed)."""
        ...

    def apply(
        self, changeset: Changeset, plans: list[PlanRead], snapshot: Snapshot, result: RunResult
    ) -> bool:
        """Carry `changeset` out into `result`; whether a planfile changed."""
        ...

    def reread(self, plans: list[PlanRead]) -> list[PlanRead]:
        """The planfiles as the changesets so far left them."""
        ...

    def adopt(self, before: list[PlanRead], after: list[PlanRead], result: RunResult) -> None:
        """Take the planfiles as a step outside the changesets (the comments' commands) left
        them: their diffs go into `result`."""
        ...

    def findings(self, store: StateStore, result: RunResult, found: Findings) -> Findings:
        """What the summary reports as the last run's findings, `found` being this run's."""
        ...


class Writes:
    """The real run: tracker writes, atomic planfile writes, every step recorded in the store."""

    writes = True

    def __init__(
        self,
        tracker: Tracker,
        store: StateStore,
        source: PlanSource,
        stop: threading.Event | None,
        progress: ProgressListener | None,
    ) -> None:
        self.tracker = tracker
        self.store = store
        self.source = source
        self.stop = stop
        self.progress = progress
        self.halted: str | None = None  # the tracker refused this run: see ApplyContext

    def apply(
        self, changeset: Changeset, plans: list[PlanRead], snapshot: Snapshot, result: RunResult
    ) -> bool:
        ctx = ApplyContext(
            tracker=self.tracker,
            store=self.store,
            links=self.store.links(),
            issues=snapshot.issues,
            milestones={m.title: m.number for m in snapshot.milestones},
            milestone_list=snapshot.milestones,
            plans={p.planfile: PlanTarget(p.path, p.rules, p.raw, p.input.document) for p in plans},
            stop=self.stop,
            progress=self.progress,
            halted=self.halted,
        )
        result.results.extend(apply(changeset, ctx))
        self.halted = ctx.halted
        if ctx.rate_limit is not None:
            result.rate_limit, result.retry_at = ctx.rate_limit, ctx.retry_at
        for planfile, data in ctx.written.items():
            before = next(p.raw for p in plans if p.planfile == planfile)
            first = result.diffs.get(planfile, (before, before))[0]
            result.diffs[planfile] = (first, data)
        return bool(ctx.written)

    def reread(self, plans: list[PlanRead]) -> list[PlanRead]:
        return self.source.read()

    def adopt(self, before: list[PlanRead], after: list[PlanRead], result: RunResult) -> None:
        _record_diffs(before, after, result)

    def findings(self, store: StateStore, result: RunResult, found: Findings) -> Findings:
        if result.results or result.conflicts:
            store.save_findings(found)
        return store.findings()


class Preview:
    """The dry run: nothing is written; planfile edits and summaries are made on the bytes in
    memory, and their diffs go into the result."""

    writes = False

    def __init__(self, source: PlanSource, plans: list[PlanRead]) -> None:
        self.source = source
        self.original = {p.planfile: p.raw for p in plans}
        self.data = dict(self.original)

    def apply(
        self, changeset: Changeset, plans: list[PlanRead], snapshot: Snapshot, result: RunResult
    ) -> bool:
        changed = False
        for plan in plans:
            data = self.data[plan.planfile]
            edits = [e for e in changeset.plan_edits if e.task.planfile == plan.planfile]
            if edits:
                data = apply_edits(data, plan.path, plan.rules, edits).data
            for action in changeset.actions:
                if isinstance(action, WriteSummary) and action.planfile == plan.planfile:
                    data = write_summary(data, action.content, action.place) or data
            if data != self.data[plan.planfile]:
                changed = True
                self.data[plan.planfile] = data
            if data != self.original[plan.planfile]:
                result.diffs[plan.planfile] = (self.original[plan.planfile], data)
        return changed

    def reread(self, plans: list[PlanRead]) -> list[PlanRead]:
        return [self.source.parsed(p, self.data[p.planfile]) for p in plans]

    def adopt(self, before: list[PlanRead], after: list[PlanRead], result: RunResult) -> None:
        self.data.update({p.planfile: p.raw for p in after})
        _record_diffs(before, after, result)

    def findings(self, store: StateStore, result: RunResult, found: Findings) -> Findings:
        # As the run would record them: its conflicts, and the creates that failed before
        # (which it would try again) until they succeed.
        last = store.findings()
        if result.actions or result.conflicts:
            return Findings(tuple(result.conflicts), last.failures)
        return last


def _record_diffs(before: list[PlanRead], after: list[PlanRead], result: RunResult) -> None:
    old = {p.planfile: p.raw for p in before}
    for plan in after:
        if plan.raw != old.get(plan.planfile, plan.raw):
            result.diffs[plan.planfile] = (old[plan.planfile], plan.raw)
