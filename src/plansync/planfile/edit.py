"""Byte-exact edits of a task's line: pure functions from a file's bytes to its new bytes.

Markdown is never re-rendered. Each function rewrites one line, or one table cell of it (a
ragged row first gets the empty cells it lacks up to that one); every other byte stays as it was:
line endings, BOM, trailing spaces, tabs, and mojibake elsewhere.
Line numbers are 1-based and count lines of the raw bytes split on `\\r\\n`, `\\n` and a lone
`\\r` (the BOM belongs to no line). What a line becomes is worked out in `edit_table`,
`edit_link`, `edit_row` and `edit_title`; plansync's own block is edited by `edit_block`. An
edit of a table row stays inside one of its cells.

Text written on a line stored as mojibake (see `decode`: the whole file, or some of its lines)
is stored the way that line stores text, so no line mixes two encodings; lines in plain UTF-8
(and new lines of a partly mojibake file) get plain UTF-8. Text from trackers is escaped before
it is written (see `edit_escape`) so it cannot break a table row, a list item or the markers,
nor give a task an ID, and the reader reads back the text the tracker holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import as_stored, storage_of
from plansync.planfile.edit_escape import escape_inline, pulled_title_text
from plansync.planfile.edit_link import linked_item, linked_other_row, linked_row
from plansync.planfile.edit_row import id_cell, table_row_roles
from plansync.planfile.edit_table import cell_of, cells_of, unescaped_pipe_free, with_status
from plansync.planfile.edit_title import TitlePlace, cell_place, item_place, retitled
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import strip_decoration
from plansync.planfile.item_line import CHECKBOX
from plansync.planfile.items import split_metadata
from plansync.planfile.lines import split_ending, split_lines, strip_bom
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules, compile_rules

__all__ = [
    "add_issue_link",
    "set_checkbox",
    "set_table_status",
    "set_task_title",
]

_SPACE_RUN = re.compile(r"[ \t]+")
# A line shaped like a table's delimiter row: `|---|:--:|`, `--- | ---`.
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


# ----------------------------------------------------------------------------------------------
# The file as lines

# An edit of one line: (line text without its ending, the file's mojibake) -> new line text.
_LineEdit = Callable[[str, str | None], str]


@dataclass(frozen=True)
class _Lines:
    bom: bytes
    lines: list[bytes]

    @classmethod
    def of(cls, raw: bytes) -> _Lines:
        bom, body = strip_bom(raw)
        return cls(bom, split_lines(body))

    def text_of(self, line: int) -> tuple[str, bytes]:
        """Line `line`'s text (without its ending) and its ending."""
        if not 1 <= line <= len(self.lines):
            raise ValueError(
                f"Line {line} is outside the planfile, which has {len(self.lines)} lines; "
                "the file probably changed since it was read: read it again before editing."
            )
        body, ending = split_ending(self.lines[line - 1])
        try:
            return body.decode("utf-8"), ending
        except UnicodeDecodeError:
            raise ValueError(
                f"Line {line} of the planfile is not valid UTF-8, so it cannot be edited safely; "
                "save the file as UTF-8 and run plansync again."
            ) from None


def _edit_line(raw: bytes, line: int, edit: _LineEdit) -> bytes:
    lines = _Lines.of(raw)
    text, ending = lines.text_of(line)
    new_text = edit(text, storage_of(raw).of_line(line))
    if new_text == text:
        return raw
    new_lines = list(lines.lines)
    new_lines[line - 1] = new_text.encode("utf-8") + ending
    return lines.bom + b"".join(new_lines)


# ----------------------------------------------------------------------------------------------
# Table rows


def set_table_status(raw: bytes, line: int, layout: TableRowLayout, done: bool) -> bytes:
    """Write `Done` / `Todo` into the `status` cell of the table row on `line`."""

    def edit(text: str, mojibake: str | None) -> str:
        return with_status(text, line, layout, done)

    return _edit_line(raw, line, edit)


# ----------------------------------------------------------------------------------------------
# Checkboxes


def set_checkbox(raw: bytes, line: int, done: bool) -> bytes:
    """Tick (`[x]`) or clear (`[ ]`) the checkbox of the list item on `line`.

    Any list marker (`-`, `*`, `+`, `1.`, `1)`) and indent; `[X]` stays as it is when asked
    done. Only the character between the brackets changes.
    """

    def edit(text: str, mojibake: str | None) -> str:
        match = CHECKBOX.match(text)
        if match is None:
            raise ValueError(
                f"Line {line} of the planfile has no task checkbox (`- [ ]` or `- [x]`) to "
                "tick or clear; the file probably changed since it was read: read it again."
            )
        if (match.group(1) != " ") == done:
            return text
        return text[: match.start(1)] + ("x" if done else " ") + text[match.end(1) :]

    return _edit_line(raw, line, edit)


# ----------------------------------------------------------------------------------------------
# Issue links


def add_issue_link(
    raw: bytes,
    line: int,
    link_text: str,
    layout: TableRowLayout | None,
    task_id: str | None = None,
) -> bytes:
    """Write a reference to the task's issue (`#123`, `group/proj#12` or a URL) on `line`.

    A list item gets ` (#123)` after its text, before its trailing HTML comments and hard
    break. A table row gets it inside a cell: its `issue` cell (alone in an empty one, after
    the references there, `#61, #123`, or beside other text, `Internal (#123)`), else at the
    end of its title cell; a ragged row gets the empty cells up to its issue cell first. A
    task the reader reads from a table row that is no task row (`layout` None; an ID in a row
    without a title) is linked in the table's issue column, else in the cell holding its ID
    (`task_id`). A line that already references the issue (as the reader reads references:
    `#2-4` holds `#3`) is returned unchanged.
    """
    inline = _SPACE_RUN.sub(" ", escape_inline(link_text)).strip()
    if not inline:
        raise ValueError(f"The issue link for line {line} is empty; expected e.g. `#123`.")
    roles = _other_row_roles(raw, line, layout)
    in_cell = layout is not None or roles is not None
    delimiter_cells = _delimiter_cells_after(raw, line)
    reference = unescaped_pipe_free(inline) if in_cell else inline

    def edit(text: str, mojibake: str | None) -> str:
        stored = as_stored(reference, mojibake)
        if layout is not None:
            return linked_row(text, line, layout, stored, mojibake)
        if roles is not None:
            return linked_other_row(text, line, roles, stored, mojibake, task_id)
        return linked_item(text, line, stored, mojibake, delimiter_cells=delimiter_cells)

    return _edit_line(raw, line, edit)


def _delimiter_cells_after(raw: bytes, line: int) -> int | None:
    """How many cells the line after `line` has when it is shaped like a table's delimiter
    row; else None."""
    lines = _Lines.of(raw).lines
    if not 0 <= line < len(lines):
        return None
    following = split_ending(lines[line])[0].decode("utf-8", "replace")
    return len(cells_of(following)) if _DELIMITER_ROW.match(following) else None


def _other_row_roles(raw: bytes, line: int, layout: TableRowLayout | None) -> TableRowLayout | None:
    """For a task that is no table row (`layout` None) on a line of a table, the roles the
    table's header gives its columns; else None. Only a line with a pipe is looked at."""
    if layout is not None:
        return None
    lines = _Lines.of(raw)
    if not 1 <= line <= len(lines.lines) or b"|" not in lines.lines[line - 1]:
        return None
    return table_row_roles(raw, line)


# ----------------------------------------------------------------------------------------------
# Titles


def set_task_title(
    raw: bytes,
    line: int,
    old_title: str,
    new_title: str,
    layout: TableRowLayout | None,
    task_id: str | None = None,
    rules: ReaderRules | None = None,
) -> bytes:
    """Replace the first occurrence of `old_title` in the task's text on `line` by `new_title`.

    The search is limited to the item's text after its marker, checkbox and leading ID or label
    (`**Days 1-2**:`), outside comments and link targets, or to the title cell of a table row
    (where the cell keeps its width when the new title fits), or for a task read from a table
    row that is no task row, to the cell holding its ID. Pass the task's ID as `task_id` when
    it has one: the ID is then never written over, and a task whose title is its ID alone
    (`- T1`: it has no title of its own) gets the new title after the ID (`- T1: New title`).
    The new title is text from a tracker: it is escaped for the place it lands in (see
    `edit_escape.escape_title`), so it never gives the task an ID nor breaks the row or the
    item (`rules`: the reader's, whose ID shapes are the ones escaped). Raises ValueError when
    `old_title` is not on the line verbatim (nor as that escaping writes it), or when the line
    would then read as another task; a new title equal to the old one changes nothing.
    """
    if not old_title.strip():
        raise ValueError(f"The old title of the task on line {line} is empty; nothing to replace.")
    if not strip_decoration(split_metadata(pulled_title_text(new_title))[0]):
        # The reader would find no title there (`(2h)` is an estimate): the task would vanish.
        raise ValueError(
            f"The new title {new_title!r} for the task on line {line} reads as no title once "
            "written (it is empty, or only an estimate, a priority or a reference); the task "
            "keeps its title."
        )
    roles = _other_row_roles(raw, line, layout)
    ids = IdMatcher(compile_rules(rules if rules is not None else ReaderRules()))
    pipes = _delimiter_cells_after(raw, line) is not None

    def edit(text: str, mojibake: str | None) -> str:
        return retitled(
            text,
            mojibake,
            line=line,
            place=_title_place(text, line, layout, roles is not None, task_id),
            old_title=old_title,
            new_title=new_title,
            task_id=task_id,
            ids=ids,
            pipes=pipes,
        )

    edited = _edit_line(raw, line, edit)
    if edited != raw:
        _check_same_task(raw, edited, line, rules)
    return edited


def _check_same_task(raw: bytes, edited: bytes, line: int, rules: ReaderRules | None) -> None:
    """ValueError unless the reader reads the task on `line` after the edit with the ID (or
    none) it had before. The title's own escaping sees to that; this catches the rest, such
    as a line whose ID is not its first token (`1. OPS-9 OPS-9`: the second one counts)."""
    before = _task_id_at(raw, line, rules)
    if before is None:
        return
    after = _task_id_at(edited, line, rules)
    if after != before:
        held = f"the ID {before[0]}" if before[0] else "no ID"
        now = "no task" if after is None else after[0] or "no ID"
        raise ValueError(
            f"Line {line}: with the new title the reader would read {now} there instead of "
            f"the task with {held}, so plansync leaves the title as it is; change it by hand."
        )


def _task_id_at(raw: bytes, line: int, rules: ReaderRules | None) -> tuple[str | None] | None:
    """The ID (or None) of the task the reader reads on `line`, in a 1-tuple; None for none."""
    tasks = parse_plan(raw, Path("planfile"), rules).tasks
    return next(((task.id,) for task in tasks if task.line == line), None)


def _title_place(
    text: str, line: int, layout: TableRowLayout | None, other_row: bool, task_id: str | None
) -> TitlePlace:
    if layout is not None:
        return cell_place(text, cell_of(text, line, layout, "title"), item_like=False)
    if other_row:
        return cell_place(text, id_cell(text, task_id), item_like=True)
    return item_place(text)
