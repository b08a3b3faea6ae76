"""`figures.compute`: a planfile parsed by the real reader, links, issues and findings written
by hand, and the figures its summary must show."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from builders import project, remote_issue
from plansync.model.remote import CloseReason, IssueState, RemoteMilestone
from plansync.model.sync import (
    Conflict,
    Failure,
    Findings,
    Link,
    PlanInput,
    RemoteSnapshot,
    TaskRef,
    TaskState,
)
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.summary.data import DriftKind, Effort, Progress, Unlinked
from plansync.summary.figures import NO_MILESTONE, Known, compute

from . import samples

PLANFILE = "plans/p.md"
REPO_URL = "https://github.com/demo/plans"
TODAY = date(2026, 11, 21)

PLAN = """\
# Launch

**Owner:** web team

## Phase 1: Build (due 2026-11-01)

- [x] T1: Write the API (3h)
- [ ] T2: Write the UI (2-4h)
- [ ] T3: ~~Old idea~~

## Phase 2: Ship

- [ ] T4: Release notes
- [x] T5: Announce (30min)

## Loose ends

- [ ] T6: Tidy up

## Acceptance criteria

- [ ] Everything works
"""


def plan_input(text: str = PLAN) -> PlanInput:
    return samples.plan_input(text.encode(), PLANFILE)


# The issues of these tests: issue n of demo/plans has the id 100_000 + n.
issue = partial(remote_issue, repo_url=REPO_URL, id_base=100_000)


def link(key: str, number: int) -> tuple[TaskRef, Link]:
    ref = TaskRef(PLANFILE, key)
    return ref, Link(ref, number, 1000 + number, f"https://github.com/demo/plans/issues/{number}")


def milestone(number: int, title: str, due: date | None = None) -> RemoteMilestone:
    return RemoteMilestone(
        number,
        500 + number,
        title,
        IssueState.OPEN,
        f"https://github.com/demo/plans/milestone/{number}",
        "",
        due,
    )


PHASE_1 = "Phase 1: Build (due 2026-11-01)"
PHASE_2 = "Phase 2: Ship"


def synced(findings: Findings | None = None, **changes: Any) -> Any:
    """Every task linked to issue 10 + n, T3 dropped, two untracked issues in phase 1."""
    links = dict(link(f"T{n}", 10 + n) for n in range(1, 7))
    done, dropped = CloseReason.COMPLETED, CloseReason.NOT_PLANNED
    issues = {
        11: issue(11, "[T1] Write the API", state_reason=done, milestone_title=PHASE_1),
        12: issue(12, "[T2] Write the UI", milestone_title=PHASE_1),
        13: issue(13, "[T3] Old idea", state_reason=dropped, milestone_title=PHASE_1),
        14: issue(14, "[T4] Release notes", milestone_title=PHASE_2),
        15: issue(15, "[T5] Announce", state_reason=done, milestone_title=PHASE_2),
        16: issue(16, "[T6] Tidy up"),
        40: issue(40, "Found | a bug -->", milestone_title=PHASE_1),
        41: issue(41, "Done elsewhere", state_reason=done, milestone_title=PHASE_2),
        42: issue(42, "Another milestone", milestone_title="Elsewhere"),
    }
    remote = RemoteSnapshot(issues, [milestone(1, PHASE_1), milestone(2, PHASE_2)])
    known = Known(links, remote, findings or Findings(), TODAY)
    return compute(plan_input(), project(**changes), known)


class TestProgress:
    def test_overall_counts_done_over_open_and_done_with_dropped_apart(self) -> None:
        figures = synced()
        assert figures.overall == Progress(
            done=2,
            total=5,
            dropped=1,
            effort_done=Effort(210, 210),
            effort_total=Effort(330, 450),
        )
        assert figures.overall.percent == 40
        assert figures.states == {TaskState.DONE: 2, TaskState.OPEN: 3, TaskState.DROPPED: 1}

    def test_milestone_rows_in_plan_order_with_due_date_overdue_and_url(self) -> None:
        rows = synced().milestones
        assert [r.title for r in rows] == [PHASE_1, PHASE_2, NO_MILESTONE]
        first, second, other = rows
        assert (first.progress.done, first.progress.total, first.progress.dropped) == (1, 2, 1)
        assert first.due_on == date(2026, 11, 1)
        assert first.overdue  # due before today, a task left
        assert first.url == "https://github.com/demo/plans/milestone/1"
        assert (second.progress.done, second.progress.total) == (1, 2)
        assert second.due_on is None
        assert not second.overdue
        assert second.progress.effort_total == Effort(30, 30)
        assert other.url is None
        assert other.progress.total == 1

    def test_a_milestone_whose_tasks_are_all_done_is_not_overdue(self) -> None:
        text = "# P\n\n## Phase 1 (due 2020-01-01)\n\n- [x] T1: Done\n"
        figures = compute(
            plan_input(text), project(), Known({}, RemoteSnapshot({}, []), Findings(), TODAY)
        )
        (row,) = figures.milestones
        assert row.due_on == date(2020, 1, 1)
        assert not row.overdue

    def test_the_tracker_due_date_is_used_when_the_heading_has_none(self) -> None:
        text = "# P\n\n## Phase 1\n\n- [ ] T1: Open\n"
        remote = RemoteSnapshot({}, [milestone(1, "Phase 1", date(2027, 1, 1))])
        figures = compute(plan_input(text), project(), Known({}, remote, Findings(), TODAY))
        assert figures.milestones[0].due_on == date(2027, 1, 1)
        assert not figures.milestones[0].overdue

    def test_no_estimates_means_no_effort(self) -> None:
        text = "# P\n\n- [ ] T1: One\n- [x] T2: Two\n"
        figures = compute(
            plan_input(text), project(), Known({}, RemoteSnapshot({}, []), Findings(), TODAY)
        )
        assert figures.overall == Progress(1, 2)
        assert figures.milestones == ()


class TestCoverage:
    def test_all_synced_tasks_linked_and_the_criterion_excluded(self) -> None:
        coverage = synced().coverage
        assert (coverage.linked, coverage.total) == (6, 7)
        (criterion,) = coverage.missing
        assert criterion.unlinked is Unlinked.EXCLUDED
        assert criterion.title == "Everything works"

    def test_why_a_task_is_not_linked(self) -> None:
        text = "# P\n\n- [ ] T1: One\n- [ ] T2: Two\n- [ ] T3: Three\n"
        links = dict([link("T1", 11)])
        failures = Findings(failures=(Failure(TaskRef(PLANFILE, "T2"), "422: invalid"),))
        known = Known(links, RemoteSnapshot({}, []), failures, TODAY)
        figures = compute(plan_input(text), project(), known)
        reasons = {t.key: (t.unlinked, t.detail) for t in figures.coverage.missing}
        assert reasons == {
            "T1": (Unlinked.GONE, "#11"),
            "T2": (Unlinked.FAILED, "422: invalid"),
            "T3": (Unlinked.PENDING, ""),
        }
        pulled = compute(plan_input(text), project(direction="pull"), known)
        assert {t.key: t.unlinked for t in pulled.coverage.missing}["T3"] is Unlinked.PULL

    def test_linked_tasks_carry_their_issue(self) -> None:
        first = synced().tasks[0]
        assert (first.number, first.url) == (11, "https://github.com/demo/plans/issues/11")
        assert first.milestone == PHASE_1
        assert first.state is TaskState.DONE


class TestUntrackedAndDrift:
    def test_untracked_issues_are_those_of_the_plans_milestones_no_task_claims(self) -> None:
        untracked = synced().untracked
        assert [(u.number, u.open, u.milestone) for u in untracked] == [
            (40, True, PHASE_1),
            (41, False, PHASE_2),
        ]
        assert untracked[0].title == "Found | a bug -->"

    def test_claimed_issues_are_not_untracked(self) -> None:
        links = dict(link(f"T{n}", 10 + n) for n in range(1, 7))
        remote = RemoteSnapshot(
            {40: issue(40, "Tracking", milestone_title=PHASE_1)}, [milestone(1, PHASE_1)]
        )
        figures = compute(plan_input(), project(), Known(links, remote, Findings(), TODAY, {40}))
        assert figures.untracked == ()

    def test_drift_lists_conflicts_not_planned_and_gone_issues(self) -> None:
        conflict = Conflict(
            TaskRef(PLANFILE, "T2"), "title", "Write the UI", "Write the GUI", "the plan's kept"
        )
        elsewhere = Conflict(TaskRef("plans/q.md", "T9"), "state", "open", "done", "x")
        drift = synced(Findings(conflicts=(conflict, elsewhere))).drift
        assert [(d.kind, d.task.key) for d in drift] == [
            (DriftKind.CONFLICT, "T2"),
            (DriftKind.NOT_PLANNED, "T3"),
        ]
        assert (drift[0].plan_value, drift[0].tracker_value) == ("Write the UI", "Write the GUI")

    def test_a_conflict_on_a_task_since_renamed_still_shows_its_key(self) -> None:
        conflict = Conflict(TaskRef(PLANFILE, "gone-key"), "title", "a", "b", "kept")
        (first, *_) = synced(Findings(conflicts=(conflict,))).drift
        assert first.task.key == "gone-key"
        assert first.task.title == "gone-key"


def test_a_mis_encoded_planfile_gets_ascii_only_figures() -> None:
    text = "# Plan 🚀\n\n- [ ] T1: Ship ✅\n"
    mojibake = text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
    document = parse_plan(mojibake, Path(PLANFILE), ReaderRules())
    assert document.encoding.mojibake is not None
    plan = PlanInput(PLANFILE, document, tuple(text.splitlines()))
    figures = compute(plan, project(), Known({}, RemoteSnapshot({}, []), Findings(), TODAY))
    assert figures.ascii_only
    assert not compute(
        plan_input(text), project(), Known({}, RemoteSnapshot({}, []), Findings(), TODAY)
    ).ascii_only
