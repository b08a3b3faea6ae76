"""One ID, one task: which mention of a task ID defines the task, and which are references."""

from __future__ import annotations

from pathlib import Path

from plansync.model.plan import PlanDocument, TaskKind
from plansync.planfile.edit import add_issue_link
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def parse(text: str, rules: ReaderRules | None = None) -> PlanDocument:
    return parse_plan(text.encode("utf-8"), Path("plan.md"), rules)


def by_id(document: PlanDocument) -> dict[str, tuple[int, str, str | None]]:
    return {t.key: (t.line, t.title, t.milestone) for t in document.tasks if t.id}


class TestIdItems:
    def test_an_item_starting_with_an_id_is_a_task_with_its_nested_lines(self) -> None:
        document = parse(
            "## Phase 3: Operations\n\n"
            "- **OPS-001**: CI/CD Pipeline\n"
            "  - GitHub Actions setup\n"
            "  - Automated testing\n\n"
            "- `app-1.2` - Invite testers\n"
            "- T7: Write the guide\n"
        )
        assert [(t.key, t.title, t.kind) for t in document.tasks] == [
            ("OPS-001", "CI/CD Pipeline", TaskKind.ID_ITEM),
            ("app-1.2", "Invite testers", TaskKind.ID_ITEM),
            ("T7", "Write the guide", TaskKind.ID_ITEM),
        ]
        first = document.tasks[0]
        assert first.description == "GitHub Actions setup\nAutomated testing"
        assert (first.line, first.end_line) == (3, 5)
        assert first.milestone == "Phase 3: Operations"

    def test_later_mentions_are_references(self) -> None:
        document = parse(
            "## Phase 1\n"
            "- **SEC-001**: Encryption at rest\n\n"
            "## Resources\n"
            "- **Weeks 1-3**: SEC-001 implementation\n"
            "- **SEC-001** needs working checkpoints\n\n"
            "SEC-001 ships first.\n\n"
            "```\nSEC-002 in code\n```\n"
        )
        assert by_id(document) == {"SEC-001": (2, "Encryption at rest", "Phase 1")}
        assert not [w for w in document.warnings if w.code == "duplicate-id"]

    def test_a_titled_mention_in_a_milestone_defines_the_task(self) -> None:
        document = parse(
            "## Parallel options\n"
            "1. **SEC-002** (Authentication) - new module\n\n"
            "### Phase 2: Security\n"
            "- Instance 2: Start SEC-002 (auth) framework\n"
            "- Week 4: SEC-001 (Encryption at rest)\n"
            "- Week 5-6: SEC-002 (Authentication)\n"
        )
        assert by_id(document) == {
            "SEC-001": (6, "Encryption at rest", "Phase 2: Security"),
            "SEC-002": (7, "Authentication", "Phase 2: Security"),
        }

    def test_a_prose_mention_in_a_milestone_beats_an_item_elsewhere(self) -> None:
        document = parse(
            "### Phase 1: Emergency\n"
            "**Single Focus: Get FIX-006 Actually Implemented**\n\n"
            "### Week 3 Checkpoint\n"
            "- If FIX-006 complete: parallelize\n\n"
            "## Resources\n"
            "- **Weeks 1-3**: FIX-006 implementation\n"
        )
        assert by_id(document) == {
            "FIX-006": (2, "Get FIX-006 Actually Implemented", "Phase 1: Emergency")
        }
        assert document.tasks[0].kind is TaskKind.ID_ITEM

    def test_an_item_elsewhere_beats_prose_elsewhere(self) -> None:
        document = parse("Intro mentions OPS-009 once.\n\n## Backlog\n- OPS-009: Rotate keys\n")
        assert by_id(document) == {"OPS-009": (4, "Rotate keys", None)}

    def test_a_prose_mention_alone_defines_a_strong_id_only(self) -> None:
        document = parse("We still owe OPS-010 and maze-ph1.2 and T4 this week.\n")
        assert [t.key for t in document.tasks] == ["OPS-010"]

    def test_dependency_lines_define_nothing(self) -> None:
        document = parse("- [ ] Ship\n  - Depends on: API-1\n\n**Blocked by**: API-2\n")
        assert [t.title for t in document.tasks] == ["Ship"]
        # The paragraph right after the list applies to the list's tasks.
        assert document.tasks[0].depends_on == ("API-1", "API-2")

    def test_generic_ids_in_prose_are_ignored(self) -> None:
        document = parse("## Phase 1\nTasks M1-M33 take 8 hours; T12 is hard.\n")
        assert document.tasks == ()

    def test_ignored_definition_leaves_the_id_out(self) -> None:
        document = parse("- [ ] OPS-1: Do it <!-- plansync: ignore -->\n\nOPS-1 again.\n")
        assert document.tasks == ()

    def test_extra_id_patterns(self) -> None:
        text = "## Sprint 1\n- [ ] WEB12: Landing page\n"
        assert parse(text).tasks[0].key == "sprint-1/web12-landing-page"
        document = parse(text, ReaderRules(extra_id_patterns=(r"WEB\d+",)))
        assert (document.tasks[0].key, document.tasks[0].title) == ("WEB12", "Landing page")


class TestCheckboxIds:
    def test_checkbox_items_starting_with_ids(self) -> None:
        document = parse(
            "### Week 1: Foundation\n"
            "**Tasks**:\n"
            "- [ ] `maze-ph6.1.1` - Implement Config dataclasses\n"
            "- [x] `maze-ph6.1.2` - TOML loading\n\n"
            "**Dependencies**: Config (maze-ph6.0.x), CLI (maze-ph5.5.x)\n"
            "**Duration**: 3 days\n"
        )
        assert [(t.key, t.title, t.done, t.kind) for t in document.tasks] == [
            ("maze-ph6.1.1", "Implement Config dataclasses", False, TaskKind.CHECKBOX),
            ("maze-ph6.1.2", "TOML loading", True, TaskKind.CHECKBOX),
        ]
        assert {t.depends_on for t in document.tasks} == {("maze-ph6.0.x", "maze-ph5.5.x")}
        assert {t.estimate for t in document.tasks} == {None}  # the stream's, not each task's

    def test_the_same_id_on_two_checkboxes_is_a_duplicate(self) -> None:
        document = parse("## Week 1\n- [ ] XY-1: First\n- [ ] XY-1: Second\n")
        assert [(t.key, t.title) for t in document.tasks] == [("XY-1", "First")]
        (warning,) = [w for w in document.warnings if w.code == "duplicate-id"]
        assert warning.line == 3
        assert "XY-1" in warning.message
        assert "line 2" in warning.message

    def test_a_heading_with_the_id_of_a_task_defined_before_it_is_a_duplicate(self) -> None:
        document = parse("## FIX-006: Phase 1\n\n- [ ] FIX-006: Write\n")
        assert [(t.key, t.kind, t.line) for t in document.tasks] == [
            ("FIX-006", TaskKind.CHECKBOX, 3)
        ]
        (warning,) = [w for w in document.warnings if w.code == "duplicate-id"]
        assert warning.line == 1
        assert "task on line 3" in warning.message

    def test_a_heading_defining_the_id_of_a_checkbox_above_it_gets_a_key(self) -> None:
        # The heading (in its milestone) defines FIX-006 and the checkbox reads as a reference,
        # as the reader's rules have it; the heading's task was left without a key.
        document = parse("- [ ] FIX-006: Write\n\n## FIX-006: Phase 1\n")
        assert [(t.key, t.kind, t.line) for t in document.tasks] == [
            ("FIX-006", TaskKind.HEADING, 3)
        ]

    def test_a_checkbox_naming_its_id_in_a_title_shape(self) -> None:
        document = parse("## Week 4\n- [ ] Week 4: SEC-001 (Encryption at rest)\n")
        (task,) = document.tasks
        assert (task.key, task.title, task.kind) == (
            "SEC-001",
            "Encryption at rest",
            TaskKind.CHECKBOX,
        )

    def test_a_criterion_never_takes_an_id(self) -> None:
        document = parse(
            "## Acceptance criteria\n- [ ] OPS-1: reviewed\n\n## Week 1\n- OPS-1: Do\n"
        )
        criterion, task = document.tasks
        assert (criterion.id, criterion.criterion) == (None, True)
        assert (task.key, task.milestone) == ("OPS-1", "Week 1")


def rows(document: PlanDocument) -> list[tuple[str, str, int, str | None]]:
    return [(t.key, t.title, t.line, t.id) for t in document.tasks]


class TestOneLineDefinesOneTask:
    def test_a_mention_in_a_checkbox_does_not_take_the_definition(self) -> None:
        document = parse(
            "## Backlog\n"
            "- [ ] OPS-001: CI pipeline\n"
            "## Week 1\n"
            "- [ ] Deploy staging (needs OPS-001)\n"
        )
        assert rows(document) == [
            ("OPS-001", "CI pipeline", 2, "OPS-001"),
            ("week-1/deploy-staging-needs-ops-001", "Deploy staging (needs OPS-001)", 4, None),
        ]
        assert not [w for w in document.warnings if w.code == "duplicate-id"]

    def test_a_checkbox_naming_two_ids_is_one_task_of_its_own(self) -> None:
        document = parse("## Week 1\n- [ ] Review SEC-001 and SEC-002\n")
        assert rows(document) == [
            ("week-1/review-sec-001-and-sec-002", "Review SEC-001 and SEC-002", 2, None)
        ]

    def test_a_titled_mention_gives_a_checkbox_no_id_an_item_starts_with(self) -> None:
        document = parse("## Backlog\n- OPS-1: Real one\n## Week 4\n- [ ] Week 4: OPS-1 (Other)\n")
        assert rows(document) == [
            ("OPS-1", "Real one", 2, "OPS-1"),
            ("week-4/week-4-ops-1-other", "Week 4: OPS-1 (Other)", 4, None),
        ]

    def test_mentions_in_a_task_row_are_references(self) -> None:
        document = parse(
            "## Week 1\n"
            "| Task | Notes | Time |\n"
            "|---|---|---|\n"
            "| Deploy staging | after OPS-001 | 2h |\n\n"
            "## Backlog\n"
            "- OPS-001: CI\n"
        )
        assert rows(document) == [
            ("week-1/deploy-staging", "Deploy staging", 4, None),
            ("OPS-001", "CI", 7, "OPS-001"),
        ]

    def test_the_text_after_a_leading_id_only_refers(self) -> None:
        document = parse("## Week 1\n- OPS-002: Deploy after OPS-001\n")
        assert rows(document) == [("OPS-002", "Deploy after OPS-001", 2, "OPS-002")]

    def test_the_lines_after_a_task_items_first_line_only_refer(self) -> None:
        document = parse("## Week 1\n- [ ] Deploy staging\n  once OPS-001 is green\n")
        assert rows(document) == [("week-1/deploy-staging", "Deploy staging", 2, None)]

    def test_a_prose_line_defines_its_first_id_only(self) -> None:
        document = parse(
            "## Week 1\nWe owe OPS-010 and OPS-011 this week.\n\nThen OPS-011 ships.\n"
        )
        assert rows(document) == [
            ("OPS-010", "We owe OPS-010 and OPS-011 this week.", 2, "OPS-010"),
            ("OPS-011", "Then OPS-011 ships.", 4, "OPS-011"),
        ]


class TestVersionsAreNoIds:
    def test_versions_and_names_leading_plain_bullets(self) -> None:
        document = parse(
            "## Week 1\n"
            "- python-3.11 or later\n"
            "- postgres-15.4 with pgvector\n"
            "- ubuntu-22.04 runners\n"
            "- PDF-2 export\n"
            "- ARM-64 builds\n"
        )
        assert document.tasks == ()

    def test_a_version_leading_a_checkbox_is_part_of_its_title(self) -> None:
        (task,) = parse("## Week 1\n- [ ] python-3.12 migration\n").tasks
        assert (task.key, task.id, task.title) == (
            "week-1/python-3-12-migration",
            None,
            "python-3.12 migration",
        )

    def test_marked_or_separated_ids_still_lead(self) -> None:
        document = parse(
            "## Week 1\n"
            "- [ ] `app-1.2` Invite testers\n"
            "- **app-1.3** Collect reports\n"
            "- app-1.4 - Ship it\n"
            "- app-1.5: Store copy\n"
            "- maze-ph6.1.2 - Loading\n"
            "- **PDF-2** export\n"
            "- [ ] OPS-12 Fix the login\n"
        )
        assert [(t.key, t.title) for t in document.tasks] == [
            ("app-1.2", "Invite testers"),
            ("app-1.3", "Collect reports"),
            ("app-1.4", "Ship it"),
            ("app-1.5", "Store copy"),
            ("maze-ph6.1.2", "Loading"),
            ("PDF-2", "export"),
            ("OPS-12", "Fix the login"),
        ]

    def test_dependencies_name_numbered_ids(self) -> None:
        (task,) = parse("- [ ] Ship\n  - Depends on: app-1.2, app-1.3\n").tasks
        assert task.depends_on == ("app-1.2", "app-1.3")


class TestGenericIdLeads:
    def test_an_id_alone_or_before_a_parenthesis_leads(self) -> None:
        document = parse(
            "## Week 1\n- T1\n- T2 (#5)\n- T3 (Write docs) (2h)\n- T4 ✅ (#6)\n- **T5** Ship\n"
        )
        assert [(t.key, t.title, [r.number for r in t.issue_refs]) for t in document.tasks] == [
            ("T1", "T1", []),
            ("T2", "T2", [5]),
            ("T3", "Write docs", []),
            ("T4", "T4", [6]),
            ("T5", "Ship", []),
        ]
        assert document.tasks[2].estimate is not None

    def test_an_unmarked_id_without_a_separator_does_not_lead(self) -> None:
        assert parse("## Week 1\n- T12 Fix the thing\n").tasks == ()

    def test_linking_a_bare_id_item_keeps_its_task(self) -> None:
        raw = b"## Week 1\n- T1\n"
        linked = add_issue_link(raw, 2, "#5", None)
        assert linked == b"## Week 1\n- T1 (#5)\n"
        (task,) = parse(linked.decode()).tasks
        assert (task.key, task.title, [r.number for r in task.issue_refs]) == ("T1", "T1", [5])
