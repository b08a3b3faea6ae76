"""A task an item of its own defined, of which only a prose mention of its ID is left, is gone
from the plan (`links.retired_tasks`): the base remembers how the task was defined."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plansync.model.changeset import CloseIssue, EditPlan, UpdateIssue
from plansync.model.sync import Fields, Known, RemoteSnapshot, TaskRef, TaskState
from plansync.sync.links import retired_tasks, without_retired
from plansync.sync.reconcile import reconcile
from sync.test_reconcile import World, in_step, link, plan_input, project, ref, remote_issue

WITH_ITEM = """# Ops

## Phase 3: Operations

- **OPS-001**: CI/CD Pipeline (#1)
- **OPS-002**: Observability (#2)

## Staffing

- **Instance 3**: Infrastructure -> OPS-002 -> Cloud integration
"""
WITHOUT_ITEM = WITH_ITEM.replace("- **OPS-002**: Observability (#2)\n", "")
OPS2 = ref("OPS-002")


def world_without_the_item(from_mention: bool | None = False) -> World:
    """OPS-001 and OPS-002 synced while an item defined OPS-002, which is then deleted."""
    world = in_step(WITH_ITEM, {"OPS-001": 1, "OPS-002": 2})
    base = world.links[OPS2].base
    assert base is not None
    assert base.from_mention is False  # what a sync of the item left
    world.links[OPS2] = replace(world.links[OPS2], base=replace(base, from_mention=from_mention))
    return replace(world, text=WITHOUT_ITEM, plan=plan_input(WITHOUT_ITEM))


class TestRetiredTasks:
    def test_a_mention_left_where_an_item_defined_the_task(self) -> None:
        world = world_without_the_item()

        assert retired_tasks(world.plan, world.links) == {"OPS-002"}
        kept = without_retired(world.plan, world.links)
        assert [t.key for t in kept.document.tasks] == ["OPS-001"]

    @pytest.mark.parametrize("from_mention", [True, None])
    def test_a_mention_that_defined_the_task_or_an_unknown_base_stays_the_task(
        self, from_mention: bool | None
    ) -> None:
        world = world_without_the_item(from_mention)

        assert retired_tasks(world.plan, world.links) == frozenset()
        assert without_retired(world.plan, world.links) is world.plan

    def test_an_unlinked_mention_is_a_task(self) -> None:
        plan = plan_input(WITHOUT_ITEM)

        assert retired_tasks(plan, {}) == frozenset()


class TestReconcile:
    def test_the_removed_task_is_reported_and_its_issue_left_alone(self) -> None:
        changeset = world_without_the_item().run()

        assert changeset.actions == []
        assert OPS2 not in changeset.bases
        (notice,) = changeset.notices
        assert (notice.task, notice.number) == (OPS2, 2)
        assert "no longer in the plan" in notice.message

    def test_removed_close_closes_it_and_keeps_the_link(self) -> None:
        changeset = world_without_the_item().run(project(removed="close"))

        (close,) = changeset.actions
        assert isinstance(close, CloseIssue)
        assert (close.task, close.number, close.not_planned) == (OPS2, 2, True)
        assert close.comment is not None
        assert not close.removed  # the link stays: it remembers the item

    def test_a_task_referencing_its_issue_does_not_take_it(self) -> None:
        world = world_without_the_item()
        text = WITHOUT_ITEM.replace("## Staffing", "- [ ] Watch it (#2)\n\n## Staffing")
        changeset = replace(world, text=text, plan=plan_input(text)).run()

        assert not [a for a in changeset.actions if getattr(a, "number", None) == 2]
        assert any(
            "#2, which is the issue of task 'OPS-002'" in n.message for n in changeset.notices
        )

    def test_a_mention_that_always_defined_its_task_is_synced(self) -> None:
        changeset = world_without_the_item(from_mention=True).run()

        # The prose is the task: its title and milestone go to the issue, its line gets `#2`.
        (update,) = [a for a in changeset.actions if isinstance(a, UpdateIssue)]
        assert update.task == OPS2
        assert set(update.changed) >= {"title", "milestone"}
        assert [a.value for a in changeset.actions if isinstance(a, EditPlan)] == ["#2"]
        assert changeset.bases[OPS2].after.from_mention is True


def test_a_synced_base_records_how_the_task_is_defined() -> None:
    text = "# P\n\n## Phase 1\n\n**Get FIX-006 Actually Implemented**\n\n- **OPS-1**: Ship\n"
    plan = plan_input(text)
    fix, ops = (TaskRef(plan.planfile, key) for key in ("FIX-006", "OPS-1"))
    links = {fix: link(fix, 1), ops: link(ops, 2)}
    issues = {
        1: remote_issue(1, "[FIX-006] Get FIX-006 Actually Implemented"),
        2: remote_issue(2, "[OPS-1] Ship"),
    }
    changeset = reconcile([plan], RemoteSnapshot(issues, []), Known(links), project())

    assert changeset.bases[fix].after.from_mention is True
    assert changeset.bases[ops].after.from_mention is False
    assert Fields("t", TaskState.OPEN).from_mention is None  # a base from before: not known
