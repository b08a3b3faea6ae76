"""What went away: tasks gone from their planfile, planfiles gone from the project, issues gone
from the tracker. Pure functions, no tracker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from plansync.model.changeset import CloseIssue
from plansync.model.remote import IssueState, RemoteIssue
from plansync.model.sync import Known, Link, PlanInput, RemoteSnapshot, TaskRef
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.removed import gone_issue_message, removed_task_actions

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
KEPT = "plans/kept.md"
GONE = "plans/gone.md"


def plan(text: str, planfile: str = KEPT) -> PlanInput:
    document = parse_plan(text.encode(), Path(planfile), ReaderRules())
    return PlanInput(planfile, document, tuple(text.splitlines()))


def issue(number: int, state: IssueState = IssueState.OPEN) -> RemoteIssue:
    return RemoteIssue(number, 900 + number, f"u/{number}", f"#{number}", "", state, WHEN, WHEN)


def link(planfile: str, key: str, number: int) -> Link:
    return Link(TaskRef(planfile, key), number, 900 + number, f"u/{number}")


KEPT_PLAN = plan("# Kept\n\n- [ ] KEEP-1: Stays (#1)\n")
LINKS = [
    link(KEPT, "KEEP-1", 1),
    link(GONE, "GONE-2", 4),
    link(GONE, "GONE-1", 3),
    link("plans/also-gone.md", "ALSO-1", 5),
]


def gone_files(
    close: bool, issues: dict[int, RemoteIssue] | None = None
) -> tuple[list[CloseIssue], list[str]]:
    tasks = [(KEPT_PLAN, task) for task in KEPT_PLAN.synced_tasks()]
    known = Known({lk.task: lk for lk in LINKS})
    remote = RemoteSnapshot(issues or {n: issue(n) for n in (1, 3, 4, 5)}, [])
    actions, notices = removed_task_actions(tasks, [KEPT_PLAN], known, remote, set(), close)
    assert all(isinstance(a, CloseIssue) for a in actions)
    return [a for a in actions if isinstance(a, CloseIssue)], [n.message for n in notices]


class TestPlanfileGone:
    def test_one_notice_per_planfile_names_it_and_its_open_issues(self) -> None:
        actions, notices = gone_files(close=False)

        assert actions == []
        assert notices == [
            "the plan file plans/also-gone.md is no longer among the project's plans (deleted, "
            "moved, or no longer matched by `plans`); its issue #5 stays open: put the file "
            'back, close them, or set `removed = "close"` to have plansync close them as not '
            "planned",
            "the plan file plans/gone.md is no longer among the project's plans (deleted, "
            "moved, or no longer matched by `plans`); its issues #3, #4 stay open: put the "
            'file back, close them, or set `removed = "close"` to have plansync close them as '
            "not planned",
        ]

    def test_removed_close_closes_each_open_issue_as_not_planned_with_a_comment(self) -> None:
        actions, notices = gone_files(close=True)

        assert notices == []
        assert [(a.task.key, a.number, a.not_planned, a.removed) for a in actions] == [
            ("GONE-1", 3, True, True),
            ("GONE-2", 4, True, True),
            ("ALSO-1", 5, True, True),
        ]
        assert actions[0].comment == (
            "plansync: the plan file `plans/gone.md` of the task `GONE-1` is no longer among the "
            "project's plans, so this issue is closed as not planned."
        )

    def test_issues_already_closed_or_gone_need_nothing(self) -> None:
        issues = {1: issue(1), 3: issue(3, IssueState.CLOSED), 4: issue(4, IssueState.CLOSED)}

        assert gone_files(close=False, issues=issues) == ([], [])
        assert gone_files(close=True, issues=issues) == ([], [])


class TestGoneIssueMessage:
    def test_with_both_directions_removing_the_reference_asks_for_a_new_issue(self) -> None:
        assert gone_issue_message(7, "both") == (
            "issue #7 was deleted or moved to another project: remove the task from the plan, "
            "or remove its `#7` reference so plansync makes a new issue for it"
        )

    @pytest.mark.parametrize("direction", ["push", "pull"])
    def test_otherwise_only_removing_the_task_is_offered(self, direction: str) -> None:
        assert gone_issue_message(7, direction) == (
            "issue #7 was deleted or moved to another project: remove the task from the plan "
            f"(with direction {direction} plansync makes no new issue for it)"
        )
