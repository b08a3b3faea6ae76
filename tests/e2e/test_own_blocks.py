"""plansync writes over only what it wrote, end to end against the sandbox's GitHub and GitLab
APIs: markers around plan text, a summary block, an issue body block, a milestone's progress
line or a tracking issue body that a person edited are reported and kept; what plansync wrote
and nobody touched is kept up to date; a plan without tasks gets nothing written into it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from harness import ALL_SUMMARIES, SyncHarness

from builders import changed_line_pairs
from plansync.model.changeset import (
    DescribeMilestone,
    UpdateIssue,
    UpdateTrackingIssue,
    WriteSummary,
)
from plansync.summary.describe import PROGRESS_BEGIN, PROGRESS_END
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END
from plansync.sync.body import BODY_END
from plansync.sync.result import RunResult
from plansync.trackers.markers import find_tracking_marker

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
STRAY = b"""# Markers

<!-- plansync:summary -->

## Phase 1: Real work

- [ ] Task inside stray markers
- [ ] Another one

<!-- /plansync:summary -->

## Phase 2: More

- [ ] Task outside
"""
STRAY_KEYS = (
    "phase-1-real-work/task-inside-stray-markers",
    "phase-1-real-work/another-one",
    "phase-2-more/task-outside",
)
PLAN = b"""# Demo plan

## Phase 1: Foundations

- [ ] Write the parser (2h)
- [ ] Write the editor

## Phase 2: Delivery

- [ ] T1: Ship the CLI
"""
PARSER = "phase-1-foundations/write-the-parser"
EDITOR = "phase-1-foundations/write-the-editor"
PHASE_1 = "Phase 1: Foundations"


def notices(result: RunResult, text: str) -> list[str]:
    return [n.message for n in result.notices if text in n.message]


def quiet(harness: SyncHarness) -> RunResult:
    """A run that writes nothing anywhere and leaves the planfile's bytes alone."""
    before = harness.plan(NAME)
    writes = harness.writes()
    result = harness.sync()
    assert result.ok, result.failed
    assert result.actions == []
    assert harness.writes() == writes
    assert harness.plan(NAME) == before
    return result


def block_of(data: bytes) -> bytes:
    return data.split(SUMMARY_BEGIN.encode())[1].split(SUMMARY_END.encode())[0]


@pytest.fixture
def synced(make_harness: MakeHarness) -> SyncHarness:
    harness = make_harness({NAME: PLAN}, summary_toml=ALL_SUMMARIES)
    result = harness.sync()
    assert result.ok, result.failed
    assert result.notices == []
    return harness


class TestStrayMarkers:
    def test_the_block_is_reported_nothing_is_lost_and_its_tasks_sync(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: STRAY}, summary_toml=ALL_SUMMARIES)
        result = harness.sync()
        assert result.ok, result.failed
        [notice] = notices(result, "the summary block")
        assert notice.startswith("plan.md: lines 3-10: the summary block between ")
        assert "holds a heading (`Phase 1: Real work`) on line 5" in notice
        assert "Move that content out of the block, or delete the block" in notice
        assert not any(isinstance(a, WriteSummary) for a in result.actions)
        # Every line is still there; the three tasks only got their issue references.
        after = harness.plan(NAME)
        changed = changed_line_pairs(STRAY, after)
        assert [old for old, _ in changed] == [
            b"- [ ] Task inside stray markers\n",
            b"- [ ] Another one\n",
            b"- [ ] Task outside\n",
        ]
        assert all(new.startswith(old.rstrip(b"\n")) for old, new in changed)
        titles = {m.number: m.title for m in harness.store.milestones(harness.repo)}
        milestones = [
            titles[harness.issue(harness.number(NAME, key)).milestone or 0] for key in STRAY_KEYS
        ]
        assert milestones == ["Phase 1: Real work", "Phase 1: Real work", "Phase 2: More"]
        second = quiet(harness)
        assert notices(second, "the summary block") == [notice]

    def test_the_dry_run_shows_the_notice_and_writes_nothing(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: STRAY}, summary_toml=ALL_SUMMARIES)
        result = harness.sync(dry_run=True)
        assert len(notices(result, "plan.md: lines 3-10: the summary block")) == 1
        assert harness.plan(NAME) == STRAY
        assert harness.writes() == 0
        assert NAME not in result.diffs  # no summary block would be written

    def test_deleting_the_markers_lets_plansync_write_a_fresh_block(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: STRAY}, summary_toml=ALL_SUMMARIES)
        assert harness.sync().ok
        harness.edit_plan(NAME, b"<!-- plansync:summary -->\n\n## Phase 1", b"## Phase 1")
        harness.edit_plan(NAME, b"<!-- /plansync:summary -->\n\n", b"")
        result = harness.sync()
        assert result.ok, result.failed
        assert notices(result, "the summary block") == []
        text = harness.plan(NAME).decode()
        assert text.startswith(f"# Markers\n\n{SUMMARY_BEGIN}\n")
        assert "**Progress:** 0 / 3 tasks done (0%)" in block_of(text.encode()).decode()
        quiet(harness)


class TestSummaryBlock:
    def test_plansync_s_block_is_updated_as_figures_move(self, synced: SyncHarness) -> None:
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        result = synced.sync()
        assert result.ok, result.failed
        assert any(isinstance(a, WriteSummary) for a in result.actions)
        assert b"1 / 3 tasks done" in block_of(synced.plan(NAME))
        assert result.notices == []
        quiet(synced)

    def test_after_an_upgrade_or_a_lost_record_a_summary_looking_block_is_updated(
        self, synced: SyncHarness
    ) -> None:
        connection = sqlite3.connect(synced.state_path)
        with connection:
            connection.execute("DELETE FROM written_blocks")
        connection.close()
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        result = synced.sync()
        assert result.ok, result.failed
        assert b"1 / 3 tasks done" in block_of(synced.plan(NAME))
        assert result.notices == []

    def test_a_block_a_person_edited_is_reported_and_kept(self, synced: SyncHarness) -> None:
        synced.edit_plan(NAME, b"**Coverage:**", b"We are on track. **Coverage:**")
        edited = block_of(synced.plan(NAME))
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        result = synced.sync()
        assert result.ok, result.failed
        [notice] = notices(result, "the summary block")
        assert "was edited since plansync wrote it" in notice
        assert block_of(synced.plan(NAME)) == edited
        assert b"- [x] T1: Ship the CLI" in synced.plan(NAME)  # the rest still syncs


class TestIssueBody:
    def test_a_block_edited_on_the_tracker_is_kept_and_reported(self, synced: SyncHarness) -> None:
        number = synced.number(NAME, PARSER)
        body = synced.issue(number).body
        edited = body.replace(BODY_END, f"My note inside the block.\n{BODY_END}")
        synced.store.set_issue_body(synced.repo, number, edited)
        synced.edit_plan(NAME, b"Write the parser (2h)", b"Write the parser (3h)")
        result = synced.sync()
        assert result.ok, result.failed
        assert synced.issue(number).body == edited
        [notice] = notices(result, "plansync's block in the issue body")
        assert notice.startswith(f"#{number}: plansync's block in the issue body")
        assert "was edited since plansync wrote it" in notice
        [update] = [a for a in result.actions if isinstance(a, UpdateIssue)]
        assert update.number == number
        assert update.body is None
        issue = synced.tracker().get_issue(number)
        assert issue is not None
        assert issue.estimate_minutes == 180  # the estimate still goes
        again = quiet(synced)
        assert len(notices(again, "plansync's block in the issue body")) == 1

    def test_plansync_s_block_follows_the_plan(self, synced: SyncHarness) -> None:
        number = synced.number(NAME, PARSER)
        synced.edit_plan(NAME, b"Write the parser (2h)", b"Write the parser (3h)")
        result = synced.sync()
        assert result.ok, result.failed
        assert "**Estimate:** 3h" in synced.issue(number).body
        assert result.notices == []
        quiet(synced)


class TestMilestoneLine:
    def test_a_line_a_person_edited_is_kept_and_reported(self, synced: SyncHarness) -> None:
        (milestone,) = [m for m in synced.store.milestones(synced.repo) if m.title == PHASE_1]
        edited = milestone.description.replace(PROGRESS_END, f"blocked on legal\n{PROGRESS_END}")
        synced.store.update_milestone(synced.repo, milestone.number, description=edited)
        synced.store.close_issue(synced.repo, synced.number(NAME, PARSER))
        result = synced.sync()
        assert result.ok, result.failed
        assert not any(isinstance(a, DescribeMilestone) for a in result.actions)
        [notice] = notices(result, "progress line")
        assert notice.startswith(f"milestone {PHASE_1!r}: plansync's progress line")
        assert f"(between `{PROGRESS_BEGIN}` and `{PROGRESS_END}`)" in notice
        (after,) = [m for m in synced.store.milestones(synced.repo) if m.title == PHASE_1]
        assert after.description == edited

    def test_a_run_killed_right_after_the_write_takes_it_for_its_own(
        self,
        synced: SyncHarness,
        hook_writes: Callable[..., object],
    ) -> None:
        def crash(n: int, name: str) -> None:
            if name == "update_milestone":
                raise KeyboardInterrupt("killed after the milestone write")

        synced.store.close_issue(synced.repo, synced.number(NAME, PARSER))
        tracker = hook_writes(synced.tracker(), after=crash)
        with pytest.raises(KeyboardInterrupt):
            synced.sync(tracker=tracker)  # type: ignore[arg-type]
        result = synced.sync()
        assert result.ok, result.failed
        assert notices(result, "progress line") == []
        synced.store.close_issue(synced.repo, synced.number(NAME, EDITOR))
        result = synced.sync()
        assert notices(result, "progress line") == []
        [describe] = [a for a in result.actions if isinstance(a, DescribeMilestone)]
        assert describe.title == PHASE_1


class TestTrackingIssue:
    def test_a_body_a_person_edited_is_kept_and_reported(self, synced: SyncHarness) -> None:
        [number] = [i.number for i in synced.issues() if find_tracking_marker(i.body) == NAME]
        edited = synced.issue(number).body + "\nPlease review by Friday.\n"
        synced.store.set_issue_body(synced.repo, number, edited)
        synced.store.close_issue(synced.repo, synced.number(NAME, "T1"))
        result = synced.sync()
        assert result.ok, result.failed
        assert not any(isinstance(a, UpdateTrackingIssue) for a in result.actions)
        assert len(notices(result, f"#{number}, the tracking issue of plan.md")) == 1
        assert synced.issue(number).body == edited


class TestPlanWithoutTasks:
    @pytest.mark.parametrize(
        "raw",
        [b"", b"# Notes\n\nNothing to plan here yet.\n", b"# Notes\r\n\r\n- a thought\r\n"],
    )
    def test_nothing_is_written_into_it(self, make_harness: MakeHarness, raw: bytes) -> None:
        harness = make_harness({NAME: raw, "other.md": PLAN}, summary_toml=ALL_SUMMARIES)
        result = harness.sync()
        assert result.ok, result.failed
        assert harness.plan(NAME) == raw
        assert SUMMARY_BEGIN.encode() in harness.plan("other.md")
        assert not any(isinstance(a, WriteSummary) and a.planfile == NAME for a in result.actions)
