"""The summary's changeset keeps what plansync did not write: a block a person edited, a block
holding plan text, a progress line or a tracking issue body edited on the tracker; and it
writes nothing into a plan without tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from builders import remote_issue
from plansync.config.project import ProjectConfig
from plansync.model.changeset import DescribeMilestone, UpdateTrackingIssue, WriteSummary
from plansync.model.remote import IssueState, RemoteMilestone
from plansync.model.sync import Findings, RemoteSnapshot
from plansync.planfile.rules import ReaderRules
from plansync.state.base import BlockRef
from plansync.summary.changes import SummaryTarget, summary_changeset
from plansync.summary.describe import PROGRESS_BEGIN, PROGRESS_END
from plansync.summary.figures import Known, compute
from plansync.summary.guard import digest
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END, summary_block, write_summary
from plansync.summary.render import render_summary_block, tracking_body
from plansync.trackers.markers import tracking_marker

from .samples import plan_input

PLANFILE = "plan.md"
TODAY = date(2026, 3, 1)
PLAN = b"# Plan\n\n## Week 1\n\n- [ ] Write\n- [x] Ship\n"
STRAY = b"""# Markers

<!-- plansync:summary -->

## Phase 1: Real work

- [ ] Task inside stray markers
- [ ] Another one

<!-- /plansync:summary -->

## Phase 2: More

- [ ] Task outside
"""


def project(**summary: Any) -> ProjectConfig:
    return ProjectConfig.model_validate(
        {
            "name": "demo",
            "tracker": {"kind": "github", "repo": "demo/plans"},
            "plans": ["*.md"],
            "summary": summary,
        }
    )


def target(raw: bytes, remote: RemoteSnapshot | None = None) -> SummaryTarget:
    remote = remote or RemoteSnapshot({}, [])
    figures = compute(plan_input(raw, PLANFILE), project(), Known({}, remote, Findings(), TODAY))
    return SummaryTarget(PLANFILE, raw, figures, ReaderRules())


def with_block(raw: bytes) -> bytes:
    """The plan as plansync's first write leaves it (block after the title)."""
    content = render_summary_block(target(raw).figures)
    data = write_summary(raw, content, "after-title")
    assert data is not None
    return data


def summary_ref() -> BlockRef:
    return BlockRef("summary", PLANFILE)


class TestPlanfileBlock:
    def test_stray_markers_around_tasks_are_reported_with_file_lines_and_what_to_do(self) -> None:
        changeset = summary_changeset([target(STRAY)], RemoteSnapshot({}, []), project())
        assert changeset.actions == []
        [notice] = changeset.notices
        assert notice.message == (
            "plan.md: lines 3-10: the summary block between `<!-- plansync:summary -->` and "
            "`<!-- /plansync:summary -->` holds a heading (`Phase 1: Real work`) on line 5, "
            "which plansync never writes there, so plansync leaves it as it is and writes no "
            "summary. Move that content out of the block, or delete the block (both marker "
            "lines and what lies between them) to let plansync write a fresh one."
        )

    def test_stray_markers_are_reported_whatever_the_digests_on_record(self) -> None:
        written = {summary_ref(): frozenset({digest("anything")})}
        changeset = summary_changeset([target(STRAY)], RemoteSnapshot({}, []), project(), written)
        assert changeset.actions == []
        assert "was edited since plansync wrote it" in changeset.notices[0].message

    @pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
    def test_plansync_s_block_is_updated_as_figures_move(self, eol: bytes) -> None:
        plan = PLAN.replace(b"\n", eol)
        raw = with_block(plan)
        ticked = raw.replace(b"- [ ] Write", b"- [x] Write")
        # As the apply step records it: the digest of the content it wrote.
        written = {summary_ref(): frozenset({digest(render_summary_block(target(plan).figures))})}
        changeset = summary_changeset([target(ticked)], RemoteSnapshot({}, []), project(), written)
        [action] = changeset.actions
        assert isinstance(action, WriteSummary)
        assert "2 / 2 tasks done" in action.content
        assert changeset.notices == []

    def test_a_summary_looking_block_without_a_digest_is_updated(self) -> None:
        raw = with_block(PLAN).replace(b"- [ ] Write", b"- [x] Write")
        changeset = summary_changeset([target(raw)], RemoteSnapshot({}, []), project())
        assert [type(a) for a in changeset.actions] == [WriteSummary]

    def test_a_block_a_person_edited_is_reported_and_kept(self) -> None:
        raw = with_block(PLAN)
        block = summary_block(raw)
        assert block is not None
        edited = raw.replace(b"**Coverage:**", b"Looking good! **Coverage:**").replace(
            b"- [ ] Write", b"- [x] Write"
        )
        written = {summary_ref(): frozenset({digest(block.text)})}
        changeset = summary_changeset([target(edited)], RemoteSnapshot({}, []), project(), written)
        assert changeset.actions == []
        [notice] = changeset.notices
        assert notice.message.startswith(
            f"plan.md: lines {block.begin}-{block.end}: the summary block between "
            f"`{SUMMARY_BEGIN}` and `{SUMMARY_END}` was edited since plansync wrote it, so "
            "plansync leaves it as it is"
        )

    @pytest.mark.parametrize("raw", [b"", b"# Notes\n\nNothing to do here.\n"])
    def test_a_plan_without_tasks_gets_no_block(self, raw: bytes) -> None:
        changeset = summary_changeset([target(raw)], RemoteSnapshot({}, []), project())
        assert changeset.actions == []
        assert changeset.notices == []

    def test_markers_waiting_in_a_plan_without_tasks_stay_empty(self) -> None:
        raw = f"# Notes\n\n{SUMMARY_BEGIN}\n{SUMMARY_END}\n".encode()
        changeset = summary_changeset([target(raw)], RemoteSnapshot({}, []), project())
        assert changeset.actions == []

    def test_plansync_s_block_in_a_plan_whose_tasks_all_left_says_so(self) -> None:
        raw = with_block(PLAN)
        block = summary_block(raw)
        assert block is not None
        emptied = raw.replace(b"- [ ] Write\n- [x] Ship\n", b"")
        written = {summary_ref(): frozenset({digest(block.text)})}
        changeset = summary_changeset([target(emptied)], RemoteSnapshot({}, []), project(), written)
        [action] = changeset.actions
        assert isinstance(action, WriteSummary)
        assert "No tasks found in this plan." in action.content


REPO = "https://github.com/demo/plans"


def milestone(description: str) -> RemoteMilestone:
    return RemoteMilestone(7, 700, "Week 1", IssueState.OPEN, f"{REPO}/milestone/7", description)


class TestMilestoneLine:
    LINE = "**Progress:** 1 / 2 tasks done (50%)"

    def changeset(self, description: str, recorded: str | None) -> Any:
        remote = RemoteSnapshot({}, [milestone(description)])
        written = {BlockRef("progress", "7"): frozenset({digest(recorded)})} if recorded else {}
        return summary_changeset([target(PLAN, remote)], remote, project(enabled=False), written)

    def test_plansync_s_line_is_updated(self) -> None:
        old = "**Progress:** 0 / 2 tasks done (0%)"
        changeset = self.changeset(f"Intro\n\n{PROGRESS_BEGIN}\n{old}\n{PROGRESS_END}", old)
        [action] = changeset.actions
        assert isinstance(action, DescribeMilestone)
        assert self.LINE in action.description

    def test_a_line_a_person_edited_is_reported_and_kept(self) -> None:
        old = "**Progress:** 0 / 2 tasks done (0%)"
        edited = f"{old} (blocked on legal)"
        changeset = self.changeset(f"Intro\n\n{PROGRESS_BEGIN}\n{edited}\n{PROGRESS_END}", old)
        assert changeset.actions == []
        [notice] = changeset.notices
        assert notice.message == (
            "milestone 'Week 1': plansync's progress line in its description (between "
            f"`{PROGRESS_BEGIN}` and `{PROGRESS_END}`) was edited since plansync wrote it, so "
            "plansync leaves it as it is. Move that text out of the markers, or delete them "
            "and what lies between to let plansync write a fresh line."
        )

    def test_a_checklist_between_markers_without_a_digest_is_kept(self) -> None:
        changeset = self.changeset(f"{PROGRESS_BEGIN}\n- [ ] sign off\n{PROGRESS_END}", None)
        assert changeset.actions == []
        assert "holds a task (`- [ ] sign off`)" in changeset.notices[0].message


class TestTrackingIssue:
    def changeset(self, body: str, recorded: str | None) -> Any:
        issue = remote_issue(40, "Plan: Plan", repo_url=REPO)
        remote = RemoteSnapshot({40: issue.__class__(**{**issue.__dict__, "body": body})}, [])
        written = {BlockRef("tracking", "40"): frozenset({digest(recorded)})} if recorded else {}
        settings = project(enabled=False, milestones=False, tracking_issue=True)
        return summary_changeset([target(PLAN, remote)], remote, settings, written)

    def wrote(self) -> str:
        return f"{tracking_marker(PLANFILE)}\n\n{tracking_body(target(PLAN).figures)}"

    def test_plansync_s_body_is_updated(self) -> None:
        old = self.wrote().replace("1 / 2", "0 / 2")
        [action] = self.changeset(old, old).actions
        assert isinstance(action, UpdateTrackingIssue)
        assert action.body == self.wrote()

    def test_a_body_a_person_edited_is_reported_and_kept(self) -> None:
        old = self.wrote().replace("1 / 2", "0 / 2")
        changeset = self.changeset(old + "\nPlease review.\n", old)
        assert changeset.actions == []
        [notice] = changeset.notices
        assert notice.number == 40
        assert notice.message.startswith(
            "#40, the tracking issue of plan.md: its body was edited since plansync wrote it"
        )
        assert f"clear the body but for its first line `{tracking_marker(PLANFILE)}`" in (
            notice.message
        )
