"""Any text is read without crashing, and what is read points at real lines of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan

_PIECES = [
    "# Phase 1",
    "## Week 2: Build",
    "### Definition of Done",
    "- [ ] task",
    "- [x] done task",
    "  - nested detail",
    "1. numbered",
    "- **Tasks:**",
    "  1. team task",
    "- **Days 1-2**: time box",
    "- **OPS-001**: CI",
    "- `maze-ph1.2` - dotted",
    "**Dependencies**: Config (maze-ph1.x)",
    "| # | Task | Time |",
    "|---|---|---|",
    "| 1 | row | 1h |",
    "| T1 | row | 2h |",
    "```",
    "    code",
    "> quoted - [ ] item",
    "<!-- plansync:summary -->",
    "<!-- /plansync:summary -->",
    "<!-- plansync: ignore -->",
    "FIX-006 in prose",
    "",
    "\t- [ ] tab",
    "✅ done",
    "- [ ] T001 [P] [US1] spec-kit task (depends on T000)",
    "- [~] T002 in progress",
    "- [ ]* 2.1 optional Kiro task",
    "  - _Requirements: 1.2, 3.4_",
    "- [-] t019.2 todo fields ~8h #sync @ann blocked-by:t019.1 ref:GH#5",
    "### Task 3: heading task",
    "- Owner: @ann",
    "Status: Done",
    "# Task ID: 4",
    "## 1. Subtask [done]",
    "---",
    "status: open",
    "| T1 | P0 | DONE | headerless |",
    "| Story | Est. | Owner | Status |",
    "| - | | | 🟡 |",
    "## Semana 2",
    "## 第一周",
    "**Acceptance criteria:**",
]


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.sampled_from(_PIECES) | st.text(max_size=20), max_size=30),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_text_reads_and_points_at_its_lines(lines: list[str], ending: str) -> None:
    text = ending.join(lines)
    document = parse_plan(text.encode("utf-8"), Path("plan.md"))
    count = len(split_text_lines(text))
    keys = [t.key for t in document.tasks]
    assert len(keys) == len(set(keys))
    for task in document.tasks:
        assert 1 <= task.line <= task.end_line
        assert task.title
    for section in document.sections:
        assert 1 <= section.line <= section.end_line
    assert all(t.end_line <= count for t in document.tasks)


# Lines of unclosed marks: a pattern that rescans the rest of the line from every mark would
# take seconds on each (the reader reads them in one pass; only the results are checked here).
HOSTILE = {
    "emphasis": "*a " * 10_000,
    "underscores": "__a " * 10_000,
    "comments": "<!--" * 10_000,
    "brackets": "[a" * 10_000,
    "autolinks": "<http:" * 5_000,
    "issue numbers": "ABC" + "-1" * 20_000,
    "spaces": "a" + " " * 40_000 + "b",
}


# The same lines in the shapes of the planning-tool formats and the other new readings.
SHAPES = {
    "spec-kit": "- [ ] T001 [P] [US1] {body} (#5)\n- [ ] T002 [P] second\n",
    "aidevops": "- [ ] t001 {body} ~2h @ann (#5)\n- [ ] t002 second ~1h @ben\n",
    "kiro": "- [ ] 1.1 {body} (#5)\n- [ ]* 1.2 second\n  - _Requirements: 1.1_\n",
    "heading task": "### Task 1: {body} (#5)\n- Owner: @ann\n- Status: {body}\n",
    "trailing id": "- [ ] {body} (#5) (TASK-1.2)\n",
    "criteria label": "**{body}:**\n- [ ] {body} (#5)\n",
}
HOSTILE_MORE = {
    **HOSTILE,
    "brackets and tags": "[P] " * 10_000,
    "fields": "~1h @a #t x:y " * 5_000,
    "parentheses": "(" * 20_000,
    "closing": "(a) " * 10_000,
    "depends": "depends on T001, " * 5_000,
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("body", HOSTILE_MORE.values(), ids=HOSTILE_MORE.keys())
def test_hostile_lines_in_the_new_shapes_are_read(shape: str, body: str) -> None:
    raw = ("## Week 1\n\n" + shape.format(body=body)).encode()
    document = parse_plan(raw, Path("plan.md"))
    assert document.tasks
    assert all(t.title for t in document.tasks)


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_lines_are_read(body: str) -> None:
    raw = f"## Week 1\n- [ ] {body} (#5)\n".encode()
    (task,) = parse_plan(raw, Path("plan.md")).tasks
    assert task.title
    assert [r.number for r in task.issue_refs] == [5]
    assert task.line == 2
