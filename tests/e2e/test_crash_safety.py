"""A first sync killed or failed at every write, then run again, ends where an uninterrupted
run ends: the same issues, milestones (with their progress lines) and plan bytes (with its
summary), no duplicate issue nor tracking issue, a state store that agrees with both. Losing
the state store, right after a crash or after a complete run, creates nothing again.

The reference is an uninterrupted first sync plus a second one on a fresh sandbox. Then, for
each write k of such a first sync, on a fresh sandbox and a fresh folder:

- kill: a tracker wrapper raises a BaseException (what a killed process amounts to: plain
  Exceptions are caught per action by design) right before the k-th write call reaches the
  adapter, or right after it returned (the write happened, the run died before recording it);
- fault: the sandbox fails the k-th write request with a 500, before applying it or after
  (the unclear failure); the adapters retry or look for their marker, the run goes on.

Both trackers are swept at every k. The sandbox's clock is a SteppingClock, so every outcome
is deterministic and a whole run falls within one GitHub second (the worst case for its `since`);
TestChangesWithinOneSecond stops the clock altogether.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from harness import ALL_SUMMARIES, ENVIRON, SteppingClock, SyncHarness

from plansync.clock import FakeClock
from plansync.model.changeset import CreateIssue, Status
from plansync.model.sync import Fields
from plansync.sandbox.server import SandboxServer
from plansync.sync.result import RunResult
from plansync.trackers.base import Tracker
from plansync.trackers.markers import find_marker, find_tracking_marker
from plansync.trackers.pacing import reset_pacers
from plansync.trackers.registry import open_tracker

PLAN_NAME = "release.md"
# 20 synced tasks: a table with estimates, priorities and a status column, checkboxes with IDs
# and without, four of them done, two milestones, two dependencies, and a criterion that is
# not synced.
PLAN = b"""# Release Plan

A plan for the crash tests: a table, checkboxes, ticked tasks, two milestones.

## Phase 1: Foundation

| ID | Task | Estimate | Priority | Status |
|----|------|----------|----------|--------|
| CR-001 | Set up the repository | 30min | high | Done |
| CR-002 | Write the config loader | 2h | high | |
| CR-003 | Parse the input files | 3h | medium | |
| CR-004 | Validate the schema | 90min | medium | Done |
| CR-005 | Log every request | 1h | low | |
| CR-006 | Package the wheel | 45min | low | |
| CR-007 | Add the command line | 2h | high | |
| CR-008 | Document the options | 1h | low | |

## Phase 2: Delivery

- [ ] **CR-101**: Build the release pipeline (3h)
  - Depends on: CR-007
- [x] **CR-102**: Sign the artifacts (1h)
- [ ] **CR-103**: Publish to the index (30min)
  - Depends on: CR-101
- [ ] **CR-104**: Announce the release
- [ ] Write the upgrade notes (2h)
- [x] Check the licence headers
- [ ] Tag the release
- [ ] Archive the old branches (20min)
- [ ] Update the website
- [ ] Close the milestone board
- [ ] Thank the contributors
- [ ] Plan the next cycle

## Definition of Done

- [ ] Every task has an issue
"""
TASKS = 20
MILESTONES = ["Phase 1: Foundation", "Phase 2: Delivery"]
HTTP_WRITES = ("POST", "PATCH", "PUT", "DELETE")
Hooks = Callable[..., Any]  # the `hook_writes` fixture: tracker, before=, after= -> wrapper


class SimulatedKill(BaseException):
    """The run dies here, as a killed process does: not an Exception, so no action catches it."""


class InstantClock:
    """The adapters' clock in the fault runs: the real time, but a retry's backoff passes at
    once (the sandbox is local; waiting would only slow the sweep down)."""

    def __init__(self) -> None:
        self.slept = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += max(seconds, 0.0)

    def now(self) -> datetime:
        return datetime.now(UTC)


def fresh_sandbox(sandbox: SandboxServer) -> None:
    """Reset, on a SteppingClock that starts now: the adapters look for an unclear create's
    issue among those created since the write began, by their own clock."""
    sandbox.reset()
    sandbox.store.set_clock(SteppingClock(datetime.now(UTC)))


# -- what a run leaves behind ------------------------------------------------------------------


@dataclass(frozen=True)
class IssueView:
    title: str
    state: str
    state_reason: str | None
    labels: tuple[str, ...]
    milestone: str | None
    body: str
    time_estimate: int
    marker: str | None


@dataclass(frozen=True)
class Outcome:
    issues: dict[int, IssueView]
    milestones: tuple[tuple[str, str, str], ...]  # (title, state, description), sorted
    labels: tuple[str, ...]
    plan: bytes
    links: dict[str, tuple[int, Fields | None]]  # task -> issue number, base


def outcome(harness: SyncHarness) -> Outcome:
    store, repo = harness.store, harness.repo
    titles = {m.number: m.title for m in store.milestones(repo)}
    issues = {
        issue.number: IssueView(
            title=issue.title,
            state=issue.state,
            state_reason=issue.state_reason if issue.state == "closed" else None,
            labels=tuple(sorted(issue.labels)),
            milestone=titles.get(issue.milestone) if issue.milestone is not None else None,
            body=issue.body or "",
            time_estimate=issue.time_estimate,
            marker=find_marker(issue.body or ""),
        )
        for issue in harness.issues()
    }
    with harness.state() as state:
        links = {str(task): (link.number, link.base) for task, link in state.links().items()}
    return Outcome(
        issues=issues,
        milestones=tuple(
            sorted((m.title, m.state, m.description or "") for m in store.milestones(repo))
        ),
        labels=tuple(sorted(label.name for label in store.labels(repo))),
        plan=harness.plan(PLAN_NAME),
        links=links,
    )


def differences(expected: Outcome, got: Outcome, *, links: bool = True) -> list[str]:
    """What differs, in words (empty when the outcomes are equal)."""
    found: list[str] = []
    for number in sorted(set(expected.issues) | set(got.issues)):
        want, have = expected.issues.get(number), got.issues.get(number)
        if want != have:
            found.append(f"issue #{number}: expected {want}, got {have}")
    markers = [view.marker for view in got.issues.values()]
    duplicated = sorted({m for m in markers if m is not None and markers.count(m) > 1})
    if duplicated:
        found.append(f"markers on more than one issue: {duplicated}")
    tracking = [n for n, view in got.issues.items() if find_tracking_marker(view.body)]
    if len(tracking) != 1:
        found.append(f"tracking issues: {tracking}, expected exactly one")
    if expected.milestones != got.milestones:
        found.append(f"milestones: expected {expected.milestones}, got {got.milestones}")
    if expected.labels != got.labels:
        found.append(f"labels: expected {expected.labels}, got {got.labels}")
    if expected.plan != got.plan:
        found.append(f"plan bytes differ:\n{got.plan.decode()}")
    if links and expected.links != got.links:
        for task in sorted(set(expected.links) | set(got.links)):
            if expected.links.get(task) != got.links.get(task):
                found.append(
                    f"state store link {task}: expected {expected.links.get(task)}, "
                    f"got {got.links.get(task)}"
                )
    return found


def snapshot_problems(harness: SyncHarness) -> list[str]:
    """Where the state store's cached copy of the tracker disagrees with the tracker."""
    with harness.state() as state:
        cached = state.cached_issues()
    actual = {issue.number: issue for issue in harness.issues()}
    if set(cached) != set(actual):
        return [f"cached issues {sorted(cached)} but the tracker has {sorted(actual)}"]
    problems = []
    for number, issue in cached.items():
        real = actual[number]
        seen = (issue.title, issue.state.value, issue.body, tuple(sorted(issue.labels)))
        truth = (real.title, real.state, real.body or "", tuple(sorted(real.labels)))
        if seen != truth:
            problems.append(f"cached issue #{number} is {seen}, the tracker has {truth}")
    return problems


def created_any(result: RunResult) -> bool:
    return any(
        isinstance(r.action, CreateIssue) and r.status is Status.APPLIED for r in result.results
    )


def forget_state(harness: SyncHarness) -> None:
    path = harness.state_path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- the reference -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    outcome: Outcome
    write_calls: int  # tracker write calls of the first sync
    write_requests: int  # HTTP write requests of the first sync


@pytest.fixture(scope="module")
def references(
    sandbox_server: SandboxServer,
    tmp_path_factory: pytest.TempPathFactory,
    hook_writes: Hooks,
) -> Iterator[Callable[[str], Reference]]:
    """An uninterrupted first sync and a second one of PLAN, per tracker kind, on a fresh
    sandbox (computed once per kind)."""
    made: dict[str, Reference] = {}

    def reference(kind: str) -> Reference:
        if kind not in made:
            fresh_sandbox(sandbox_server)
            root = tmp_path_factory.mktemp(f"reference-{kind}")
            harness = SyncHarness.create(
                root, sandbox_server, kind, {PLAN_NAME: PLAN}, summary_toml=ALL_SUMMARIES
            )
            counted = hook_writes(harness.tracker())
            first = harness.sync(tracker=counted)
            assert first.ok, first.failed
            requests = harness.writes()
            second = harness.sync()
            assert second.ok, second.failed
            assert harness.writes() == requests, "the second sync of the reference wrote"
            result = outcome(harness)
            assert len(result.issues) == TASKS + 1  # and the tracking issue
            assert sorted(m for m, _, _ in result.milestones) == MILESTONES
            assert len(result.links) == TASKS
            made[kind] = Reference(result, len(counted.writes), requests)
        return made[kind]

    yield reference
    sandbox_server.reset()


# -- one crash and what follows it -------------------------------------------------------------

# A crash at write k; what it already got wrong (a run that should have coped on its own).
Crash = Callable[[SyncHarness, int, Hooks, Outcome], list[str]]


def kill_before(harness: SyncHarness, k: int, hooked: Hooks, reference: Outcome) -> list[str]:
    def die(n: int, name: str) -> None:
        if n == k:
            raise SimulatedKill(f"killed before write {k} ({name})")

    with pytest.raises(SimulatedKill):
        harness.sync(tracker=hooked(harness.tracker(), before=die))
    return []


def kill_after(harness: SyncHarness, k: int, hooked: Hooks, reference: Outcome) -> list[str]:
    def die(n: int, name: str) -> None:
        if n == k:
            raise SimulatedKill(f"killed after write {k} ({name})")

    with pytest.raises(SimulatedKill):
        harness.sync(tracker=hooked(harness.tracker(), after=die))
    return []


def _fault(when: str) -> Crash:
    def crash(harness: SyncHarness, k: int, hooked: Hooks, reference: Outcome) -> list[str]:
        """One 500 is what the adapters' retries and marker look-ups are for: the run
        itself ends where an uninterrupted one does, with no failed action."""
        rule = harness.store.faults.fail("500", nth=k, methods=HTTP_WRITES, when=when)
        # Write queues are per host and process, each on one clock: this run's is its own.
        reset_pacers()
        try:
            result = harness.sync(tracker=_instant_tracker(harness))
        finally:
            reset_pacers()
        fired = [f["fired"] for f in harness.store.faults.to_json() if f["nth"] == rule.nth]
        assert fired == [1], f"the fault at write request {k} did not fire"
        harness.store.faults.clear()
        problems = [f"failed despite the retries: {r.action} ({r.detail})" for r in result.failed]
        problems += differences(reference, outcome(harness))
        return [f"the faulted run itself: {p}" for p in problems]

    return crash


def _instant_tracker(harness: SyncHarness) -> Tracker:
    return open_tracker(harness.config().projects[0].tracker, ENVIRON, clock=InstantClock())


def recover(harness: SyncHarness, reference: Outcome) -> list[str]:
    """Run again after a crash (and once more: nothing may be left to write); what differs
    from the reference afterwards."""
    again = harness.sync()
    if created_any(again):
        again = harness.sync()
    problems = [f"re-run failed: {r.action} ({r.detail})" for r in again.failed]
    problems += differences(reference, outcome(harness))
    problems += snapshot_problems(harness)
    writes = harness.writes()
    settled = harness.sync()
    if harness.writes() != writes or not settled.ok:
        problems.append(f"the run after recovery still wrote: {[str(a) for a in settled.actions]}")
    return problems


def sweep(
    sandbox: SandboxServer,
    tmp_path: Path,
    kind: str,
    crash: Crash,
    hooked: Hooks,
    ks: range,
    reference: Outcome,
) -> dict[int, list[str]]:
    failures: dict[int, list[str]] = {}
    for k in ks:
        fresh_sandbox(sandbox)
        harness = SyncHarness.create(
            tmp_path / f"k{k}", sandbox, kind, {PLAN_NAME: PLAN}, summary_toml=ALL_SUMMARIES
        )
        problems = crash(harness, k, hooked, reference)
        problems += recover(harness, reference)
        if problems:
            failures[k] = problems
    return failures


def report(failures: dict[int, list[str]]) -> str:
    lines = [f"{len(failures)} crash points end elsewhere than the uninterrupted run:"]
    for k, problems in failures.items():
        lines.append(f"k={k}:")
        lines.extend(f"  {p}" for p in problems[:6])
    return "\n".join(lines)


def points(kind: str, total: int) -> range:
    """The write numbers k swept: every one, on both trackers."""
    return range(1, total + 1)


KINDS = ("github", "gitlab")


@pytest.mark.parametrize("kind", KINDS)
class TestKilledMidRun:
    @pytest.mark.parametrize("crash", [kill_before, kill_after], ids=["before", "after"])
    def test_every_write_then_rerun_matches_an_uninterrupted_run(
        self,
        sandbox: SandboxServer,
        tmp_path: Path,
        references: Callable[[str], Reference],
        hook_writes: Hooks,
        kind: str,
        crash: Crash,
    ) -> None:
        reference = references(kind)
        assert reference.write_calls >= TASKS  # a create per task, at least
        ks = points(kind, reference.write_calls)
        failures = sweep(sandbox, tmp_path, kind, crash, hook_writes, ks, reference.outcome)
        assert not failures, report(failures)


@pytest.mark.parametrize("kind", KINDS)
class TestWriteRequestFails:
    @pytest.mark.parametrize("when", ["before", "after"])
    def test_every_write_then_rerun_matches_an_uninterrupted_run(
        self,
        sandbox: SandboxServer,
        tmp_path: Path,
        references: Callable[[str], Reference],
        hook_writes: Hooks,
        kind: str,
        when: str,
    ) -> None:
        reference = references(kind)
        assert reference.write_requests >= TASKS
        # A write refused before it happened is retried the same way at every k: every
        # second one is enough there, to keep the file's runtime near a minute.
        ks = points(kind, reference.write_requests)
        failures = sweep(sandbox, tmp_path, kind, _fault(when), hook_writes, ks, reference.outcome)
        assert not failures, report(failures)


@pytest.mark.parametrize("kind", KINDS)
def test_killed_then_state_store_lost_then_rerun_matches_an_uninterrupted_run(
    sandbox: SandboxServer,
    tmp_path: Path,
    references: Callable[[str], Reference],
    hook_writes: Hooks,
    kind: str,
) -> None:
    """The write happened, the run died before recording it, and the state store is gone:
    the re-run finds every issue by its marker."""
    reference = references(kind)

    def crash(harness: SyncHarness, k: int, hooked: Hooks, reference: Outcome) -> list[str]:
        problems = kill_after(harness, k, hooked, reference)
        forget_state(harness)
        return problems

    step = 4 if kind == "github" else 8
    ks = range(2, reference.write_calls + 1, step)
    failures = sweep(sandbox, tmp_path, kind, crash, hook_writes, ks, reference.outcome)
    assert not failures, report(failures)


@pytest.mark.parametrize("kind", KINDS)
def test_a_lost_state_store_creates_nothing_again(
    sandbox: SandboxServer, tmp_path: Path, references: Callable[[str], Reference], kind: str
) -> None:
    reference = references(kind).outcome
    fresh_sandbox(sandbox)
    harness = SyncHarness.create(
        tmp_path, sandbox, kind, {PLAN_NAME: PLAN}, summary_toml=ALL_SUMMARIES
    )
    harness.sync()
    forget_state(harness)
    writes = harness.writes()
    result = harness.sync()
    assert result.ok, result.failed
    assert not [a for a in result.actions if isinstance(a, CreateIssue)]
    assert differences(reference, outcome(harness), links=False) == []
    assert harness.writes() == writes, "relinking by marker wrote to the tracker"
    assert {task: number for task, (number, _) in outcome(harness).links.items()} == {
        task: number for task, (number, _) in reference.links.items()
    }


@pytest.mark.parametrize("kind", KINDS)
class TestChangesWithinOneSecond:
    """Changes stamped with the instant the last read ended at. GitHub stamps to the second
    and GitLab to the millisecond, so on the real trackers this takes changes made close
    together; here the sandbox's clock stands still to make it certain."""

    @pytest.fixture
    def still(self, sandbox: SandboxServer) -> SandboxServer:
        sandbox.store.set_clock(FakeClock(datetime.now(UTC)))
        return sandbox

    def test_an_issue_closed_alongside_another_change_is_ticked(
        self, still: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        harness = SyncHarness.create(
            tmp_path, still, kind, {PLAN_NAME: PLAN}, summary_toml=ALL_SUMMARIES
        )
        harness.sync()
        number = harness.number(PLAN_NAME, "CR-002")
        still.store.close_issue(harness.repo, number, "completed")
        still.store.create_issue(harness.repo, "A bug report nobody planned", "Steps: ...")
        harness.sync()
        row = f"| CR-002 | Write the config loader (#{number}) | 2h | high | Done |"
        assert row.encode() in harness.plan(PLAN_NAME)

    def test_a_rerun_after_a_kill_keeps_the_plans_ticks(
        self, still: SandboxServer, tmp_path: Path, kind: str, hook_writes: Hooks
    ) -> None:
        """Killed before closing the issue of a task done in the plan; the re-run closes it
        and creates the rest in the same second; the run after must not untick the task."""
        harness = SyncHarness.create(
            tmp_path, still, kind, {PLAN_NAME: PLAN}, summary_toml=ALL_SUMMARIES
        )

        def die(n: int, name: str) -> None:
            if name == "close_issue":
                raise SimulatedKill("killed before the first close")

        with pytest.raises(SimulatedKill):
            harness.sync(tracker=hook_writes(harness.tracker(), before=die))
        harness.sync()
        harness.sync()
        number = harness.number(PLAN_NAME, "CR-001")
        assert harness.issue(number).state == "closed"
        row = f"| CR-001 | Set up the repository (#{number}) | 30min | high | Done |"
        assert row.encode() in harness.plan(PLAN_NAME)
