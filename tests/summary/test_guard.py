"""Whether plansync may write over one of its blocks: the digest on record, else what the block
holds."""

from __future__ import annotations

import pytest

from plansync.model.sync import TaskState
from plansync.planfile.rules import ReaderRules
from plansync.summary.data import (
    Coverage,
    MilestoneRow,
    PlanFigures,
    Progress,
    TaskLine,
    Unlinked,
)
from plansync.summary.guard import (
    digest,
    kept_block,
    kept_summary_block,
    kept_tracking_body,
    normalised,
)
from plansync.summary.render import render_summary_block, tracking_body
from plansync.trackers.markers import tracking_marker

MARKER = tracking_marker("plan.md")


def figures() -> PlanFigures:
    """Figures with a milestone table and a list of tasks without issues, IDs included."""
    pending = TaskLine("ops-7", "Deploy", TaskState.OPEN, 9, id="OPS-7", unlinked=Unlinked.PENDING)
    done = TaskLine("t1", "Write", TaskState.DONE, 5, id="T1", number=4, url="https://x/4")
    return PlanFigures(
        planfile="plan.md",
        title="Plan",
        overall=Progress(1, 2),
        milestones=(MilestoneRow("Week 1", Progress(1, 2)),),
        coverage=Coverage(1, 2, (pending,)),
        tasks=(done, pending),
    )


class TestDigest:
    @pytest.mark.parametrize(
        "other",
        ["a\r\nb", "a  \nb\t", "\n\na\nb\n\n", "a\rb"],
    )
    def test_line_endings_trailing_spaces_and_blank_ends_do_not_count(self, other: str) -> None:
        assert normalised(other) == "a\nb"
        assert digest(other) == digest("a\nb")

    def test_a_ticked_box_of_a_task_list_does_not_count(self) -> None:
        written = "**Tasks:**\n\n- [ ] #12 Ship it\n- [x] #13 Test it"
        ticked = "**Tasks:**\n\n- [x] #12 Ship it\n- [X] #13 Test it"
        assert digest(ticked) == digest(written)
        assert digest("- [ ] #12 Ship it") != digest("- [ ] #12 Ship it now")
        assert digest("text [x] inside") != digest("text [ ] inside")

    def test_any_other_change_does(self) -> None:
        assert digest("a\nb") != digest("a\nB")
        assert digest("a\nb") != digest("a\n\nb")
        assert digest("a b") != digest("a  b")


class TestWithADigestOnRecord:
    def test_the_text_plansync_wrote_may_be_written_over(self) -> None:
        assert kept_block("**Progress:** 1 / 2", {digest("**Progress:** 1 / 2")}) is None

    def test_one_of_two_texts_of_a_write_under_way_may_be_written_over(self) -> None:
        assert kept_block("new", {digest("old"), digest("new")}) is None

    def test_an_edited_text_is_kept_even_when_it_looks_like_plansync_s(self) -> None:
        kept = kept_block("**Progress:** 1 / 2, nearly there", {digest("**Progress:** 1 / 2")})
        assert kept is not None
        assert kept.reason == "was edited since plansync wrote it"

    def test_plansync_s_own_text_may_be_written_over_whatever_it_holds(self) -> None:
        # An issue body block whose description holds a checklist: plansync wrote it.
        text = "\n- [ ] step one\n\n**Plan:** plan.md\n"
        assert kept_block(text, {digest(text)}) is None

    @pytest.mark.parametrize("text", ["", "\n", "  \n\t\n"])
    def test_an_empty_block_holds_nothing_to_lose(self, text: str) -> None:
        assert kept_block(text, {digest("something else")}) is None


class TestWithoutADigest:
    def test_a_summary_plansync_writes_may_be_written_over(self) -> None:
        assert kept_summary_block(render_summary_block(figures()), ()) is None

    @pytest.mark.parametrize(
        ("text", "reason", "line"),
        [
            ("\n## Phase 1: Real work\n", "holds a heading (`Phase 1: Real work`)", 2),
            ("\nnotes\n\n- [ ] Task inside\n", "holds a task (`- [ ] Task inside`)", 4),
            ("- OPS-1: Deploy\n", "holds a task (`- OPS-1: Deploy`)", 1),
            (
                "| Task | Owner |\n|---|---|\n| Deploy | ada |\n",
                "holds a task (`| Task | Owner |`)",
                1,
            ),
            (
                "| Risk | Odds |\n|---|---|\n| rain | low |\n",
                "holds a table (`| Risk | Odds |`)",
                1,
            ),
        ],
    )
    def test_a_heading_a_task_or_a_table_is_kept(self, text: str, reason: str, line: int) -> None:
        kept = kept_summary_block(text, ())
        assert kept is not None
        assert kept.reason == f"{reason}, which plansync never writes there"
        # Named by its line in the file when the block's first line is known.
        kept = kept_summary_block(text, (), first_line=10)
        assert kept is not None
        assert kept.reason == f"{reason} on line {9 + line}, which plansync never writes there"

    def test_the_planfile_s_id_shapes_count(self) -> None:
        assert kept_summary_block("- web12: Ship it\n", ()) is None
        kept = kept_summary_block(
            "- web12: Ship it\n", (), ReaderRules(extra_id_patterns=(r"web\d+",))
        )
        assert kept is not None
        assert "holds a task" in kept.reason

    def test_section_rules_do_not_hide_tasks(self) -> None:
        rules = ReaderRules(include_sections=("^Nowhere$",))
        kept = kept_summary_block("- [ ] Task\n", (), rules)
        assert kept is not None
        assert "holds a task" in kept.reason

    def test_plain_paragraphs_and_bullets_may_be_written_over(self) -> None:
        assert kept_block("Fill in later.\n\n- a note\n", ()) is None

    def test_a_table_is_plansync_s_only_in_a_summary(self) -> None:
        table = render_summary_block(figures())
        assert kept_summary_block(table, ()) is None
        kept = kept_block(table, ())
        assert kept is not None
        assert "holds a table (`| Milestone | Done |" in kept.reason


class TestTablesWithoutADigest:
    """Found by the slow sweep of test_nothing_lost: a person's table next to plansync's."""

    MILESTONES = (
        "| Milestone | Done | Progress | % | Estimate done / left | Due |\n"
        "|---|---:|---|---:|---|---|\n"
        "| [Phase 1](u) | 1 / 2 | `[#####.....]` | 50% | - | - |\n"
    )

    def test_plansyncs_milestone_table_alone_may_be_written_over(self) -> None:
        assert kept_summary_block(self.MILESTONES, ()) is None

    def test_a_table_written_right_under_it_is_kept(self) -> None:
        text = self.MILESTONES + "| Risk | Odds |\n|---|---|\n| rain | low |\n"
        kept = kept_summary_block(text, ())
        assert kept is not None

    def test_a_table_markdown_reads_as_a_paragraph_is_kept(self) -> None:
        text = "- a plain note\n| Risk | Odds |\n|---|---|\n| rain | low |\n"
        kept = kept_summary_block(text, ())
        assert kept is not None
        assert "a table row (`| Risk | Odds |`)" in kept.reason


class TestTrackingBody:
    def body(self) -> str:
        return f"{MARKER}\n\n{tracking_body(figures())}"

    def test_plansync_s_body_without_a_digest_may_be_written_over(self) -> None:
        assert kept_tracking_body(self.body(), MARKER, ()) is None

    @pytest.mark.parametrize(
        "added",
        ["## Notes", "Please review by Friday.", "| a | b |\n|---|---|\n| 1 | 2 |"],
    )
    def test_anything_added_to_the_task_list_is_kept(self, added: str) -> None:
        kept = kept_tracking_body(f"{self.body()}\n{added}\n", MARKER, ())
        assert kept is not None
        assert "on line" not in kept.reason

    def test_a_heading_added_to_the_summary_is_kept(self) -> None:
        body = self.body().replace("**Progress:**", "## Status\n\n**Progress:**")
        kept = kept_tracking_body(body, MARKER, ())
        assert kept is not None
        assert "holds a heading (`Status`)" in kept.reason

    def test_with_a_digest_any_edit_but_a_ticked_box_is_kept(self) -> None:
        body = self.body()
        assert kept_tracking_body(body, MARKER, {digest(body)}) is None
        # Anyone may tick a task list's boxes on GitHub; the next write sets them again.
        ticked = body.replace("- [ ]", "- [x]")
        assert ticked != body
        assert kept_tracking_body(ticked, MARKER, {digest(body)}) is None
        edited = body + "\nMy own note"
        kept = kept_tracking_body(edited, MARKER, {digest(body)})
        assert kept is not None
        assert kept.reason == "was edited since plansync wrote it"

    @pytest.mark.parametrize("body", [MARKER, f"\n{MARKER}\n\n", ""])
    def test_a_body_cleared_but_for_the_marker_may_be_written(self, body: str) -> None:
        assert kept_tracking_body(body, MARKER, {digest("what plansync wrote")}) is None
