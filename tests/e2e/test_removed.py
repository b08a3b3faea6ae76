"""A task deleted from the plan: its issue is left open and reported (the default), or closed
as not planned with a comment (`removed = "close"`), once."""

from __future__ import annotations

from conftest import MakeHarness

PLAN = b"""# Removal plan

## Phase 1: Start

- [ ] Keep this task
- [ ] Drop this task
"""


def test_a_removed_task_is_reported_and_its_issue_left_open(
    make_harness: MakeHarness, kind: str
) -> None:
    harness = make_harness({"plan.md": PLAN})
    harness.sync()
    harness.edit_plan("plan.md", b"- [ ] Drop this task (#2)\n", b"")

    result = harness.sync()

    assert result.actions == []
    assert [n.number for n in result.notices] == [2]
    assert "no longer in the plan" in result.notices[0].message
    assert harness.issue(2).state == "open"


def test_removed_close_closes_the_issue_as_not_planned_with_a_comment(
    make_harness: MakeHarness, kind: str
) -> None:
    harness = make_harness({"plan.md": PLAN}, project_toml='removed = "close"')
    harness.sync()
    harness.edit_plan("plan.md", b"- [ ] Drop this task (#2)\n", b"")

    closing = harness.sync()
    again = harness.sync()

    assert closing.ok
    dropped = harness.issue(2)
    assert dropped.state == "closed"
    if kind == "github":
        assert dropped.state_reason == "not_planned"
    comments = harness.store.comments(harness.repo, 2)
    assert len(comments) == 1
    assert "no longer in" in comments[0].body
    assert harness.issue(1).state == "open"
    assert again.actions == []  # closed once, commented once
    assert len(harness.store.comments(harness.repo, 2)) == 1
