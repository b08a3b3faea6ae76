"""`run_once(project)`: the one way anything syncs (the CLI and the daemon both call it).

    read planfiles -> observe the tracker (incremental) -> reconcile (pure) -> apply
    -> read the tracker again when the run wrote to it, so the next run starts from 304s

A run that created issues reconciles a second time at once: bodies can then link dependencies
created after them, and the next run has nothing left to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.errors import AuthenticationError, TrackerError
from plansync.model.changeset import (
    ActionResult,
    Changeset,
    CreateIssue,
    EditPlan,
    PlanEditKind,
    Status,
    WriteSummary,
)
from plansync.model.sync import Failure, Findings, Notice
from plansync.state.lock import ProjectLock
from plansync.state.sqlite import StateStore
from plansync.summary.changes import summary_changeset
from plansync.summary.place import write_summary
from plansync.sync.apply import ApplyContext, PlanTarget, ProgressListener, apply
from plansync.sync.observe import Snapshot
from plansync.sync.planedit import apply_edits
from plansync.sync.plans import PlanRead, plan_read, read_plans
from plansync.sync.reconcile import Known, reconcile
from plansync.sync.result import RunResult
from plansync.sync.status import plan_figures
from plansync.trackers.base import Tracker
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.registry import open_tracker

# Passes of reconcile + apply in one run: the second links what the first created.
_PASSES = 2


def scope_of(project: ProjectConfig) -> str:
    """The state store's key for a project: its name and the tracker it syncs with, so a
    project pointed at another repository starts from what that repository holds."""
    tracker = project.tracker
    where = tracker.base_url if isinstance(tracker, GitHubTrackerConfig) else tracker.url
    return f"{project.name}@{tracker.kind}:{where}/{tracker.repo}"


def run_once(
    config: LoadedConfig,
    project: ProjectConfig,
    *,
    store: StateStore | None = None,
    tracker: Tracker | None = None,
    dry_run: bool = False,
    stop: threading.Event | None = None,
    progress: ProgressListener | None = None,
    on_changeset: Callable[[Changeset], None] | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
) -> RunResult:
    """Sync one project, then bring every summary up to date (`today` decides what is overdue).
    A dry run reads everything and writes nothing: not to the tracker, not to the planfiles,
    not to the state store.

    Without `store`, the run opens the config's state store itself, and creates it only once
    the plans were read and the tracker answered: a run stopped by bad input writes nothing.
    """
    plans = read_plans(config, project)
    tracker = tracker if tracker is not None else open_tracker(project.tracker, environ)
    own = store is None
    if store is None and config.state_path.exists():
        store = StateStore(config.state_path)
    run = _Run(config, project, plans, tracker, stop, progress, on_changeset)
    run.today = today or date.today()
    try:
        return run.dry_run(store) if dry_run else run.sync(store)
    except AuthenticationError as exc:
        settings = project.tracker
        if isinstance(settings, GitHubTrackerConfig) and settings.uses_app:
            raise  # no token: the App's hint already says what to check
        raise AuthenticationError(
            f"{exc} This project reads its token from {project.tracker.token_env}."
        ) from exc
    finally:
        if own and store is not None:
            store.close()


class _Run:
    """One run of one project: what it was given, and the steps it takes."""

    def __init__(
        self,
        config: LoadedConfig,
        project: ProjectConfig,
        plans: list[PlanRead],
        tracker: Tracker,
        stop: threading.Event | None,
        progress: ProgressListener | None,
        on_changeset: Callable[[Changeset], None] | None,
    ) -> None:
        self.config = config
        self.project = project
        self.plans = plans
        self.tracker = tracker
        self.stop = stop
        self.progress = progress
        self.on_changeset = on_changeset
        self.scope = scope_of(project)
        self.requests_before = tracker.stats.total
        self.today = date.today()
        self.halted: str | None = None  # the tracker refused this run: see ApplyContext

    def dry_run(self, store: StateStore | None) -> RunResult:
        result = RunResult(self.project.name, dry_run=True)
        snapshot = Snapshot(self.tracker, store, self.scope)
        snapshot.observe()
        with StateStore.in_memory() if store is None else _unclosed(store) as known:
            changeset = self._reconcile(known, snapshot)
            result.changesets.append(changeset)
            after: list[PlanRead] = []
            for plan in self.plans:
                edits = [e for e in changeset.plan_edits if e.task.planfile == plan.planfile]
                data = plan.raw
                if edits:
                    data = apply_edits(plan.raw, plan.path, plan.rules, edits).data
                after.append(
                    plan_read(self.config, self.project, plan.planfile, plan.path, data)
                )
            # The summary as the run would write it, from the plans as it would leave them.
            # As the run would record them: its conflicts, the creates that failed before
            # (which it would try again) until they succeed.
            last = known.findings(self.scope)
            findings = (
                Findings(tuple(changeset.conflicts), last.failures)
                if changeset.actions or changeset.conflicts
                else last
            )
            summary = self._summary_changeset(after, known, snapshot, findings)
        result.changesets.append(summary)
        for plan, edited in zip(self.plans, after, strict=True):
            data = edited.raw
            for action in summary.actions:
                if isinstance(action, WriteSummary) and action.planfile == plan.planfile:
                    data = write_summary(data, action.content, action.place) or data
            if data != plan.raw:
                result.diffs[plan.planfile] = (plan.raw, data)
        result.requests = self.tracker.stats.total - self.requests_before
        return result

    def sync(self, store: StateStore | None) -> RunResult:
        snapshot = Snapshot(self.tracker, store, self.scope)
        snapshot.observe()  # the tracker answered: from here on the run may write
        if store is not None:
            return self._locked(store, snapshot)
        with StateStore(self.config.state_path) as created:
            return self._locked(created, snapshot)

    def _locked(self, store: StateStore, snapshot: Snapshot) -> RunResult:
        result = RunResult(self.project.name, dry_run=False)
        with ProjectLock(self.config.state_path.parent / "locks", self.project.name):
            run_id = store.start_run(self.scope, self.project.name, dry_run=False)
            try:
                snapshot.save(store)
                self._passes(store, snapshot, result)
                if result.results or result.conflicts:
                    store.save_findings(self.scope, _findings(result))
                if not result.stopped:
                    self._summarise(store, snapshot, result)
                if self.tracker.stats.writes:
                    try:
                        snapshot.observe()  # our own writes: seen now, so the next run gets 304s
                        snapshot.save(store)
                    except TrackerError as exc:
                        # Everything was applied; the next run reads what this one could not.
                        result.changesets[-1].notices.append(
                            Notice(None, f"the tracker could not be read after the writes: {exc}")
                        )
                result.requests = self.tracker.stats.total - self.requests_before
            finally:
                summary = {**result.counts(), "requests": result.requests}
                store.finish_run(run_id, result.ok, summary)
        return result

    def _passes(self, store: StateStore, snapshot: Snapshot, result: RunResult) -> None:
        for _ in range(_PASSES):
            changeset = self._reconcile(store, snapshot)
            _drop_failed_creates(changeset, result.results)
            result.changesets.append(changeset)
            if changeset.is_empty() and not changeset.bases:
                return
            if self.on_changeset is not None:
                self.on_changeset(changeset)
            written = self._apply(changeset, store, snapshot, result)
            if self.stop is not None and self.stop.is_set():
                result.stopped = True
                return
            if written:
                self.plans = read_plans(self.config, self.project)
            created = any(
                isinstance(r.action, CreateIssue) and r.status is Status.APPLIED
                for r in result.results
            )
            if not created and not _renamed_in_plan(result.results):
                return

    def _summary_changeset(
        self, plans: Sequence[PlanRead], store: StateStore, snapshot: Snapshot, findings: Findings
    ) -> Changeset:
        remote = snapshot.remote()
        targets = plan_figures(
            plans, self.project, store.links(self.scope), remote, findings, self.today
        )
        return summary_changeset(targets, remote, self.project)

    def _summarise(self, store: StateStore, snapshot: Snapshot, result: RunResult) -> None:
        """Bring the summaries up to date with the figures the run left."""
        changeset = self._summary_changeset(
            self.plans, store, snapshot, store.findings(self.scope)
        )
        result.changesets.append(changeset)
        if changeset.is_empty():
            return
        if self.on_changeset is not None:
            self.on_changeset(changeset)
        self._apply(changeset, store, snapshot, result)

    def _reconcile(self, store: StateStore, snapshot: Snapshot) -> Changeset:
        known = Known(store.links(self.scope), frozenset(store.known_labels(self.scope)))
        return reconcile(
            [p.input for p in self.plans],
            snapshot.remote(),
            known,
            self.project,
            reasons=self.tracker.kind == "github",
        )

    def _apply(
        self, changeset: Changeset, store: StateStore, snapshot: Snapshot, result: RunResult
    ) -> bool:
        ctx = ApplyContext(
            tracker=self.tracker,
            store=store,
            scope=self.scope,
            links=store.links(self.scope),
            issues=snapshot.issues,
            milestones={m.title: m.number for m in snapshot.milestones},
            milestone_list=snapshot.milestones,
            plans={p.planfile: PlanTarget(p.path, p.rules, p.raw) for p in self.plans},
            stop=self.stop,
            progress=self.progress,
            halted=self.halted,
        )
        result.results.extend(apply(changeset, ctx))
        self.halted = ctx.halted
        for planfile, data in ctx.written.items():
            before = next(p.raw for p in self.plans if p.planfile == planfile)
            first = result.diffs.get(planfile, (before, before))[0]
            result.diffs[planfile] = (first, data)
        return bool(ctx.written)


@contextmanager
def _unclosed(store: StateStore) -> Iterator[StateStore]:
    yield store  # the caller's store: the caller closes it


def _renamed_in_plan(results: list[ActionResult]) -> bool:
    """Whether a title pulled into a planfile may have given its task a new key (an ID-less
    task's key comes from its title): the next pass moves the link and the issue's marker."""
    return any(
        isinstance(r.action, EditPlan)
        and r.action.kind is PlanEditKind.RETITLE
        and r.status is Status.APPLIED
        for r in results
    )


def _findings(result: RunResult) -> Findings:
    failures = tuple(
        Failure(r.action.task, r.detail)
        for r in result.failed
        if isinstance(r.action, CreateIssue)
    )
    return Findings(tuple(result.conflicts), failures)


def _drop_failed_creates(changeset: Changeset, results: list[ActionResult]) -> None:
    """A create that failed in this run's first pass is not tried again in its second."""
    failed = {
        r.action.task
        for r in results
        if isinstance(r.action, CreateIssue) and r.status is Status.FAILED
    }
    if failed:
        changeset.actions = [
            a for a in changeset.actions if not (isinstance(a, CreateIssue) and a.task in failed)
        ]
