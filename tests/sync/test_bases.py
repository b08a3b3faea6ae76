"""Where each linked task's base goes while a changeset is applied: fields move when the
action settling them applies, a failure keeps the old value, and a task linked without a base
gets one only when all its actions applied."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plansync.model.changeset import (
    Action,
    BaseUpdate,
    BodySpec,
    Changeset,
    CloseIssue,
    CreateIssue,
    EditPlan,
    EnsureLabels,
    LinkIssue,
    PlanEditKind,
    ReopenIssue,
    UpdateIssue,
)
from plansync.model.sync import Fields, TaskRef, TaskState
from plansync.sync.bases import BaseKeeper, settles

TASK = TaskRef("plans/p.md", "FIX-1")
OTHER = TaskRef("plans/p.md", "FIX-2")
BEFORE = Fields(
    title="Old", state=TaskState.OPEN, milestone="Phase 1", labels=("plansync",), body="old"
)
AFTER = Fields(
    title="New",
    state=TaskState.DONE,
    milestone="Phase 2",
    labels=("plansync", "priority: high"),
    body="new",
)


def update(*changed: str, task: TaskRef = TASK) -> UpdateIssue:
    return UpdateIssue(task, 1, changed, AFTER, why="changed in the plan")


CLOSE = CloseIssue(TASK, 1, not_planned=False, why="done in the plan")
REOPEN = ReopenIssue(TASK, 1, why="open in the plan")
TICK = EditPlan(TASK, PlanEditKind.TICK, why="closed on the tracker")
UNSTRIKE = EditPlan(TASK, PlanEditKind.UNSTRIKE, why="closed on the tracker", value="Old")
RETITLE = EditPlan(TASK, PlanEditKind.RETITLE, why="retitled", value="New", old="Old")
LINK_EDIT = EditPlan(TASK, PlanEditKind.LINK, why="link", value="#1")
REMOVED = CloseIssue(TASK, 1, not_planned=True, why="gone from the plan", removed=True)


class Recorder:
    """The save callback: every base saved, in order."""

    def __init__(self) -> None:
        self.saved: list[tuple[TaskRef, Fields]] = []

    def __call__(self, task: TaskRef, fields: Fields) -> None:
        self.saved.append((task, fields))

    def last(self, task: TaskRef = TASK) -> Fields | None:
        found = [fields for t, fields in self.saved if t == task]
        return found[-1] if found else None


def keeper(actions: list[Action], bases: dict[TaskRef, BaseUpdate]) -> tuple[BaseKeeper, Recorder]:
    recorder = Recorder()
    return BaseKeeper(Changeset(actions=list(actions), bases=bases), recorder), recorder


class TestSettles:
    @pytest.mark.parametrize(
        ("action", "expected"),
        [
            (update("title", "labels"), ("title", "labels")),
            (CLOSE, ("state",)),
            (REOPEN, ("state",)),
            (TICK, ("state",)),
            (UNSTRIKE, ("state",)),
            (RETITLE, ("title",)),
            (LINK_EDIT, ()),
            (REMOVED, ()),
            (EnsureLabels(("plansync",), why="labels"), ()),
            (LinkIssue(TASK, 1, 1001, "https://example.invalid/1", why="marker"), ()),
        ],
        ids=[
            "update",
            "close",
            "reopen",
            "tick",
            "unstrike",
            "retitle",
            "link-edit",
            "removed-close",
            "labels",
            "link",
        ],
    )
    def test_what_each_action_settles(self, action: Action, expected: tuple[str, ...]) -> None:
        assert settles(action) == expected


class TestLinkedTaskWithABase:
    def test_fields_no_action_settles_move_at_once(self) -> None:
        bases, saved = keeper([update("title"), CLOSE], {TASK: BaseUpdate(BEFORE, AFTER)})

        bases.start()

        assert saved.saved == [
            (TASK, replace(AFTER, title="Old", state=TaskState.OPEN)),
        ]

    def test_each_field_moves_when_its_action_applies(self) -> None:
        bases, saved = keeper(
            [update("title", "milestone"), CLOSE], {TASK: BaseUpdate(BEFORE, AFTER)}
        )
        bases.start()

        bases.applied(update("title", "milestone"))
        assert saved.last() == replace(AFTER, state=TaskState.OPEN)

        bases.applied(CLOSE)
        assert saved.last() == AFTER

    def test_a_failed_action_keeps_the_old_value_of_what_it_settles(self) -> None:
        bases, saved = keeper([update("title"), CLOSE], {TASK: BaseUpdate(BEFORE, AFTER)})
        bases.start()

        bases.failed(update("title"))
        bases.applied(CLOSE)

        assert saved.last() == replace(AFTER, title="Old")

    def test_plan_edits_settle_like_tracker_writes(self) -> None:
        bases, saved = keeper([RETITLE, TICK], {TASK: BaseUpdate(BEFORE, AFTER)})
        bases.start()

        bases.applied(TICK)
        bases.failed(RETITLE)

        assert saved.last() == replace(AFTER, title="Old")

    @pytest.mark.parametrize(
        "outcomes",
        [("applied", "failed"), ("failed", "applied")],
        ids=["second-fails", "first-fails"],
    )
    def test_a_field_two_actions_settle_moves_only_when_both_applied(
        self, outcomes: tuple[str, str]
    ) -> None:
        # Closed as completed on the tracker while the plan had the task struck: the plan is
        # unstruck and ticked. Half of that is not the tracker's state: the base must not say
        # done while the plan still shows the task open, or the next run reopens the issue.
        before = replace(BEFORE, state=TaskState.DROPPED)
        bases, saved = keeper([UNSTRIKE, TICK], {TASK: BaseUpdate(before, AFTER)})
        bases.start()

        for action, outcome in zip((UNSTRIKE, TICK), outcomes, strict=True):
            getattr(bases, outcome)(action)

        last = saved.last()
        assert last is not None
        assert last.state is TaskState.DROPPED

    def test_nothing_is_saved_when_nothing_moves(self) -> None:
        same = BaseUpdate(BEFORE, replace(BEFORE, state=TaskState.DONE))
        bases, saved = keeper([CLOSE], {TASK: same})

        bases.start()
        assert saved.saved == []

        bases.applied(CLOSE)
        assert saved.saved == [(TASK, replace(BEFORE, state=TaskState.DONE))]

    def test_an_unchanged_base_with_no_action_is_not_saved(self) -> None:
        bases, saved = keeper([], {TASK: BaseUpdate(BEFORE, BEFORE)})

        bases.start()

        assert saved.saved == []


class TestLinkedTaskWithoutABase:
    def test_gets_its_base_only_when_all_its_actions_applied(self) -> None:
        bases, saved = keeper([update("title"), CLOSE], {TASK: BaseUpdate(None, AFTER)})

        bases.start()
        bases.applied(update("title"))
        assert saved.saved == []

        bases.applied(CLOSE)
        assert saved.saved == [(TASK, AFTER)]

    @pytest.mark.parametrize(
        "outcomes",
        [("applied", "failed"), ("failed", "applied")],
        ids=["second-fails", "first-fails"],
    )
    def test_gets_none_when_any_of_its_actions_failed(self, outcomes: tuple[str, str]) -> None:
        bases, saved = keeper([update("title"), TICK], {TASK: BaseUpdate(None, AFTER)})
        bases.start()

        for action, outcome in zip((update("title"), TICK), outcomes, strict=True):
            getattr(bases, outcome)(action)

        assert saved.saved == []

    def test_with_nothing_to_apply_it_gets_its_base_at_once(self) -> None:
        bases, saved = keeper([LINK_EDIT], {TASK: BaseUpdate(None, AFTER)})

        bases.start()

        assert saved.saved == [(TASK, AFTER)]


class TestActionsOutsideTheBases:
    def test_actions_of_tasks_without_a_base_update_save_nothing(self) -> None:
        spec = BodySpec("", None, None, (), "plans/p.md", None, "FIX-2", "")
        create = CreateIssue(OTHER, "[FIX-2] New", AFTER, why="new task", spec=spec)
        labels = EnsureLabels(("plansync",), why="labels")
        other_update = update("title", task=OTHER)
        bases, saved = keeper(
            [labels, create, other_update, REMOVED], {TASK: BaseUpdate(BEFORE, BEFORE)}
        )

        bases.start()
        for action in (labels, create, other_update, REMOVED):
            bases.applied(action)

        assert saved.saved == []

    def test_tasks_are_kept_apart(self) -> None:
        other_before = replace(BEFORE, title="Other")
        bases, saved = keeper(
            [update("title"), update("title", task=OTHER)],
            {TASK: BaseUpdate(BEFORE, AFTER), OTHER: BaseUpdate(other_before, AFTER)},
        )
        bases.start()

        bases.applied(update("title"))
        bases.failed(update("title", task=OTHER))

        assert saved.last(TASK) == AFTER
        assert saved.last(OTHER) == replace(AFTER, title="Other")
