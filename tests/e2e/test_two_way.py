"""Two-way sync on a small plan, against the sandbox's GitHub and GitLab APIs: one side changes,
the next sync carries exactly that change to the other side and touches nothing else.

The plan holds a checkbox list, a table with Status and Issue columns and an ID item, in two
milestone sections. Changes on the tracker are made in the sandbox's store, as a person would
make them on the web; changes in the plan are edits of the file's bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness import SyncHarness

from builders import changed_line_pairs
from plansync.model.changeset import EditPlan, PlanEditKind, Status
from plansync.model.sync import Conflict, TaskRef

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
PLAN = b"""# Demo plan

Intro text that is not a task.

## Phase 1: Foundations

- [ ] Write the parser
- [ ] Write the editor
- [x] Pick a name

## Phase 2: Delivery

| ID | Task | Estimate | Priority | Status | Issue |
|----|------|----------|----------|--------|-------|
| T1 | Ship the CLI | 90min | High | Todo | |
| T2 | Write the docs | 2h | Low | Todo | |

- REL-1: Publish the release notes

## Notes

Some closing words.
"""
PARSER = "phase-1-foundations/write-the-parser"
EDITOR = "phase-1-foundations/write-the-editor"
PICK = "phase-1-foundations/pick-a-name"
KEYS = (PARSER, EDITOR, PICK, "T1", "T2", "REL-1")
PHASE_1, PHASE_2 = "Phase 1: Foundations", "Phase 2: Delivery"


@pytest.fixture
def harness_state(state_backends: str | None) -> str | None:
    """Every two-way test runs with the default SQLite store and with PostgreSQL."""
    return state_backends


@pytest.fixture
def synced(make_harness: MakeHarness) -> SyncHarness:
    """The plan after its first sync: six issues, the plan carrying their references."""
    harness = make_harness({NAME: PLAN})
    result = harness.sync()
    assert result.ok, result.failed
    assert sorted(harness.issues_by_task()) == sorted(f"{NAME}#{key}" for key in KEYS)
    return harness


def sync(harness: SyncHarness) -> list[Conflict]:
    """One run that must apply every action; its conflicts."""
    result = harness.sync()
    assert result.ok, result.failed
    assert all(r.status is Status.APPLIED for r in result.results), result.results
    return [c for changeset in result.changesets for c in changeset.conflicts]


def states(harness: SyncHarness) -> dict[int, tuple[str, str | None]]:
    return {i.number: (i.state, i.state_reason) for i in harness.issues()}


def titles(harness: SyncHarness) -> dict[int, str]:
    return {i.number: i.title for i in harness.issues()}


def milestone_of(harness: SyncHarness, number: int) -> str | None:
    issue = harness.issue(number)
    if issue.milestone is None:
        return None
    return harness.store.milestone(harness.repo, issue.milestone).title


def assert_quiet(harness: SyncHarness) -> None:
    """The sync after a change has nothing left to do: no action, no write anywhere."""
    writes, data = harness.writes(), harness.plan(NAME)
    result = harness.sync()
    assert result.ok, result.failed
    assert result.actions == []
    assert harness.writes() == writes
    assert harness.plan(NAME) == data


def row(key: str, title: str, estimate: str, priority: str, status: str, number: int) -> bytes:
    return f"| {key} | {title} | {estimate} | {priority} | {status} | #{number} |\n".encode()


class TestStateFromTheTracker:
    def test_an_issue_closed_on_the_tracker_ticks_exactly_its_task(
        self, synced: SyncHarness
    ) -> None:
        parser, t2 = synced.number(NAME, PARSER), synced.number(NAME, "T2")
        before = synced.plan(NAME)
        synced.store.close_issue(synced.repo, parser)
        synced.store.close_issue(synced.repo, t2)

        sync(synced)

        assert changed_line_pairs(before, synced.plan(NAME)) == [
            (
                f"- [ ] Write the parser (#{parser})\n".encode(),
                f"- [x] Write the parser (#{parser})\n".encode(),
            ),
            (
                row("T2", "Write the docs", "2h", "Low", "Todo", t2),
                row("T2", "Write the docs", "2h", "Low", "Done", t2),
            ),
        ]
        assert_quiet(synced)

    def test_a_close_next_to_other_changes_in_the_same_second_is_seen(
        self, synced: SyncHarness
    ) -> None:
        # The SteppingClock puts the close within the second of the last run's read, beside
        # a new issue: GitHub's `since` cannot tell the close apart from what was read then.
        parser = synced.number(NAME, PARSER)
        before = synced.plan(NAME)
        synced.store.create_issue(synced.repo, "Someone else's issue")
        synced.store.close_issue(synced.repo, parser)

        sync(synced)

        assert changed_line_pairs(before, synced.plan(NAME)) == [
            (
                f"- [ ] Write the parser (#{parser})\n".encode(),
                f"- [x] Write the parser (#{parser})\n".encode(),
            )
        ]
        assert_quiet(synced)

    def test_a_task_ticked_in_the_plan_closes_exactly_its_issue(self, synced: SyncHarness) -> None:
        t1, editor = synced.number(NAME, "T1"), synced.number(NAME, EDITOR)
        before = states(synced)
        synced.edit_plan(
            NAME,
            b"| Ship the CLI | 90min | High | Todo |",
            b"| Ship the CLI | 90min | High | Done |",
        )
        synced.edit_plan(NAME, b"- [ ] Write the editor", b"- [x] Write the editor")
        edited = synced.plan(NAME)

        sync(synced)

        assert states(synced) == {
            **before,
            t1: ("closed", "completed"),
            editor: ("closed", "completed"),
        }
        assert synced.plan(NAME) == edited
        assert_quiet(synced)

    def test_an_issue_closed_as_not_planned_strikes_its_title(
        self, synced: SyncHarness, kind: str
    ) -> None:
        editor = synced.number(NAME, EDITOR)
        before = synced.plan(NAME)
        synced.store.close_issue(synced.repo, editor, "not_planned")

        sync(synced)

        line = f"- [ ] Write the editor (#{editor})\n".encode()
        if kind == "github":
            now = f"- [ ] ~~Write the editor~~ (#{editor})\n".encode()
        else:  # GitLab keeps no close reason: the issue reads as plainly closed
            now = f"- [x] Write the editor (#{editor})\n".encode()
        assert changed_line_pairs(before, synced.plan(NAME)) == [(line, now)]
        assert_quiet(synced)

    def test_a_title_struck_in_the_plan_closes_its_issue_as_not_planned(
        self, synced: SyncHarness, kind: str
    ) -> None:
        t2 = synced.number(NAME, "T2")
        before = states(synced)
        synced.edit_plan(NAME, b"| Write the docs |", b"| ~~Write the docs~~ |")

        sync(synced)

        reason = "not_planned" if kind == "github" else "completed"
        assert states(synced) == {**before, t2: ("closed", reason)}
        assert synced.issue(t2).title == "[T2] Write the docs"
        assert_quiet(synced)

    def test_a_reopened_issue_unticks_its_task(self, synced: SyncHarness) -> None:
        parser, pick = synced.number(NAME, PARSER), synced.number(NAME, PICK)
        synced.store.close_issue(synced.repo, parser)
        sync(synced)
        ticked = synced.plan(NAME)
        assert f"- [x] Write the parser (#{parser})".encode() in ticked
        synced.store.reopen_issue(synced.repo, parser)
        synced.store.reopen_issue(synced.repo, pick)

        sync(synced)

        assert changed_line_pairs(ticked, synced.plan(NAME)) == [
            (
                f"- [x] Write the parser (#{parser})\n".encode(),
                f"- [ ] Write the parser (#{parser})\n".encode(),
            ),
            (f"- [x] Pick a name (#{pick})\n".encode(), f"- [ ] Pick a name (#{pick})\n".encode()),
        ]
        assert_quiet(synced)

    def test_a_reopened_issue_unstrikes_its_title(self, synced: SyncHarness, kind: str) -> None:
        if kind != "github":
            pytest.skip("GitLab keeps no close reason, so no title is struck to begin with")
        editor = synced.number(NAME, EDITOR)
        linked = synced.plan(NAME)
        synced.store.close_issue(synced.repo, editor, "not_planned")
        sync(synced)
        assert f"~~Write the editor~~ (#{editor})".encode() in synced.plan(NAME)
        synced.store.reopen_issue(synced.repo, editor)

        sync(synced)

        assert synced.plan(NAME) == linked
        assert_quiet(synced)

    def test_a_plan_edited_while_the_run_writes_keeps_that_edit(self, synced: SyncHarness) -> None:
        parser = synced.number(NAME, PARSER)
        synced.store.close_issue(synced.repo, parser)
        synced.edit_plan(NAME, b"Write the docs", b"Write the user guide")  # an issue update
        theirs = b"Intro text, edited by someone while plansync ran."

        def someone_saves(action: object) -> None:
            if b"Intro text that" in synced.plan(NAME):
                synced.edit_plan(NAME, b"Intro text that is not a task.", theirs)

        result = synced.sync(progress=someone_saves)

        assert result.ok, result.failed
        data = synced.plan(NAME)
        assert theirs in data
        assert f"- [x] Write the parser (#{parser})".encode() in data
        assert changed_line_pairs(PLAN, data)[0] == (
            b"Intro text that is not a task.\n",
            theirs + b"\n",
        )
        assert_quiet(synced)


class TestTitles:
    def test_a_title_edited_on_the_tracker_retitles_the_plan_line(
        self, synced: SyncHarness
    ) -> None:
        t1, pick = synced.number(NAME, "T1"), synced.number(NAME, PICK)
        before, issues = synced.plan(NAME), len(synced.issues())
        synced.store.set_issue_title(synced.repo, t1, "[T1] Ship the command line")
        synced.store.set_issue_title(synced.repo, pick, "Choose a name")

        sync(synced)

        assert changed_line_pairs(before, synced.plan(NAME)) == [
            (
                f"- [x] Pick a name (#{pick})\n".encode(),
                f"- [x] Choose a name (#{pick})\n".encode(),
            ),
            (
                row("T1", "Ship the CLI", "90min", "High", "Todo", t1),
                row("T1", "Ship the command line", "90min", "High", "Todo", t1),
            ),
        ]
        assert synced.issue(t1).title == "[T1] Ship the command line"
        # The ID-less task's key follows its new title; its link and marker follow the key.
        assert synced.number(NAME, "phase-1-foundations/choose-a-name") == pick
        assert len(synced.issues()) == issues
        assert_quiet(synced)

    def test_a_title_edited_in_the_plan_retitles_the_issue(self, synced: SyncHarness) -> None:
        t2, parser = synced.number(NAME, "T2"), synced.number(NAME, PARSER)
        before = titles(synced)
        synced.edit_plan(NAME, b"Write the docs", b"Write the user guide")
        synced.edit_plan(NAME, b"Write the parser", b"Write the reader")
        edited = synced.plan(NAME)

        sync(synced)

        assert titles(synced) == {
            **before,
            t2: "[T2] Write the user guide",
            parser: "Write the reader",
        }
        assert synced.plan(NAME) == edited
        # No new issue for the renamed ID-less task: its link followed the `(#N)` on its line.
        assert synced.number(NAME, "phase-1-foundations/write-the-reader") == parser
        assert_quiet(synced)

    def test_a_title_the_plan_cannot_take_is_a_notice_until_settled(
        self, make_harness: MakeHarness
    ) -> None:
        # A bare ID line under a table without outer pipes: a title with a pipe would make it
        # read as a row without the ID, so the editor refuses it.
        plan = b"# Phase 1: Write\n\nID | Task | Status\n---|---|---\nFIX-006\n"
        harness = make_harness({NAME: plan})
        assert harness.sync().ok
        number, synced_plan = harness.number(NAME, "FIX-006"), harness.plan(NAME)
        harness.store.set_issue_title(harness.repo, number, "[FIX-006] not a heading | nor a cell")

        for _ in range(2):  # said each run while the titles differ; nothing to do, no failure
            result = harness.sync()
            assert result.ok, result.failed
            assert result.actions == []
            said = [n.message for n in result.notices if n.task == TaskRef(NAME, "FIX-006")]
            assert len(said) == 1, said
            assert "Retitle the task by hand" in said[0], said
            assert harness.plan(NAME) == synced_plan
            assert harness.issue(number).title == "[FIX-006] not a heading | nor a cell"

        harness.store.set_issue_title(harness.repo, number, "[FIX-006] Fix it")  # settled
        sync(harness)
        assert b"Fix it" in harness.plan(NAME)
        assert_quiet(harness)


class TestMilestones:
    def test_a_task_moved_to_another_section_takes_its_milestone_along(
        self, synced: SyncHarness
    ) -> None:
        editor = synced.number(NAME, EDITOR)
        assert milestone_of(synced, editor) == PHASE_1
        line = f"- [ ] Write the editor (#{editor})\n".encode()
        data = synced.plan(NAME).replace(line, b"")
        release = data.index(b"- REL-1")
        end = data.index(b"\n", release) + 1
        synced.write_plan(NAME, data[:end] + line + data[end:])
        moved, issues = synced.plan(NAME), len(synced.issues())

        sync(synced)

        assert milestone_of(synced, editor) == PHASE_2
        assert synced.number(NAME, "phase-2-delivery/write-the-editor") == editor
        assert len(synced.issues()) == issues
        assert synced.plan(NAME) == moved
        assert_quiet(synced)


class TestConflicts:
    def test_a_title_edited_on_both_sides_keeps_the_plans_and_is_reported(
        self, synced: SyncHarness
    ) -> None:
        t1 = synced.number(NAME, "T1")
        synced.edit_plan(NAME, b"Ship the CLI", b"Ship the command line")
        synced.store.set_issue_title(synced.repo, t1, "[T1] Ship the CLI tool")
        edited = synced.plan(NAME)

        conflicts = sync(synced)

        assert conflicts == [
            Conflict(
                TaskRef(NAME, "T1"),
                "title",
                "Ship the command line",
                "Ship the CLI tool",
                "the plan's value wins",
            )
        ]
        assert synced.issue(t1).title == "[T1] Ship the command line"
        assert synced.plan(NAME) == edited
        assert_quiet(synced)

    def test_a_close_on_the_tracker_and_a_title_edit_in_the_plan_both_land(
        self, synced: SyncHarness
    ) -> None:
        t1 = synced.number(NAME, "T1")
        synced.store.close_issue(synced.repo, t1)
        synced.edit_plan(NAME, b"Ship the CLI", b"Ship the command line")
        edited = synced.plan(NAME)

        conflicts = sync(synced)

        assert conflicts == []
        assert synced.issue(t1).title == "[T1] Ship the command line"
        assert synced.issue(t1).state == "closed"
        assert changed_line_pairs(edited, synced.plan(NAME)) == [
            (
                row("T1", "Ship the command line", "90min", "High", "Todo", t1),
                row("T1", "Ship the command line", "90min", "High", "Done", t1),
            )
        ]
        assert_quiet(synced)

    def test_a_plan_untick_against_a_tracker_close_loses_to_the_close(
        self, synced: SyncHarness, kind: str
    ) -> None:
        if kind != "github":
            pytest.skip(
                "GitLab keeps no close reason: a closed issue closed again reads the same, so "
                "both sides cannot change the state apart from each other"
            )
        t1 = synced.number(NAME, "T1")
        synced.edit_plan(NAME, b"| High | Todo |", b"| High | Done |")
        sync(synced)
        assert synced.issue(t1).state_reason == "completed"
        # Since then: the plan unticks the task, the tracker closes it again as not planned.
        synced.edit_plan(NAME, b"| High | Done |", b"| High | Todo |")
        synced.store.close_issue(synced.repo, t1, "not_planned")
        unticked = synced.plan(NAME)

        conflicts = sync(synced)

        assert conflicts == [
            Conflict(TaskRef(NAME, "T1"), "state", "open", "dropped", "the tracker's value wins")
        ]
        assert (synced.issue(t1).state, synced.issue(t1).state_reason) == ("closed", "not_planned")
        assert changed_line_pairs(unticked, synced.plan(NAME)) == [
            (
                row("T1", "Ship the CLI", "90min", "High", "Todo", t1),
                row("T1", "~~Ship the CLI~~", "90min", "High", "Todo", t1),
            )
        ]
        assert_quiet(synced)


class TestDirection:
    def test_push_never_writes_the_plan(self, make_harness: MakeHarness) -> None:
        harness = make_harness({NAME: PLAN}, project_toml='direction = "push"')
        path = harness.root / NAME
        mtime = path.stat().st_mtime_ns

        sync(harness)
        assert (harness.plan(NAME), path.stat().st_mtime_ns) == (PLAN, mtime)  # no links
        parser = harness.number(NAME, PARSER)
        harness.store.close_issue(harness.repo, parser)
        harness.edit_plan(NAME, b"- [ ] Write the editor", b"- [x] Write the editor")
        edited = harness.plan(NAME)
        mtime = path.stat().st_mtime_ns
        sync(harness)

        assert harness.plan(NAME) == edited
        assert path.stat().st_mtime_ns == mtime
        assert len(harness.issues()) == len(KEYS)  # linked by the state store, not by the plan
        assert harness.issue(harness.number(NAME, EDITOR)).state == "closed"
        assert harness.issue(parser).state == "closed"

    def test_pull_never_writes_the_tracker(self, synced: SyncHarness) -> None:
        synced.reconfigure(project_toml='direction = "pull"')
        parser, t2 = synced.number(NAME, PARSER), synced.number(NAME, "T2")
        synced.edit_plan(NAME, b"Write the docs", b"Write the user guide")
        synced.edit_plan(NAME, b"- [ ] Write the editor", b"- [x] Write the editor")
        synced.edit_plan(NAME, b"- REL-1: Publish", b"- REL-2: Tag the release\n- REL-1: Publish")
        synced.store.close_issue(synced.repo, parser)
        issues = [(i.number, i.title, i.state, i.body, i.labels) for i in synced.issues()]
        writes, edited = synced.writes(), synced.plan(NAME)

        sync(synced)

        assert synced.writes() == writes
        assert [(i.number, i.title, i.state, i.body, i.labels) for i in synced.issues()] == issues
        # The close is pulled; the new task REL-2 is neither created nor linked.
        assert changed_line_pairs(edited, synced.plan(NAME)) == [
            (
                f"- [ ] Write the parser (#{parser})\n".encode(),
                f"- [x] Write the parser (#{parser})\n".encode(),
            )
        ]
        assert synced.issue(t2).title == "[T2] Write the docs"


class TestLinksAndFields:
    def test_a_referenced_issue_is_linked_not_duplicated(self, make_harness: MakeHarness) -> None:
        harness = make_harness({})
        existing = harness.store.create_issue(harness.repo, "Ship the command line tool")
        plan = PLAN.replace(b"| Todo | |\n| T2", f"| Todo | #{existing} |\n| T2".encode())
        harness.write_plan(NAME, plan)

        sync(harness)

        assert harness.number(NAME, "T1") == existing
        assert len(harness.issues()) == len(KEYS)
        assert harness.issue(existing).title == "[T1] Ship the CLI"  # the plan wins a first sync
        lines = changed_line_pairs(plan, harness.plan(NAME))
        assert all(b"Ship the CLI" not in old for old, _ in lines)  # its line already linked it
        assert_quiet(harness)

    def test_a_referenced_closed_issue_ticks_its_open_task(self, make_harness: MakeHarness) -> None:
        harness = make_harness({})
        existing = harness.store.create_issue(harness.repo, "Ship the CLI")
        harness.store.close_issue(harness.repo, existing)
        plan = PLAN.replace(b"| Todo | |\n| T2", f"| Todo | #{existing} |\n| T2".encode())
        harness.write_plan(NAME, plan)

        result = harness.sync()

        assert result.ok, result.failed
        assert harness.issue(existing).state == "closed"  # close wins over the plan's open
        assert row("T1", "Ship the CLI", "90min", "High", "Done", existing) in harness.plan(NAME)
        ticks = [
            a for a in result.actions if isinstance(a, EditPlan) and a.kind is PlanEditKind.TICK
        ]
        assert [a.task.key for a in ticks] == ["T1"]
        assert_quiet(harness)

    def test_estimates_and_priorities_reach_the_issues(self, synced: SyncHarness) -> None:
        t1, t2 = synced.number(NAME, "T1"), synced.number(NAME, "T2")
        tracker = synced.tracker()
        read = {n: tracker.get_issue(n) for n in (t1, t2, synced.number(NAME, PARSER))}
        assert {n: (i.estimate_minutes if i else None) for n, i in read.items()} == {
            t1: 90,
            t2: 120,
            synced.number(NAME, PARSER): None,
        }
        assert "priority: high" in synced.issue(t1).labels
        assert "priority: low" in synced.issue(t2).labels
        assert not any(
            label.startswith("priority:")
            for label in synced.issue(synced.number(NAME, PARSER)).labels
        )

        synced.edit_plan(NAME, b"| 90min | High |", b"| 45min | Low |")
        sync(synced)

        issue = synced.tracker().get_issue(t1)
        assert issue is not None
        assert issue.estimate_minutes == 45
        assert "priority: low" in issue.labels
        assert "priority: high" not in issue.labels
        assert_quiet(synced)
