"""`--dry-run` reads everything and writes nothing: no write request reaches the tracker, the
planfile keeps its bytes and mtime, the state store is not created (or stays as it was). What it
shows is what a real run then does: the same actions in the same order, the same diff.
"""

from __future__ import annotations

from collections.abc import Callable

from harness import ENVIRON, SyncHarness
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.model.changeset import CreateIssue, EditPlan, PlanEditKind, Status
from plansync.sync.result import RunResult

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
PLAN = b"""# Release plan

## Phase 1: Build

- [ ] Write the parser
- [x] Pick a name
- [ ] **REL-2**: Package the wheel (45min)
  - Depends on: REL-3

## Phase 2: Ship

| ID | Task | Estimate | Priority | Status | Issue |
|----|------|----------|----------|--------|-------|
| REL-3 | Ship the CLI | 90min | High | Todo | |
| REL-4 | Write the docs | 2h | Low | Done | |
"""


class Untouched:
    """The planfile's bytes and mtime and the state store's file, to compare after a run."""

    def __init__(self, harness: SyncHarness) -> None:
        self.harness = harness
        path = harness.root / NAME
        self.plan = (path.read_bytes(), path.stat().st_mtime_ns)
        state = harness.state_path
        self.state = (state.read_bytes(), state.stat().st_mtime_ns) if state.exists() else None
        self.writes = harness.writes()

    def problems(self) -> list[str]:
        now = Untouched(self.harness)
        found = []
        if now.plan != self.plan:
            found.append("the planfile changed (bytes or mtime)")
        if now.state != self.state:
            found.append("the state store was created or changed")
        if now.writes != self.writes:
            found.append(f"{now.writes - self.writes} write requests reached the tracker")
        return found


def links_and_bases(harness: SyncHarness) -> dict[str, object]:
    with harness.state() as store:
        return {str(task): link for task, link in store.links().items()}


def applied(result: RunResult) -> None:
    assert result.ok, result.failed
    assert all(r.status is Status.APPLIED for r in result.results), result.results


class TestDryRun:
    def test_a_first_dry_run_writes_nothing_and_lists_the_first_pass(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: PLAN})
        before = Untouched(harness)

        dry = harness.sync(dry_run=True)

        assert before.problems() == []
        assert not harness.state_path.exists()
        assert harness.issues() == []
        assert dry.dry_run
        assert dry.results == []
        creates = [a for a in dry.actions if isinstance(a, CreateIssue)]
        # Dependencies first: REL-3 before REL-2, which depends on it; otherwise document order.
        assert [a.task.key for a in creates] == [
            "phase-1-build/write-the-parser",
            "phase-1-build/pick-a-name",
            "REL-3",
            "REL-2",
            "REL-4",
        ]

        real = harness.sync()

        applied(real)
        assert real.changesets[0].actions == dry.actions
        # The issue numbers are known only once the issues exist: the references to them
        # are written in the run's second pass, which a dry run cannot show.
        later = [a for c in real.changesets[1:] for a in c.actions]
        assert sorted(a.task.key for a in later if isinstance(a, EditPlan)) == sorted(
            a.task.key for a in creates
        )
        assert all(isinstance(a, EditPlan) and a.kind is PlanEditKind.LINK for a in later)

    def test_a_dry_run_shows_exactly_what_the_real_run_then_does(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: PLAN})
        applied(harness.sync())
        parser = harness.number(NAME, "phase-1-build/write-the-parser")
        rel3 = harness.number(NAME, "REL-3")
        rel4 = harness.number(NAME, "REL-4")
        # Changes on both sides: a close and a retitle on the tracker, a tick and an untick
        # in the plan, and a title edited on both sides (a conflict the plan wins).
        harness.store.close_issue(harness.repo, parser)
        harness.store.set_issue_title(harness.repo, rel3, "[REL-3] Ship the command line")
        harness.store.set_issue_title(harness.repo, rel4, "[REL-4] Write the manual")
        harness.edit_plan(
            NAME, b"Write the docs | 2h | Low | Done", b"Write the guide | 2h | Low | Todo"
        )
        harness.edit_plan(NAME, b"- [ ] **REL-2**", b"- [x] **REL-2**")
        before = Untouched(harness)
        links = links_and_bases(harness)

        dry = harness.sync(dry_run=True)

        assert before.problems() == []
        assert links_and_bases(harness) == links
        assert dry.actions, "the changes made no action"
        assert [c.task.key for c in dry.changesets[0].conflicts] == ["REL-4"]
        assert set(dry.diffs) == {NAME}

        real = harness.sync()

        applied(real)
        assert real.actions == dry.actions
        assert real.diffs == dry.diffs
        assert real.changesets[0].conflicts == dry.changesets[0].conflicts
        assert harness.plan(NAME) == dry.diffs[NAME][1]

    def test_a_dry_run_with_nothing_to_do_shows_nothing(self, make_harness: MakeHarness) -> None:
        harness = make_harness({NAME: PLAN})
        applied(harness.sync())
        before = Untouched(harness)

        dry = harness.sync(dry_run=True)

        assert dry.actions == []
        assert dry.diffs == {}
        assert before.problems() == []


def test_plansync_sync_dry_run_writes_nothing(make_harness: MakeHarness) -> None:
    harness = make_harness({NAME: PLAN})
    before = Untouched(harness)

    outcome = CliRunner().invoke(
        app, ["sync", "--dry-run", "--json", "--config", str(harness.config_path)], env=ENVIRON
    )

    assert outcome.exit_code == 0, outcome.output
    assert before.problems() == []
    assert not harness.state_path.exists()
    assert harness.issues() == []
    assert '"dry_run": true' in outcome.stdout
