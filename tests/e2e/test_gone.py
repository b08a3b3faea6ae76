"""What disappears between runs, on both trackers: a plan file deleted is reported every run,
or its issues closed once with `removed = "close"`; one that fails to read is not deleted."""

from __future__ import annotations

from typing import ClassVar

import pytest

from conftest import MakeHarness
from plansync.errors import PlanfileError
from plansync.model.changeset import CloseIssue

PLAN = b"""# Gone plan

## Phase 1: Start

- [ ] Keep this task
- [ ] Lose its issue
"""
OTHER = b"""# Other plan

- [ ] OTH-1: First of the other plan
- [ ] OTH-2: Second of the other plan
"""


class TestDeletedPlanfile:
    PLANS: ClassVar[dict[str, bytes]] = {"plan.md": PLAN, "other.md": OTHER}

    def test_it_is_reported_every_run_and_its_issues_stay_open(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(self.PLANS)
        harness.sync()
        numbers = [harness.number("other.md", key) for key in ("OTH-1", "OTH-2")]
        (harness.root / "other.md").unlink()

        runs = [harness.sync(), harness.sync()]

        for result in runs:
            assert result.ok, result.failed
            assert result.actions == []
            (notice,) = result.notices
            assert notice.task is None
            assert "the plan file other.md is no longer among the project's plans" in (
                notice.message
            )
            assert f"issues #{numbers[0]}, #{numbers[1]} stay open" in notice.message
        assert {i.state for i in harness.issues()} == {"open"}

    def test_removed_close_closes_each_issue_once_with_one_comment(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = make_harness(self.PLANS, project_toml='removed = "close"')
        harness.sync()
        numbers = [harness.number("other.md", key) for key in ("OTH-1", "OTH-2")]
        (harness.root / "other.md").unlink()

        closing = harness.sync()
        again = harness.sync()

        assert closing.ok, closing.failed
        assert sorted(a.number for a in closing.actions if isinstance(a, CloseIssue)) == numbers
        for number in numbers:
            issue = harness.issue(number)
            assert issue.state == "closed"
            if kind == "github":
                assert issue.state_reason == "not_planned"
            (comment,) = harness.store.comments(harness.repo, number)
            assert "`other.md`" in comment.body
            assert "closed as not planned" in comment.body
        assert again.actions == []
        assert again.notices == []
        assert [len(harness.store.comments(harness.repo, n)) for n in numbers] == [1, 1]
        kept = [i.number for i in harness.issues() if i.number not in numbers]
        assert [harness.issue(n).state for n in kept] == ["open", "open"]

    def test_a_planfile_that_fails_to_read_is_not_taken_for_deleted(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(self.PLANS, project_toml='removed = "close"')
        harness.sync()
        path = harness.root / "other.md"
        path.unlink()
        path.symlink_to(harness.root / "nowhere.md")  # matched by the glob, unreadable

        with pytest.raises(PlanfileError):
            harness.sync()

        assert {i.state for i in harness.issues()} == {"open"}
        assert all(harness.store.comments(harness.repo, i.number) == [] for i in harness.issues())
