"""`reconcile`, the pure heart of a sync: planfiles + tracker snapshot + bases -> Changeset.

Every case is data: a small planfile parsed by the real reader, issues and links written by
hand, and the actions, conflicts, notices and bases the changeset must hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from builders import project, remote_issue
from plansync.config.project import ProjectConfig
from plansync.model.changeset import (
    Action,
    Changeset,
    CloseIssue,
    CreateIssue,
    CreateMilestone,
    EditPlan,
    EnsureLabels,
    LinkIssue,
    ReopenIssue,
    UpdateIssue,
    UpdateMilestone,
)
from plansync.model.plan import Task
from plansync.model.remote import CloseReason, IssueState, RemoteIssue, RemoteMilestone
from plansync.model.sync import (
    Fields,
    Known,
    Link,
    PlanInput,
    RemoteSnapshot,
    TaskRef,
    TaskState,
    plan_state,
)
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.body import render_body_block
from plansync.sync.desired import body_spec, task_labels, tracker_title
from plansync.sync.planedit import apply_edits
from plansync.sync.reconcile import reconcile
from plansync.trackers.markers import marker_for

PLANFILE = "plans/p.md"
GITLAB = {"tracker": {"kind": "gitlab", "repo": "group/project"}}


def plan_input(text: str, planfile: str = PLANFILE) -> PlanInput:
    document = parse_plan(text.encode(), Path(planfile), ReaderRules())
    lines = tuple(line.rstrip("\r\n") for line in split_text_lines(text))
    return PlanInput(planfile, document, lines)


def ref(key: str, planfile: str = PLANFILE) -> TaskRef:
    return TaskRef(planfile, key)


# Tracker states as (state, close reason); CLOSED is how GitLab reads back any closed issue.
OPEN = (IssueState.OPEN, None)
DONE = (IssueState.CLOSED, CloseReason.COMPLETED)
DROPPED = (IssueState.CLOSED, CloseReason.NOT_PLANNED)
CLOSED = (IssueState.CLOSED, None)


def remote_milestone(number: int, title: str, due_on: date | None = None) -> RemoteMilestone:
    return RemoteMilestone(
        number=number,
        id=500 + number,
        title=title,
        state=IssueState.OPEN,
        url=f"https://github.com/demo/plans/milestone/{number}",
        due_on=due_on,
    )


def marked_issue(number: int, owner: TaskRef, title: str = "Some issue") -> RemoteIssue:
    return remote_issue(number, title, body=f"Text by a person.\n\n{marker_for(owner)}\n")


def link(task: TaskRef, number: int, base: Fields | None = None) -> Link:
    return Link(task, number, 1000 + number, f"https://github.com/demo/plans/issues/{number}", base)


def synced_fields(
    plan: PlanInput, task: Task, numbers: Mapping[str, int], config: ProjectConfig
) -> Fields:
    """What plansync puts on the issue of a task: the values a fully synced issue holds."""
    deps = {d: numbers[d] for d in task.depends_on if d in numbers}
    return Fields(
        title=task.title,
        state=plan_state(task, plan.struck(task)),
        milestone=task.milestone,
        labels=task_labels(task, config.labels),
        estimate=task.estimate.minutes if task.estimate else None,
        body=render_body_block(body_spec(plan, task), deps),
        from_mention=task.from_mention,
    )


def tracker_state(state: TaskState) -> tuple[IssueState, CloseReason | None]:
    return {TaskState.OPEN: OPEN, TaskState.DONE: DONE, TaskState.DROPPED: DROPPED}[state]


@dataclass
class World:
    """A planfile with its issues, milestones and links, as one run finds them."""

    text: str
    plan: PlanInput
    issues: dict[int, RemoteIssue]
    links: dict[TaskRef, Link]
    milestones: list[RemoteMilestone]
    labels: set[str]

    def run(
        self,
        config: ProjectConfig | None = None,
        *,
        reasons: bool = True,
        plans: tuple[PlanInput, ...] | None = None,
    ) -> Changeset:
        return reconcile(
            plans or (self.plan,),
            RemoteSnapshot(self.issues, self.milestones),
            Known(self.links, frozenset(self.labels)),
            config or project(),
            reasons=reasons,
        )


def in_step(text: str, numbers: Mapping[str, int], config: ProjectConfig | None = None) -> World:
    """A world where the tasks named in `numbers` are linked to their issues and in step."""
    config = config or project()
    plan = plan_input(text)
    issues: dict[int, RemoteIssue] = {}
    links: dict[TaskRef, Link] = {}
    labels: set[str] = set()
    titles = dict.fromkeys(t.milestone for t in plan.synced_tasks() if t.milestone)
    milestones = [remote_milestone(n, title) for n, title in enumerate(titles, start=1)]
    for task in plan.synced_tasks():
        labels.update(task_labels(task, config.labels))
        if task.key not in numbers:
            continue
        number = numbers[task.key]
        fields = synced_fields(plan, task, numbers, config)
        state, reason = tracker_state(fields.state)
        issues[number] = remote_issue(
            number,
            tracker_title(task),
            state=state,
            state_reason=reason,
            body=fields.body,
            labels=fields.labels,
            milestone_number=None if fields.milestone is None else 1,
            milestone_title=fields.milestone,
            estimate_minutes=fields.estimate,
        )
        links[ref(task.key)] = link(ref(task.key), number, fields)
    return World(text, plan, issues, links, milestones, labels)


def after_apply(world: World, changeset: Changeset, reasons: bool = True) -> World:
    """The world once every action of `changeset` applied: the plan edited by the real
    editor, the issues changed as the tracker would, each base moved to where it settles."""
    edits = apply_edits(world.text.encode(), Path(PLANFILE), ReaderRules(), changeset.plan_edits)
    assert edits.failed == ()
    issues = dict(world.issues)
    for action in changeset.tracker_actions:
        match action:
            case CloseIssue():
                reason = CloseReason.NOT_PLANNED if action.not_planned else CloseReason.COMPLETED
                issue = issues[action.number]
                issues[action.number] = replace(
                    issue, state=IssueState.CLOSED, state_reason=reason if reasons else None
                )
            case ReopenIssue():
                issue = issues[action.number]
                issues[action.number] = replace(issue, state=IssueState.OPEN, state_reason=None)
            case UpdateIssue():
                issues[action.number] = _updated(issues[action.number], action)
            case _:
                raise AssertionError(f"not simulated here: {action!r}")
    links = dict(world.links)
    for task, update in changeset.bases.items():
        links[task] = replace(links[task], base=update.after)
    text = edits.data.decode()
    return World(text, plan_input(text), issues, links, world.milestones, world.labels)


def _updated(issue: RemoteIssue, action: UpdateIssue) -> RemoteIssue:
    changes: dict[str, Any] = {}
    if action.tracker_title is not None:
        changes["title"] = action.tracker_title
    if action.labels is not None:
        changes["labels"] = action.labels
    if action.milestone is not None or action.clear_milestone:
        changes["milestone_title"] = action.milestone
    if action.assignees is not None:
        changes["assignees"] = action.assignees
    if action.set_estimate:
        changes["estimate_minutes"] = action.estimate
    if action.body is not None:
        changes["body"] = action.body
    return replace(issue, **changes)


def brief(action: Action) -> tuple[object, ...]:
    """An action in a few words, for tables of expected changesets."""
    match action:
        case CloseIssue():
            reason = "not planned" if action.not_planned else "completed"
            return ("close", action.number, reason)
        case ReopenIssue():
            return ("reopen", action.number)
        case EditPlan():
            return (action.kind.value, action.task.key, action.value)
        case UpdateIssue():
            return ("update", action.number, action.changed)
        case CreateIssue():
            return ("create", action.task.key)
        case LinkIssue():
            return ("link", action.task.key, action.number)
        case EnsureLabels():
            return ("labels", action.names)
        case CreateMilestone():
            return ("milestone", action.title, action.due_on)
        case UpdateMilestone():
            return ("milestone-due", action.number, action.due_on)
    raise AssertionError(f"unexpected action {action!r}")


def briefs(changeset: Changeset) -> list[tuple[object, ...]]:
    return [brief(a) for a in changeset.actions]


def conflicts(changeset: Changeset) -> list[tuple[str, str]]:
    return [(c.field, c.resolution) for c in changeset.conflicts]


PLAN_WINS = "the plan's value wins"
TRACKER_WINS = "the tracker's value wins"


def one_task(line: str) -> str:
    return f"# Plan\n\n## Milestone 1\n\n{line}\n"


# ------------------------------------------------------------------------------------------
# State: plan, tracker and base.


def state_line(state: TaskState) -> str:
    mark = "x" if state is TaskState.DONE else " "
    title = "~~Write the spec~~" if state is TaskState.DROPPED else "Write the spec"
    return f"- [{mark}] FIX-1: {title} (#1)"


@dataclass(frozen=True)
class StateCase:
    plan: TaskState
    tracker: tuple[IssueState, CloseReason | None]
    base: TaskState | None
    actions: list[tuple[object, ...]]
    settled: TaskState  # the base's state once all actions applied
    conflicts: list[tuple[str, str]]
    notice: str | None = None  # a phrase one of the notices must hold
    config: Mapping[str, Any] | None = None
    reasons: bool = True


P_OPEN, P_DONE, P_DROPPED = TaskState.OPEN, TaskState.DONE, TaskState.DROPPED
CLOSE = ("close", 1, "completed")
CLOSE_NOT_PLANNED = ("close", 1, "not planned")
REOPEN = ("reopen", 1)
TICK = ("tick", "FIX-1", "")
UNTICK = ("untick", "FIX-1", "")
STRIKE = ("strike", "FIX-1", "Write the spec")
UNSTRIKE = ("unstrike", "FIX-1", "Write the spec")

STATE_CASES = {
    # nothing changed
    "unchanged-open": StateCase(P_OPEN, OPEN, P_OPEN, [], P_OPEN, []),
    "unchanged-done": StateCase(P_DONE, DONE, P_DONE, [], P_DONE, []),
    "unchanged-dropped": StateCase(P_DROPPED, DROPPED, P_DROPPED, [], P_DROPPED, []),
    # changed in the plan: pushed
    "plan-ticked": StateCase(P_DONE, OPEN, P_OPEN, [CLOSE], P_DONE, []),
    "plan-struck": StateCase(P_DROPPED, OPEN, P_OPEN, [CLOSE_NOT_PLANNED], P_DROPPED, []),
    "plan-unticked": StateCase(P_OPEN, DONE, P_DONE, [REOPEN], P_OPEN, []),
    "plan-unstruck": StateCase(P_OPEN, DROPPED, P_DROPPED, [REOPEN], P_OPEN, []),
    # changed on the tracker: pulled
    "tracker-closed": StateCase(P_OPEN, DONE, P_OPEN, [TICK], P_DONE, []),
    "tracker-not-planned": StateCase(P_OPEN, DROPPED, P_OPEN, [STRIKE], P_DROPPED, []),
    "tracker-reopened": StateCase(P_DONE, OPEN, P_DONE, [UNTICK], P_OPEN, []),
    "tracker-reopened-dropped": StateCase(P_DROPPED, OPEN, P_DROPPED, [UNSTRIKE], P_OPEN, []),
    "tracker-dropped-a-done-task": StateCase(
        P_DONE, DROPPED, P_DONE, [STRIKE, UNTICK], P_DROPPED, []
    ),
    # both sides changed the same way: nothing to do, no conflict
    "both-closed": StateCase(P_DONE, DONE, P_OPEN, [], P_DONE, []),
    "both-reopened": StateCase(P_OPEN, OPEN, P_DONE, [], P_OPEN, []),
    # both changed differently: the policy decides and a conflict is reported
    "conflict-close-wins-plan-closed": StateCase(
        P_DONE, OPEN, P_DROPPED, [CLOSE], P_DONE, [("state", PLAN_WINS)]
    ),
    "conflict-close-wins-tracker-closed": StateCase(
        P_OPEN, DROPPED, P_DONE, [STRIKE], P_DROPPED, [("state", TRACKER_WINS)]
    ),
    "conflict-close-wins-both-closed": StateCase(
        P_DONE, DROPPED, P_OPEN, [CLOSE], P_DONE, [("state", PLAN_WINS)]
    ),
    "conflict-policy-plan": StateCase(
        P_OPEN,
        DROPPED,
        P_DONE,
        [REOPEN],
        P_OPEN,
        [("state", PLAN_WINS)],
        config={"conflicts": {"state": "plan"}},
    ),
    "conflict-policy-tracker": StateCase(
        P_DONE,
        OPEN,
        P_DROPPED,
        [UNTICK],
        P_OPEN,
        [("state", TRACKER_WINS)],
        config={"conflicts": {"state": "tracker"}},
    ),
    "conflict-policy-tracker-both-closed": StateCase(
        P_DONE,
        DROPPED,
        P_OPEN,
        [STRIKE, UNTICK],
        P_DROPPED,
        [("state", TRACKER_WINS)],
        config={"conflicts": {"state": "tracker"}},
    ),
    # no base (first link): any difference goes to the policy, reported as a notice
    "no-base-agree": StateCase(P_DONE, DONE, None, [], P_DONE, []),
    "no-base-plan-closed": StateCase(P_DONE, OPEN, None, [CLOSE], P_DONE, [], "first sync"),
    "no-base-tracker-closed": StateCase(P_OPEN, DONE, None, [TICK], P_DONE, [], "first sync"),
    "no-base-policy-plan": StateCase(
        P_OPEN, DONE, None, [REOPEN], P_OPEN, [], "first sync", {"conflicts": {"state": "plan"}}
    ),
    # directions: push never writes the plan, pull never writes the tracker
    "push-plan-ticked": StateCase(
        P_DONE, OPEN, P_OPEN, [CLOSE], P_DONE, [], None, {"direction": "push"}
    ),
    "push-tracker-closed": StateCase(
        P_OPEN, DONE, P_OPEN, [], P_OPEN, [], "not pulled", {"direction": "push"}
    ),
    "push-conflict-tracker-wins": StateCase(
        P_OPEN,
        DROPPED,
        P_DONE,
        [],
        P_DONE,
        [("state", TRACKER_WINS)],
        None,
        {"direction": "push", "conflicts": {"state": "tracker"}},
    ),
    "pull-tracker-closed": StateCase(
        P_OPEN, DONE, P_OPEN, [TICK], P_DONE, [], None, {"direction": "pull"}
    ),
    "pull-plan-ticked": StateCase(
        P_DONE, OPEN, P_OPEN, [], P_OPEN, [], "not pushed", {"direction": "pull"}
    ),
    "no-base-push-tracker-wins": StateCase(
        P_DONE,
        OPEN,
        None,
        [],
        P_DONE,
        [],
        "first sync",
        {"direction": "push", "conflicts": {"state": "tracker"}},
    ),
    "no-base-pull-plan-wins": StateCase(
        P_DONE, OPEN, None, [], P_OPEN, [], "first sync", {"direction": "pull"}
    ),
    "pull-conflict-plan-wins": StateCase(
        P_DONE,
        OPEN,
        P_DROPPED,
        [],
        P_DROPPED,
        [("state", PLAN_WINS)],
        None,
        {"direction": "pull"},
    ),
    # GitLab keeps no close reason: a dropped task's issue reads back as plainly closed
    "gitlab-dropped-reads-closed": StateCase(
        P_DROPPED, CLOSED, P_DROPPED, [], P_DROPPED, [], None, GITLAB, reasons=False
    ),
    "github-same-input-reads-done": StateCase(
        P_DROPPED, CLOSED, P_DROPPED, [UNSTRIKE, TICK], P_DONE, []
    ),
    "gitlab-plan-struck": StateCase(
        P_DROPPED, OPEN, P_OPEN, [CLOSE_NOT_PLANNED], P_DROPPED, [], None, GITLAB, reasons=False
    ),
    "gitlab-plan-ticked": StateCase(
        P_DONE, OPEN, P_OPEN, [CLOSE], P_DONE, [], None, GITLAB, reasons=False
    ),
    "gitlab-tracker-closed": StateCase(
        P_OPEN, CLOSED, P_OPEN, [TICK], P_DONE, [], None, GITLAB, reasons=False
    ),
    "gitlab-done-task-struck": StateCase(
        P_DROPPED, CLOSED, P_DONE, [], P_DROPPED, [], None, GITLAB, reasons=False
    ),
}


class TestStateThreeWay:
    @pytest.mark.parametrize("case", list(STATE_CASES.values()), ids=list(STATE_CASES))
    def test_state(self, case: StateCase) -> None:
        config = project(**(case.config or {}))
        world = in_step(one_task(state_line(case.plan)), {"FIX-1": 1}, config)
        task = ref("FIX-1")
        world.issues[1] = replace(
            world.issues[1], state=case.tracker[0], state_reason=case.tracker[1]
        )
        synced = world.links[task].base
        assert synced is not None
        base = None if case.base is None else replace(synced, state=case.base)
        world.links[task] = replace(world.links[task], base=base)

        changeset = world.run(config, reasons=case.reasons)

        assert briefs(changeset) == case.actions
        assert conflicts(changeset) == case.conflicts
        assert changeset.bases[task].before == base
        assert changeset.bases[task].after.state is case.settled
        notices = [n.message for n in changeset.notices]
        if case.notice is None:
            assert notices == []
        else:
            assert any(case.notice in n for n in notices), notices
        # Once applied, the next run has nothing left to do: the policy's choice holds.
        assert (
            briefs(after_apply(world, changeset, case.reasons).run(config, reasons=case.reasons))
            == []
        )


# ------------------------------------------------------------------------------------------
# Titles: plan, tracker and base.


@dataclass(frozen=True)
class TitleCase:
    plan: str
    tracker: str  # the issue's title as the tracker has it
    base: str | None
    actions: list[tuple[object, ...]]
    settled: str  # the base's title once all actions applied
    conflicts: list[tuple[str, str]]
    notice: str | None = None
    config: Mapping[str, Any] | None = None
    pushed: str | None = None  # the issue title an UpdateIssue writes


RENAME = ("update", 1, ("title",))


def retitle(title: str) -> tuple[object, ...]:
    return ("retitle", "FIX-1", title)


TITLE_CASES = {
    "unchanged": TitleCase("Old", "[FIX-1] Old", "Old", [], "Old", []),
    "plan-renamed": TitleCase(
        "New", "[FIX-1] Old", "Old", [RENAME], "New", [], pushed="[FIX-1] New"
    ),
    "tracker-renamed": TitleCase("Old", "[FIX-1] New", "Old", [retitle("New")], "New", []),
    "tracker-renamed-prefix-lost": TitleCase(
        "Old", "New", "Old", [RENAME, retitle("New")], "New", [], pushed="[FIX-1] New"
    ),
    "prefix-lost-same-words": TitleCase(
        "Old", "Old", "Old", [RENAME], "Old", [], pushed="[FIX-1] Old"
    ),
    "both-renamed-alike": TitleCase("New", "[FIX-1] New", "Old", [], "New", []),
    "conflict-policy-plan": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [RENAME],
        "Mine",
        [("title", PLAN_WINS)],
        pushed="[FIX-1] Mine",
    ),
    "conflict-policy-tracker": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [retitle("Theirs")],
        "Theirs",
        [("title", TRACKER_WINS)],
        config={"conflicts": {"text": "tracker"}},
    ),
    "no-base-plan-wins": TitleCase(
        "Mine", "[FIX-1] Theirs", None, [RENAME], "Mine", [], "first sync", pushed="[FIX-1] Mine"
    ),
    "no-base-tracker-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        None,
        [retitle("Theirs")],
        "Theirs",
        [],
        "first sync",
        {"conflicts": {"text": "tracker"}},
    ),
    "push-plan-renamed": TitleCase(
        "New", "[FIX-1] Old", "Old", [RENAME], "New", [], None, {"direction": "push"}, "[FIX-1] New"
    ),
    # push never writes the plan; a title changed on the tracker alone is left there
    "push-tracker-renamed": TitleCase(
        "Old", "[FIX-1] New", "Old", [], "Old", [], "not pulled", {"direction": "push"}
    ),
    "push-conflict-plan-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [RENAME],
        "Mine",
        [("title", PLAN_WINS)],
        None,
        {"direction": "push"},
        "[FIX-1] Mine",
    ),
    "push-conflict-tracker-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [],
        "Old",
        [("title", TRACKER_WINS)],
        None,
        {"direction": "push", "conflicts": {"text": "tracker"}},
    ),
    "pull-tracker-renamed": TitleCase(
        "Old", "[FIX-1] New", "Old", [retitle("New")], "New", [], None, {"direction": "pull"}
    ),
    "pull-plan-renamed": TitleCase(
        "New", "[FIX-1] Old", "Old", [], "Old", [], "not pushed", {"direction": "pull"}
    ),
    # pull never writes the tracker: the plan wins, so nothing moves, and the base stays
    "no-base-push-tracker-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        None,
        [],
        "Mine",
        [],
        "first sync",
        {"direction": "push", "conflicts": {"text": "tracker"}},
    ),
    "no-base-pull-plan-wins": TitleCase(
        "Mine", "[FIX-1] Theirs", None, [], "Theirs", [], "first sync", {"direction": "pull"}
    ),
    "pull-conflict-plan-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [],
        "Old",
        [("title", PLAN_WINS)],
        None,
        {"direction": "pull"},
    ),
    "pull-conflict-tracker-wins": TitleCase(
        "Mine",
        "[FIX-1] Theirs",
        "Old",
        [retitle("Theirs")],
        "Theirs",
        [("title", TRACKER_WINS)],
        None,
        {"direction": "pull", "conflicts": {"text": "tracker"}},
    ),
}


class TestTitleThreeWay:
    @pytest.mark.parametrize("case", list(TITLE_CASES.values()), ids=list(TITLE_CASES))
    def test_title(self, case: TitleCase) -> None:
        config = project(**(case.config or {}))
        world = in_step(one_task(f"- [ ] FIX-1: {case.plan} (#1)"), {"FIX-1": 1}, config)
        task = ref("FIX-1")
        world.issues[1] = replace(world.issues[1], title=case.tracker)
        synced = world.links[task].base
        assert synced is not None
        base = None if case.base is None else replace(synced, title=case.base)
        world.links[task] = replace(world.links[task], base=base)

        changeset = world.run(config)

        assert briefs(changeset) == case.actions
        assert conflicts(changeset) == case.conflicts
        assert changeset.bases[task].after.title == case.settled
        updates = [a for a in changeset.actions if isinstance(a, UpdateIssue)]
        assert [u.tracker_title for u in updates] == ([case.pushed] if case.pushed else [])
        notices = [n.message for n in changeset.notices]
        if case.notice is None:
            assert notices == []
        else:
            assert any(case.notice in n for n in notices), notices
        # Once applied, the next run has nothing left to do: the policy's choice holds.
        assert briefs(after_apply(world, changeset).run(config)) == []

    def test_a_retitle_edit_names_the_title_it_replaces(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Old (#1)"), {"FIX-1": 1})
        world.issues[1] = replace(world.issues[1], title="[FIX-1] New")

        (edit,) = world.run().plan_edits

        assert (edit.value, edit.old) == ("New", "Old")


# ------------------------------------------------------------------------------------------
# A plan in step with its tracker: nothing to do.

RICH = """# Launch

## Phase 1: Build (due 2026-12-01)

- [x] FIX-1: Set up CI (#1)
- [ ] FIX-2: Deploy (#2)
  - Depends on: FIX-1
  - Estimate: 90min
- FIX-3: Plain ID item (#3)

| ID | Task           | Status | Issue | Priority | Estimate | Group |
|----|----------------|--------|-------|----------|----------|-------|
| T1 | Write the docs | todo   | #4    | high     | 2h       | docs  |

## Phase 2: Polish

- [ ] ~~Drop the old API~~ (#5)
"""
RICH_NUMBERS = {"FIX-1": 1, "FIX-2": 2, "FIX-3": 3, "T1": 4, "phase-2-polish/drop-the-old-api": 5}


class TestInStep:
    def test_a_synced_plan_needs_no_action_no_notice_and_keeps_its_bases(self) -> None:
        world = in_step(RICH, RICH_NUMBERS)
        world.milestones[0] = replace(world.milestones[0], due_on=date(2026, 12, 1))

        changeset = world.run()

        assert changeset.is_empty()
        assert changeset.notices == []
        assert changeset.conflicts == []
        assert {t: (u.before == u.after) for t, u in changeset.bases.items()} == {
            ref(key): True for key in RICH_NUMBERS
        }

    def test_every_task_of_the_plan_is_read(self) -> None:
        keys = [t.key for t in plan_input(RICH).synced_tasks()]
        assert keys == list(RICH_NUMBERS)


# ------------------------------------------------------------------------------------------
# Links: the state store's link, else the issue carrying the task's marker, else an issue the
# plan references, else a new issue.

LINKING = one_task("- [ ] FIX-1: Write the spec (#5)")
FIX1 = ref("FIX-1")
FIX2 = ref("FIX-2")


def linking_run(
    issues: list[RemoteIssue],
    links: Mapping[TaskRef, Link] | None = None,
    text: str = LINKING,
    config: ProjectConfig | None = None,
) -> Changeset:
    return reconcile(
        [plan_input(text)],
        RemoteSnapshot({i.number: i for i in issues}, []),
        Known(links or {}, frozenset({"plansync"})),
        config or project(),
    )


CREATE = project(missing_reference="create")


def linked(changeset: Changeset) -> list[tuple[str, int]]:
    return [(a.task.key, a.number) for a in changeset.actions if isinstance(a, LinkIssue)]


def created(changeset: Changeset) -> list[str]:
    return [a.task.key for a in changeset.actions if isinstance(a, CreateIssue)]


def synced_numbers(changeset: Changeset) -> dict[str, int]:
    """The issue each linked task was synced with this run (from its update or its edits)."""
    numbers: dict[str, int] = {}
    for action in changeset.actions:
        match action:
            case UpdateIssue() | CloseIssue() | ReopenIssue():
                numbers[action.task.key] = action.number
            case EditPlan(value=value) if value.startswith("#"):
                numbers[action.task.key] = int(value[1:])
    return numbers


class TestLinkResolution:
    def test_the_state_store_link_comes_first(self) -> None:
        issues = [
            remote_issue(3, "[FIX-1] Write the spec"),
            marked_issue(4, FIX1),
            remote_issue(5, "Referenced"),
        ]
        changeset = linking_run(issues, {FIX1: link(FIX1, 3)})

        assert linked(changeset) == []
        assert created(changeset) == []
        assert synced_numbers(changeset) == {"FIX-1": 3}
        assert FIX1 in changeset.bases

    def test_the_marker_comes_before_the_plan_reference(self) -> None:
        issues = [marked_issue(4, FIX1), remote_issue(5, "Referenced")]
        changeset = linking_run(issues)

        assert linked(changeset) == [("FIX-1", 4)]
        (action,) = [a for a in changeset.actions if isinstance(a, LinkIssue)]
        assert "marker" in action.why
        assert action.previous is None
        assert created(changeset) == []

    def test_the_plan_reference_comes_before_a_create(self) -> None:
        changeset = linking_run([remote_issue(5, "[FIX-1] Write the spec")])

        assert linked(changeset) == [("FIX-1", 5)]
        assert created(changeset) == []
        assert changeset.notices == []

    def test_with_nothing_to_link_an_issue_is_created(self) -> None:
        changeset = linking_run([], text=one_task("- [ ] FIX-1: Write the spec"))

        assert created(changeset) == ["FIX-1"]
        assert changeset.notices == []
        assert FIX1 not in changeset.bases  # a base comes with the link, after the create

    def test_a_reference_to_a_missing_issue_is_reported_and_creates_nothing(self) -> None:
        changeset = linking_run([remote_issue(6, "Another")])

        assert created(changeset) == []
        assert changeset.actions == []
        (notice,) = changeset.notices
        assert notice.task == FIX1
        assert notice.number == 5
        assert notice.message.startswith("plans/p.md:5: the task references #5, which the ")
        assert 'missing_reference = "create"' in notice.message

    def test_with_create_a_reference_to_a_missing_issue_creates_and_says_so(self) -> None:
        changeset = linking_run([remote_issue(6, "Another")], config=CREATE)

        assert created(changeset) == ["FIX-1"]
        (notice,) = changeset.notices
        assert notice.task == FIX1
        assert "#5" in notice.message
        (create,) = [a for a in changeset.actions if isinstance(a, CreateIssue)]
        assert create.why == "the referenced issue is missing"

    # A reference to another task's issue cannot be this task's: the person decides, as for a
    # missing one (creating at once would leave both references on the line).
    def test_a_reference_carrying_another_tasks_marker_is_not_used(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (#5)\n- [ ] FIX-2: Review it")
        changeset = linking_run([marked_issue(5, FIX2)], text=text)
        creating = linking_run([marked_issue(5, FIX2)], text=text, config=CREATE)

        assert linked(changeset) == [("FIX-2", 5)]
        assert created(changeset) == []
        (notice,) = changeset.notices
        assert "#5, which is the issue of task 'FIX-2'" in notice.message
        assert created(creating) == ["FIX-1"]

    def test_a_reference_linked_to_another_task_is_not_used(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (#5)\n- [ ] FIX-2: Review it (#5)")
        links = {FIX2: link(FIX2, 5)}
        changeset = linking_run([remote_issue(5, "[FIX-2] Review it")], links, text)
        creating = linking_run([remote_issue(5, "[FIX-2] Review it")], links, text, CREATE)

        assert linked(changeset) == []
        assert created(changeset) == []
        assert [n.task for n in changeset.notices] == [FIX1]
        assert created(creating) == ["FIX-1"]

    def test_two_tasks_referencing_one_issue_link_it_once(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (#5)\n- [ ] FIX-2: Review it (#5)")
        changeset = linking_run([remote_issue(5, "Shared")], text=text)
        creating = linking_run([remote_issue(5, "Shared")], text=text, config=CREATE)

        assert linked(changeset) == [("FIX-1", 5)]
        assert created(changeset) == []
        reported = [n.task for n in changeset.notices if "references #5" in n.message]
        assert reported == [FIX2]
        assert created(creating) == ["FIX-2"]

    def test_a_reference_to_another_repository_is_not_used(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (other/repo#5)")
        changeset = linking_run([remote_issue(5, "Same number, other repository")], text=text)

        assert linked(changeset) == []
        assert created(changeset) == ["FIX-1"]
        assert changeset.notices == []

    def test_a_reference_naming_this_repository_is_used(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (demo/plans#5)")
        changeset = linking_run([remote_issue(5, "Referenced")], text=text)

        assert linked(changeset) == [("FIX-1", 5)]

    def test_two_issues_with_one_marker_link_the_first_and_say_so(self) -> None:
        changeset = linking_run([marked_issue(7, FIX1), marked_issue(4, FIX1)])

        assert linked(changeset) == [("FIX-1", 4)]
        assert created(changeset) == []
        assert any("#7" in n.message and "#4" in n.message for n in changeset.notices)

    def test_direction_pull_creates_nothing(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec")
        changeset = linking_run([], text=text, config=project(direction="pull"))

        assert changeset.actions == []
        (notice,) = changeset.notices
        assert "pull" in notice.message

    def test_a_linked_task_without_its_reference_gets_one_in_the_plan(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Write the spec"), {"FIX-1": 3})

        assert briefs(world.run()) == [("link", "FIX-1", "#3")]
        assert briefs(world.run(project(direction="push"))) == []

    def test_a_first_link_syncs_what_differs_with_a_null_base(self) -> None:
        issue = remote_issue(5, "[FIX-1] Write the spec", labels=("bug",))
        changeset = linking_run([issue])

        (update,) = [a for a in changeset.actions if isinstance(a, UpdateIssue)]
        assert update.changed == ("milestone", "labels", "body")
        assert update.why.startswith("first sync")
        assert update.labels == ("bug", "plansync")
        assert marker_for(FIX1) in (update.body or "")
        assert changeset.bases[FIX1].before is None


class TestRenamedTask:
    def test_a_task_whose_title_changed_keeps_its_issue_through_its_reference(self) -> None:
        world = in_step(one_task("- [ ] Old title (#7)"), {"milestone-1/old-title": 7})
        old = ref("milestone-1/old-title")
        new = ref("milestone-1/new-title")
        plan = plan_input(one_task("- [ ] New title (#7)"))

        changeset = world.run(plans=(plan,))

        (relink,) = [a for a in changeset.actions if isinstance(a, LinkIssue)]
        assert (relink.task, relink.number, relink.previous) == (new, 7, old)
        assert created(changeset) == []
        assert changeset.bases[new].before == world.links[old].base
        assert changeset.bases[new].after.title == "New title"
        (update,) = [a for a in changeset.actions if isinstance(a, UpdateIssue)]
        assert (update.number, update.tracker_title) == (7, "New title")
        assert changeset.notices == []  # the old key is not reported as removed

    def test_a_renamed_task_without_its_reference_is_a_removal_and_a_new_task(self) -> None:
        world = in_step(one_task("- [ ] Old title (#7)"), {"milestone-1/old-title": 7})
        plan = plan_input(one_task("- [ ] New title"))

        changeset = world.run(plans=(plan,))

        assert linked(changeset) == []
        assert created(changeset) == ["milestone-1/new-title"]
        (notice,) = changeset.notices
        assert (notice.task, notice.number) == (ref("milestone-1/old-title"), 7)


class TestRemovedTask:
    TWO = one_task("- [ ] FIX-1: Write the spec (#1)\n- [ ] FIX-2: Review it (#2)")
    ONE = one_task("- [ ] FIX-1: Write the spec (#1)")

    def test_by_default_a_removed_task_is_reported_and_its_issue_left_open(self) -> None:
        world = in_step(self.TWO, {"FIX-1": 1, "FIX-2": 2})

        changeset = world.run(plans=(plan_input(self.ONE),))

        assert changeset.actions == []
        (notice,) = changeset.notices
        assert (notice.task, notice.number) == (FIX2, 2)
        assert "no longer in the plan" in notice.message

    def test_with_removed_close_its_issue_is_closed_as_not_planned(self) -> None:
        world = in_step(self.TWO, {"FIX-1": 1, "FIX-2": 2})

        changeset = world.run(project(removed="close"), plans=(plan_input(self.ONE),))

        (close,) = changeset.actions
        assert isinstance(close, CloseIssue)
        assert (close.task, close.number, close.not_planned, close.removed) == (FIX2, 2, True, True)
        assert "FIX-2" in (close.comment or "")
        assert PLANFILE in (close.comment or "")
        assert close.settles == ()
        assert changeset.notices == []

    def test_a_removed_task_whose_issue_is_closed_needs_nothing(self) -> None:
        world = in_step(self.TWO, {"FIX-1": 1, "FIX-2": 2})
        world.issues[2] = replace(world.issues[2], state=IssueState.CLOSED)

        changeset = world.run(project(removed="close"), plans=(plan_input(self.ONE),))

        assert changeset.actions == []
        assert changeset.notices == []

    def test_direction_pull_reports_instead_of_closing(self) -> None:
        world = in_step(self.TWO, {"FIX-1": 1, "FIX-2": 2})
        config = project(removed="close", direction="pull")

        changeset = world.run(config, plans=(plan_input(self.ONE),))

        assert changeset.actions == []
        assert [n.number for n in changeset.notices] == [2]

    def test_the_issues_of_a_planfile_gone_are_closed_as_removed_tasks_are(self) -> None:
        world = in_step(self.ONE, {"FIX-1": 1})
        elsewhere = ref("FIX-9", "plans/other.md")
        world.links[elsewhere] = link(elsewhere, 9)
        world.issues[9] = remote_issue(9, "[FIX-9] Elsewhere")

        changeset = world.run(project(removed="close"))

        (close,) = changeset.actions
        assert isinstance(close, CloseIssue)
        assert (close.task, close.number, close.not_planned, close.removed) == (
            elsewhere,
            9,
            True,
            True,
        )
        assert "plans/other.md" in (close.comment or "")
        assert changeset.notices == []


class TestDeletedIssue:
    def test_a_link_to_an_issue_gone_from_the_tracker_is_reported_never_recreated(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Write the spec (#1)"), {"FIX-1": 1})
        del world.issues[1]

        changeset = world.run()

        assert changeset.actions == []
        assert changeset.bases == {}
        (notice,) = changeset.notices
        assert (notice.task, notice.number) == (FIX1, 1)
        assert "issue #1 was deleted or moved" in notice.message
        assert "remove its `#1` reference so plansync makes a new issue" in notice.message

    def test_once_its_reference_is_removed_the_task_gets_a_new_issue(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Write the spec (#1)"), {"FIX-1": 1})
        del world.issues[1]

        changeset = world.run(plans=(plan_input(one_task("- [ ] FIX-1: Write the spec")),))

        assert briefs(changeset) == [("create", "FIX-1")]
        assert changeset.notices == []

    @pytest.mark.parametrize("direction", ["push", "pull"])
    def test_without_references_to_remove_nothing_is_made_again(self, direction: str) -> None:
        # push writes no `(#N)` into the plan, and pull makes no issue.
        world = in_step(one_task("- [ ] FIX-1: Write the spec"), {"FIX-1": 1})
        del world.issues[1]

        changeset = world.run(project(direction=direction))

        assert changeset.actions == []
        (notice,) = changeset.notices
        assert "remove the task from the plan" in notice.message
        assert f"with direction {direction} plansync makes no new issue" in notice.message


# ------------------------------------------------------------------------------------------
# Milestones and labels.

PHASES = """# Launch

## Phase 1: Build (due 2026-12-01)

- [ ] FIX-1: Set up CI

## Phase 2: Polish

- [ ] FIX-2: Tidy up

## Notes

- [ ] FIX-3: Outside any milestone
"""
BUILD = "Phase 1: Build (due 2026-12-01)"
POLISH = "Phase 2: Polish"


def milestone_run(
    milestones: list[RemoteMilestone], config: ProjectConfig | None = None
) -> Changeset:
    return reconcile(
        [plan_input(PHASES)],
        RemoteSnapshot({}, milestones),
        Known({}, frozenset({"plansync"})),
        config or project(),
    )


def milestone_actions(changeset: Changeset) -> list[tuple[object, ...]]:
    return [brief(a) for a in changeset.actions if isinstance(a, CreateMilestone | UpdateMilestone)]


class TestMilestones:
    def test_missing_milestones_are_created_with_the_due_date_their_heading_gives(self) -> None:
        changeset = milestone_run([])

        assert milestone_actions(changeset) == [
            ("milestone", BUILD, date(2026, 12, 1)),
            ("milestone", POLISH, None),
        ]
        assert changeset.found_milestones == []
        fields = {
            a.task.key: a.fields.milestone for a in changeset.actions if isinstance(a, CreateIssue)
        }
        assert fields == {"FIX-1": BUILD, "FIX-2": POLISH, "FIX-3": None}

    def test_a_milestone_found_by_title_is_linked_not_created(self) -> None:
        found = remote_milestone(4, POLISH)
        changeset = milestone_run([remote_milestone(3, "Phase 2"), found])

        assert milestone_actions(changeset) == [("milestone", BUILD, date(2026, 12, 1))]
        (link_found,) = changeset.found_milestones
        assert (link_found.title, link_found.number, link_found.milestone_id) == (POLISH, 4, 504)
        assert link_found.url == found.url

    def test_a_found_milestone_with_another_due_date_is_updated(self) -> None:
        changeset = milestone_run(
            [remote_milestone(3, BUILD, date(2026, 11, 1)), remote_milestone(4, POLISH)]
        )

        assert milestone_actions(changeset) == [("milestone-due", 3, date(2026, 12, 1))]

    def test_a_found_milestone_with_the_same_due_date_needs_nothing(self) -> None:
        changeset = milestone_run(
            [remote_milestone(3, BUILD, date(2026, 12, 1)), remote_milestone(4, POLISH)]
        )

        assert milestone_actions(changeset) == []
        assert [m.number for m in changeset.found_milestones] == [3, 4]

    def test_the_template_names_the_milestones(self) -> None:
        changeset = milestone_run([], project(milestone_template="{plan}: {section}"))

        assert milestone_actions(changeset) == [
            ("milestone", f"Launch: {BUILD}", date(2026, 12, 1)),
            ("milestone", f"Launch: {POLISH}", None),
        ]

    def test_direction_pull_makes_no_milestone(self) -> None:
        assert milestone_actions(milestone_run([], project(direction="pull"))) == []


class TestLabels:
    def test_missing_labels_are_ensured_once_sorted_and_only_those_not_known(self) -> None:
        text = (
            "# Plan\n\n## Milestone 1\n\n| ID | Task | Priority | Group |\n|---|---|---|---|\n"
            "| T1 | One | high | docs |\n| T2 | Two | high | ops |\n"
        )
        plan = plan_input(text)

        assert ensured(plan, set()) == [("Group: docs", "Group: ops", "plansync", "priority: high")]
        assert ensured(plan, {"plansync", "Group: docs"}) == [("Group: ops", "priority: high")]
        everything = {"plansync", "Group: docs", "Group: ops", "priority: high"}
        assert ensured(plan, everything) == []
        assert ensured(plan, set(), project(direction="pull")) == []

    def test_only_managed_labels_change_and_the_others_stay(self) -> None:
        row = "| T1 | Write the docs | todo | #4 | {priority} | {group} |"
        table = "| ID | Task | Status | Issue | Priority | Group |\n|---|---|---|---|---|---|\n"
        world = in_step(one_task(table + row.format(priority="high", group="docs")), {"T1": 4})
        by_hand = ("bug", "priority: critical")  # a person's labels, never plansync's
        issue = world.issues[4]
        world.issues[4] = replace(issue, labels=tuple(sorted(issue.labels + by_hand)))
        moved = plan_input(one_task(table + row.format(priority="low", group="ops")))

        changeset = world.run(plans=(moved,))

        (update,) = [a for a in changeset.actions if isinstance(a, UpdateIssue)]
        assert update.changed == ("labels", "body")
        assert update.labels == (
            "Group: ops",
            "bug",
            "plansync",
            "priority: critical",
            "priority: low",
        )
        assert changeset.bases[ref("T1")].after.labels == (
            "Group: ops",
            "plansync",
            "priority: low",
        )

    def test_a_managed_label_removed_on_the_tracker_is_put_back(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Write the spec (#1)"), {"FIX-1": 1})
        world.issues[1] = replace(world.issues[1], labels=("bug",))

        (update,) = world.run().actions

        assert isinstance(update, UpdateIssue)
        assert (update.changed, update.labels) == (("labels",), ("bug", "plansync"))

    def test_labels_are_not_pushed_in_direction_pull(self) -> None:
        world = in_step(one_task("- [ ] FIX-1: Write the spec (#1)"), {"FIX-1": 1})
        world.issues[1] = replace(world.issues[1], labels=("bug",))

        changeset = world.run(project(direction="pull"))

        assert changeset.actions == []
        assert changeset.bases[FIX1].after.labels == ()


def ensured(
    plan: PlanInput, known: set[str], config: ProjectConfig | None = None
) -> list[tuple[str, ...]]:
    """The labels a first sync of `plan` makes sure exist, when the store knows `known`."""
    changeset = reconcile(
        [plan], RemoteSnapshot({}, []), Known({}, frozenset(known)), config or project()
    )
    return [a.names for a in changeset.actions if isinstance(a, EnsureLabels)]


# ------------------------------------------------------------------------------------------
# Fields that go from the plan to the tracker only.

MOVING = """# Plan

## Milestone 1

- [ ] FIX-1: Write the spec (#1)
  - Estimate: 2h

## Milestone 2

- [ ] FIX-2: Review it (#2)
"""


class TestOneWayFields:
    def test_a_milestone_changed_on_the_tracker_alone_is_left_there(self) -> None:
        world = in_step(MOVING, {"FIX-1": 1, "FIX-2": 2})
        world.issues[1] = replace(world.issues[1], milestone_title="Milestone 2")

        changeset = world.run()

        assert changeset.actions == []
        (notice,) = changeset.notices
        assert notice.task == FIX1
        assert "'Milestone 2' on the tracker" in notice.message
        assert "under 'Milestone 1'" in notice.message
        # and it stays left there on the next run too
        assert after_apply(world, changeset).run().actions == []

    def test_a_task_moved_in_the_plan_moves_its_issue(self) -> None:
        world = in_step(MOVING, {"FIX-1": 1, "FIX-2": 2})
        moved = (
            "# Plan\n\n## Milestone 1\n\n## Milestone 2\n\n"
            "- [ ] FIX-1: Write the spec (#1)\n  - Estimate: 2h\n- [ ] FIX-2: Review it (#2)\n"
        )

        changeset = world.run(plans=(plan_input(moved),))

        (update,) = changeset.actions
        assert isinstance(update, UpdateIssue)
        assert (update.number, update.changed) == (1, ("milestone",))
        assert (update.milestone, update.clear_milestone) == ("Milestone 2", False)
        assert changeset.notices == []

    def test_a_task_moved_out_of_every_milestone_clears_its_issues(self) -> None:
        world = in_step(MOVING, {"FIX-1": 1, "FIX-2": 2})
        moved = MOVING.replace("## Milestone 1", "## Notes")

        changeset = world.run(plans=(plan_input(moved),))

        (update,) = changeset.actions
        assert isinstance(update, UpdateIssue)
        assert (update.changed, update.milestone, update.clear_milestone) == (
            ("milestone",),
            None,
            True,
        )

    def test_an_estimate_changed_on_the_tracker_alone_is_left_there(self) -> None:
        world = in_step(MOVING, {"FIX-1": 1, "FIX-2": 2})
        world.issues[1] = replace(world.issues[1], estimate_minutes=300)

        changeset = world.run()

        assert changeset.actions == []
        assert after_apply(world, changeset).run().actions == []

    def test_an_estimate_changed_in_the_plan_is_pushed(self) -> None:
        world = in_step(MOVING, {"FIX-1": 1, "FIX-2": 2})

        changeset = world.run(plans=(plan_input(MOVING.replace("2h", "3h")),))

        (update,) = changeset.actions
        assert isinstance(update, UpdateIssue)
        assert update.changed == ("estimate", "body")
        assert (update.estimate, update.set_estimate) == (180, True)

    def test_assignees_follow_the_people_map_and_stay_when_the_plan_names_nobody(self) -> None:
        text = one_task("- [ ] FIX-1: Write the spec (#1)\n  - Owner: @ann")
        config = project(people={"ann": "ann-gh"})
        world = in_step(text, {"FIX-1": 1}, config)
        world.issues[1] = replace(world.issues[1], assignees=("someone",))
        synced = world.links[FIX1].base
        assert synced is not None
        world.links[FIX1] = replace(world.links[FIX1], base=replace(synced, assignees=("bob",)))

        (update,) = world.run(config).actions
        assert isinstance(update, UpdateIssue)
        assert (update.changed, update.assignees) == (("assignees",), ("ann-gh",))

        unmapped = world.run(project())
        assert unmapped.actions == []  # nobody the map knows: the issue's assignees stay
        assert unmapped.bases[FIX1].after.assignees == ("someone",)


# ------------------------------------------------------------------------------------------
# New issues: dependencies first.

DEPENDENT = """# Plan

## Milestone 1

- [ ] FIX-1: Deploy
  - Depends on: FIX-2
- [ ] FIX-4: Unrelated
- [ ] FIX-2: Build
  - Depends on: FIX-3
- [ ] FIX-3: Provision
"""


class TestCreateOrder:
    def test_a_tasks_dependencies_are_created_before_it(self) -> None:
        changeset = linking_run([], text=DEPENDENT)

        assert created(changeset) == ["FIX-3", "FIX-2", "FIX-1", "FIX-4"]
        creates = {a.task.key: a for a in changeset.actions if isinstance(a, CreateIssue)}
        assert creates["FIX-1"].dependencies == (("FIX-2", ref("FIX-2")),)
        assert creates["FIX-3"].dependencies == ()
        # Not created yet: named as written, numbered when the body is rendered at apply time.
        assert "**Depends on:** FIX-2 (no issue yet)" in creates["FIX-1"].fields.body

    def test_a_dependency_already_linked_is_named_by_its_number(self) -> None:
        text = DEPENDENT.replace("- [ ] FIX-2: Build", "- [ ] FIX-2: Build (#2)")
        issue = remote_issue(2, "[FIX-2] Build", body=marker_for(ref("FIX-2")))
        changeset = linking_run([issue], text=text)

        assert created(changeset) == ["FIX-1", "FIX-4", "FIX-3"]  # document order
        creates = {a.task.key: a for a in changeset.actions if isinstance(a, CreateIssue)}
        assert "**Depends on:** #2" in creates["FIX-1"].fields.body
        assert creates["FIX-1"].tracker_title == "[FIX-1] Deploy"

    def test_a_cycle_is_cut_where_it_closes_and_each_task_created_once(self) -> None:
        text = one_task(
            "- [ ] FIX-1: One\n  - Depends on: FIX-2\n- [ ] FIX-2: Two\n  - Depends on: FIX-1"
        )
        assert created(linking_run([], text=text)) == ["FIX-2", "FIX-1"]


# ------------------------------------------------------------------------------------------
# Tasks whose line cannot show done-ness: the tracker's state is theirs.


class TestTasksThatCannotShowState:
    ID_ITEM = one_task("- FIX-3: Plain ID item (#3)")
    NO_STATUS = one_task("| ID | Task | Issue |\n|---|---|---|\n| FIX-3 | No status column | #3 |")

    @pytest.mark.parametrize("text", [ID_ITEM, NO_STATUS], ids=["id-item", "table-no-status"])
    @pytest.mark.parametrize(
        ("base", "tracker", "settled"),
        [
            (TaskState.OPEN, DONE, TaskState.DONE),
            (TaskState.OPEN, DROPPED, TaskState.DROPPED),
            (TaskState.DONE, OPEN, TaskState.OPEN),
            (TaskState.DONE, DONE, TaskState.DONE),
            (None, DONE, TaskState.DONE),
        ],
        ids=["closed", "closed-not-planned", "reopened", "stays-closed", "first-link-closed"],
    )
    def test_the_state_follows_the_tracker_and_the_plan_is_not_edited(
        self,
        text: str,
        base: TaskState | None,
        tracker: tuple[IssueState, CloseReason | None],
        settled: TaskState,
    ) -> None:
        world = in_step(text, {"FIX-3": 3})
        world.issues[3] = replace(world.issues[3], state=tracker[0], state_reason=tracker[1])
        synced = world.links[ref("FIX-3")].base
        assert synced is not None
        state_base = None if base is None else replace(synced, state=base)
        world.links[ref("FIX-3")] = replace(world.links[ref("FIX-3")], base=state_base)

        changeset = world.run()

        assert changeset.actions == []
        assert changeset.notices == []
        assert changeset.conflicts == []
        assert changeset.bases[ref("FIX-3")].after.state is settled


# ------------------------------------------------------------------------------------------
# One changeset, in order.


class TestChangesetOrder:
    def test_labels_milestones_links_creates_updates_removals_then_plan_edits(self) -> None:
        before = one_task("- [ ] FIX-1: Ticked on the tracker (#1)\n- [ ] FIX-9: Gone (#9)")
        world = in_step(before, {"FIX-1": 1, "FIX-9": 9})
        world.issues[1] = replace(world.issues[1], state=IssueState.CLOSED)
        world.issues[2] = remote_issue(2, "[FIX-2] Referenced")
        world.milestones.clear()
        world.labels.clear()
        now = plan_input(
            "# Plan\n\n## Milestone 1\n\n"
            "- [ ] FIX-1: Ticked on the tracker (#1)\n"
            "- [ ] FIX-2: Referenced (#2)\n"
            "- [ ] FIX-3: New\n"
        )

        changeset = world.run(project(removed="close"), plans=(now,))

        assert briefs(changeset) == [
            ("labels", ("plansync",)),
            ("milestone", "Milestone 1", None),
            ("link", "FIX-2", 2),
            ("create", "FIX-3"),
            ("update", 2, ("milestone", "labels", "body")),
            ("close", 9, "not planned"),
            ("tick", "FIX-1", ""),
        ]
        assert [type(a).__name__ for a in changeset.tracker_actions] == [
            "EnsureLabels",
            "CreateMilestone",
            "CreateIssue",
            "UpdateIssue",
            "CloseIssue",
        ]


class TestCriteria:
    TEXT = (
        "# Plan\n\n## Milestone 1\n\n- [ ] FIX-1: Build it\n\n"
        "## Acceptance Criteria\n\n- [ ] Everything works\n"
    )

    def test_criteria_are_not_synced_unless_asked(self) -> None:
        plan = plan_input(self.TEXT)
        asked = replace(plan, sync_criteria=True)

        assert created(reconcile([plan], RemoteSnapshot({}, []), Known({}), project())) == ["FIX-1"]
        assert created(reconcile([asked], RemoteSnapshot({}, []), Known({}), project())) == [
            "FIX-1",
            "acceptance-criteria/everything-works",
        ]
