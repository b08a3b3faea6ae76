"""Someone saves the planfile while a run is between its read and its write: their edit
survives, and the run's own edits land on what they saved (the file is read again, never
overwritten with what the run read).

The edit is made from inside the run: a tracker wrapper makes it on the run's first write
call, after the planfiles were read and before any edit of the run is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import SyncHarness

from plansync.model.changeset import EditPlan, PlanEditKind, Status
from plansync.sandbox.server import SandboxServer
from plansync.sync.result import RunResult

NAME = "team.md"
PLAN = b"""# Team Plan

## Phase 1: Build

| ID | Task | Estimate | Status |
|----|------|----------|--------|
| TM-001 | Draft the schema | 1h | |
| TM-002 | Write the importer | 2h | |
| TM-003 | Review the importer | 30min | |

## Phase 2: Ship

- [ ] **TM-101**: Tag the release
- [ ] **TM-102**: Announce it
- [ ] Archive the old board
"""
LINKED = b"""# Team Plan

## Phase 1: Build

| ID | Task | Estimate | Status |
|----|------|----------|--------|
| TM-001 | Draft the schema (#1) | 1h | |
| TM-002 | Write the importer (#2) | 2h | |
| TM-003 | Review the importer (#3) | 30min | |

## Phase 2: Ship

- [ ] **TM-101**: Tag the release (#4)
- [ ] **TM-102**: Announce it (#5)
- [ ] Archive the old board (#6)
"""
NOTE = b"\nNotes from the review: ship on Friday.\n"
Hooks = Callable[..., Any]  # the `hook_writes` fixture


def colleague(harness: SyncHarness, *edits: tuple[bytes, bytes]) -> Callable[[int, str], None]:
    """A write hook that, at the run's first write call, saves the planfile with `edits`
    (old -> new; an empty old appends new), as a person working on it would."""

    def edit(n: int, name: str) -> None:
        if n != 1:
            return
        data = harness.plan(NAME)
        for old, new in edits:
            if old:
                assert data.count(old) == 1, f"{old!r} is not once in the plan"
                data = data.replace(old, new)
            else:
                data += new
        harness.write_plan(NAME, data)

    return edit


def _applied(result: RunResult, kind: PlanEditKind) -> list[str]:
    return [
        r.action.task.key
        for r in result.results
        if isinstance(r.action, EditPlan) and r.action.kind is kind and r.status is Status.APPLIED
    ]


@pytest.mark.parametrize("kind", ["github", "gitlab"])
class TestEditedDuringTheRun:
    @pytest.fixture
    def harness(self, sandbox: SandboxServer, tmp_path: Path, kind: str) -> SyncHarness:
        return SyncHarness.create(tmp_path, sandbox, kind, {NAME: PLAN})

    def test_first_sync_links_land_and_their_tick_and_note_survive(
        self, harness: SyncHarness, hook_writes: Hooks
    ) -> None:
        tick = (
            b"| TM-003 | Review the importer | 30min | |",
            b"| TM-003 | Review the importer | 30min | Done |",
        )
        tracker = hook_writes(harness.tracker(), before=colleague(harness, tick, (b"", NOTE)))
        result = harness.sync(tracker=tracker)

        assert result.ok, result.failed
        expected = (
            LINKED.replace(
                b"| TM-003 | Review the importer (#3) | 30min | |",
                b"| TM-003 | Review the importer (#3) | 30min | Done |",
            )
            + NOTE
        )
        assert harness.plan(NAME) == expected
        assert len(_applied(result, PlanEditKind.LINK)) == 6

        # Their tick is a change of the plan like any other: the next run closes that issue.
        writes = harness.writes()
        harness.sync()
        assert harness.plan(NAME) == expected
        closed = [i.number for i in harness.issues() if i.state == "closed"]
        assert closed == [harness.number(NAME, "TM-003")]
        assert harness.writes() > writes

    def test_a_pulled_title_lands_beside_their_edits(
        self, harness: SyncHarness, hook_writes: Hooks
    ) -> None:
        harness.sync()
        assert harness.plan(NAME) == LINKED
        # On the tracker, TM-002 is retitled; in the plan, TM-001 is ticked: the run closes
        # its issue (a write), and while it does so a colleague ticks TM-101 and adds a note.
        importer = harness.number(NAME, "TM-002")
        harness.store.update_issue(harness.repo, importer, title="[TM-002] Write the CSV importer")
        harness.edit_plan(
            NAME,
            b"| TM-001 | Draft the schema (#1) | 1h | |",
            b"| TM-001 | Draft the schema (#1) | 1h | Done |",
        )
        before_run = harness.plan(NAME)
        tick = (b"- [ ] **TM-101**", b"- [x] **TM-101**")
        tracker = hook_writes(harness.tracker(), before=colleague(harness, tick, (b"", NOTE)))
        result = harness.sync(tracker=tracker)

        assert result.ok, result.failed
        assert tracker.writes[0] == "close_issue"
        assert _applied(result, PlanEditKind.RETITLE) == ["TM-002"]
        expected = (
            before_run.replace(b"- [ ] **TM-101**", b"- [x] **TM-101**").replace(
                b"Write the importer (#2)", b"Write the CSV importer (#2)"
            )
            + NOTE
        )
        assert harness.plan(NAME) == expected

        harness.sync()
        assert harness.plan(NAME) == expected
        closed = sorted(i.number for i in harness.issues() if i.state == "closed")
        assert closed == sorted([harness.number(NAME, "TM-001"), harness.number(NAME, "TM-101")])
        assert harness.issue(importer).title == "[TM-002] Write the CSV importer"

    def test_a_task_they_removed_meanwhile_is_not_written_back(
        self, harness: SyncHarness, hook_writes: Hooks
    ) -> None:
        harness.sync()
        # The tracker closes TM-003 (the run would tick it); the plan ticks TM-001 (the run
        # closes its issue); meanwhile a colleague deletes the TM-003 row.
        review = harness.number(NAME, "TM-003")
        harness.store.close_issue(harness.repo, review, "completed")
        harness.edit_plan(
            NAME,
            b"| TM-001 | Draft the schema (#1) | 1h | |",
            b"| TM-001 | Draft the schema (#1) | 1h | Done |",
        )
        row = b"| TM-003 | Review the importer (#3) | 30min | |\n"
        tracker = hook_writes(harness.tracker(), before=colleague(harness, (row, b"")))
        theirs: list[bytes] = []
        tracker.after = lambda n, name: theirs.append(harness.plan(NAME)) if n == 1 else None
        result = harness.sync(tracker=tracker)

        assert harness.plan(NAME) == theirs[0]
        assert row not in harness.plan(NAME)
        (tick,) = [
            r
            for r in result.results
            if isinstance(r.action, EditPlan) and r.action.kind is PlanEditKind.TICK
        ]
        assert tick.status is Status.FAILED
        assert NAME in tick.detail
        assert "TM-003" in tick.detail
