"""List shapes: checkboxes at any depth, numbered tasks under a Tasks label, time boxes, and the
bullets that are no tasks."""

from __future__ import annotations

from pathlib import Path

from plansync.model.plan import PlanDocument, Priority, TaskKind
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def parse(text: str, rules: ReaderRules | None = None) -> PlanDocument:
    return parse_plan(text.encode("utf-8"), Path("plan.md"), rules)


def titles(document: PlanDocument) -> list[str]:
    return [t.title for t in document.tasks]


class TestCheckboxes:
    def test_every_marker_and_depth(self) -> None:
        document = parse(
            "# Plan\n\n"
            "- [ ] dash\n"
            "* [x] star\n"
            "+ [X] plus\n"
            "1. [ ] numbered\n"
            "2) [x] paren\n"
            "- [ ] parent\n"
            "  - [ ] child\n"
            "    - [x] grandchild\n"
        )
        assert [(t.title, t.done, t.line) for t in document.tasks] == [
            ("dash", False, 3),
            ("star", True, 4),
            ("plus", True, 5),
            ("numbered", False, 6),
            ("paren", True, 7),
            ("parent", False, 8),
            ("child", False, 9),
            ("grandchild", True, 10),
        ]
        assert {t.kind for t in document.tasks} == {TaskKind.CHECKBOX}

    def test_nested_lines_are_the_description_without_nested_tasks(self) -> None:
        document = parse(
            "## Phase 1: Build\n"
            "- [ ] Redirect every old URL\n"
            "  keep going on the next line\n"
            "  - keep the **query** strings\n"
            "  - [ ] a task of its own\n"
            "    - its own detail\n"
            "  - log the misses\n"
        )
        parent, child = document.tasks
        assert parent.description == (
            "keep going on the next line\nkeep the query strings\nlog the misses"
        )
        assert (parent.line, parent.end_line) == (2, 7)
        assert child.description == "its own detail"

    def test_trailing_estimate_and_priority_leave_the_title(self) -> None:
        document = parse(
            "- [ ] Load-test the new site (P1, 2h)\n"
            "- [ ] Migrate the product pages (`4h`)\n"
            "- [ ] Fix regression (678ms → <500ms)\n"
        )
        first, second, third = document.tasks
        assert (first.title, first.priority) == ("Load-test the new site", Priority.CRITICAL)
        assert first.estimate is not None
        assert first.estimate.minutes == 120
        assert second.title == "Migrate the product pages"
        assert second.estimate is not None
        assert second.estimate.minutes == 240
        assert third.title == "Fix regression (678ms → <500ms)"
        assert third.estimate is None

    def test_field_lines_under_a_task(self) -> None:
        (task,) = parse(
            "- [ ] Ship it\n"
            "  - **Owner:** @ann, bob\n"
            "  - Estimate: 1.5-2 hours\n"
            "  - Priority: HIGH\n"
            "  - Labels: backend, infra\n"
            "  - Depends on: API-1, API-2\n"
        ).tasks
        assert task.assignees == ("ann", "bob")
        assert task.estimate is not None
        assert (task.estimate.minutes, task.estimate.min_minutes) == (120, 90)
        assert task.priority is Priority.HIGH
        assert task.labels == ("backend", "infra")
        assert task.depends_on == ("API-1", "API-2")

    def test_issue_references_on_the_task_line(self) -> None:
        first, second = parse("- [ ] Fix login #3 (#12)\n- [ ] Fix logout (see #14-15)\n").tasks
        assert (first.title, [r.number for r in first.issue_refs]) == ("Fix login #3", [3, 12])
        assert (second.title, [r.number for r in second.issue_refs]) == (
            "Fix logout (see #14-15)",
            [14, 15],
        )

    def test_ignore_marker_leaves_the_task_out(self) -> None:
        document = parse("- [ ] kept\n- [ ] left out <!-- plansync: ignore -->\n")
        assert titles(document) == ["kept"]

    def test_an_empty_checkbox_is_no_task(self) -> None:
        assert parse("- [ ]\n- [ ] real\n").tasks[0].title == "real"
        assert len(parse("- [ ]\n- [ ] real\n").tasks) == 1


class TestTasksLabel:
    def test_numbered_items_under_a_tasks_item_take_the_team_fields(self) -> None:
        document = parse(
            "### Dev Team 1: Tests\n"
            "- **Lead:** dana\n"
            "- **Priority:** BLOCKER\n"
            "- **Tasks:**\n"
            "  1. Fix the HTTP client tests\n"
            "  2. Run the full suite\n"
        )
        assert titles(document) == ["Fix the HTTP client tests", "Run the full suite"]
        assert {t.kind for t in document.tasks} == {TaskKind.NUMBERED_ITEM}
        assert {t.priority for t in document.tasks} == {Priority.BLOCKER}
        assert {t.assignees for t in document.tasks} == {("dana",)}

    def test_a_tasks_paragraph_before_a_list(self) -> None:
        document = parse(
            "**Tasks** (prioritize based on time):\n"
            "1. First thing\n"
            "2. Second thing\n\n"
            "**Tasks**:\n"
            "- Bullet thing\n"
        )
        assert [(t.title, t.kind) for t in document.tasks] == [
            ("First thing", TaskKind.NUMBERED_ITEM),
            ("Second thing", TaskKind.NUMBERED_ITEM),
            ("Bullet thing", TaskKind.LIST_ITEM),
        ]

    def test_checkboxes_under_a_tasks_label_are_read_once(self) -> None:
        document = parse("## Week 1\n**Tasks**:\n- [ ] one\n- [x] two\n")
        assert [(t.title, t.kind, t.done) for t in document.tasks] == [
            ("one", TaskKind.CHECKBOX, False),
            ("two", TaskKind.CHECKBOX, True),
        ]


class TestTimeBoxes:
    def test_day_items_in_a_milestone_are_tasks(self) -> None:
        document = parse(
            "## Phase 1\n"
            "#### Week 1: Core\n"
            "- **Days 1-2**: Implement `execute_until()`\n"
            "  - Track execution state\n"
            "- **Day 3:** Review\n"
            "- **Note**: not a time box\n"
        )
        first, second = document.tasks
        assert (first.title, first.kind, first.milestone) == (
            "Implement execute_until()",
            TaskKind.LIST_ITEM,
            "Week 1: Core",
        )
        assert first.estimate is not None
        assert (first.estimate.minutes, first.estimate.text) == (960, "Days 1-2")
        assert first.description == "Track execution state"
        assert first.key == "week-1-core/implement-execute-until"
        assert second.title == "Review"

    def test_day_items_outside_milestones_are_not(self) -> None:
        assert parse("## Notes\n- **Days 1-2**: rest\n").tasks == ()


class TestNotTasks:
    def test_plain_bullets_and_numbered_lists_are_no_tasks(self) -> None:
        document = parse(
            "## Phase 1: Immediate\n"
            "- **Dev 1:** Fix test failures\n"
            "- ✅ All tests pass\n\n"
            "1. **WORKING CODE GENERATION**\n"
            "   - **Impact:** big\n\n"
            "## Call to action\n"
            "1. Launch the agents\n"
        )
        assert document.tasks == ()

    def test_checkboxes_in_code_blocks_are_no_tasks(self) -> None:
        document = parse("```\n- [ ] not a task\n```\n\n    - [ ] indented code\n\n- [ ] real\n")
        assert titles(document) == ["real"]

    def test_steering_makes_list_items_tasks(self) -> None:
        text = "## Next steps\n- Write the post\n  - with pictures\n- ✅ Book the room\n"
        assert parse(text).tasks == ()
        document = parse(text, ReaderRules(task_sections=("^next steps$",)))
        assert [(t.title, t.done, t.kind) for t in document.tasks] == [
            ("Write the post", False, TaskKind.LIST_ITEM),
            ("Book the room", True, TaskKind.LIST_ITEM),
        ]
        assert document.tasks[0].description == "with pictures"
