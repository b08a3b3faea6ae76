"""The byte-exact editor: one line (or cell, or the inside of the markers) changes, nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from builders import changed_line_numbers
from plansync.model.plan import PlanDocument, TableRowLayout
from plansync.planfile.decode import as_stored, decode_plan
from plansync.planfile.edit import (
    add_issue_link,
    set_checkbox,
    set_table_status,
    set_task_title,
)
from plansync.planfile.edit_block import replace_between_markers
from plansync.planfile.edit_escape import escape_cell, escape_inline
from plansync.planfile.lines import split_ending, split_lines, strip_bom
from plansync.planfile.parse import parse_plan

SHARED_PLANS = Path(__file__).resolve().parents[2].parent / "shared" / "plans"
BEGIN = "<!-- plansync:summary -->"
END = "<!-- /plansync:summary -->"


def shared_plan(name: str) -> bytes:
    path = SHARED_PLANS / name
    if not path.is_file():
        pytest.skip(f"the shared plans folder {SHARED_PLANS} (or {name} in it) is absent")
    return path.read_bytes()


def line_of(raw: bytes, line: int) -> bytes:
    return split_lines(strip_bom(raw)[1])[line - 1]


# ----------------------------------------------------------------------------------------------
# Generated documents


@dataclass(frozen=True)
class Document:
    raw: bytes
    checkbox_lines: tuple[int, ...]
    marks: tuple[str, ...]  # the mark between the brackets of each checkbox line


SAFE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n#"),
    max_size=30,
)
TITLE = SAFE_TEXT.filter(lambda t: t.strip(" \t") != "" and not t.endswith("\\"))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """Markdown with checkbox items among other lines: random indents, markers, endings,
    trailing spaces, BOM, and sometimes stored as mojibake."""
    style = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    code_page = draw(st.sampled_from([None, None, "cp1252", "mac_roman"]))
    count = draw(st.integers(min_value=1, max_value=12))
    lines: list[str] = []
    checkboxes: list[int] = []
    marks: list[str] = []
    for number in range(1, count + 1):
        if draw(st.booleans()):
            indent = draw(st.text(alphabet=" \t", max_size=6))
            marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)", "10."]))
            mark = draw(st.sampled_from([" ", "x", "X"]))
            title = draw(TITLE).strip(" \t")
            trailing = draw(st.sampled_from(["", " ", "  ", "\t", " \t "]))
            text = f"{indent}{marker} [{mark}] {title}{trailing}"
            checkboxes.append(number)
            marks.append(mark)
        else:
            text = draw(SAFE_TEXT)
        if code_page is not None:
            text = as_stored(text, code_page)
        ending = style if style != "mixed" else draw(st.sampled_from(["\n", "\r\n", "\r"]))
        if number == count and draw(st.booleans()):
            ending = ""
        lines.append(text + ending)
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    raw = bom + "".join(lines).encode("utf-8")
    # A lone CR followed by an empty LF line is one CRLF line: skip such documents.
    assume(len(split_lines(strip_bom(raw)[1])) == count)
    return Document(raw, tuple(checkboxes), tuple(marks))


class TestGeneratedDocuments:
    @settings(deadline=None)
    @given(documents(), st.data())
    def test_set_checkbox_changes_only_the_bracket_character(
        self, doc: Document, data: st.DataObject
    ) -> None:
        assume(doc.checkbox_lines)
        index = data.draw(st.integers(0, len(doc.checkbox_lines) - 1))
        line, mark = doc.checkbox_lines[index], doc.marks[index]
        done = data.draw(st.booleans())
        after = set_checkbox(doc.raw, line, done)
        if (mark != " ") == done:
            assert after == doc.raw
            return
        assert changed_line_numbers(doc.raw, after) == [line]
        old, new = line_of(doc.raw, line), line_of(after, line)
        diffs = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        assert len(diffs) == 1
        at = diffs[0]
        assert old[at - 1 : at + 2] == b"[" + mark.encode() + b"]"
        assert new[at : at + 1] == (b"x" if done else b" ")

    @settings(deadline=None)
    @given(documents(), st.data())
    def test_no_edit_gives_identical_bytes(self, doc: Document, data: st.DataObject) -> None:
        for line, mark in zip(doc.checkbox_lines, doc.marks, strict=True):
            assert set_checkbox(doc.raw, line, mark != " ") == doc.raw
        assert b"".join(split_lines(doc.raw)) == doc.raw

    @settings(deadline=None)
    @given(documents(), st.data(), st.integers(1, 99999))
    def test_add_issue_link_changes_one_line_and_is_idempotent(
        self, doc: Document, data: st.DataObject, number: int
    ) -> None:
        assume(doc.checkbox_lines)
        line = data.draw(st.sampled_from(doc.checkbox_lines))
        once = add_issue_link(doc.raw, line, f"#{number}", None)
        assert changed_line_numbers(doc.raw, once) == [line]
        assert add_issue_link(once, line, f"#{number}", None) == once
        old_body, old_ending = split_ending(line_of(doc.raw, line))
        new_body, new_ending = split_ending(line_of(once, line))
        assert new_ending == old_ending
        assert f"(#{number})".encode() in new_body
        trailing = old_body[len(old_body.rstrip(b" \t")) :]
        assert new_body.endswith(trailing)
        assert new_body.replace(f" (#{number})".encode(), b"", 1) == old_body


@given(st.binary())
def test_any_bytes_split_and_join_unchanged(data: bytes) -> None:
    assert b"".join(split_lines(data)) == data


# ----------------------------------------------------------------------------------------------
# Checkboxes


class TestSetCheckbox:
    @pytest.mark.parametrize(
        ("line", "ticked"),
        [
            ("- [ ] a", "- [x] a"),
            ("  * [ ] a", "  * [x] a"),
            ("\t+ [ ]\ta", "\t+ [x]\ta"),
            ("12. [ ] a", "12. [x] a"),
            ("3) [ ] a", "3) [x] a"),
            ("> - [ ] quoted", "> - [x] quoted"),
            ("- [ ]", "- [x]"),
            ("* - [ ] nested", "* - [x] nested"),
            ("1. - [ ] nested", "1. - [x] nested"),
            ("- > - [ ] quoted in an item", "- > - [x] quoted in an item"),
        ],
    )
    def test_ticks_any_marker_and_indent(self, line: str, ticked: str) -> None:
        raw = f"# Plan\r\n{line}\r\n".encode()
        assert set_checkbox(raw, 2, True) == f"# Plan\r\n{ticked}\r\n".encode()
        assert set_checkbox(set_checkbox(raw, 2, True), 2, False) == raw

    def test_capital_x_is_kept_when_already_done(self) -> None:
        raw = b"- [X] done\n"
        assert set_checkbox(raw, 1, True) == raw
        assert set_checkbox(raw, 1, False) == b"- [ ] done\n"

    @pytest.mark.parametrize(
        "line", ["plain text", "- [x]done", "- [?] maybe", "[ ] no marker", "-- [ ] no item"]
    )
    def test_no_checkbox_is_an_error(self, line: str) -> None:
        with pytest.raises(ValueError, match=r"[Ll]ine 1 "):
            set_checkbox(f"{line}\n".encode(), 1, True)

    def test_line_outside_the_file_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="Line 3 is outside the planfile, which has 1 lines"):
            set_checkbox(b"- [ ] a\n", 3, True)

    @pytest.mark.parametrize("name", ["001_3cc556623f022b87.txt", "004_94c9ab7eab5eb102.txt"])
    def test_ticking_in_a_mojibake_plan_keeps_every_other_byte(self, name: str) -> None:
        raw = shared_plan(name)
        boxes = [n for n, line in enumerate(split_lines(raw), start=1) if line.startswith(b"- [ ]")]
        assert boxes
        for line in boxes:
            after = set_checkbox(raw, line, True)
            assert len(after) == len(raw)
            diffs = [i for i, (a, b) in enumerate(zip(raw, after, strict=True)) if a != b]
            assert len(diffs) == 1
            assert after[diffs[0]] == ord("x")
            assert decode_plan(after, Path(name)).encoding == decode_plan(raw, Path(name)).encoding


# ----------------------------------------------------------------------------------------------
# Issue links


class TestAddIssueLinkToListItems:
    @pytest.mark.parametrize(
        ("line", "linked"),
        [
            ("- [ ] Task", "- [ ] Task (#12)"),
            ("- [ ] Task  ", "- [ ] Task (#12)  "),
            ("- [ ] Task\\", "- [ ] Task (#12)\\"),
            (
                "- [ ] Task <!-- plansync:task=t1 -->",
                "- [ ] Task (#12) <!-- plansync:task=t1 -->",
            ),
            ("- [ ] Task <!-- note -->", "- [ ] Task (#12) <!-- note -->"),
            (
                "- [ ] Task <!-- a --><!-- b -->  ",
                "- [ ] Task (#12) <!-- a --><!-- b -->  ",
            ),
            ("- [ ] Task <!-- note -->\\", "- [ ] Task (#12) <!-- note -->\\"),
            ("- [ ] Task <!-- note --> more", "- [ ] Task <!-- note --> more (#12)"),
            # An opening left unclosed on the line is text as far as the line goes.
            ("- [ ] Task <!-- open", "- [ ] Task <!-- open (#12)"),
            ("- [ ] Task, see #123", "- [ ] Task, see #123 (#12)"),
            ("- [ ] Task other/repo#12", "- [ ] Task other/repo#12 (#12)"),
        ],
    )
    def test_reference_goes_after_the_text(self, line: str, linked: str) -> None:
        assert add_issue_link(f"{line}\r\n".encode(), 1, "#12", None) == f"{linked}\r\n".encode()

    @pytest.mark.parametrize("line", ["- [ ] Task (#12)", "- [ ] Fix #12 crash", "- [ ] #12"])
    def test_line_already_holding_the_reference_is_unchanged(self, line: str) -> None:
        raw = f"{line}\n".encode()
        assert add_issue_link(raw, 1, "#12", None) == raw

    def test_url_and_cross_project_references(self) -> None:
        url = "https://gitlab.example.com/g/p/-/issues/7"
        assert add_issue_link(b"- [ ] a\n", 1, url, None) == f"- [ ] a ({url})\n".encode()
        assert add_issue_link(b"- [ ] a\n", 1, "g/p#7", None) == b"- [ ] a (g/p#7)\n"

    def test_non_ascii_reference_in_a_mojibake_plan_is_stored_like_the_file(self) -> None:
        raw = shared_plan("004_94c9ab7eab5eb102.txt")
        url = "https://tracker.example/équipe/maze/issues/7"
        after = add_issue_link(raw, 39, url, None)
        assert changed_line_numbers(raw, after) == [39]
        assert "Ã©quipe".encode() in line_of(after, 39)
        decoded = decode_plan(after, Path("004.txt"))
        assert decoded.encoding.mojibake == "cp1252"
        assert f"Implement Config dataclasses ({url})\n" in decoded.text
        assert add_issue_link(after, 39, url, None) == after

    def test_empty_reference_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="empty"):
            add_issue_link(b"- [ ] a\n", 1, "  ", None)


ROLES = TableRowLayout(("id", "title", "estimate", "status", "issue"))
TABLE = (
    b"| ID | Task           | Time  | Status | Issue    |\r\n"
    b"|----|----------------|-------|--------|----------|\r\n"
    b"| T1 | Write the spec | 90min | todo   | Internal |\r\n"
    b"| T2 | Ship it        | 2h    | Todo   | #61      |\r\n"
    b"| T3 | Short row      |\r\n"
)


class TestTables:
    def test_issue_cell_text_stays_beside_the_reference(self) -> None:
        after = add_issue_link(TABLE, 3, "#70", ROLES)
        assert changed_line_numbers(TABLE, after) == [3]
        assert line_of(after, 3) == b"| T1 | Write the spec | 90min | todo   | Internal (#70) |\r\n"
        assert add_issue_link(after, 3, "#70", ROLES) == after
        (task,) = [t for t in read(after).tasks if t.line == 3]
        assert [r.number for r in task.issue_refs] == [70]

    @pytest.mark.parametrize(
        ("cell", "linked"),
        [
            ("|          |", "| #70      |"),
            ("| TBD      |", "| TBD (#70) |"),
            ("| -        |", "| - (#70)  |"),
            ("| n/a      |", "| n/a (#70) |"),
            ("| #61      |", "| #61, #70 |"),
        ],
    )
    def test_issue_cell_keeps_what_it_says(self, cell: str, linked: str) -> None:
        raw = f"| T1 | Write the spec | 90min | todo   {cell}\n".encode()
        after = add_issue_link(raw, 1, "#70", ROLES)
        assert after == f"| T1 | Write the spec | 90min | todo   {linked}\n".encode()

    def test_issue_cell_with_references_gets_one_more(self) -> None:
        after = add_issue_link(TABLE, 4, "#62", ROLES)
        assert line_of(after, 4) == b"| T2 | Ship it        | 2h    | Todo   | #61, #62 |\r\n"

    def test_without_issue_column_the_title_cell_gets_the_reference(self) -> None:
        layout = TableRowLayout(("id", "title", "estimate", "status", ""))
        after = add_issue_link(TABLE, 4, "#9", layout)
        assert line_of(after, 4) == b"| T2 | Ship it (#9)   | 2h    | Todo   | #61      |\r\n"

    def test_pipes_in_references_are_escaped(self) -> None:
        after = add_issue_link(TABLE, 4, "a|b#3", ROLES)
        assert line_of(after, 4) == b"| T2 | Ship it        | 2h    | Todo   | #61, a\\|b#3 |\r\n"

    def test_status_cell(self) -> None:
        done = set_table_status(TABLE, 3, ROLES, True)
        assert changed_line_numbers(TABLE, done) == [3]
        assert line_of(done, 3) == b"| T1 | Write the spec | 90min | Done   | Internal |\r\n"
        assert set_table_status(done, 3, ROLES, True) == done
        assert set_table_status(TABLE, 4, ROLES, False) == TABLE

    def test_status_in_capitals_stays_in_capitals(self) -> None:
        raw = b"| T1 | a | TODO |\n"
        layout = TableRowLayout(("id", "title", "status"))
        assert set_table_status(raw, 1, layout, True) == b"| T1 | a | DONE |\n"

    def test_unpadded_cell_stays_unpadded_and_widens(self) -> None:
        raw = b"|a|-|\n"
        layout = TableRowLayout(("title", "status"))
        assert set_table_status(raw, 1, layout, True) == b"|a|Done|\n"

    def test_missing_column_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="no `status` column"):
            set_table_status(TABLE, 3, TableRowLayout(("id", "title")), True)
        with pytest.raises(ValueError, match="no `title` column"):
            add_issue_link(TABLE, 3, "#1", TableRowLayout(("id", "", "issue")))

    def test_a_ragged_row_gets_the_cells_its_edit_needs_and_no_more(self) -> None:
        linked = add_issue_link(TABLE, 5, "#1", ROLES)
        assert line_of(linked, 5) == b"| T3 | Short row      |  |  | #1 |\r\n"
        done = set_table_status(TABLE, 5, ROLES, True)
        assert line_of(done, 5) == b"| T3 | Short row      |  | Done |\r\n"
        for after in (linked, done):
            assert changed_line_numbers(TABLE, after) == [5]
            (task,) = [t for t in read(after).tasks if t.line == 5]
            (before,) = [t for t in read(TABLE).tasks if t.line == 5]
            assert (task.key, task.title) == (before.key, before.title)
        # An open task's row reads as open without a status cell: nothing to add.
        assert set_table_status(TABLE, 5, ROLES, False) == TABLE

    @pytest.mark.parametrize(
        ("row", "padded"),
        [
            ("| T3 | Short row", "| T3 | Short row |  |  | #1 |"),
            ("T3 | Short row", "T3 | Short row |  |  | #1 |"),
            ("| T3 | Short row |  ", "| T3 | Short row |  |  | #1 |  "),
            ("|T3|Short row|", "|T3|Short row|  |  | #1 |"),
        ],
    )
    def test_padding_keeps_the_rest_of_the_row(self, row: str, padded: str) -> None:
        assert add_issue_link(f"{row}\n".encode(), 1, "#1", ROLES) == f"{padded}\n".encode()

    def test_title_in_a_cell_is_replaced_and_escaped(self) -> None:
        after = set_task_title(TABLE, 4, "Ship it", "Ship | it\nnow", ROLES)
        assert changed_line_numbers(TABLE, after) == [4]
        assert line_of(after, 4) == b"| T2 | Ship \\| it now | 2h    | Todo   | #61      |\r\n"

    def test_title_searched_with_its_pipe_escaped(self) -> None:
        raw = b"| T1 | a \\| b | todo |\n"
        layout = TableRowLayout(("id", "title", "status"))
        assert set_task_title(raw, 1, "a | b", "c", layout) == b"| T1 | c      | todo |\n"

    def test_title_is_looked_for_in_the_title_cell_only(self) -> None:
        with pytest.raises(ValueError, match="does not contain the task title 'T1'"):
            set_task_title(TABLE, 3, "T1", "X", ROLES)

    def test_real_table_issue_cells(self) -> None:
        raw = shared_plan("000_bef5947b803c63a5.txt")
        layout = TableRowLayout(("id", "title", "estimate", "priority", "", "", "issue"))
        after = add_issue_link(raw, 20, "#70", layout)
        assert changed_line_numbers(raw, after) == [20]
        assert line_of(after, 20).endswith(b"| HIGH | HIGH | #61, #66, #70 |\n")
        after = add_issue_link(raw, 19, "#70", layout)
        assert line_of(after, 19).endswith(b"| HIGH | HIGH | Internal (#70) |\n")

    def test_aligned_mojibake_table_keeps_its_columns_where_the_text_fits(self) -> None:
        raw = shared_plan("001_3cc556623f022b87.txt")
        layout = TableRowLayout(("id", "title", "priority", "estimate", "", "group"))

        def pipes(line: bytes) -> list[int]:
            return [m.start() for m in re.finditer(rb"\|", line)]

        fits = add_issue_link(raw, 98, "#5", layout)
        assert changed_line_numbers(raw, fits) == [98]
        assert pipes(line_of(fits, 98)) == pipes(line_of(raw, 98))
        assert b"| Quick-Start CLI Command (#5)        |" in line_of(fits, 98)
        # `End-to-End Code Generation Demo (#5)` is one column too wide: the cell grows by one.
        grows = add_issue_link(raw, 97, "#5", layout)
        assert b"| End-to-End Code Generation Demo (#5) |" in line_of(grows, 97)
        old_pipes, new_pipes = pipes(line_of(raw, 97)), pipes(line_of(grows, 97))
        assert new_pipes[:2] == old_pipes[:2]
        assert new_pipes[2:] == [p + 1 for p in old_pipes[2:]]


# ----------------------------------------------------------------------------------------------
# Titles


class TestSetTaskTitle:
    def test_list_item_title(self) -> None:
        raw = b"  - [ ] `T1` Write docs  \r\n"
        after = set_task_title(raw, 1, "Write docs", "Write the docs", None)
        assert after == b"  - [ ] `T1` Write the docs  \r\n"

    def test_hostile_title_is_escaped(self) -> None:
        raw = b"- [ ] old <!-- plansync:task=a -->\n"
        after = set_task_title(raw, 1, "old", "new -->\n<!-- /plansync:summary --> x", None)
        assert after == (
            b"- [ ] new --&gt; &lt;!-- /plansync:summary --&gt; x <!-- plansync:task=a -->\n"
        )

    def test_marker_text_is_not_a_title(self) -> None:
        with pytest.raises(ValueError, match="does not contain the task title"):
            set_task_title(b"- [ ] x\n", 1, "- [ ]", "y", None)

    def test_title_written_into_a_mojibake_plan_is_stored_like_the_file(self) -> None:
        raw = shared_plan("004_94c9ab7eab5eb102.txt")
        old = "Implement config merging (global → project → CLI)"
        after = set_task_title(raw, 41, old, "Merge configs ✅ → done", None)
        assert changed_line_numbers(raw, after) == [41]
        decoded = decode_plan(after, Path("004.txt"))
        assert decoded.encoding.mojibake == "cp1252"
        assert "- [ ] `maze-ph6.1.3` - Merge configs ✅ → done\n" in decoded.text
        assert "âœ… â†’ done".encode() in line_of(after, 41)

    def test_empty_titles_are_errors(self) -> None:
        with pytest.raises(ValueError, match="old title"):
            set_task_title(b"- [ ] a\n", 1, " ", "b", None)
        with pytest.raises(ValueError, match="new title"):
            set_task_title(b"- [ ] a\n", 1, "a", "\n", None)


# ----------------------------------------------------------------------------------------------
# Escaping


class TestEscaping:
    def test_escape_inline(self) -> None:
        assert escape_inline("a\r\nb\nc\rd\u2028e") == "a b c d e"
        assert escape_inline("<!-- x -->") == "&lt;!-- x --&gt;"
        assert escape_inline("a\x00b|c") == "a b|c"

    def test_escape_cell(self) -> None:
        assert escape_cell("a|b") == "a\\|b"
        assert escape_cell("a\\|b") == "a\\|b"
        assert escape_cell("x\n<!--") == "x &lt;!--"


# ----------------------------------------------------------------------------------------------
# The summary block


class TestMarkers:
    def test_insert_at_the_top_after_the_bom(self) -> None:
        raw = b"\xef\xbb\xbf# Plan\r\n- [ ] a\r\n"
        after = replace_between_markers(raw, BEGIN, END, "Progress: 0/1\n", 0)
        assert after == (
            b"\xef\xbb\xbf" + BEGIN.encode() + b"\r\nProgress: 0/1\r\n" + END.encode() + b"\r\n"
            b"# Plan\r\n- [ ] a\r\n"
        )

    def test_insert_after_a_line(self) -> None:
        raw = b"# Plan\n\n- [ ] a\n"
        after = replace_between_markers(raw, BEGIN, END, "one\ntwo", 2)
        assert after == b"# Plan\n\n" + f"{BEGIN}\none\ntwo\n{END}\n".encode() + b"- [ ] a\n"

    def test_insert_after_a_last_line_without_ending(self) -> None:
        after = replace_between_markers(b"# Plan", BEGIN, END, "x", 1)
        assert after == f"# Plan\n{BEGIN}\nx\n{END}\n".encode()

    def test_replace_keeps_crlf_and_everything_outside(self) -> None:
        raw = (
            b"# Plan  \r\n"
            + f"{BEGIN}\r\nold\r\nlines\r\n{END}\r\n".encode()
            + b"- [ ] a\t\r\nlast\n"
        )
        after = replace_between_markers(raw, BEGIN, END, "new\nblock\n", None)
        assert after == (
            b"# Plan  \r\n"
            + f"{BEGIN}\r\nnew\r\nblock\r\n{END}\r\n".encode()
            + b"- [ ] a\t\r\nlast\n"
        )
        assert replace_between_markers(after, BEGIN, END, "new\r\nblock", None) == after

    def test_empty_content_empties_the_block(self) -> None:
        raw = f"{BEGIN}\nold\n{END}\n".encode()
        assert replace_between_markers(raw, BEGIN, END, "", None) == f"{BEGIN}\n{END}\n".encode()

    @pytest.mark.parametrize(
        "content", [f"a\n{END}\nb", f"{BEGIN}", "x <!--   /plansync:summary\t--> y"]
    )
    def test_hostile_content_is_rejected(self, content: str) -> None:
        with pytest.raises(ValueError, match="contains the marker"):
            replace_between_markers(b"# Plan\n", BEGIN, END, content, 0)

    @pytest.mark.parametrize(
        "raw",
        [
            f"{BEGIN}\nx\n".encode(),
            f"x\n{END}\n".encode(),
            f"{END}\n{BEGIN}\n".encode(),
            f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n".encode(),
        ],
    )
    def test_damaged_block_is_an_error(self, raw: bytes) -> None:
        with pytest.raises(ValueError, match="damaged"):
            replace_between_markers(raw, BEGIN, END, "x", 0)

    def test_absent_markers_without_a_place_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="no '<!-- plansync:summary -->' marker"):
            replace_between_markers(b"# Plan\n", BEGIN, END, "x", None)

    def test_insert_past_the_end_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="after line 5"):
            replace_between_markers(b"# Plan\n", BEGIN, END, "x", 5)

    def test_block_in_a_mojibake_plan_is_stored_like_the_file(self) -> None:
        raw = shared_plan("002_b0ba0a6134495dfa.txt")
        after = replace_between_markers(raw, BEGIN, END, "✅ 3/10 done → 🎯", 1)
        assert after.startswith(split_lines(raw)[0])
        assert after.endswith(b"".join(split_lines(raw)[1:]))
        decoded = decode_plan(after, Path("002.txt"))
        assert decoded.encoding.mojibake == "mac_roman"
        assert f"{BEGIN}\n✅ 3/10 done → 🎯\n{END}\n" in decoded.text


# ----------------------------------------------------------------------------------------------
# What the reader reads back


def read(raw: bytes) -> PlanDocument:
    return parse_plan(raw, Path("plan.md"))


class TestReferencesReadAsTheReaderReadsThem:
    def test_a_range_already_holds_its_numbers(self) -> None:
        raw = b"- [ ] Issues #1, #2-4\n"
        assert add_issue_link(raw, 1, "#3", None) == raw
        assert add_issue_link(raw, 1, "#5", None) == b"- [ ] Issues #1, #2-4 (#5)\n"

    def test_a_range_in_an_issue_cell(self) -> None:
        raw = b"| T1 | Ship | #40-42 |\n"
        layout = TableRowLayout(("id", "title", "issue"))
        assert add_issue_link(raw, 1, "#41", layout) == raw
        assert add_issue_link(raw, 1, "#43", layout) == b"| T1 | Ship | #40-42, #43 |\n"

    def test_the_same_issue_by_url(self) -> None:
        raw = b"- [ ] a (g/p#7)\n"
        assert add_issue_link(raw, 1, "https://gitlab.example.com/g/p/-/issues/7", None) == raw

    def test_a_reference_inside_a_comment_is_none(self) -> None:
        raw = b"- [ ] a <!-- #12 -->\n"
        assert add_issue_link(raw, 1, "#12", None) == b"- [ ] a (#12) <!-- #12 -->\n"

    def test_the_link_never_lands_inside_a_comment(self) -> None:
        raw = b"- [ ] Ship <!-- <!-- plansync:task=k1 -->\n"
        after = add_issue_link(raw, 1, "#5", None)
        assert after == b"- [ ] Ship (#5) <!-- <!-- plansync:task=k1 -->\n"
        assert [r.number for r in read(after).tasks[0].issue_refs] == [5]


class TestLinkingAHeading:
    """A heading that is a task's line keeps its title and its sections when linked: the
    reference joins its trailing issue list, else goes before its closing `#`s."""

    @pytest.mark.parametrize(
        ("line", "linked"),
        [
            ("## FIX-6: Phase 1", "## FIX-6: Phase 1 (#7)"),
            ("## FIX-6: Milestone 3 (Issues #4, #5)", "## FIX-6: Milestone 3 (Issues #4, #5, #7)"),
            ("### Task 1: OPS-9 (#4)  ", "### Task 1: OPS-9 (#4, #7)  "),
            ("## FIX-6: Phase 1 ##", "## FIX-6: Phase 1 (#7) ##"),
            ("## FIX-6: Phase 1 (2 weeks)", "## FIX-6: Phase 1 (2 weeks) (#7)"),
            ("## FIX-6: Phase 1 <!-- note -->", "## FIX-6: Phase 1 (#7) <!-- note -->"),
            (
                "## **FIX-6: Phase 1 (Issues #4)**",
                "## **FIX-6: Phase 1 (Issues #4, #7)**",
            ),
            ("## FIX-6: Phase 1 (Issues #4) 🚀", "## FIX-6: Phase 1 (Issues #4, #7) 🚀"),
        ],
    )
    def test_the_reference_reads_as_the_headings_and_the_title_stays(
        self, line: str, linked: str
    ) -> None:
        raw = f"{line}\n\n- [ ] Inside\n".encode()
        after = add_issue_link(raw, 1, "#7", None)
        assert after == f"{linked}\n\n- [ ] Inside\n".encode()
        before, now = read(raw), read(after)
        assert [s.title for s in now.sections] == [s.title for s in before.sections]
        assert [(t.key, t.milestone) for t in now.tasks] == [
            (t.key, t.milestone) for t in before.tasks
        ]
        heading = next(t for t in now.tasks if t.line == 1)
        assert 7 in [r.number for r in heading.issue_refs]


class TestLinkingKeepsTheTitle:
    @pytest.mark.parametrize(
        ("line", "linked"),
        [
            ("- [x] Task\\", "- [x] Task (#777)\\"),
            ("- [ ] Load test (2h)", "- [ ] Load test (2h) (#777)"),
            ("- [ ] Ship (P1) ✅", "- [ ] Ship (P1) ✅ (#777)"),
        ],
    )
    def test_title_estimate_and_priority_stay(self, line: str, linked: str) -> None:
        raw = f"## Week 1\n{line}\n  more text\n".encode()
        after = add_issue_link(raw, 2, "#777", None)
        assert after == f"## Week 1\n{linked}\n  more text\n".encode()
        (before,) = read(raw).tasks
        (task,) = read(after).tasks
        assert task == replace(before, issue_refs=task.issue_refs)
        assert [r.number for r in task.issue_refs] == [777]
        assert "\\" not in task.title

    def test_a_hard_break_on_the_last_line_is_no_part_of_the_title(self) -> None:
        (task,) = read(b"- [x] Task\\\n").tasks
        assert task.title == "Task"
        (escaped,) = read(b"- [x] Task \\\\\n").tasks
        assert escaped.title == "Task \\"


class TestEscapingReadsBack:
    def test_a_pipe_stays_as_written_in_a_list_item(self) -> None:
        assert add_issue_link(b"- [ ] a\n", 1, "a|b#3", None) == b"- [ ] a (a|b#3)\n"

    @pytest.mark.parametrize("layout", [None, TableRowLayout(("id", "title"))])
    def test_a_comment_in_a_new_title_reads_back(self, layout: TableRowLayout | None) -> None:
        raw = b"## Week 1\n- [ ] Old\n" if layout is None else b"## Week 1\n| T1 | Old |\n"
        if layout is not None:
            raw = b"## Week 1\n| ID | Task |\n|---|---|\n| T1 | Old |\n"
        line = 2 if layout is None else 4
        title = "Keep <!-- plansync: ignore --> | as text"
        after = set_task_title(raw, line, "Old", title, layout)
        assert b"&lt;!-- plansync: ignore --&gt;" in line_of(after, line)
        (task,) = read(after).tasks
        assert task.title == title


class TestTitlesNextToIds:
    @pytest.mark.parametrize(
        ("line", "old", "task_id", "renamed"),
        [
            ("- T1", "T1", "T1", "- T1: New"),
            ("- T1 (#5)", "T1", "T1", "- T1: New (#5)"),
            ("- **OPS-1**: .", "OPS-1", "OPS-1", "- **OPS-1**: New"),
            ("- Week 1: OPS-1 (#7)", "OPS-1", "OPS-1", "- Week 1: OPS-1: New (#7)"),
            ("- [ ] OPS-9 OPS-9", "OPS-9", "OPS-9", "- [ ] OPS-9 New"),
            ("- OPS-1: OPS", "OPS", "OPS-1", "- OPS-1: New"),
            ("- Week 1: OPS-1 (1)", "1", "OPS-1", "- Week 1: OPS-1 (New)"),
            ("- T1 (urgent) fix", "(urgent) fix", "T1", "- T1: New"),
            ("- **Days 1-2**: Day", "Day", None, "- **Days 1-2**: New"),
            ("- [ ] [docs](http://x/docs)", "docs", None, "- [ ] [New](http://x/docs)"),
            ("- [ ] x <!-- x -->", "x", None, "- [ ] New <!-- x -->"),
            ("- [ ] T9", "T9", "T9", "- [ ] T9: New"),
        ],
    )
    def test_the_id_stays_and_the_title_changes(
        self, line: str, old: str, task_id: str | None, renamed: str
    ) -> None:
        raw = f"## Week 1\n{line}\n".encode()
        (task,) = read(raw).tasks
        assert (task.title, task.id) == (old, task_id)
        after = set_task_title(raw, 2, old, "New", None, task_id)
        assert after == f"## Week 1\n{renamed}\n".encode()
        (again,) = read(after).tasks
        assert (again.title, again.id) == ("New", task_id)
        assert set_task_title(raw, 2, old, old, None, task_id) == raw

    def test_a_title_that_only_looks_like_an_id_is_replaced(self) -> None:
        raw = b"## Definition of Done\n- [ ] T9\n"
        (criterion,) = read(raw).tasks
        assert (criterion.title, criterion.id, criterion.criterion) == ("T9", None, True)
        assert set_task_title(raw, 2, "T9", "New", None) == b"## Definition of Done\n- [ ] New\n"

    def test_an_escaped_character_is_not_its_own_text(self) -> None:
        with pytest.raises(ValueError, match="does not contain the task title"):
            set_task_title(b"- [ ] \\: Ship\n", 1, ": Ship", "New", None)


class TestHostileLines:
    def test_a_long_run_of_spaces_is_linked_in_one_pass(self) -> None:
        raw = b"- [ ] a" + b" " * 40_000 + b"b\n"
        assert add_issue_link(raw, 1, "#5", None) == raw[:-1] + b" (#5)\n"

    def test_many_comment_openings_and_links(self) -> None:
        raw = b"- [ ] " + b"<!--](" * 10_000 + b" x\n"
        after = set_task_title(raw, 1, "x", "y", None)
        assert after == raw[:-2] + b"y\n"


class TestPartlyMojibakePlans:
    def test_each_line_is_written_the_way_it_is_stored(self) -> None:
        clean, mojibake = "- [ ] Celebrate ✅\n", "- [ ] Ship → next\n"
        raw = ("# Plan\n" + as_stored(mojibake, "cp1252") + clean).encode()
        assert decode_plan(raw, Path("p.md")).encoding.mojibake_lines == (2,)
        stored = set_task_title(raw, 2, "Ship → next", "Ship → café", None)
        assert "Ship â†’ cafÃ©".encode() in line_of(stored, 2)
        plain = set_task_title(raw, 3, "Celebrate", "Celebrate → café", None)
        assert "Celebrate → café ✅".encode() in line_of(plain, 3)
        for after in (stored, plain):
            assert changed_line_numbers(raw, after) in ([2], [3])
            titles = [t.title for t in read(after).tasks]
            assert titles in (["Ship → café", "Celebrate"], ["Ship → next", "Celebrate → café"])
        block = replace_between_markers(raw, BEGIN, END, "✅ 1/2", 1)
        assert f"{BEGIN}\n✅ 1/2\n{END}\n".encode() in block
        assert decode_plan(block, Path("p.md")).encoding.mojibake_lines == (5,)
