"""A spec-kit plan synced on the sandbox: each `T0xx` task gets one issue keyed by its ID, and
an issue closed on the tracker ticks its task in place: an in-progress `[~]` becomes `[x]`,
nothing else on the line or in the file changes."""

from __future__ import annotations

from conftest import MakeHarness

PLAN = b"""# Tasks: Photo albums

## Phase 1: Setup

- [ ] T001 Create the project skeleton
- [~] T002 [P] [US1] Album model in src/models/album.py (depends on T001)
"""


class TestSpecKitPlan:
    def test_tasks_get_issues_and_a_closed_one_ticks_in_place(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"tasks.md": PLAN})
        first = harness.sync()
        assert first.ok, first.failed
        number = harness.number("tasks.md", "T002")
        assert sorted(harness.issues_by_task()) == ["tasks.md#T001", "tasks.md#T002"]
        linked = harness.plan("tasks.md")

        harness.store.close_issue(harness.repo, number, "completed")
        second = harness.sync()

        assert second.ok, second.failed
        assert harness.plan("tasks.md") == linked.replace(b"- [~] T002", b"- [x] T002")
        assert harness.sync().actions == []
