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
