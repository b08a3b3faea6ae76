"""Sections: milestones, criteria, issue-list milestones, section paths and plansync's block."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import PlanDocument
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def parse(text: str, rules: ReaderRules | None = None) -> PlanDocument:
    return parse_plan(text.encode("utf-8"), Path("plan.md"), rules)


class TestMilestones:
    def test_a_task_belongs_to_the_nearest_enclosing_milestone(self) -> None:
        document = parse(
            "# Phase 6: Production Readiness\n"
            "## Overview\n"
            "- [ ] top\n"
            "## 🔥 **Week 1: Foundation** (Days 1-5)\n"
            "### Stream A\n"
            "- [ ] inner\n"
            "## Notes\n"
            "- [ ] noted\n"
        )
        assert [(t.title, t.milestone) for t in document.tasks] == [
            ("top", "Phase 6: Production Readiness"),
            ("inner", "Week 1: Foundation (Days 1-5)"),
            ("noted", "Phase 6: Production Readiness"),
        ]
        assert document.tasks[1].section_path == (
            "Phase 6: Production Readiness",
            "Week 1: Foundation (Days 1-5)",
            "Stream A",
        )
        assert document.title == "Phase 6: Production Readiness"

    def test_only_milestones_holding_tasks_are_listed(self) -> None:
        document = parse("## Sprint 1\n- [ ] a\n## Sprint 2\nnothing yet\n## Release 3\n- [ ] b\n")
        assert [(s.title, s.line) for s in document.milestones] == [
            ("Sprint 1", 1),
            ("Release 3", 5),
        ]
        sprint_two = document.sections[1]
        assert (sprint_two.is_milestone, sprint_two.line, sprint_two.end_line) == (True, 3, 4)

    def test_every_default_word_names_a_milestone(self) -> None:
        words = [
            "Phase 1",
            "Week 2",
            "Milestone 3",
            "Sprint 4",
            "Stage 5",
            "Iteration 6",
            "v1 release",
        ]
        text = "".join(f"## {word}\n- [ ] task {n}\n" for n, word in enumerate(words))
        assert [t.milestone for t in parse(text).tasks] == words

    def test_milestone_patterns_replace_the_defaults(self) -> None:
        text = "## Phase 1\n- [ ] a\n## Epic: Billing\n- [ ] b\n"
        document = parse(text, ReaderRules(milestone_patterns=(r"^epic\b",)))
        assert [t.milestone for t in document.tasks] == [None, "Epic: Billing"]

    def test_tasks_outside_milestones_give_one_warning(self) -> None:
        document = parse("## Backlog\n- [ ] a\n- [ ] b\n## Week 1\n- [ ] c\n")
        (warning,) = [w for w in document.warnings if w.code == "no-milestone"]
        assert "2 of 3 tasks" in warning.message
        assert parse("## Week 1\n- [ ] c\n").warnings == ()


class TestIssueListMilestones:
    def test_a_milestone_heading_listing_issues_claims_their_tasks(self) -> None:
        document = parse(
            "## Tasks\n"
            "| # | Task | Issue |\n|---|---|---|\n"
            "| 1 | Mocks | #61, #66 |\n| 2 | Redis | #43 |\n"
            "| 3 | Docs | #99 |\n| 4 | Verify | |\n\n"
            "## Milestones\n"
            "### **Milestone 1: Critical Foundation** (Issues #61, #63)\n"
            "- Test framework compatibility\n"
            "### Milestone 2: Protocols (Issues #37, #42-45)\n"
        )
        assert [(t.title, t.milestone) for t in document.tasks] == [
            ("Mocks", "Milestone 1: Critical Foundation"),
            ("Redis", "Milestone 2: Protocols"),
            ("Docs", None),
            ("Verify", None),
        ]
        first = document.sections[2]
        assert first.title == "Milestone 1: Critical Foundation"
        assert [r.number for r in first.issue_refs] == [61, 63]
        assert document.tasks[0].key == "milestone-1-critical-foundation/mocks"

    def test_a_trailing_group_that_is_not_an_issue_list_stays_in_the_title(self) -> None:
        document = parse("## PHASE 1: EMERGENCY (Weeks 1-3)\n- [ ] a\n")
        assert document.tasks[0].milestone == "PHASE 1: EMERGENCY (Weeks 1-3)"


class TestCriteria:
    def test_criteria_and_their_sub_headings_are_never_milestones(self) -> None:
        document = parse(
            "# Phase 6\n"
            "## Week 1\n- [ ] build\n"
            "## Definition of Done\n"
            "### For Each Milestone\n- [ ] All tests passing\n"
            "### For Phase 6 Complete\n- [x] Docs reviewed\n"
            "## Success metrics\n- ✅ not a checkbox\n"
        )
        work, first, second = document.tasks
        assert (work.criterion, work.milestone) == (False, "Week 1")
        assert (first.criterion, first.milestone, first.key) == (
            True,
            None,
            "for-each-milestone/all-tests-passing",
        )
        assert (second.done, second.criterion) == (True, True)
        assert [s.title for s in document.sections if s.is_criteria] == [
            "Definition of Done",
            "For Each Milestone",
            "For Phase 6 Complete",
            "Success metrics",
        ]
        assert [s.title for s in document.milestones] == ["Week 1"]

    def test_criteria_patterns_replace_the_defaults(self) -> None:
        text = "## Exit checks\n- [ ] green\n## Acceptance criteria\n- [ ] fast\n"
        document = parse(text, ReaderRules(criteria_patterns=(r"exit checks",)))
        assert [t.criterion for t in document.tasks] == [True, False]


class TestSectionFilters:
    TEXT = "## Week 1\n- [ ] a\n### Later ideas\n- [ ] b\n## Week 2\n- [ ] c\n"

    def test_include_sections(self) -> None:
        document = parse(self.TEXT, ReaderRules(include_sections=(r"week 2",)))
        assert [t.title for t in document.tasks] == ["c"]

    def test_exclude_sections_covers_sub_headings(self) -> None:
        document = parse(self.TEXT, ReaderRules(exclude_sections=(r"^later",)))
        assert [t.title for t in document.tasks] == ["a", "c"]
        document = parse(self.TEXT, ReaderRules(exclude_sections=(r"week 1",)))
        assert [t.title for t in document.tasks] == ["c"]


class TestOwnBlock:
    def test_what_plansync_writes_in_its_block_is_not_read(self) -> None:
        document = parse(
            "# Plan\n"
            "<!-- plansync:summary -->\n"
            "**Progress:** 0 / 1 tasks done (0%)\n\n"
            "| Milestone | Done | Progress | % | Estimate done / left | Due |\n"
            "|---|---:|---|---:|---|---|\n| Week 1 | 0 / 1 | `░░` | 0% | - | - |\n\n"
            "- not linked, sync failed: `OPS-7` Deploy\n"
            "<!-- /plansync:summary -->\n"
            "- [ ] real\n"
        )
        assert [(t.title, t.line) for t in document.tasks] == [("real", 11)]

    @pytest.mark.parametrize(
        "inside",
        [
            "- [ ] inside\n",
            "- OPS-7: inside\n",
            "| Task | Status |\n|---|---|\n| inside | done |\n",
            "## Phase 1: Real work\n\n- [ ] inside\n",
        ],
    )
    def test_a_block_holding_tasks_or_headings_is_the_plan_s_and_read(self, inside: str) -> None:
        document = parse(
            f"# Plan\n<!-- plansync:summary -->\n{inside}<!-- /plansync:summary -->\n- [ ] real\n"
        )
        assert [t.title for t in document.tasks] == ["inside", "real"]

    def test_tasks_in_stray_markers_belong_to_the_heading_in_them(self) -> None:
        document = parse(
            "# Markers\n\n<!-- plansync:summary -->\n\n## Phase 1: Real work\n\n"
            "- [ ] Task inside stray markers\n- [ ] Another one\n\n"
            "<!-- /plansync:summary -->\n\n## Phase 2: More\n\n- [ ] Task outside\n"
        )
        assert [(t.title, t.line, t.milestone) for t in document.tasks] == [
            ("Task inside stray markers", 7, "Phase 1: Real work"),
            ("Another one", 8, "Phase 1: Real work"),
            ("Task outside", 14, "Phase 2: More"),
        ]

    @pytest.mark.parametrize("gap", ["", "\n"])
    def test_the_task_before_the_block_does_not_take_it_in(self, gap: str) -> None:
        # A summary written at the end of a plan follows its last task: the item's span ends
        # in the block's (blanked) lines, which are no part of its description or fields.
        document = parse(
            f"- [ ] One\n- [ ] Two\n{gap}<!-- plansync:summary -->\n\n"
            "**Progress:** 1 / 2 tasks done (50%)\n\n- Owner: @alice, due 2026-04-01, 3h\n\n"
            "<!-- /plansync:summary -->\n"
        )
        two = document.tasks[1]
        assert (two.line, two.end_line, two.description) == (2, 2, "")
        assert (two.assignees, two.estimate) == ((), None)
