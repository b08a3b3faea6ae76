"""Summaries end to end, against the sandbox's GitHub and GitLab APIs: the block in the
planfile, the progress line in each milestone's description and the tracking issue show the
same figures, are written once when a figure changes, and stay still otherwise."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import ALL_SUMMARIES, SyncHarness

from plansync.model.changeset import (
    CreateTrackingIssue,
    DescribeMilestone,
    Status,
    UpdateTrackingIssue,
    WriteSummary,
)
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.summary.describe import PROGRESS_BEGIN
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END
from plansync.trackers.markers import find_tracking_marker

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
PLAN = b"""# Demo plan

**Owner:** web team

## Phase 1: Foundations

- [ ] Write the parser (2h)
- [ ] Write the editor (3h)
- [x] Pick a name (30min)

## Phase 2: Delivery

- [ ] T1: Ship the CLI (1h)
- [ ] T2: Write the docs

## Notes

Some closing words.
"""
PHASE_1, PHASE_2 = "Phase 1: Foundations", "Phase 2: Delivery"
HOSTILE = [
    "Pipes | in | the title",
    "Arrow --> closes a comment",
    "<!-- /plansync:summary --> early end",
    "Two\nlines",
    "<img src=x onerror=alert(1)> html",
]


@pytest.fixture
def synced(make_harness: MakeHarness) -> SyncHarness:
    harness = make_harness({NAME: PLAN}, summary_toml=ALL_SUMMARIES)
    result = harness.sync()
    assert result.ok, result.failed
    return harness


def block(data: bytes) -> str:
    text = data.decode("utf-8")
    assert text.count(SUMMARY_BEGIN) == 1, text
    assert text.count(SUMMARY_END) == 1, text
    return text.split(SUMMARY_BEGIN)[1].split(SUMMARY_END)[0]


def progress_line(text: str) -> str:
    match = re.search(r"\*\*Progress:\*\* ([^\n]*)", text)
    assert match is not None, text
    return match.group(1)


def tracking(harness: SyncHarness) -> list[int]:
    return [i.number for i in harness.issues() if find_tracking_marker(i.body) == NAME]


def descriptions(harness: SyncHarness) -> dict[str, str]:
    return {m.title: m.description or "" for m in harness.store.milestones(harness.repo)}


def quiet(harness: SyncHarness) -> None:
    """A run that finds nothing to do: no write anywhere, the planfile's bytes kept."""
    before = harness.plan(NAME)
    writes = harness.writes()
    result = harness.sync()
    assert result.ok, result.failed
    assert result.actions == []
    assert harness.writes() == writes
    assert harness.plan(NAME) == before


class TestFirstSync:
    def test_the_plan_opens_with_its_summary_after_the_title_and_metadata(
        self, synced: SyncHarness
    ) -> None:
        data = synced.plan(NAME)
        head = data.split(SUMMARY_BEGIN.encode())[0]
        assert head == b"# Demo plan\n\n**Owner:** web team\n\n"
        text = block(data)
        assert progress_line(text) == "1 / 5 tasks done (20%) · 30 min of 6.5 h done"
        assert re.search(r"\| \[Phase 1: Foundations\]\([^)]*\) \| 1 / 3 \|", text), text
        assert re.search(r"\| \[Phase 2: Delivery\]\([^)]*\) \| 0 / 2 \|", text), text
        assert "**Coverage:** 5 / 5 tasks linked to an issue." in text
        after = data.split(SUMMARY_END.encode())[1]
        assert after == b"\n\n## Phase 1: Foundations\n" + PLAN.split(b"## Phase 1: Foundations\n")[
            1
        ].replace(b"(2h)", b"(2h) (#1)").replace(b"(3h)", b"(3h) (#2)").replace(
            b"(30min)", b"(30min) (#3)"
        ).replace(b"(1h)", b"(1h) (#4)").replace(b"the docs", b"the docs (#5)")

    def test_milestones_and_the_tracking_issue_show_the_same_figures(
        self, synced: SyncHarness
    ) -> None:
        described = descriptions(synced)
        assert progress_line(described[PHASE_1]) == "1 / 3 tasks done (33%) · 30 min of 5.5 h done"
        assert progress_line(described[PHASE_2]) == "0 / 2 tasks done (0%) · 0 h of 1 h done"
        assert PROGRESS_BEGIN in described[PHASE_1]
        (number,) = tracking(synced)
        issue = synced.issue(number)
        assert issue.title == "Plan: Demo plan"
        assert progress_line(issue.body) == progress_line(block(synced.plan(NAME)))
        for task in range(1, 6):
            assert re.search(rf"^- \[[ x]\] #{task} ", issue.body, re.MULTILINE), issue.body
        assert "- [x] #3 " in issue.body

    def test_a_second_sync_writes_nothing(self, synced: SyncHarness) -> None:
        quiet(synced)


class TestChanges:
    def test_a_close_on_the_tracker_updates_every_summary_once(self, synced: SyncHarness) -> None:
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        result = synced.sync()
        assert result.ok, result.failed
        summary_actions = [
            r.action
            for r in result.results
            if isinstance(r.action, WriteSummary | DescribeMilestone | UpdateTrackingIssue)
        ]
        assert all(r.status is Status.APPLIED for r in result.results), result.results
        assert sorted(type(a).__name__ for a in summary_actions) == [
            "DescribeMilestone",
            "UpdateTrackingIssue",
            "WriteSummary",
        ]
        described = descriptions(synced)
        assert progress_line(described[PHASE_2]) == "1 / 2 tasks done (50%) · 1 h of 1 h done"
        assert progress_line(described[PHASE_1]).startswith("1 / 3 ")
        expected = "2 / 5 tasks done (40%) · 1.5 h of 6.5 h done"
        assert progress_line(block(synced.plan(NAME))) == expected
        (number,) = tracking(synced)
        assert progress_line(synced.issue(number).body) == expected
        quiet(synced)

    def test_a_person_text_in_a_milestone_description_is_kept(self, synced: SyncHarness) -> None:
        (milestone,) = [m for m in synced.store.milestones(synced.repo) if m.title == PHASE_2]
        kept = "Ship it **well**."
        synced.store.update_milestone(
            synced.repo, milestone.number, description=f"{kept}\n\n{milestone.description}"
        )
        quiet(synced)  # the progress line is still right: nothing to write
        synced.store.close_issue(synced.repo, synced.number(NAME, "T2"))
        assert synced.sync().ok
        described = descriptions(synced)[PHASE_2]
        assert described.startswith(kept)
        assert progress_line(described).startswith("1 / 2 ")

    def test_a_deleted_tracking_issue_marker_gets_a_new_issue_never_two(
        self, synced: SyncHarness
    ) -> None:
        (number,) = tracking(synced)
        synced.store.set_issue_body(synced.repo, number, "someone replaced the body")
        result = synced.sync()
        assert result.ok, result.failed
        created = [a for a in result.actions if isinstance(a, CreateTrackingIssue)]
        assert len(created) == 1
        assert len(tracking(synced)) == 1
        quiet(synced)


class TestGoneIssues:
    def test_a_task_mentioning_the_tracking_issue_is_not_linked_to_it(
        self, synced: SyncHarness
    ) -> None:
        (number,) = tracking(synced)
        synced.edit_plan(NAME, b"## Notes\n", f"## Notes\n\n- [ ] Watch #{number}\n".encode())
        result = synced.sync()
        assert result.ok, result.failed
        issue = synced.issue(number)
        assert issue.title == "Plan: Demo plan"
        assert find_tracking_marker(issue.body) == NAME
        assert len(tracking(synced)) == 1
        assert synced.number(NAME, f"watch-{number}") != number  # an issue of its own

    def test_a_deleted_tracking_issue_is_made_again_on_the_next_run(
        self, synced: SyncHarness
    ) -> None:
        (number,) = tracking(synced)
        synced.store.delete_issue(synced.repo, number)
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        made = synced.sync()
        if synced.kind == "gitlab":  # its update finds it gone: the run says so
            assert [type(r.action).__name__ for r in made.failed] == ["UpdateTrackingIssue"]
            made = synced.sync()
        # (GitHub's few issues are read as a whole list, which shows it gone at once.)
        assert made.ok, made.failed
        assert "CreateTrackingIssue" in [type(a).__name__ for a in made.actions]
        assert "UpdateTrackingIssue" not in [type(a).__name__ for a in made.actions]
        (again,) = tracking(synced)
        assert again != number
        quiet(synced)

    def test_a_deleted_task_issue_shows_in_the_summary_once_a_write_finds_it_gone(
        self, synced: SyncHarness
    ) -> None:
        number = synced.number(NAME, "T2")
        synced.store.delete_issue(synced.repo, number)
        synced.edit_plan(NAME, b"- [ ] T2: Write the docs", b"- [x] T2: Write the docs")
        # GitHub's few issues are read as a whole list, which shows it gone before any write;
        # on GitLab closing it finds it gone.
        assert synced.sync().ok is (synced.kind == "github")
        assert synced.sync().ok
        text = block(synced.plan(NAME))
        assert f"its issue #{number} was deleted or moved" in text
        assert "**Coverage:** 4 / 5 tasks linked to an issue." in text
        quiet(synced)


class TestHostileTracker:
    def test_untracked_issues_with_hostile_titles_cannot_break_the_plan(
        self, synced: SyncHarness
    ) -> None:
        (phase_1,) = [m for m in synced.store.milestones(synced.repo) if m.title == PHASE_1]
        for title in HOSTILE:
            synced.store.create_issue(synced.repo, title, milestone=phase_1.number)
        before = parse_plan(synced.plan(NAME), Path(NAME), ReaderRules())

        result = synced.sync()

        assert result.ok, result.failed
        data = synced.plan(NAME)
        text = block(data)  # each marker exactly once
        assert f"**Untracked issues** in these milestones ({len(HOSTILE)}):" in text
        for line in text.splitlines():
            assert "-->" not in line
            assert "<!--" not in line
            assert not line.startswith("#")
            assert "<img" not in line
        after = parse_plan(data, Path(NAME), ReaderRules())
        assert [(t.key, t.title, t.done) for t in after.tasks] == [
            (t.key, t.title, t.done) for t in before.tasks
        ]
        quiet(synced)


class TestSettings:
    def test_summaries_off_leave_the_plan_and_the_milestones_alone(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: PLAN})  # the harness's default: summaries off
        assert harness.sync().ok
        assert SUMMARY_BEGIN.encode() not in harness.plan(NAME)
        assert all(PROGRESS_BEGIN not in d for d in descriptions(harness).values())
        assert tracking(harness) == []

    def test_markers_place_writes_only_where_the_markers_are(
        self, make_harness: MakeHarness
    ) -> None:
        markers = f"{SUMMARY_BEGIN}\n{SUMMARY_END}\n".encode()
        marked = PLAN.replace(b"## Notes\n", b"## Notes\n\n" + markers)
        harness = make_harness(
            {NAME: PLAN, "other.md": marked},
            summary_toml='[projects.summary]\nplace = "markers"\n',
        )
        assert harness.sync().ok
        assert SUMMARY_BEGIN.encode() not in harness.plan(NAME)
        other = harness.plan("other.md")
        assert other.index(b"## Notes") < other.index(SUMMARY_BEGIN.encode())
        assert "**Progress:**" in block(other)

    def test_a_damaged_block_is_named_with_its_file_and_left_as_it_is(
        self, make_harness: MakeHarness
    ) -> None:
        damaged = PLAN.replace(b"## Notes\n", f"## Notes\n\n{SUMMARY_BEGIN}\n".encode())
        harness = make_harness({NAME: damaged, "other.md": PLAN}, summary_toml=ALL_SUMMARIES)
        result = harness.sync()
        assert result.ok, result.failed
        (notice,) = [n.message for n in result.notices if "summary" in n.message]
        assert notice.startswith(f"{NAME}: ")
        assert SUMMARY_END.encode() not in harness.plan(NAME)
        assert harness.plan(NAME).count(SUMMARY_BEGIN.encode()) == 1
        assert "**Progress:**" in block(harness.plan("other.md"))

    def test_pull_writes_the_plan_block_but_nothing_to_the_tracker(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(
            {NAME: PLAN}, project_toml='direction = "pull"', summary_toml=ALL_SUMMARIES
        )
        assert harness.sync().ok
        assert harness.writes() == 0
        text = block(harness.plan(NAME))
        assert "**Coverage:** 0 / 5 tasks linked to an issue." in text
        assert "the direction is pull" in text

    def test_push_writes_the_tracker_summaries_but_never_the_plan(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness(
            {NAME: PLAN}, project_toml='direction = "push"', summary_toml=ALL_SUMMARIES
        )
        assert harness.sync().ok
        assert harness.plan(NAME) == PLAN
        assert progress_line(descriptions(harness)[PHASE_2]).startswith("0 / 2 ")
        assert len(tracking(harness)) == 1

    def test_a_crlf_plan_gets_a_crlf_block(self, make_harness: MakeHarness) -> None:
        crlf = PLAN.replace(b"\n", b"\r\n")
        harness = make_harness({NAME: crlf}, summary_toml=ALL_SUMMARIES)
        assert harness.sync().ok
        data = harness.plan(NAME)
        assert data.count(b"\n") == data.count(b"\r\n")
        assert block(data).count("\r\n") > 5
