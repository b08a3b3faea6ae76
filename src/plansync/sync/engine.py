"""`run_once(project)`: the one way anything syncs (the CLI and the daemon both call it).

    read planfiles -> observe the tracker (incremental) -> lock -> `/plan` commands of new
    comments -> reconcile (pure) -> apply
    -> summarise -> read the tracker again when the run wrote to it, so the next run starts
    from 304s

A run that created issues reconciles a second time at once: bodies can then link dependencies
created after them, and the next run has nothing left to do. A dry run takes the same steps;
only its effects differ (sync/effects.py): it writes nothing and shows what the planfiles would
hold.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.errors import AuthenticationError, PlansyncError, StopRequested, TrackerError
from plansync.model.changeset import (
    ActionResult,
    Changeset,
    CreateIssue,
    EditPlan,
    PlanEditKind,
    Status,
)
from plansync.model.sync import Failure, Findings, Known, Notice
from plansync.state.base import StateDatabase, StateStore
from plansync.state.open import memory_state, open_state, state_exists
from plansync.summary.changes import summary_changeset
from plansync.sync.apply import ProgressListener
from plansync.sync.body import keep_edited_blocks
from plansync.sync.commands import run_commands
from plansync.sync.effects import Effects, Preview, Writes
from plansync.sync.observe import CHECKED_KEY, Snapshot
from plansync.sync.pacing import history_kept_in, writes_eta
from plansync.sync.plans import LocalPlans, PlanRead, PlanSource
from plansync.sync.reconcile import reconcile
from plansync.sync.repository_plans import RepositoryPlans, repository_of
from plansync.sync.result import RunResult
from plansync.sync.status import plan_figures
from plansync.sync.unwritable import keep_unwritable_titles
from plansync.trackers.access import AccessCheck, expiry_warning
from plansync.trackers.base import Tracker
from plansync.trackers.registry import open_tracker
from plansync.trackers.retry import duration_text
from plansync.trackers.waits import WaitListener, WaitRules, rules_for_run

log = logging.getLogger(__name__)

# Passes of reconcile + apply in one run: the second links what the first created.
_PASSES = 2


def run_once(
    config: LoadedConfig,
    project: ProjectConfig,
    *,
    store: StateDatabase | None = None,
    tracker: Tracker | None = None,
    dry_run: bool = False,
    stop: threading.Event | None = None,
    progress: ProgressListener | None = None,
    on_changeset: Callable[[Changeset], None] | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
    wait_for_budget: bool = False,
    on_wait: WaitListener | None = None,
) -> RunResult:
    """Sync one project, then bring every summary up to date (`today` decides what is overdue).
    A dry run reads everything and writes nothing: not to the tracker, not to the planfiles,
    not to the state store.

    Without `store`, the run opens the config's state database itself, and creates it only
    once the plans were read and the tracker answered: a run stopped by bad input writes
    nothing.

    `stop` set ends a wait for the pacing within a second and the run after the action in
    progress. A write the pacing would hold longer than the tracker's `max_wait` halts the
    run's writes (`RunResult.retry_at` says when to run again), unless `wait_for_budget`;
    `on_wait` is told of each wait.
    """
    opened = tracker is None
    source: PlanSource
    if project.plans_source.kind == "repository":
        tracker = tracker if tracker is not None else open_tracker(project.tracker, environ)
        source = RepositoryPlans(config, project, repository_of(tracker), dry_run=dry_run)
        plans = source.read()
    else:
        source = LocalPlans(config, project)
        plans = source.read()
        tracker = tracker if tracker is not None else open_tracker(project.tracker, environ)
    own = store is None
    if store is None and state_exists(config.state_url):
        store = open_state(config.state_url)
    run = _Run(config, project, source, plans, tracker, stop, progress, on_changeset)
    run.today = today or date.today()
    if opened and isinstance(tracker, AccessCheck):  # a tracker given is the caller's to check
        run.warnings += _expiry(tracker, run.today, project.tracker.repo)
    try:
        with rules_for_run(WaitRules(stop, wait_for_budget, on_wait)):
            return run.preview(store) if dry_run else run.sync(store)
    except AuthenticationError as exc:
        hint = project.tracker.auth_hint()
        if hint is None:
            raise
        raise AuthenticationError(f"{exc} {hint}") from exc
    finally:
        if own and store is not None:
            store.close()


class _Run:
    """One run of one project: what it was given, and the steps it takes."""

    def __init__(
        self,
        config: LoadedConfig,
        project: ProjectConfig,
        source: PlanSource,
        plans: list[PlanRead],
        tracker: Tracker,
        stop: threading.Event | None,
        progress: ProgressListener | None,
        on_changeset: Callable[[Changeset], None] | None,
    ) -> None:
        self.config = config
        self.project = project
        self.source = source
        self.plans = plans
        self.tracker = tracker
        self.stop = stop
        self.progress = progress
        self.on_changeset = on_changeset
        self.scope = project.scope
        self.requests_before = tracker.stats.total
        self.today = date.today()
        self.warnings: list[Notice] = []  # said before anything the run finds

    def _store(self, database: StateDatabase) -> StateStore:
        return database.store(self.project.name, self.scope)

    def _snapshot(self, store: StateStore | None) -> Snapshot:
        return Snapshot(self.tracker, store, self.project.check_deleted_every)

    # -- the two ways to run ---------------------------------------------------------------

    def preview(self, database: StateDatabase | None) -> RunResult:
        """The dry run: what a sync would do, from what the state database remembers (an
        empty one kept in memory when there is no file yet)."""
        result = RunResult(self.project.name, dry_run=True)
        with memory_state() if database is None else _unclosed(database) as known:
            store = self._store(known)
            snapshot = self._snapshot(store if database is not None else None)
            snapshot.observe()
            self._steps(store, snapshot, result, Preview(self.source, self.plans))
        result.requests = self.tracker.stats.total - self.requests_before
        return result

    def sync(self, database: StateDatabase | None) -> RunResult:
        snapshot = self._snapshot(self._store(database) if database else None)
        snapshot.observe()  # the tracker answered: from here on the run may write
        if database is not None:
            return self._locked(database, snapshot)
        with open_state(self.config.state_url) as created:
            return self._locked(created, snapshot)

    def _locked(self, database: StateDatabase, snapshot: Snapshot) -> RunResult:
        store = self._store(database)
        result = RunResult(self.project.name, dry_run=False)
        effects = Writes(self.tracker, store, self.source, self.stop, self.progress)
        # The store keeps the pacers' write history while the run has it open.
        with store.lock(), history_kept_in(self.project, database):
            run_id = store.start_run(dry_run=False)
            try:
                snapshot.save(store)
                self._steps(store, snapshot, result, effects)
                if isinstance(self.source, RepositoryPlans):
                    self.source.flush(result)  # the run's one commit
                if self.tracker.stats.writes:
                    try:
                        snapshot.observe()  # our own writes: seen now, so the next run gets 304s
                        snapshot.save(store)
                    except StopRequested:
                        result.stopped = True  # everything was applied; the next run reads it
                    except TrackerError as exc:
                        # Everything was applied; the next run reads what this one could not.
                        result.changesets[-1].notices.append(
                            Notice(None, f"the tracker could not be read after the writes: {exc}")
                        )
                result.requests = self.tracker.stats.total - self.requests_before
            finally:
                summary = {
                    **result.counts(),
                    "requests": result.requests,
                    CHECKED_KEY: snapshot.checked,
                }
                store.finish_run(run_id, result.ok, summary)
        return result

    # -- the steps, the same for both ------------------------------------------------------

    def _steps(
        self, store: StateStore, snapshot: Snapshot, result: RunResult, effects: Effects
    ) -> None:
        commands = run_commands(
            self.tracker, store, self.project, self.source, self.plans, writes=effects.writes
        )
        result.commands.extend(commands.verdicts)
        if commands.changed:
            effects.adopt(self.plans, commands.plans, result)
            self.plans = commands.plans
        self._passes(store, snapshot, result, effects)
        # What kept a read from finishing, what the start of the run found to say, and what
        # the comments' commands came to.
        result.changesets[0].notices[:0] = [*self.warnings, *snapshot.notices, *commands.notices]
        findings = effects.findings(store, result, _findings(result))
        if not result.stopped:
            self._summarise(store, snapshot, result, findings, effects)

    def _passes(
        self, store: StateStore, snapshot: Snapshot, result: RunResult, effects: Effects
    ) -> None:
        for _ in range(_PASSES):
            changeset = self._reconcile(store, snapshot)
            _drop_failed_creates(changeset, result.results)
            result.changesets.append(changeset)
            if changeset.is_empty() and not changeset.bases:
                return
            self._announce(changeset, result, effects)
            settled = _settled(changeset, store)
            if not settled and effects.apply(changeset, self.plans, snapshot, result):
                self.plans = effects.reread(self.plans)
            if self.stop is not None and self.stop.is_set():
                result.stopped = True
                return
            created = any(
                isinstance(r.action, CreateIssue) and r.status is Status.APPLIED
                for r in result.results
            )
            if not created and not _renamed_in_plan(result.results):
                return

    def _summarise(
        self,
        store: StateStore,
        snapshot: Snapshot,
        result: RunResult,
        findings: Findings,
        effects: Effects,
    ) -> None:
        """Bring the summaries up to date with the figures the run left."""
        remote = snapshot.remote()
        links = store.links()
        targets = plan_figures(self.plans, self.project, links, remote, findings, self.today)
        changeset = summary_changeset(targets, remote, self.project, store.written_blocks())
        result.changesets.append(changeset)
        if changeset.is_empty():
            return
        self._announce(changeset, result, effects)
        effects.apply(changeset, self.plans, snapshot, result)

    def _announce(self, changeset: Changeset, result: RunResult, effects: Effects) -> None:
        """Say what a changeset about to be applied costs: its tracker writes and, when they
        are paced, how long the pacing needs for them (the log, the result, the listener)."""
        if not effects.writes:
            return
        writes = len(changeset.tracker_actions)
        eta = writes_eta(self.project, writes) if writes else None
        if eta is not None:
            if result.eta_seconds is None:
                result.eta_seconds = eta
            log.info(
                "%s: %d tracker writes to make; the pacing lets them through in about %s",
                self.project.name,
                writes,
                duration_text(eta),
            )
        if self.on_changeset is not None:
            self.on_changeset(changeset)

    def _reconcile(self, store: StateStore, snapshot: Snapshot) -> Changeset:
        links = store.links()
        known = Known(links, frozenset(store.known_labels()))
        read = {plan.planfile for plan in self.plans}
        unmatched = frozenset(
            planfile
            for planfile in {ref.planfile for ref in links}
            if planfile not in read and self.source.exists(planfile)
        )
        remote = snapshot.remote()
        changeset = reconcile(
            [p.input for p in self.plans],
            remote,
            known,
            self.project,
            reasons=self.tracker.capabilities.close_reason,
            unmatched=unmatched,
        )
        # A block a person edited in an issue body is reported and kept, not reverted.
        keep_edited_blocks(changeset, remote.issues, store.written_blocks())
        # A title the plan cannot take is a notice, not an edit failing run after run.
        keep_unwritable_titles(changeset, self.plans)
        return changeset


def _expiry(tracker: AccessCheck, today: date, repo: str) -> list[Notice]:
    try:
        warning = expiry_warning(tracker.token_expiry(), today, repo)
    except PlansyncError:
        return []  # a refused token: the run's first read says so, with what to do
    return [Notice(None, warning)] if warning is not None else []


@contextmanager
def _unclosed(database: StateDatabase) -> Iterator[StateDatabase]:
    yield database  # the caller's database: the caller closes it


def _renamed_in_plan(results: list[ActionResult]) -> bool:
    """Whether a title pulled into a planfile may have given its task a new key (an ID-less
    task's key comes from its title): the next pass moves the link and the issue's marker."""
    return any(
        isinstance(r.action, EditPlan)
        and r.action.kind is PlanEditKind.RETITLE
        and r.status is Status.APPLIED
        for r in results
    )


def _settled(changeset: Changeset, store: StateStore) -> bool:
    """Whether applying the changeset would do nothing: no action, every base already where
    the run leaves it and every milestone found already on record (a quiet run)."""
    if not changeset.is_empty():
        return False
    if any(u.before is None or u.before != u.after for u in changeset.bases.values()):
        return False
    if not changeset.found_milestones:
        return True
    recorded = store.milestone_links()
    return all(recorded.get(found.title) == found for found in changeset.found_milestones)


def _findings(result: RunResult) -> Findings:
    failures = tuple(
        Failure(r.action.task, r.detail) for r in result.failed if isinstance(r.action, CreateIssue)
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
