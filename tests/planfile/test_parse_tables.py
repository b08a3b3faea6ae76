"""Task tables: columns recognised by header words and by cell content, group rows, and the
tables that hold no tasks."""

from __future__ import annotations

from pathlib import Path

from plansync.model.plan import PlanDocument, Priority, TaskKind
from plansync.planfile.parse import parse_plan


def parse(text: str) -> PlanDocument:
    return parse_plan(text.encode("utf-8"), Path("plan.md"))


class TestColumns:
    def test_header_words_give_the_roles(self) -> None:
        document = parse(
            "## Phase 1: Foundations\n\n"
            "| # | Task | Estimate | Priority | Owner | Issue | Status |\n"
            "|---|------|----------|----------|-------|-------|--------|\n"
            "| 1 | **Audit the pages** | 90min | HIGH | alice | #4 | done |\n"
            "| 2 | Choose a generator | 2h | CRITICAL | @bob, carol | | todo |\n"
        )
        first, second = document.tasks
        assert first.table is not None
        assert first.table.roles == (
            "",
            "title",
            "estimate",
            "priority",
            "assignee",
            "issue",
            "status",
        )
        assert (first.title, first.done, first.assignees) == ("Audit the pages", True, ("alice",))
        assert [r.number for r in first.issue_refs] == [4]
        assert first.estimate is not None
        assert first.estimate.minutes == 90
        assert (second.done, second.priority) == (False, Priority.CRITICAL)
        assert second.assignees == ("bob", "carol")
        assert {t.kind for t in document.tasks} == {TaskKind.TABLE_ROW}
        assert (first.line, first.end_line) == (5, 5)

    def test_row_numbers_are_no_ids(self) -> None:
        document = parse(
            "| # | Task | Duration |\n|---|---|---|\n| 1 | Write it | 1h |\n| 2 | Test it | 2h |\n"
        )
        assert [t.key for t in document.tasks] == ["write-it", "test-it"]
        assert all(t.id is None for t in document.tasks)

    def test_a_column_of_ids_is_the_id_column_whatever_its_header(self) -> None:
        document = parse(
            "| Priority | Task | Impact | Time |\n"
            "| --- | --- | --- | --- |\n"
            "| **P1 CRITICAL (1% → 51%)** | | | |\n"
            "| T1 | Code generation demo | 🔥 CRITICAL | 90min |\n"
            "| T2 | Quick-start command | 🔥 MED | 60min |\n"
            "| **P2 HIGH IMPACT** | | | |\n"
            "| T14 | Security scanning | 🔒 HIGH | 60min |\n"
        )
        assert [(t.key, t.priority) for t in document.tasks] == [
            ("T1", Priority.CRITICAL),
            ("T2", Priority.MEDIUM),
            ("T14", Priority.HIGH),
        ]
        assert document.tasks[0].table is not None
        assert document.tasks[0].table.roles == ("id", "title", "priority", "estimate")
        assert [t.labels for t in document.tasks] == [
            ("group: P1 CRITICAL",),
            ("group: P1 CRITICAL",),
            ("group: P2 HIGH IMPACT",),
        ]

    def test_priority_column_wins_over_impact_when_it_holds_priorities(self) -> None:
        document = parse(
            "| Task | Priority | Impact | Time |\n|---|---|---|---|\n| Do it | LOW | HIGH | 1h |\n"
        )
        (task,) = document.tasks
        assert task.priority is Priority.LOW
        assert task.table is not None
        assert task.table.roles == ("title", "priority", "", "estimate")

    def test_an_id_looking_cell_that_is_no_id_is_reported(self) -> None:
        document = parse(
            "| ID | Task | Time |\n|---|---|---|\n"
            "| SEC-1 | Encrypt | 1h |\n| SEC-2 | Audit | 1h |\n| sec3 | Rotate | 1h |\n"
        )
        assert [t.key for t in document.tasks] == ["SEC-1", "SEC-2", "rotate"]
        (warning,) = [w for w in document.warnings if w.code == "id-mismatch"]
        assert warning.line == 5
        assert "sec3" in warning.message
        assert "plan.md:5" in warning.message

    def test_short_rows_are_padded(self) -> None:
        (task,) = parse("| Task | Owner |\n|---|---|\n| Lonely row |\n").tasks
        assert (task.title, task.assignees) == ("Lonely row", ())


class TestNotTaskTables:
    def test_a_table_without_a_task_column(self) -> None:
        document = parse(
            "| Risk | Mitigation | Contingency |\n|---|---|---|\n| Flaky tests | Retry | Accept |\n"
        )
        assert document.tasks == ()

    def test_a_title_column_alone_is_not_enough(self) -> None:
        assert parse("| Name | Role |\n|---|---|\n| Ann | Lead |\n").tasks == ()

    def test_ignored_rows(self) -> None:
        document = parse(
            "| Task | Time |\n|---|---|\n"
            "| Kept | 1h |\n"
            "| Skipped <!-- plansync: ignore --> | 1h |\n"
        )
        assert [t.title for t in document.tasks] == ["Kept"]


class TestRowsWithoutTitle:
    def test_an_id_without_a_title_is_reported_not_a_group(self) -> None:
        document = parse(
            "## Week 1\n"
            "| ID | Task | Issue |\n"
            "|---|---|---|\n"
            "| **P1 CRITICAL** | | |\n"
            "| T1 | One | #1 |\n"
            "| T3 | | |\n"
            "| T4 | Four | |\n"
        )
        assert [(t.key, t.labels) for t in document.tasks] == [
            ("T1", ("group: P1 CRITICAL",)),
            ("T4", ("group: P1 CRITICAL",)),
        ]
        (warning,) = [w for w in document.warnings if w.code == "no-title"]
        assert warning.line == 6
        assert "plan.md:6" in warning.message
        assert "`T3`" in warning.message
        assert "`Task`" in warning.message

    def test_a_bold_label_is_a_group_even_when_it_looks_like_an_id(self) -> None:
        document = parse("| ID | Task |\n|---|---|\n| **M1** | |\n| T1 | One |\n| T2 | Two |\n")
        assert [t.labels for t in document.tasks] == [("group: M1",), ("group: M1",)]
        assert not [w for w in document.warnings if w.code == "no-title"]

    def test_numbered_ids_count_in_an_id_column(self) -> None:
        document = parse(
            "| ID | Task | Time |\n|---|---|---|\n"
            "| app-1.2 | Invite | 1h |\n| app-1.3 | Ship | 2h |\n"
        )
        assert [t.key for t in document.tasks] == ["app-1.2", "app-1.3"]

    def test_versions_do_not_make_an_id_column(self) -> None:
        document = parse(
            "| Runtime | Task | Time |\n|---|---|---|\n"
            "| python-3.11 | Upgrade | 1h |\n| postgres-15.4 | Migrate | 2h |\n"
        )
        assert [t.key for t in document.tasks] == ["upgrade", "migrate"]
