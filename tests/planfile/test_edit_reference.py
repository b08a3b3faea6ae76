"""Replacing a dead issue reference on a task's line: only where plansync writes references (an
issue cell, a group after the task's text), one line changed, every other byte kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import TableRowLayout
from plansync.planfile.edit import replace_issue_reference
from plansync.planfile.edit_reference import replaceable_reference
from plansync.planfile.parse import parse_plan

ROWS = TableRowLayout(("", "title", "issue"))
NO_ISSUE_COLUMN = TableRowLayout(("", "title", "estimate"))


class TestListItems:
    @pytest.mark.parametrize(
        ("line", "old", "expected"),
        [
            ("- [ ] Ship the thing (#40)", "#40", "- [ ] Ship the thing (#2)"),
            ("- [ ] Ship the thing (2h, #40)", "#40", "- [ ] Ship the thing (2h, #2)"),
            ("* [x] **Ship** it (#40) (P1)", "#40", "* [x] **Ship** it (#2) (P1)"),
            (
                "- OPS-1: Ship (#40) <!-- plansync: ignore -->",
                "#40",
                "- OPS-1: Ship (#2) <!-- plansync: ignore -->",
            ),
            ("  1. [ ] Ship (#40)  ", "#40", "  1. [ ] Ship (#2)  "),
            (
                "- [ ] Ship (https://github.com/demo/plans/issues/40)",
                "https://github.com/demo/plans/issues/40",
                "- [ ] Ship (#2)",
            ),
        ],
    )
    def test_the_reference_after_the_text_is_replaced(
        self, line: str, old: str, expected: str
    ) -> None:
        raw = f"# Plan\n\n{line}\nAfter\n".encode()

        edited = replace_issue_reference(raw, 3, old, "#2", None)

        assert edited == f"# Plan\n\n{expected}\nAfter\n".encode()

    def test_a_reference_in_the_title_stays_and_the_new_one_is_added(self) -> None:
        raw = b"- [ ] Fix #40 crash\n"

        assert not replaceable_reference("- [ ] Fix #40 crash", 1, "#40", None)
        assert replace_issue_reference(raw, 1, "#40", "#2", None) == b"- [ ] Fix #40 crash (#2)\n"

    @pytest.mark.parametrize("other", ["#401", "other/repo#40", "#40-45"])
    def test_only_the_reference_itself_is_replaced(self, other: str) -> None:
        raw = f"- [ ] Ship ({other})\n".encode()

        assert (
            replace_issue_reference(raw, 1, "#40", "#2", None)
            == f"- [ ] Ship ({other}) (#2)\n".encode()
        )

    def test_a_line_already_holding_the_new_reference_is_left_alone(self) -> None:
        raw = b"- [ ] Ship (#2)\n"

        assert replace_issue_reference(raw, 1, "#40", "#2", None) == raw

    def test_the_repository_qualified_form_is_written_as_given(self) -> None:
        raw = b"- [ ] Ship (#40)\n"

        assert replace_issue_reference(raw, 1, "#40", "demo/plans#2", None) == (
            b"- [ ] Ship (demo/plans#2)\n"
        )

    def test_crlf_bom_and_other_lines_keep_their_bytes(self) -> None:
        raw = b"\xef\xbb\xbf# Plan  \r\n\r\n- [ ] Ship (#40)\r\n- [ ] Keep (#40)\r\n"

        edited = replace_issue_reference(raw, 3, "#40", "#2", None)

        assert edited == b"\xef\xbb\xbf# Plan  \r\n\r\n- [ ] Ship (#2)\r\n- [ ] Keep (#40)\r\n"

    def test_a_mis_encoded_line_keeps_its_encoding(self) -> None:
        # `→` saved as cp1252 mojibake (`â†’`) around the reference.
        text = "- [ ] Ship → now (#40)\n"
        raw = text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")

        edited = replace_issue_reference(raw, 1, "#40", "#2", None)

        assert edited == raw.replace(b"(#40)", b"(#2)")

    def test_the_reader_reads_the_new_reference_and_the_same_title(self) -> None:
        raw = b"# Plan\n\n## Phase 1\n\n- [ ] Ship the thing (#40)\n"

        edited = replace_issue_reference(raw, 5, "#40", "#2", None)

        (before,) = parse_plan(raw, Path("p.md")).tasks
        (after,) = parse_plan(edited, Path("p.md")).tasks
        assert (after.key, after.title) == (before.key, before.title)
        assert [r.text for r in after.issue_refs] == ["#2"]

    def test_a_new_reference_that_is_no_reference_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"expected e\.g\. `#123`"):
            replace_issue_reference(b"- [ ] Ship (#40)\n", 1, "#40", "#2 -->", None)


class TestTableRows:
    def test_the_issue_cell_keeps_its_width(self) -> None:
        raw = b"| 1 | Ship | #40    |\n| 2 | Keep | #40 |\n"

        edited = replace_issue_reference(raw, 1, "#40", "#2", ROWS)

        assert edited == b"| 1 | Ship | #2     |\n| 2 | Keep | #40 |\n"

    def test_one_reference_of_several_in_the_cell(self) -> None:
        raw = b"| 1 | Ship | #51, other/repo#7 |\n"

        assert replace_issue_reference(raw, 1, "#51", "#2", ROWS) == (
            b"| 1 | Ship | #2, other/repo#7  |\n"
        )

    def test_a_reference_in_the_title_cell_is_not_the_issue_cells(self) -> None:
        raw = b"| 1 | Fix #40 | - |\n"

        assert not replaceable_reference("| 1 | Fix #40 | - |", 1, "#40", ROWS)
        # The cell's own text stays, the link beside it (as add_issue_link writes it).
        assert replace_issue_reference(raw, 1, "#40", "#2", ROWS) == b"| 1 | Fix #40 | - (#2) |\n"

    def test_without_an_issue_column_the_title_cells_trailing_group(self) -> None:
        raw = b"| 1 | Ship it (#40) | 2h |\n"

        assert replaceable_reference("| 1 | Ship it (#40) | 2h |", 1, "#40", NO_ISSUE_COLUMN)
        assert replace_issue_reference(raw, 1, "#40", "#2", NO_ISSUE_COLUMN) == (
            b"| 1 | Ship it (#2) | 2h |\n"
        )

    def test_a_row_shorter_than_its_header_is_nothing_to_replace(self) -> None:
        assert not replaceable_reference("| 1 | Ship |", 1, "#40", ROWS)
