"""A task ID whose defining item is deleted is a removed task, even when prose elsewhere still
mentions the ID (`Instance 3: Infrastructure -> OPS-002 -> ...`): the `removed` policy applies,
and the mention never becomes the task (its issue keeps its title and milestone, its line gets
no reference). Prose that defined a task from the start (no item ever did) stays that task."""

from __future__ import annotations

from pathlib import Path

from harness import ALL_SUMMARIES, SyncHarness
from test_first_sync import SHARED_PLANS, plan_name, shared_bytes

from conftest import MakeHarness
from plansync.sync.result import RunResult

PLAN = b"""# Ops plan

## Phase 1: Emergency

**Single Focus: Get FIX-006 Actually Implemented**

## Phase 3: Operations

- **OPS-001**: CI/CD Pipeline
  - GitHub Actions setup

- **OPS-002**: Observability
  - Metrics collection
  - Tracing setup

## Staffing

- **Instance 3**: Infrastructure -> OPS-002 -> Cloud integration
"""
OPS_002_ITEM = b"- **OPS-002**: Observability (#3)\n  - Metrics collection\n  - Tracing setup\n\n"
PROSE = b"- **Instance 3**: Infrastructure -> OPS-002 -> Cloud integration\n"


def synced_then_item_deleted(make_harness: MakeHarness, **options: str) -> SyncHarness:
    harness = make_harness({"plan.md": PLAN}, **options)
    first = harness.sync()
    assert first.ok, first.failed
    assert harness.number("plan.md", "OPS-002") == 3
    harness.edit_plan("plan.md", OPS_002_ITEM, b"")
    return harness


def removal_notices(result: RunResult) -> list[int | None]:
    return [n.number for n in result.notices if "no longer in the plan" in n.message]


class TestAnItemDeletedWhileProseMentionsItsId:
    def test_is_reported_and_the_prose_does_not_become_the_task(
        self, make_harness: MakeHarness
    ) -> None:
        harness = synced_then_item_deleted(make_harness)
        data = harness.plan("plan.md")

        result = harness.sync()

        assert result.ok, result.failed
        assert result.actions == []
        assert removal_notices(result) == [3]
        issue = harness.issue(3)
        assert (issue.title, issue.state) == ("[OPS-002] Observability", "open")
        milestones = {m.number: m.title for m in harness.store.milestones(harness.repo)}
        assert milestones[issue.milestone] == "Phase 3: Operations"
        assert harness.plan("plan.md") == data
        assert PROSE in data

    def test_the_next_runs_stay_quiet(self, make_harness: MakeHarness) -> None:
        harness = synced_then_item_deleted(make_harness)
        harness.sync()

        again = harness.sync()

        assert again.actions == []
        assert removal_notices(again) == [3]
        assert harness.issue(3).title == "[OPS-002] Observability"

    def test_removed_close_closes_its_issue_once_and_the_prose_stays_prose(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = synced_then_item_deleted(make_harness, project_toml='removed = "close"')

        closing = harness.sync()
        again = harness.sync()

        assert closing.ok, closing.failed
        assert [type(a).__name__ for a in closing.actions] == ["CloseIssue"]
        issue = harness.issue(3)
        assert (issue.title, issue.state) == ("[OPS-002] Observability", "closed")
        if kind == "github":
            assert issue.state_reason == "not_planned"
        assert len(harness.store.comments(harness.repo, 3)) == 1
        assert again.actions == []
        assert PROSE in harness.plan("plan.md")

    def test_the_item_written_again_takes_its_issue_back(self, make_harness: MakeHarness) -> None:
        harness = synced_then_item_deleted(make_harness)
        harness.sync()
        harness.edit_plan("plan.md", b"## Staffing\n", OPS_002_ITEM + b"## Staffing\n")

        result = harness.sync()

        assert result.ok, result.failed
        assert result.actions == []
        assert removal_notices(result) == []
        assert harness.number("plan.md", "OPS-002") == 3

    def test_the_summary_no_longer_counts_it(self, make_harness: MakeHarness) -> None:
        harness = synced_then_item_deleted(make_harness, summary_toml=ALL_SUMMARIES)

        harness.sync()

        assert "**Coverage:** 2 / 2 tasks linked to an issue." in harness.plan("plan.md").decode()


def test_prose_that_always_defined_its_task_stays_that_task(make_harness: MakeHarness) -> None:
    harness = make_harness({"plan.md": PLAN})
    harness.sync()

    again = harness.sync()

    assert again.actions == []
    number = harness.number("plan.md", "FIX-006")
    assert harness.issue(number).title == "[FIX-006] Get FIX-006 Actually Implemented"
    assert b"**Single Focus: Get FIX-006 Actually Implemented** (#1)\n" in harness.plan("plan.md")


def test_plan_002_without_its_ops_002_item(make_harness: MakeHarness, shared_dir: Path) -> None:
    plan = SHARED_PLANS[2]
    name = plan_name(plan)
    harness = make_harness({name: shared_bytes(shared_dir, plan)}, summary_toml=ALL_SUMMARIES)
    assert harness.sync().ok
    number = harness.number(name, "OPS-002")
    before = harness.issue(number)
    data = harness.plan(name)
    start = data.index(b"- **OPS-002**: Observability")
    end = data.index(b"### ", start)
    harness.write_plan(name, data[:start] + data[end:])
    prose = next(line for line in data.splitlines() if b"Instance 3" in line)

    result = harness.sync()
    again = harness.sync()

    assert result.ok, result.failed
    assert removal_notices(result) == [number]
    after = harness.issue(number)
    assert (after.title, after.milestone, after.state) == (
        before.title,
        before.milestone,
        before.state,
    )
    assert prose in harness.plan(name).splitlines()
    assert "**Coverage:** 15 / 15 tasks linked to an issue." in harness.plan(name).decode()
    assert again.actions == []
