"""What a sync writes into a plan stays where it belongs, against the sandbox's GitHub and GitLab
APIs: an issue link lands inside a table cell even on a ragged row, text in an issue column stays
beside the link, and a title retitled on the tracker (hostile or looking like a task ID) is
written as text: the task keeps its identity and the next sync has nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness import SyncHarness

from builders import changed_line_pairs
from plansync.model.plan import PlanDocument, Task
from plansync.planfile.parse import parse_plan

MakeHarness = Callable[..., SyncHarness]
NAME = "plan.md"


def read(harness: SyncHarness) -> PlanDocument:
    return parse_plan(harness.plan(NAME), Path(NAME))


def task(harness: SyncHarness, key: str) -> Task:
    (found,) = [t for t in read(harness).tasks if t.key == key]
    return found


def assert_quiet(harness: SyncHarness) -> None:
    """The next sync has nothing to do: no action, no write to the tracker or the plan."""
    writes, data = harness.writes(), harness.plan(NAME)
    result = harness.sync()
    assert result.ok, result.failed
    assert result.actions == []
    assert harness.writes() == writes
    assert harness.plan(NAME) == data


def first_sync(harness: SyncHarness, keys: tuple[str, ...]) -> dict[str, int]:
    """The plan's first sync: one issue per task, each task's number."""
    result = harness.sync()
    assert result.ok, result.failed
    assert sorted(harness.issues_by_task()) == sorted(f"{NAME}#{key}" for key in keys)
    return {key: harness.number(NAME, key) for key in keys}


NO_TITLE_CELL = b"""# Plan

## Phase 1: Tables

| ID | Owner | Notes | Task |
|----|-------|-------|------|
| AB-1 | bob |  |
| AB-2 | bob | x | Ship it |
"""
SHORT_OF_ITS_ISSUE_CELL = b"""# Plan

## Phase 1: Tables

| ID | Task | Owner | Issue |
|----|------|-------|-------|
| CD-1 | Write docs |
"""
SHORT_OF_ITS_STATUS_CELL = b"""# Plan

## Phase 1: Tables

| ID | Task | Owner | Status |
|----|------|-------|--------|
| EF-1 | Test it |
"""


def assert_same_tasks(before: bytes, harness: SyncHarness, numbers: dict[str, int]) -> None:
    """The reader reads the tasks it read before, each now referencing its issue."""
    old = parse_plan(before, Path(NAME)).tasks
    new = read(harness).tasks
    assert [(t.key, t.title, t.id, t.kind) for t in new] == [
        (t.key, t.title, t.id, t.kind) for t in old
    ]
    for linked in new:
        assert [r.number for r in linked.issue_refs] == [numbers[linked.key]]


class TestRaggedRows:
    def test_a_task_read_from_a_row_without_title_cell_is_linked_in_its_id_cell(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: NO_TITLE_CELL})
        n = first_sync(harness, ("AB-1", "AB-2"))
        assert changed_line_pairs(NO_TITLE_CELL, harness.plan(NAME)) == [
            (b"| AB-1 | bob |  |\n", f"| AB-1 (#{n['AB-1']}) | bob |  |\n".encode()),
            (
                b"| AB-2 | bob | x | Ship it |\n",
                f"| AB-2 | bob | x | Ship it (#{n['AB-2']}) |\n".encode(),
            ),
        ]
        assert_same_tasks(NO_TITLE_CELL, harness, n)
        assert_quiet(harness)

    def test_a_row_short_of_its_issue_cell_gets_the_cells_up_to_it(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: SHORT_OF_ITS_ISSUE_CELL})
        n = first_sync(harness, ("CD-1",))
        assert changed_line_pairs(SHORT_OF_ITS_ISSUE_CELL, harness.plan(NAME)) == [
            (b"| CD-1 | Write docs |\n", f"| CD-1 | Write docs |  | #{n['CD-1']} |\n".encode()),
        ]
        assert_same_tasks(SHORT_OF_ITS_ISSUE_CELL, harness, n)
        assert_quiet(harness)

    def test_a_row_short_of_its_status_cell_gets_it_when_ticked(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: SHORT_OF_ITS_STATUS_CELL})
        n = first_sync(harness, ("EF-1",))
        linked = f"| EF-1 | Test it (#{n['EF-1']}) |\n".encode()
        assert changed_line_pairs(SHORT_OF_ITS_STATUS_CELL, harness.plan(NAME)) == [
            (b"| EF-1 | Test it |\n", linked)
        ]

        harness.store.close_issue(harness.repo, n["EF-1"], user="alice")
        result = harness.sync()

        assert result.ok, result.failed
        assert changed_line_pairs(SHORT_OF_ITS_STATUS_CELL, harness.plan(NAME)) == [
            (b"| EF-1 | Test it |\n", f"| EF-1 | Test it (#{n['EF-1']}) |  | Done |\n".encode())
        ]
        assert task(harness, "EF-1").done
        assert_quiet(harness)


INTERNAL = b"""# Plan

## Phase 1: Build

| ID | Task | Estimate | GitHub Issue |
|----|------|----------|--------------|
| IN-1 | Verify the plugins | 90min | Internal |
| IN-2 | Write the docs | 2h | TBD |
| IN-3 | Test the build | 1h | - |
| IN-4 | Ship it | 1h | |
"""


class TestIssueColumnText:
    def test_text_that_is_no_reference_stays_beside_the_link(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: INTERNAL})
        keys = ("IN-1", "IN-2", "IN-3", "IN-4")
        n = first_sync(harness, keys)

        plan = harness.plan(NAME).decode()
        assert f"| IN-1 | Verify the plugins | 90min | Internal (#{n['IN-1']}) |\n" in plan
        assert f"| IN-2 | Write the docs | 2h | TBD (#{n['IN-2']}) |\n" in plan
        assert f"| IN-3 | Test the build | 1h | - (#{n['IN-3']}) |\n" in plan
        assert f"| IN-4 | Ship it | 1h | #{n['IN-4']} |\n" in plan
        for key in keys:
            assert [r.number for r in task(harness, key).issue_refs] == [n[key]]
        assert len(harness.issues()) == len(keys)
        assert_quiet(harness)


HOSTILE = b"""# Plan

## Phase 1: Build

- [ ] Ship the build

**Tasks**:

- Write the notes

| ID | Task | Status |
|----|------|--------|
| T1 | Review the code | Todo |
"""
SHIP, NOTES = "phase-1-build/ship-the-build", "phase-1-build/write-the-notes"


class TestTitlesPulledFromTheTracker:
    def test_hostile_titles_are_written_as_text_and_give_no_task_an_id(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: HOSTILE})
        n = first_sync(harness, (SHIP, NOTES, "T1"))
        count = len(read(harness).tasks)
        titles = {
            SHIP: "ZZ-999 ship <script>alert(1)</script>",
            NOTES: "# Week 4: ZZ-998 (notes) </td></tr>",
            "T1": "[T1] Review | </td></tr><script>x</script>",
        }
        for key, title in titles.items():
            harness.store.set_issue_title(harness.repo, n[key], title, user="alice")
        before = harness.plan(NAME)

        result = harness.sync()

        assert result.ok, result.failed
        assert changed_line_pairs(before, harness.plan(NAME)) == [
            (
                f"- [ ] Ship the build (#{n[SHIP]})\n".encode(),
                f"- [ ] &#90;Z-999 ship &lt;script>alert(1)&lt;/script> (#{n[SHIP]})\n".encode(),
            ),
            (
                f"- Write the notes (#{n[NOTES]})\n".encode(),
                f"- \\# Week 4: &#90;Z-998 (notes) &lt;/td>&lt;/tr> (#{n[NOTES]})\n".encode(),
            ),
            (
                f"| T1 | Review the code (#{n['T1']}) | Todo |\n".encode(),
                f"| T1 | Review \\| &lt;/td>&lt;/tr>&lt;script>x&lt;/script> (#{n['T1']}) "
                "| Todo |\n".encode(),
            ),
        ]
        document = read(harness)
        assert len(document.tasks) == count
        by_title = {t.title: t for t in document.tasks}
        ship = by_title["ZZ-999 ship <script>alert(1)</script>"]
        notes = by_title["# Week 4: ZZ-998 (notes) </td></tr>"]
        review = by_title["Review | </td></tr><script>x</script>"]
        assert (ship.id, notes.id, review.id) == (None, None, "T1")
        assert [r.number for r in ship.issue_refs] == [n[SHIP]]
        # The ID-less tasks' keys follow their new titles; their issues follow the keys.
        assert harness.number(NAME, ship.key) == n[SHIP]
        assert harness.number(NAME, notes.key) == n[NOTES]
        assert len(harness.issues()) == 3
        for key, title in titles.items():
            assert harness.issue(n[key]).title == title
        assert_quiet(harness)
