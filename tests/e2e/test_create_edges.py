"""What a first sync does at the edges of creating an issue, against the sandbox on both trackers:
an owner the tracker will not assign, and a create whose follow-up (estimate, close) is refused.

In every case the issue is made once, linked, and reported as created; what it lacks is said in
the create's detail, a follow-up that failed is a failed result of its own, and the next run
finishes the job without making anything twice.
"""

from __future__ import annotations

from collections.abc import Callable

from harness import SyncHarness

from plansync.model.changeset import ActionResult, CloseIssue, CreateIssue, Status, UpdateIssue
from plansync.sync.result import RunResult

PLAN = "plan.md"
MakeHarness = Callable[..., SyncHarness]

OWNERS = b"""# Owners

- [ ] OWN-1: Write the spec
  - Owner: @ann
- [ ] OWN-2: Review the spec
  - Owner: @sam
- [ ] OWN-3: Pair on the parser
  - Owner: @ann, @sam
- [ ] OWN-4: Ask around
  - Owner: @quinn
"""
PEOPLE = '[projects.people]\nann = "alice"\nsam = "stranger"\nquinn = "no-such-user"\n'


def created(result: RunResult) -> dict[str, ActionResult]:
    """The create results of a run, by task key."""
    return {r.action.task.key: r for r in result.results if isinstance(r.action, CreateIssue)}


class TestAnOwnerWhoCannotBeAssigned:
    def test_the_issue_is_made_without_them_and_the_report_names_them(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: OWNERS}, project_toml=PEOPLE)
        harness.store.set_permission(harness.repo, "alice", "write")
        harness.store.add_user("stranger")  # a user of the tracker, with no role in the repo

        first = harness.sync()

        assert first.ok, [r.detail for r in first.failed]
        results = created(first)
        assert {key: r.status for key, r in results.items()} == {
            "OWN-1": Status.APPLIED,
            "OWN-2": Status.APPLIED,
            "OWN-3": Status.APPLIED,
            "OWN-4": Status.APPLIED,
        }
        assert "cannot be assigned" not in results["OWN-1"].detail
        for key, person in (("OWN-2", "stranger"), ("OWN-3", "stranger"), ("OWN-4", "no-such")):
            detail = results[key].detail
            assert detail.startswith("#"), detail
            assert person in detail, detail
            assert "cannot be assigned" in detail, detail
        assert "alice" not in results["OWN-3"].detail
        assignees = {
            key.split("#")[1]: harness.issue(numbers[0]).assignees
            for key, numbers in harness.issues_by_task().items()
        }
        assert assignees == {
            "OWN-1": ["alice"],
            "OWN-2": [],
            "OWN-3": ["alice"],
            "OWN-4": [],
        }
        assert all(len(n) == 1 for n in harness.issues_by_task().values())

        writes = harness.writes()
        again = harness.sync()
        assert again.ok
        assert again.counts()["created"] == again.counts()["updated"] == 0
        assert harness.writes() == writes  # the left-out owner is not pushed run after run
        assert len(harness.issues()) == 4


DONE = b"""# Release

- [x] REL-1: Ship the beta
- [ ] REL-2: Invite the testers
"""
DONE_WITH_ESTIMATE = b"""# Release

- [x] REL-1: Ship the beta (2h)
- [ ] REL-2: Invite the testers
"""
# Longer than any run may wait (max_wait defaults to 60 s): the run stops at once.
LONG_WAIT = 3600


def issue_updates(kind: str) -> list[str]:
    """The HTTP methods that change an existing issue (its close, GitHub's estimate label)."""
    return ["PATCH"] if kind == "github" else ["PUT"]


def one_issue_per_task(harness: SyncHarness, *keys: str) -> None:
    """Exactly one issue for each of these tasks, and no other issue."""
    by_task = harness.issues_by_task()
    assert sorted(by_task) == [f"{PLAN}#{key}" for key in keys]
    assert all(len(numbers) == 1 for numbers in by_task.values()), by_task
    assert len(harness.issues()) == len(keys)


class TestAFollowUpRefusedAfterTheCreate:
    def test_a_rate_limited_close_leaves_the_issue_created_and_closes_it_next_run(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = make_harness({PLAN: DONE})
        harness.store.faults.fail(
            "429",
            nth=1,
            methods=issue_updates(kind),
            path_contains="/issues/",
            retry_after=LONG_WAIT,
        )

        first = harness.sync()

        results = created(first)
        assert results["REL-1"].status is Status.APPLIED
        assert "closing it failed" in results["REL-1"].detail
        (failed,) = first.failed
        assert isinstance(failed.action, CloseIssue)
        assert failed.action.task.key == "REL-1"
        assert "asked to wait 60 min" in failed.detail
        # The rate limit stops the run's tracker writes: the next task waits for the next run.
        assert results["REL-2"].status is Status.SKIPPED
        assert first.counts()["created"] == 1
        one_issue_per_task(harness, "REL-1")
        number = harness.number(PLAN, "REL-1")
        assert harness.issue(number).state == "open"
        assert f"(#{number})".encode() in harness.plan(PLAN)  # linked in the plan too
        with harness.state() as state:
            assert {link.task.key: link.number for link in state.links().values()}[
                "REL-1"
            ] == number

        second = harness.sync()

        assert second.ok, [r.detail for r in second.failed]
        assert (second.counts()["created"], second.counts()["closed"]) == (1, 1)
        one_issue_per_task(harness, "REL-1", "REL-2")
        assert harness.issue(number).state == "closed"
        assert harness.sync().counts()["closed"] == 0

    def test_a_refused_estimate_is_reported_and_set_next_run(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = make_harness({PLAN: DONE_WITH_ESTIMATE})
        if kind == "github":  # the estimate is a label, written with one PATCH of the issue
            methods, where = ["PATCH"], "/issues/"
        else:
            methods, where = ["POST"], "/time_estimate"
        harness.store.faults.fail(
            "429", nth=1, methods=methods, path_contains=where, retry_after=LONG_WAIT
        )

        first = harness.sync()

        results = created(first)
        assert results["REL-1"].status is Status.APPLIED
        assert "estimate is not set" in results["REL-1"].detail
        assert "closing it failed" in results["REL-1"].detail
        task = results["REL-1"].action.task
        follow_ups = [r for r in first.results if getattr(r.action, "task", None) == task]
        estimate = next(r for r in follow_ups if isinstance(r.action, UpdateIssue))
        close = next(r for r in follow_ups if isinstance(r.action, CloseIssue))
        assert estimate.status is Status.FAILED
        # The rate limit stops every tracker write of the run, the close among them.
        assert close.status is Status.SKIPPED
        assert not first.ok
        one_issue_per_task(harness, "REL-1")

        second = harness.sync()

        assert second.ok, [r.detail for r in second.failed]
        assert second.counts()["created"] == 1
        one_issue_per_task(harness, "REL-1", "REL-2")
        issue = harness.issue(harness.number(PLAN, "REL-1"))
        assert issue.state == "closed"
        if kind == "github":
            assert "estimate: 2h" in issue.labels
        else:
            assert issue.time_estimate == 7200
