"""A milestone heading's issue list (`### Milestone 2: Later (Issues #1, #40)`) is the plan's
claim on those issue numbers, as the people who wrote it meant them: a number plansync itself
made for a task never moves that task into the milestone. Its line gets the reference naming
the repository (`owner/repo#1`), which the heading's `#1` does not claim, and the run says so."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeHarness
from plansync.model.plan import PlanDocument
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules

PLAN = b"""# Claims plan

| # | Task | Issue |
|---|------|-------|
| 1 | Write the notes | Internal |
| 2 | Ship the thing | #7 |

### Milestone 1: Now
- [ ] Prepare the demo

### **Milestone 2: Later** (Issues #1, #40)
- Whatever the team meant by #1 and #40
"""


def read(data: bytes) -> PlanDocument:
    return parse_plan(data, Path("plan.md"), ReaderRules())


def milestones(data: bytes) -> dict[str, str | None]:
    return {t.key: t.milestone for t in read(data).tasks}


def test_a_number_plansync_made_is_not_read_as_the_headings_claim(
    make_harness: MakeHarness, kind: str
) -> None:
    harness = make_harness({"plan.md": PLAN})
    before = milestones(PLAN)

    result = harness.sync()

    assert result.ok, result.failed
    notes = harness.number("plan.md", "write-the-notes")
    assert notes == 1
    assert harness.issue(notes).milestone is None
    row = harness.plan("plan.md").splitlines()[4]
    # The cell's own word stays, the qualified reference beside it.
    assert row == f"| 1 | Write the notes | Internal ({harness.repo}#1) |".encode()
    assert milestones(harness.plan("plan.md")) == before  # no task moved, no key changed
    (clash,) = [n.message for n in result.notices if "lists #1" in n.message]
    assert clash.startswith("plan.md:5: ")
    assert "'Milestone 2: Later'" in clash
    assert "plansync made for this task" in clash

    again = harness.sync()

    assert again.actions == []
    assert not [n for n in again.notices if "lists #1" in n.message]  # said once
    assert harness.issue(notes).milestone is None


def test_a_task_already_in_the_claiming_milestone_gets_the_plain_reference(
    make_harness: MakeHarness,
) -> None:
    plan = PLAN.replace(b"(Issues #1, #40)", b"(Issues #2, #7)")
    harness = make_harness({"plan.md": plan}, project_toml='missing_reference = "create"')

    result = harness.sync()

    assert result.ok, result.failed
    # Row 2 is in Milestone 2 through `#7` (missing, kept: the heading names it); its new
    # issue #2 is named by the same heading, which moves nothing.
    assert harness.plan("plan.md").splitlines()[5] == b"| 2 | Ship the thing | #7, #2 |"
    assert milestones(harness.plan("plan.md")) == milestones(plan)
    assert harness.sync().actions == []


# The plan of the issue's report, reduced: a task above a milestone heading whose list names
# #1, in a repository without #1; a milestone heading that is itself a task (FIX-006), below a
# task referencing a missing #2. The first sync makes #1 for `One` and #2 for FIX-006.
FIRST_SYNC = b"""# First sync

- [ ] One
- [ ] REL-3: Two (#2)

## FIX-006: Phase 1: Deploy

- [ ] Inside

## Milestone 1 (Issues #1)
"""
PLACE_END = '[projects.summary]\nplace = "end"\n'


def test_the_first_syncs_references_move_no_task(make_harness: MakeHarness) -> None:
    harness = make_harness({"plan.md": FIRST_SYNC}, summary_toml=PLACE_END)
    before = milestones(FIRST_SYNC)

    result = harness.sync()

    assert result.ok, result.failed
    plan = harness.plan("plan.md")
    assert milestones(plan) == before  # same keys, same sections
    lines = plan.splitlines()
    one, fix = harness.number("plan.md", "one"), harness.number("plan.md", "FIX-006")
    assert (one, fix) == (1, 2)
    assert lines[2] == f"- [ ] One ({harness.repo}#1)".encode()
    assert lines[5] == f"## FIX-006: Phase 1: Deploy ({harness.repo}#2)".encode()
    assert lines[3] == b"- [ ] REL-3: Two (#2)"  # the person's, reported
    assert harness.issue(one).milestone is None
    said = [n.message for n in result.notices]
    assert any(m.startswith("plan.md:3: the plan's 'Milestone 1' lists #1") for m in said)
    assert any(
        m.startswith("plan.md:6: #2 is the issue plansync made") and "'REL-3' (line 4)" in m
        for m in said
    )
    # The summary counts both as linked; only REL-3, whose #2 is FIX-006's, is not.
    summary = plan.decode()
    assert "**Coverage:** 3 / 4 tasks linked to an issue." in summary
    (unlinked,) = [line for line in summary.splitlines() if "not linked" in line]
    assert "REL-3" in unlinked

    again = harness.sync()

    assert again.actions == []
    assert harness.plan("plan.md") == plan
