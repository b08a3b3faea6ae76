"""What a task's issue should hold and how an issue reads on the plan's terms: tables of
inputs and the values plansync compares."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from builders import project, remote_issue
from plansync.config.project import LabelRules
from plansync.model.changeset import BodySpec
from plansync.model.plan import Priority, Task, TaskKind
from plansync.model.remote import CloseReason, IssueState
from plansync.model.sync import (
    Link,
    PlanInput,
    TaskRef,
    TaskState,
    can_show_state,
    due_date_text,
    milestone_title,
    plan_state,
    remote_state,
)
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.desired import (
    body_spec,
    dependencies_of,
    desired_fields,
    plan_title_of,
    remote_fields,
    same_state,
    task_assignees,
    task_labels,
    tracker_title,
)
from plansync.trackers.markers import marker_for

TASK = Task(
    key="FIX-1", title="Write the spec", done=False, kind=TaskKind.CHECKBOX, line=5, end_line=5
)


class TestTitles:
    @pytest.mark.parametrize(
        ("task_id", "title", "expected"),
        [
            ("SEC-002", "Authentication", "[SEC-002] Authentication"),
            (None, "Write the spec", "Write the spec"),
        ],
        ids=["with-id", "without-id"],
    )
    def test_the_issue_title_carries_the_id(
        self, task_id: str | None, title: str, expected: str
    ) -> None:
        assert tracker_title(replace(TASK, id=task_id, title=title)) == expected

    @pytest.mark.parametrize(
        ("remote", "task_id", "expected"),
        [
            ("[FIX-1] Write the spec", "FIX-1", "Write the spec"),
            ("[FIX-1]Write the spec", "FIX-1", "Write the spec"),
            ("  Write the spec ", "FIX-1", "Write the spec"),
            ("[FIX-2] Write the spec", "FIX-1", "[FIX-2] Write the spec"),
            ("[FIX-1] Write the spec", None, "[FIX-1] Write the spec"),
            ("Ends with [FIX-1]", "FIX-1", "Ends with [FIX-1]"),
        ],
        ids=[
            "own-prefix",
            "own-prefix-no-space",
            "no-prefix-trimmed",
            "another-tasks-prefix-kept",
            "task-without-id-keeps-all",
            "id-elsewhere-kept",
        ],
    )
    def test_an_issue_title_on_the_plans_terms(
        self, remote: str, task_id: str | None, expected: str
    ) -> None:
        assert plan_title_of(remote, task_id) == expected

    def test_the_plan_title_round_trips_through_the_issue_title(self) -> None:
        task = replace(TASK, id="FIX-1")
        assert plan_title_of(tracker_title(task), task.id) == task.title


class TestMilestones:
    @pytest.mark.parametrize(
        ("section", "template", "expected"),
        [
            ("Phase 1", "{section}", "Phase 1"),
            ("Phase 1", "{plan}: {section}", "Launch: Phase 1"),
            ("Phase 1", " {section} ", "Phase 1"),
            (None, "{plan}: {section}", None),
        ],
        ids=["section", "plan-and-section", "trimmed", "no-milestone-section"],
    )
    def test_milestone_title(self, section: str | None, template: str, expected: str) -> None:
        assert milestone_title(section, "Launch", template) == expected

    @pytest.mark.parametrize(
        ("heading", "expected"),
        [
            ("Phase 2 (due 2026-12-01)", "2026-12-01"),
            ("Week 3: 2026-03-02 to 2026-03-06", "2026-03-02"),
            ("Phase 2", None),
            ("Release 2026-1-5", None),
            ("Build 12026-12-01", None),
        ],
        ids=["due", "first-of-two", "none", "not-iso", "inside-a-longer-number"],
    )
    def test_due_date_text(self, heading: str, expected: str | None) -> None:
        assert due_date_text(heading) == expected


RULES = LabelRules()


class TestLabels:
    @pytest.mark.parametrize(
        ("rules", "priority", "groups", "expected"),
        [
            (RULES, None, (), ("plansync",)),
            (RULES, Priority.HIGH, (), ("plansync", "priority: high")),
            (RULES, Priority.LOW, ("Group: ops",), ("Group: ops", "plansync", "priority: low")),
            (LabelRules(groups=False), None, ("Group: ops",), ("plansync",)),
            (LabelRules(priority=""), Priority.HIGH, (), ("plansync",)),
            (LabelRules(priority="P-{priority}"), Priority.HIGH, (), ("P-high", "plansync")),
            (LabelRules(managed=""), None, (), ()),
        ],
        ids=[
            "managed-only",
            "priority",
            "group-sorted",
            "groups-off",
            "priority-off",
            "priority-template",
            "managed-off",
        ],
    )
    def test_task_labels(
        self,
        rules: LabelRules,
        priority: Priority | None,
        groups: tuple[str, ...],
        expected: tuple[str, ...],
    ) -> None:
        assert task_labels(replace(TASK, priority=priority, labels=groups), rules) == expected


PEOPLE = {"ann": "ann-gh", "Dev 1": "bob-gh"}


class TestAssignees:
    @pytest.mark.parametrize(
        ("owners", "expected"),
        [
            (("ann",), ("ann-gh",)),
            (("Dev 1", "ann"), ("ann-gh", "bob-gh")),
            (("ann", "nobody"), ("ann-gh",)),
            (("nobody",), None),
            ((), None),
        ],
        ids=["mapped", "sorted", "unknown-dropped", "none-known", "none-named"],
    )
    def test_task_assignees(
        self, owners: tuple[str, ...], expected: tuple[str, ...] | None
    ) -> None:
        assert task_assignees(replace(TASK, assignees=owners), PEOPLE) == expected


SHAPES = """# Plan

## Phase 1

- [ ] FIX-1: A checkbox
- FIX-2: An ID item
1. FIX-3: A numbered item

| ID | Task | Status |
|----|------|--------|
| T1 | With status | todo |

| ID | Task |
|----|------|
| T2 | Without status |
"""


class TestState:
    @pytest.mark.parametrize(
        ("key", "expected"),
        [("FIX-1", True), ("FIX-2", False), ("FIX-3", False), ("T1", True), ("T2", False)],
        ids=["checkbox", "id-item", "numbered-item", "table-status", "table-no-status"],
    )
    def test_which_tasks_can_show_state(self, key: str, expected: bool) -> None:
        document = parse_plan(SHAPES.encode(), Path("plans/p.md"), ReaderRules())
        assert can_show_state(document.task(key)) is expected

    @pytest.mark.parametrize(
        ("done", "struck", "expected"),
        [
            (False, False, TaskState.OPEN),
            (True, False, TaskState.DONE),
            (False, True, TaskState.DROPPED),
            (True, True, TaskState.DROPPED),
        ],
        ids=["open", "done", "struck", "struck-wins-over-ticked"],
    )
    def test_plan_state(self, done: bool, struck: bool, expected: TaskState) -> None:
        assert plan_state(replace(TASK, done=done), struck) is expected

    @pytest.mark.parametrize(
        ("state", "reason", "expected"),
        [
            (IssueState.OPEN, None, TaskState.OPEN),
            (IssueState.CLOSED, CloseReason.COMPLETED, TaskState.DONE),
            (IssueState.CLOSED, CloseReason.NOT_PLANNED, TaskState.DROPPED),
            (IssueState.CLOSED, None, TaskState.DONE),
        ],
        ids=["open", "completed", "not-planned", "closed-without-reason"],
    )
    def test_remote_state(
        self, state: IssueState, reason: CloseReason | None, expected: TaskState
    ) -> None:
        remote = remote_issue(
            1,
            "[FIX-1] Write the spec",
            state=state,
            state_reason=reason,
            milestone_title="Phase 1",
            estimate_minutes=90,
        )
        assert remote_state(remote) is expected

    OPEN, DONE, DROPPED = TaskState.OPEN, TaskState.DONE, TaskState.DROPPED

    @pytest.mark.parametrize(
        ("a", "b", "github", "gitlab"),
        [
            (OPEN, OPEN, True, True),
            (DONE, DONE, True, True),
            (DONE, DROPPED, False, True),
            (DROPPED, DONE, False, True),
            (OPEN, DONE, False, False),
            (DROPPED, OPEN, False, False),
        ],
        ids=["open", "done", "done-dropped", "dropped-done", "open-done", "dropped-open"],
    )
    def test_same_state_with_and_without_close_reasons(
        self, a: TaskState, b: TaskState, github: bool, gitlab: bool
    ) -> None:
        assert (same_state(a, b, reasons=True), same_state(a, b, reasons=False)) == (
            github,
            gitlab,
        )


class TestRemoteFields:
    def test_an_issue_read_on_the_plans_terms(self) -> None:
        remote = remote_issue(
            1,
            "[FIX-1] Write the spec",
            state=IssueState.CLOSED,
            state_reason=CloseReason.NOT_PLANNED,
            labels=("priority: high", "bug", "plansync"),
            milestone_title="Phase 1",
            assignees=("zed", "ann"),
            estimate_minutes=90,
        )
        managed = ("plansync", "priority: high", "priority: low")

        fields = remote_fields(remote, "FIX-1", managed, "<!-- block -->")

        assert fields.title == "Write the spec"
        assert fields.state is TaskState.DROPPED
        assert fields.milestone == "Phase 1"
        assert fields.labels == ("plansync", "priority: high")  # only the managed ones
        assert fields.estimate == 90
        assert fields.assignees == ("ann", "zed")
        assert fields.body == "<!-- block -->"


BODY_PLAN = """# Plan

## Phase 1

| ID | Task | Estimate | Priority |
|----|------|----------|----------|
| FIX-1 | Write the spec | 90min | High |

- [ ] Build it
  - Depends on: FIX-1, OPS-9
"""


def body_plan() -> PlanInput:
    document = parse_plan(BODY_PLAN.encode(), Path("plans/p.md"), ReaderRules())
    lines = tuple(BODY_PLAN.splitlines())
    return PlanInput("plans/p.md", document, lines, plan_url="https://example.com/p.md")


class TestIssueBody:
    def test_the_body_spec_of_a_task_with_an_id(self) -> None:
        plan = body_plan()
        assert body_spec(plan, plan.document.task("FIX-1")) == BodySpec(
            description="",
            estimate="90min",
            priority="high",
            depends_on=(),
            plan_path="plans/p.md",
            plan_url="https://example.com/p.md",
            task_label="FIX-1",
            marker=marker_for(TaskRef("plans/p.md", "FIX-1")),
        )

    def test_the_body_spec_of_a_task_without_an_id_is_labelled_by_its_key(self) -> None:
        plan = body_plan()
        key = "phase-1/build-it"
        assert body_spec(plan, plan.document.task(key)) == BodySpec(
            description="Depends on: FIX-1, OPS-9",
            estimate=None,
            priority=None,
            depends_on=("FIX-1", "OPS-9"),
            plan_path="plans/p.md",
            plan_url="https://example.com/p.md",
            task_label=key,
            marker=marker_for(TaskRef("plans/p.md", key)),
        )

    def test_dependencies_are_the_plans_tasks_only(self) -> None:
        plan = body_plan()
        assert dependencies_of(plan, plan.document.task("phase-1/build-it")) == (
            ("FIX-1", TaskRef("plans/p.md", "FIX-1")),
        )

    def test_a_linked_dependency_is_written_as_its_issue(self) -> None:
        plan = body_plan()
        config = project()
        fix = TaskRef("plans/p.md", "FIX-1")
        links = {fix: Link(fix, 7, 1007, "https://github.com/demo/plans/issues/7")}
        fields = desired_fields(plan, plan.document.task("phase-1/build-it"), None, config, links)
        assert "**Depends on:** #7, OPS-9 (no issue yet)\n" in fields.body
