"""What the references on a task's line mean (`sync.references`): which the tracker cannot give
the task, and the edit (and words) that write the task's own issue there. Pure: a planfile
parsed by the real reader, issues and owners written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.config.project import ProjectConfig
from plansync.model.changeset import PlanEditKind
from plansync.model.plan import Task
from plansync.model.remote import RemoteIssue
from plansync.model.sync import PlanInput, TaskRef
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.sync.references import LineReferences, heading_claims
from plansync.trackers.markers import tracking_marker
from sync.test_reconcile import project, remote_issue

PLANFILE = "plans/p.md"

PLAN = """# Plan

| # | Task | Issue |
|---|------|-------|
| 1 | Write the notes | Internal |
| 2 | Ship the thing | #40 |
| 3 | Fix #41 crash | - |
| 4 | Demo it | #61 |

## Phase 1: Now

- [ ] Prepare the demo (#51)

### Milestone 2: Later (Issues #1, #61)
"""


def plan_input(text: str = PLAN) -> PlanInput:
    document = parse_plan(text.encode(), Path(PLANFILE))
    lines = tuple(line.rstrip("\r\n") for line in split_text_lines(text))
    return PlanInput(PLANFILE, document, lines)


def task(plan: PlanInput, title: str) -> Task:
    (found,) = [t for t in plan.document.tasks if t.title == title]
    return found


def references(
    issues: dict[int, RemoteIssue] | None = None,
    owners: dict[int, TaskRef] | None = None,
    config: ProjectConfig | None = None,
) -> LineReferences:
    return LineReferences(config or project(missing_reference="create"), issues or {}, owners or {})


CREATE = project(missing_reference="create")


class TestUnusable:
    def test_missing_issues_and_other_tasks_issues_but_not_the_tasks_own(self) -> None:
        plan = plan_input("# P\n\n- [ ] Ship (#1, #2, #3, #4, other/repo#5, demo/plans#6)\n")
        ship = plan.document.tasks[0]
        mine, theirs = TaskRef(PLANFILE, ship.key), TaskRef(PLANFILE, "other")
        issues = {n: remote_issue(n, f"Issue {n}") for n in (1, 2, 3)}
        found = references(issues, {2: theirs, 3: mine}).unusable(mine, ship, number=1)

        assert [(u.ref.text, u.why) for u in found] == [
            ("#2", "which is the issue of task 'other'"),
            ("#4", "which the tracker does not have"),
            ("demo/plans#6", "which the tracker does not have"),
        ]

    def test_an_issue_of_nobody_is_usable(self) -> None:
        # An issue nobody planned: the reference may be the task's.
        plan = plan_input("# P\n\n- [ ] Ship (#1)\n")
        ship = plan.document.tasks[0]

        found = references({1: remote_issue(1, "Plan: P")}).unusable(
            TaskRef(PLANFILE, ship.key), ship
        )

        assert found == []

    def test_a_plans_tracking_issue_is_not_usable(self) -> None:
        # plansync's own issue (the number the first sync gave it may be one a line named
        # while it was missing): the task gets no issue through it.
        plan = plan_input("# P\n\n- [ ] Ship (#1)\n")
        ship = plan.document.tasks[0]
        tracking = remote_issue(1, "Plan: P", body=tracking_marker("plans/other.md"))

        found = references({1: tracking}).unusable(TaskRef(PLANFILE, ship.key), ship)

        assert [(u.ref.text, u.why) for u in found] == [("#1", "which is a plan's tracking issue")]

    def test_a_title_mentioning_a_tracking_issue_claims_nothing(self) -> None:
        # `Watch #1` speaks of the tracking issue: the task gets an issue of its own.
        plan = plan_input("# P\n\n- [ ] Watch #1\n")
        watch = plan.document.tasks[0]
        tracking = remote_issue(1, "Plan: P", body=tracking_marker("plans/p.md"))

        found = references({1: tracking}).unusable(TaskRef(PLANFILE, watch.key), watch)

        assert found == []


class TestLinkEdit:
    def test_a_line_without_dead_references_gets_the_reference_added(self) -> None:
        plan = plan_input()
        edit, notices = references(config=project()).link_edit(
            plan, task(plan, "Write the notes"), 7
        )

        assert edit is not None
        assert (edit.kind, edit.value, edit.old) == (PlanEditKind.LINK, "#7", "")
        assert edit.why == "link the task to #7"
        assert notices == []

    def test_a_list_items_dead_reference_is_replaced(self) -> None:
        plan = plan_input()
        edit, notices = references().link_edit(plan, task(plan, "Prepare the demo"), 7)

        assert edit is not None
        assert (edit.value, edit.old) == ("#7", "#51")
        assert notices == []

    def test_by_default_a_line_with_a_dead_reference_is_left_alone(self) -> None:
        plan = plan_input()
        edit, notices = references(config=project()).link_edit(
            plan, task(plan, "Ship the thing"), 7
        )

        assert edit is None
        (notice,) = notices
        assert notice.message.startswith("plans/p.md:6: the task's issue is #7, but its line ")
        assert "#40" in notice.message

    def test_with_create_the_dead_reference_is_replaced(self) -> None:
        plan = plan_input()
        edit, notices = references().link_edit(plan, task(plan, "Ship the thing"), 7)

        assert edit is not None
        assert (edit.kind, edit.value, edit.old) == (PlanEditKind.LINK, "#7", "#40")
        assert "in place of #40" in edit.why
        assert notices == []

    def test_a_dead_reference_in_the_title_stays_and_says_why(self) -> None:
        plan = plan_input()
        edit, notices = references().link_edit(plan, task(plan, "Fix #41 crash"), 7)

        assert edit is not None
        assert (edit.value, edit.old) == ("#7", "")
        (notice,) = notices
        assert "keeps #41" in notice.message
        assert "stands in the task's text" in notice.message

    def test_a_dead_reference_a_heading_lists_stays_beside_the_new_one(self) -> None:
        plan = plan_input()
        demo = task(plan, "Demo it")
        assert demo.milestone == "Milestone 2: Later"

        edit, notices = references().link_edit(plan, demo, 7)

        assert edit is not None
        assert (edit.value, edit.old) == ("#7", "")
        (notice,) = notices
        assert "keeps #61" in notice.message
        assert "'Milestone 2: Later' lists it" in notice.message

    def test_a_number_a_heading_lists_is_written_naming_the_repository(self) -> None:
        plan = plan_input()
        notes = task(plan, "Write the notes")

        edit, notices = references().link_edit(plan, notes, 1)

        assert edit is not None
        assert edit.value == "demo/plans#1"
        (notice,) = notices
        assert notice.message.startswith("plans/p.md:5: the plan's 'Milestone 2: Later' lists #1")
        assert notice.number == 1
        assert "plansync made for this task ('Write the notes')" in notice.message

    @pytest.mark.parametrize("title", ["Prepare the demo", "Demo it"])
    def test_a_task_the_number_does_not_move_gets_the_plain_reference(self, title: str) -> None:
        # One in a milestone section, one already in the listing milestone.
        plan = plan_input()

        edit, notices = references().link_edit(plan, task(plan, title), 1)

        assert edit is not None
        assert edit.value == "#1"
        assert not [n for n in notices if "lists #1" in n.message]


class TestMilestoneHeadingTask:
    """A task whose line is a milestone's heading: the reference written there joins the
    heading's issue list, and so claims the tasks outside every milestone that reference it."""

    PLAN = (
        "# Plan\n\n- [ ] REL-3: Ship it (#2)\n- [ ] Write (#5)\n\n"
        "## FIX-006: Phase 1: Deploy\n\n- [ ] Inside (#2)\n\n## Milestone 2 (Issues #5)\n"
    )

    def test_a_number_an_outside_task_references_is_written_naming_the_repository(
        self,
    ) -> None:
        plan = plan_input(self.PLAN)
        heading = plan.document.task("FIX-006")

        edit, notices = references(config=project()).link_edit(plan, heading, 2)

        assert edit is not None
        assert edit.value == "demo/plans#2"
        (notice,) = notices
        assert notice.message.startswith("plans/p.md:6: #2 is the issue plansync made")
        assert "move task 'REL-3' (line 3), which references #2" in notice.message
        assert notice.number == 2

    @pytest.mark.parametrize(
        ("number", "why"),
        [
            (3, "the task referencing #3 is in a milestone section"),
            (5, "the task referencing #5 is claimed by an earlier heading already"),
        ],
    )
    def test_a_number_that_moves_no_task_is_written_plain(self, number: int, why: str) -> None:
        plan = plan_input(
            "# Plan\n\n## Milestone 0 (Issues #5)\n\n## FIX-006: Phase 1: Deploy\n\n"
            "- [ ] Inside (#3)\n\n# Notes\n\n- [ ] Write (#5)\n"
        )
        heading = plan.document.task("FIX-006")

        edit, notices = references(config=project()).link_edit(plan, heading, number)

        assert edit is not None
        assert edit.value == f"#{number}", why
        assert notices == []


def test_heading_claims_name_the_first_heading_listing_each_number() -> None:
    claims = heading_claims(plan_input().document)

    assert {key: section.title for key, section in claims.items()} == {
        (None, 1): "Milestone 2: Later",
        (None, 61): "Milestone 2: Later",
    }
