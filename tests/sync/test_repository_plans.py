"""The pure parts of plans kept in the repository: the commit message a run writes, and the
globs matched against the repository's paths as pathlib matches them locally."""

from __future__ import annotations

import pytest

from plansync.model.changeset import ActionResult, EditPlan, PlanEditKind, Status, WriteSummary
from plansync.model.sync import TaskRef
from plansync.sync.repository_plans import commit_message, glob_pattern


def edit(kind: PlanEditKind, status: Status = Status.APPLIED) -> ActionResult:
    return ActionResult(EditPlan(TaskRef("plan.md", "T1"), kind, "why"), status, "")


SUMMARY = ActionResult(WriteSummary("plan.md", "text", "after-title", "why"), Status.APPLIED, "")


class TestCommitMessage:
    @pytest.mark.parametrize(
        ("results", "message"),
        [
            (
                [edit(PlanEditKind.TICK)] * 3 + [edit(PlanEditKind.RETITLE), SUMMARY],
                "plansync: 3 tasks ticked, 1 retitled, summaries [skip ci]",
            ),
            ([edit(PlanEditKind.TICK)], "plansync: 1 task ticked [skip ci]"),
            ([edit(PlanEditKind.LINK)] * 2, "plansync: 2 tasks linked [skip ci]"),
            ([SUMMARY], "plansync: summaries [skip ci]"),
            (
                [edit(PlanEditKind.TICK, Status.FAILED), edit(PlanEditKind.UNTICK)],
                "plansync: 1 task unticked [skip ci]",
            ),
            ([], "plansync: plan files [skip ci]"),
        ],
    )
    def test_says_what_the_run_did(self, results: list[ActionResult], message: str) -> None:
        assert commit_message(results) == message


class TestGlobs:
    @pytest.mark.parametrize(
        ("glob", "path", "matches"),
        [
            ("*.md", "plan.md", True),
            ("*.md", "plans/plan.md", False),
            ("plans/*.md", "plans/plan.md", True),
            ("plans/*.md", "plans/sub/plan.md", False),
            ("**/*.md", "plan.md", True),
            ("**/*.md", "a/b/c.md", True),
            ("docs/**/*.md", "docs/x.md", True),
            ("docs/**/*.md", "docs/a/b/x.md", True),
            ("docs/**/*.md", "other/x.md", False),
            ("plan?.md", "plan1.md", True),
            ("plan[0-9].md", "plan7.md", True),
            ("plan[!0-9].md", "plan7.md", False),
            ("plan.md", "plan.mdx", False),
            ("a+b.md", "a+b.md", True),
        ],
    )
    def test_as_pathlib_matches(self, glob: str, path: str, matches: bool) -> None:
        assert bool(glob_pattern(glob).fullmatch(path)) is matches
