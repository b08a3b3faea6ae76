"""The words the reader knows in other languages: milestone and criteria headings, statuses,
owner cells; and front matter, which is metadata only."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.planfile.front_matter import read_front_matter
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules, any_match, compile_rules
from plansync.planfile.status_words import Status, read_status
from plansync.planfile.table_words import owners_in_cell

RULES = compile_rules(ReaderRules())


@pytest.mark.parametrize(
    "heading",
    [
        "v1.3: Automation", "v2.0", "Release 2.1", "Phase: Foundation", "Fase 1: Diseño",
        "Semana 3", "Etapa 2", "Woche 4", "Meilenstein 2", "Étape 2 : Tests", "Semaine 1",
        "第一周：准备", "第2阶段", "阶段一", "フェーズ2", "第3週", "Tuần 5: Ra mắt",
        "Giai đoạn 2", "Этап 3", "Неделя 1", "Sprint 12", "Weeks 1-3", "Stage IV",
    ],
)  # fmt: skip
def test_milestone_headings(heading: str) -> None:
    assert any_match(RULES.milestones, heading)


@pytest.mark.parametrize(
    "heading",
    [
        "Phases", "Milestones", "Next milestone ideas", "Implementation for release command",
        "Phase Dependencies", "Sprint planning", "Weekly check-ins", "Release notes",
        "MILESTONE ORGANIZATION", "Etapas del proyecto",
    ],
)  # fmt: skip
def test_headings_that_only_contain_the_word_are_no_milestones(heading: str) -> None:
    assert not any_match(RULES.milestones, heading)


@pytest.mark.parametrize(
    "heading",
    [
        "验收标准", "受け入れ基準", "Criterios de aceptación", "Akzeptanzkriterien",
        "Critères d'acceptation", "Critérios de aceitação", "Definition of Done", "DoD",
        "Критерии приёмки", "Tiêu chí chấp nhận",
    ],
)  # fmt: skip
def test_criteria_headings(heading: str) -> None:
    assert any_match(RULES.criteria, heading)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("✅", Status(True)), ("Done", Status(True)), ("Erledigt", Status(True)),
        ("完了", Status(True)), ("hoàn thành", Status(True)), ("готово", Status(True)),
        ("🟡 WIP", Status(False, "in-progress")), ("En curso", Status(False, "in-progress")),
        ("進行中", Status(False, "in-progress")), ("🔴", Status(False, "blocked")),
        ("Cancelado", Status(True, "dropped")), ("To Do", Status(False)),
        ("Donezo", Status(None)), ("", Status(None)),
    ],
)  # fmt: skip
def test_statuses(text: str, status: Status) -> None:
    assert read_status(text) == status


@pytest.mark.parametrize(
    ("cell", "owners"),
    [
        ("@ann, @ben", ("ann", "ben")), ("ann + ben", ("ann", "ben")),
        ("Ana y Luis", ("Ana", "Luis")), ("Eva und Max", ("Eva", "Max")),
        ("@ann @ben", ("ann", "ben")), ("Test Suite Specialist", ()), ("TBD", ()),
    ],
)  # fmt: skip
def test_owner_cells(cell: str, owners: tuple[str, ...]) -> None:
    assert owners_in_cell(cell) == owners


class TestFrontMatter:
    def test_fields_are_read_as_text(self) -> None:
        front = read_front_matter(
            ["---", "status: done", "created: 2026-01-02", "labels: [a, 'b']", "deps:",
             "  - task-1", "---", "# Body"]
        )  # fmt: skip
        assert front is not None
        assert (front.first_line, front.last_line) == (1, 7)
        assert front.text("created") == "2026-01-02"
        assert front.items("labels") == ("a", "b")
        assert front.items("deps") == ("task-1",)

    def test_a_rule_over_prose_is_no_front_matter(self) -> None:
        assert read_front_matter(["---", "Some prose here.", "---"]) is None

    def test_it_yields_no_tasks_and_no_ids(self) -> None:
        raw = b"---\nrelated: OPS-1\nstatus: done\n---\n\n# Plan\n\n## Phase 1: X\n\n- [ ] Ship\n"
        document = parse_plan(raw, Path("plan.md"))
        assert [(t.title, t.id, t.line) for t in document.tasks] == [("Ship", None, 10)]
        assert document.title == "Plan"
