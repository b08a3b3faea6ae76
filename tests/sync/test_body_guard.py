"""An issue body block a person edited on the tracker is reported and kept: the update that
would write over it goes without its body."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from plansync.model.changeset import BaseUpdate, BodySpec, Changeset, UpdateIssue
from plansync.model.remote import IssueState, RemoteIssue
from plansync.model.sync import Fields, TaskRef, TaskState
from plansync.state.base import BlockRef
from plansync.summary.guard import digest
from plansync.sync.body import (
    BODY_END,
    BODY_START,
    block_text,
    keep_edited_blocks,
    render_body_block,
    splice,
)
from plansync.trackers.markers import task_marker

TASK = TaskRef("plan.md", "ship")
SPEC = BodySpec("Old words.", None, None, (), "plan.md", None, "ship", task_marker("plan.md#ship"))
OLD = render_body_block(SPEC, {})
NEW = render_body_block(replace(SPEC, description="New words."), {})
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def issue(body: str) -> RemoteIssue:
    return RemoteIssue(5, 500, "https://x/5", "Ship", body, IssueState.OPEN, WHEN, WHEN)


def changeset(body_there: str, *, changed: tuple[str, ...] = ("body",)) -> Changeset:
    before = Fields("Ship", TaskState.OPEN, body=OLD)
    after = replace(before, body=NEW, title="Ship it" if "title" in changed else "Ship")
    update = UpdateIssue(
        TASK,
        5,
        changed,
        after,
        f"changed in the plan: {', '.join(changed)}",
        tracker_title="Ship it" if "title" in changed else None,
        body=splice(body_there, NEW),
    )
    return Changeset(actions=[update], bases={TASK: BaseUpdate(before, after)})


def written(text: str | None = OLD) -> dict[BlockRef, frozenset[str]]:
    inside = block_text(text)
    return {BlockRef("body", "5"): frozenset({digest(inside)})} if inside is not None else {}


class TestBlockText:
    def test_between_the_markers(self) -> None:
        assert block_text(f"Intro\n\n{BODY_START}\nmine\n{BODY_END}\nOutro") == "\nmine\n"

    def test_to_the_end_when_the_end_marker_was_cut(self) -> None:
        assert block_text(f"Intro\n{BODY_START}\nmine\nmore") == "\nmine\nmore"

    @pytest.mark.parametrize("body", [None, "", "Only a person's text"])
    def test_none_without_a_block(self, body: str | None) -> None:
        assert block_text(body) is None


class TestKeepEditedBlocks:
    def test_plansync_s_block_is_updated(self) -> None:
        body = f"Intro\n\n{OLD}"
        out = changeset(body)
        before = list(out.actions)
        keep_edited_blocks(out, {5: issue(body)}, written())
        assert out.actions == before
        assert out.notices == []

    def test_a_block_edited_on_the_tracker_is_kept_and_reported(self) -> None:
        edited = f"Intro\n\n{OLD.replace('Old words.', 'Old words, and my note.')}"
        out = changeset(edited)
        keep_edited_blocks(out, {5: issue(edited)}, written())
        assert out.actions == []
        [notice] = out.notices
        assert (notice.task, notice.number) == (TASK, 5)
        assert notice.message == (
            f"#5: plansync's block in the issue body (between `{BODY_START}` and `{BODY_END}`) "
            "was edited since plansync wrote it, so plansync leaves it as it is and does not "
            "update it. Move that text out of the block, or delete the block (both markers and "
            "what lies between them) to let plansync write a fresh one."
        )
        # Nothing was written: the base keeps the body it had.
        assert out.bases[TASK].after.body == OLD

    def test_the_update_s_other_fields_still_go(self) -> None:
        edited = OLD.replace("Old words.", "Edited.")
        out = changeset(edited, changed=("title", "body"))
        keep_edited_blocks(out, {5: issue(edited)}, written())
        [update] = out.actions
        assert isinstance(update, UpdateIssue)
        assert (update.changed, update.body, update.tracker_title) == (("title",), None, "Ship it")
        assert update.fields.body == OLD
        assert "edited on the tracker" in update.why

    def test_text_after_a_cut_block_is_kept(self) -> None:
        cut = OLD.removesuffix(BODY_END) + "\nA person's text after the block"
        out = changeset(cut)
        keep_edited_blocks(out, {5: issue(cut)}, written())
        assert out.actions == []
        assert len(out.notices) == 1

    def test_without_a_digest_a_block_that_looks_like_plansync_s_is_updated(self) -> None:
        out = changeset(OLD)
        keep_edited_blocks(out, {5: issue(OLD)}, {})
        assert len(out.actions) == 1
        assert out.notices == []

    def test_without_a_digest_a_block_holding_a_checklist_is_kept(self) -> None:
        listed = OLD.replace("Old words.", "- [ ] ask legal\n- [ ] ask finance")
        out = changeset(listed)
        keep_edited_blocks(out, {5: issue(listed)}, {})
        assert out.actions == []
        assert "holds a task (`- [ ] ask legal`)" in out.notices[0].message

    def test_a_body_without_a_block_gets_one(self) -> None:
        out = changeset("Only a person's text")
        keep_edited_blocks(out, {5: issue("Only a person's text")}, written())
        assert len(out.actions) == 1
        assert out.notices == []

    def test_a_line_ending_change_by_the_tracker_is_no_edit(self) -> None:
        crlf = OLD.replace("\n", "\r\n")
        out = changeset(crlf)
        keep_edited_blocks(out, {5: issue(crlf)}, written())
        assert len(out.actions) == 1
