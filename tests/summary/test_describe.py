"""plansync's progress line in a milestone description, and comparing descriptions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansync.summary.describe import (
    PROGRESS_BEGIN,
    PROGRESS_END,
    same_description,
    with_progress,
)

LINE = "Progress: 3/10 done (30 %)"
BLOCK = f"{PROGRESS_BEGIN}\n{LINE}\n{PROGRESS_END}"


class TestWithProgress:
    @pytest.mark.parametrize("description", ["", "\n", "  \n\n"])
    def test_empty_description_becomes_the_block(self, description: str) -> None:
        assert with_progress(description, LINE) == BLOCK

    @pytest.mark.parametrize(
        "description", ["Ship the beta.", "Ship the beta.\n", "Ship the beta.\n\n\n"]
    )
    def test_block_is_appended_one_blank_line_after_the_text(self, description: str) -> None:
        assert with_progress(description, LINE) == f"Ship the beta.\n\n{BLOCK}"

    def test_replace_keeps_everything_else(self) -> None:
        description = (
            f"Intro  \n\n{PROGRESS_BEGIN}\nProgress: 1/10\nstale\n{PROGRESS_END}\nOutro\t\n"
        )
        assert with_progress(description, LINE) == (
            f"Intro  \n\n{PROGRESS_BEGIN}\n{LINE}\n{PROGRESS_END}\nOutro\t\n"
        )

    def test_respaced_markers_are_recognised_and_kept(self) -> None:
        description = "Text\n<!--plansync:progress-->\nold\n  <!-- /plansync:progress -->"
        assert with_progress(description, LINE) == (
            f"Text\n<!--plansync:progress-->\n{LINE}\n  <!-- /plansync:progress -->"
        )

    @pytest.mark.parametrize(
        ("description", "kept"),
        [
            (f"Text\n\n{PROGRESS_BEGIN}\nold", "Text\n\nold"),
            (f"Text\n\nold\n{PROGRESS_END}", "Text\n\nold"),
            (f"Text\n\n{PROGRESS_END}\nold\n{PROGRESS_BEGIN}", "Text\n\nold"),
            (f"Text\n\n{PROGRESS_BEGIN}\nold\n{PROGRESS_BEGIN}\nolder\n{PROGRESS_END}", "Text"),
            (
                f"Text\n{PROGRESS_BEGIN}\na\n{PROGRESS_END}\n{PROGRESS_BEGIN}\nb\n{PROGRESS_END}",
                "Text",
            ),
        ],
    )
    def test_damaged_pairs_are_dropped_and_a_fresh_block_appended(
        self, description: str, kept: str
    ) -> None:
        assert with_progress(description, LINE) == f"{kept}\n\n{BLOCK}"

    def test_lines_between_a_begin_and_the_next_end_go_the_rest_stays(self) -> None:
        description = (
            f"Keep 1\n{PROGRESS_BEGIN}\ndrop\n{PROGRESS_END}\nKeep 2\n{PROGRESS_END}\nKeep 3"
        )
        assert with_progress(description, LINE) == f"Keep 1\nKeep 2\nKeep 3\n\n{BLOCK}"

    def test_crlf_stays_crlf(self) -> None:
        crlf = BLOCK.replace("\n", "\r\n")
        assert with_progress("Intro\r\nmore\r\n", LINE) == f"Intro\r\nmore\r\n\r\n{crlf}"
        replaced = with_progress(f"Intro\r\n\r\n{PROGRESS_BEGIN}\r\nold\r\n{PROGRESS_END}", LINE)
        assert replaced == f"Intro\r\n\r\n{crlf}"
        assert "\n" not in replaced.replace("\r\n", "")

    def test_mixed_endings_keep_the_begin_marker_s_ending_so_a_second_run_changes_nothing(
        self,
    ) -> None:
        description = f"{PROGRESS_BEGIN}\n\n\n{PROGRESS_END}\r\n\r\n"
        once = with_progress(description, LINE)
        assert once == f"{PROGRESS_BEGIN}\n{LINE}\n{PROGRESS_END}\r\n\r\n"
        assert with_progress(once, LINE) == once

    def test_a_line_with_breaks_takes_the_description_s_ending(self) -> None:
        assert with_progress("A\r\n", "one\ntwo\n") == (
            f"A\r\n\r\n{PROGRESS_BEGIN}\r\none\r\ntwo\r\n{PROGRESS_END}"
        )

    @pytest.mark.parametrize(
        "line", [f"x {PROGRESS_END}", PROGRESS_BEGIN, "a <!--  /plansync:progress\t--> b"]
    )
    def test_a_line_holding_a_marker_is_refused(self, line: str) -> None:
        with pytest.raises(ValueError, match="contains a plansync progress marker"):
            with_progress("Text", line)

    @given(
        st.lists(
            st.sampled_from(["a", " ", "\t", "\n", "\r\n", PROGRESS_BEGIN, PROGRESS_END]),
            max_size=30,
        ).map("".join),
        st.sampled_from([LINE, "", "✅ 1/2"]),
    )
    def test_idempotent_and_holds_exactly_one_block(self, description: str, line: str) -> None:
        once = with_progress(description, line)
        assert with_progress(once, line) == once
        lines = [text.strip() for text in once.replace("\r\n", "\n").split("\n")]
        assert lines.count(PROGRESS_BEGIN) == 1
        assert lines.count(PROGRESS_END) == 1
        assert lines[lines.index(PROGRESS_BEGIN) + 1 : lines.index(PROGRESS_END)] == [line]


class TestSameDescription:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("Text\r\nmore", "Text\nmore"),
            ("Text  \nmore\t", "Text\nmore"),
            ("Text\n\n", "Text"),
            ("\nText", "Text"),
            (with_progress("Intro\r\n", LINE), with_progress("Intro\n", LINE)),
            ("", "  \n"),
        ],
    )
    def test_differences_a_tracker_may_make_are_no_difference(self, a: str, b: str) -> None:
        assert same_description(a, b)
        assert same_description(b, a)

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("Text", "text"),
            ("Text\nmore", "Text more"),
            ("    code", "code"),
            ("a\n\nb", "a\nb"),
            (with_progress("Intro", LINE), with_progress("Intro", "Progress: 4/10")),
        ],
    )
    def test_real_differences_count(self, a: str, b: str) -> None:
        assert not same_description(a, b)
