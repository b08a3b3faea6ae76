"""What disappears between runs, on both trackers: an issue deleted (GitHub answers 410,
GitLab 404) or moved to another project (GitLab's `moved_to_id`) shows as gone, with a notice
of what the person can do, and nothing is created or closed for it; a plan file deleted is
reported every run, or its issues closed once with `removed = "close"`; a read that failed
(5xx, dropped connection, rate limit) takes nothing for deleted."""

from __future__ import annotations

from typing import ClassVar

import pytest
from harness import ENVIRON, SyncHarness
from test_crash_safety import InstantClock

from conftest import MakeHarness
from plansync.errors import PlanfileError, RateLimitedError, TrackerError
from plansync.model.changeset import CloseIssue, CreateIssue, CreateTrackingIssue
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END
from plansync.sync.observe import CHECKED_KEY
from plansync.sync.result import RunResult
from plansync.trackers.pacing import reset_pacers
from plansync.trackers.registry import open_tracker

PLAN = b"""# Gone plan

## Phase 1: Start

- [ ] Keep this task
- [ ] Lose its issue
"""
OTHER = b"""# Other plan

- [ ] OTH-1: First of the other plan
- [ ] OTH-2: Second of the other plan
"""
LOST_LINE = b"- [ ] Lose its issue (#2)\n"
SUMMARY_ONLY = "[projects.summary]\nmilestones = false\n"
CHECK_EVERY_RUN = "check_deleted_every = 1"


def created_or_closed(result: RunResult) -> list[object]:
    kinds = CreateIssue | CloseIssue | CreateTrackingIssue
    return [a for a in result.actions if isinstance(a, kinds)]


def gone_notices(result: RunResult, number: int) -> list[str]:
    return [n.message for n in result.notices if n.number == number and "deleted" in n.message]


def summary_block(harness: SyncHarness) -> str:
    text = harness.plan("plan.md").decode("utf-8")
    return text.split(SUMMARY_BEGIN)[1].split(SUMMARY_END)[0]


def sync_without_waits(harness: SyncHarness) -> RunResult:
    """One run whose tracker retries without waiting: a read that keeps failing fails at once.
    (Write queues are per host and process, each on one clock: this run's is its own.)"""
    reset_pacers()
    try:
        config = harness.config().projects[0].tracker
        return harness.sync(tracker=open_tracker(config, ENVIRON, clock=InstantClock()))
    finally:
        reset_pacers()


class TestDeletedIssue:
    def test_it_shows_as_gone_with_what_to_do_and_nothing_is_created_or_closed(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(
            {"plan.md": PLAN}, project_toml=CHECK_EVERY_RUN, summary_toml=SUMMARY_ONLY
        )
        harness.sync()
        harness.store.delete_issue(harness.repo, 2)

        runs = [harness.sync(), harness.sync()]

        for result in runs:  # said on every run, until the person decides
            assert result.ok, result.failed
            assert created_or_closed(result) == []
            (message,) = gone_notices(result, 2)
            assert "remove the task from the plan" in message
            assert "remove its `#2` reference so plansync makes a new issue" in message
        assert "its issue #2 was deleted or moved" in summary_block(harness)
        assert LOST_LINE in harness.plan("plan.md")
        assert [(i.number, i.state) for i in harness.issues()] == [(1, "open")]
        with harness.state() as state:
            assert 2 not in state.cached_issues()

    def test_removing_its_reference_makes_a_new_issue_once(self, make_harness: MakeHarness) -> None:
        harness = make_harness({"plan.md": PLAN}, project_toml=CHECK_EVERY_RUN)
        harness.sync()
        harness.store.delete_issue(harness.repo, 2)
        harness.sync()
        harness.edit_plan("plan.md", LOST_LINE, b"- [ ] Lose its issue\n")

        result = harness.sync()
        again = harness.sync()

        assert result.ok, result.failed
        (create,) = [a for a in result.actions if isinstance(a, CreateIssue)]
        assert create.task.key == "phase-1-start/lose-its-issue"
        assert harness.number("plan.md", "phase-1-start/lose-its-issue") == 3
        assert b"- [ ] Lose its issue (#3)\n" in harness.plan("plan.md")
        assert gone_notices(result, 2) == []
        assert again.actions == []
        assert again.notices == []
        assert [i.number for i in harness.issues()] == [1, 3]

    def test_removing_the_task_ends_the_notice(self, make_harness: MakeHarness) -> None:
        harness = make_harness({"plan.md": PLAN}, project_toml=CHECK_EVERY_RUN)
        harness.sync()
        harness.store.delete_issue(harness.repo, 2)
        harness.sync()
        harness.edit_plan("plan.md", LOST_LINE, b"")

        result = harness.sync()

        assert result.ok, result.failed
        assert result.actions == []
        assert result.notices == []
        assert [i.number for i in harness.issues()] == [1]


@pytest.mark.parametrize("kind", ["gitlab"])  # GitHub moves no issue: it transfers, see below
def test_an_issue_moved_to_another_project_shows_as_gone_and_ticks_nothing(
    make_harness: MakeHarness, kind: str
) -> None:
    harness = make_harness({"plan.md": PLAN}, summary_toml=SUMMARY_ONLY)
    harness.sync()
    harness.store.add_repo("group/elsewhere")
    moved_to = harness.store.move_issue(harness.repo, 2, "group/elsewhere", user="alice")

    result = harness.sync()  # the default check cadence: the changed issue says it moved

    assert result.ok, result.failed
    assert created_or_closed(result) == []
    (message,) = gone_notices(result, 2)
    assert "moved to another project" in message
    assert LOST_LINE in harness.plan("plan.md")  # closed by the move, yet not done: not ticked
    assert "its issue #2 was deleted or moved" in summary_block(harness)
    assert harness.store.issue("group/elsewhere", moved_to).title == "Lose its issue"
    assert harness.issue(2).state == "closed"


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

    def test_a_planfile_the_globs_no_longer_match_is_not_taken_for_deleted(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(self.PLANS, project_toml='removed = "close"')
        harness.sync()
        numbers = [harness.number("other.md", key) for key in ("OTH-1", "OTH-2")]
        config = harness.config_path.read_text(encoding="utf-8")
        narrowed = config.replace('plans = ["*.md", "**/*.md"]', 'plans = ["plan.md"]')
        assert narrowed != config
        harness.config_path.write_text(narrowed, encoding="utf-8")

        result = harness.sync()

        assert result.ok, result.failed
        assert [a for a in result.actions if isinstance(a, CloseIssue)] == []
        (notice,) = result.notices
        assert "other.md still exists but the project's `plans` no longer match it" in (
            notice.message
        )
        assert f"#{numbers[0]}, #{numbers[1]} stay open" in notice.message
        assert {i.state for i in harness.issues()} == {"open"}

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


class TestFailedRead:
    @pytest.mark.parametrize("fault", ["500", "drop"])
    def test_a_check_that_fails_takes_nothing_for_deleted(
        self, make_harness: MakeHarness, fault: str
    ) -> None:
        harness = make_harness(
            {"plan.md": PLAN}, project_toml=CHECK_EVERY_RUN, summary_toml=SUMMARY_ONLY
        )
        harness.sync()
        harness.store.faults.fail(fault, every=1, methods=["GET"], path_contains="/issues/2")

        failed = sync_without_waits(harness)
        harness.store.faults.clear()
        with harness.state() as state:
            checked = [run.summary[CHECKED_KEY] for run in state.runs(limit=1)]
        later = harness.sync()

        assert failed.ok, failed.failed
        (notice,) = failed.notices
        assert "the look for deleted issues stopped at issue #2" in notice.message
        assert "Nothing is taken for deleted" in notice.message
        assert created_or_closed(failed) == []
        assert "deleted or moved" not in summary_block(harness)
        assert checked == [False]  # so the next run looks again, and finds #2 there
        assert later.notices == []
        assert later.actions == []
        with harness.state() as state:
            assert state.runs(limit=1)[0].summary[CHECKED_KEY] is True
            assert sorted(state.cached_issues()) == [1, 2]

    def test_a_check_met_by_a_rate_limit_stops_the_run_and_takes_nothing_for_deleted(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN}, project_toml=CHECK_EVERY_RUN)
        harness.sync()
        harness.store.faults.fail("429", every=1, methods=["GET"], path_contains="/issues/2")

        with pytest.raises(RateLimitedError):
            sync_without_waits(harness)
        harness.store.faults.clear()
        result = harness.sync()

        assert result.ok, result.failed
        assert result.actions == []
        assert result.notices == []
        with harness.state() as state:
            assert sorted(state.cached_issues()) == [1, 2]
            assert state.runs(limit=1)[0].summary[CHECKED_KEY] is True

    def test_an_issue_list_that_fails_stops_the_run_and_takes_nothing_for_deleted(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN}, project_toml='removed = "close"')
        harness.sync()
        harness.store.create_issue(harness.repo, "Someone's issue")  # the list changed
        harness.store.faults.fail("500", every=1, methods=["GET"])

        with pytest.raises(TrackerError):
            sync_without_waits(harness)
        harness.store.faults.clear()
        result = harness.sync()

        assert result.ok
        assert result.actions == []
        assert result.notices == []
        with harness.state() as state:
            assert sorted(link.number for link in state.links().values()) == [1, 2]


def test_the_check_reads_each_linked_issue_every_n_runs_and_quiet_runs_stay_cheap(
    make_harness: MakeHarness, kind: str
) -> None:
    """With more issues than one page holds, GitHub's runs read only what changed, so a deleted
    issue is found by the check: every third run here, one request per linked issue. The runs
    between cost what a quiet run costs (GitHub: 2 requests, both 304)."""
    harness = make_harness({"plan.md": PLAN}, project_toml="check_deleted_every = 3")
    for n in range(120):
        harness.store.create_issue(harness.repo, f"Someone else's issue {n}")
    harness.sync()  # run 1 reads the whole list: a check as good as any
    linked = 2

    costs: list[int] = []
    for _ in range(4):  # runs 2 to 5
        harness.store.requests.clear()
        result = harness.sync()
        assert result.actions == []
        costs.append(result.requests)
        if kind == "github" and len(costs) != 3:
            assert harness.store.requests.by_status() == {"304": 2}
    harness.store.delete_issue(harness.repo, 122)  # "Lose its issue", made after the 120
    seen = [bool(gone_notices(harness.sync(), 122)) for _ in range(2)]  # runs 6, 7

    assert costs == [2, 2, 2 + linked, 2]
    assert seen == [False, True]  # the check of run 7 finds it
