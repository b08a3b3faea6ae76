"""A reference to a task's issue (`#123`, `group/proj#12` or a URL) written on its line: after a
list item's text (before its trailing comments and hard break; on a heading, see
`edit_heading`), or inside a table row's cell: the issue column's, else the task's title cell.
A ragged row gets the empty cells the issue cell needs; nothing is ever written past a row's
last pipe.

An issue cell's text that is no reference (`Internal`, `TBD`, `-`) stays, with the reference
beside it: `Internal (#12)`. A line that already references the issue, as the reader reads
references (`#2-4` holds `#3`), is left as it is.
"""

from __future__ import annotations

import re

from plansync.model.plan import IssueRef, TableRowLayout
from plansync.planfile.decode import as_read
from plansync.planfile.edit_heading import linked_heading
from plansync.planfile.edit_row import id_cell
from plansync.planfile.edit_table import (
    Cell,
    cell_of,
    cells_of,
    fill_cell,
    reach_cell,
    with_cell,
)
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import plain
from plansync.planfile.item_line import insert_at_end, item_text, tail_start
from plansync.planfile.link_forms import is_link_form


def _has_reference(text: str, reference: str) -> bool:
    # `#12` is not in `#123` nor in `other/repo#12`; a URL is not in a longer URL.
    return re.search(rf"(?<![\w/]){re.escape(reference)}(?![\w/])", text) is not None


def _linked(text: str, reference: str, read_text: str) -> bool:
    """Whether `read_text` (the task's text as the reader reads it) already references what
    `reference` does, reading references as the reader does (`#2-4` holds `#3`); a reference
    the reader would not recognise is looked for as written, in the line `text`."""
    wanted = parse_issue_refs(reference)
    if not wanted:
        return _has_reference(text, reference)
    present = {_named(ref) for ref in parse_issue_refs(plain(read_text))}
    return all(_named(ref) in present for ref in wanted)


def _named(ref: IssueRef) -> tuple[str | None, int, str | None]:
    # `ref:GL#12` or `GH-12` names an issue of one kind of tracker, which this edit does not
    # know: it holds `#12` only for the sync, which asks for no link where the line holds
    # its own issue's reference in any form.
    return ref.repo, ref.number, ref.tracker if is_link_form(ref) else None


def linked_item(
    text: str, line: int, stored: str, mojibake: str | None, *, delimiter_cells: int | None
) -> str:
    """The list item (or line of prose) `text` on `line` with ` (stored)` after its text
    (before its trailing comments and hard break). `stored`: the reference as the line stores
    text. `delimiter_cells`: the cells of the next line when it is shaped like a table's
    delimiter row (`|---|---|`): a text ending in `|` with one cell fewer would become a
    table's header with the link as its last cell."""
    if _linked(text, stored, as_read(item_text(text), mojibake)):
        return text
    heading = linked_heading(text, stored)
    if heading is not None:
        return heading
    body = text[: tail_start(text)]
    if (
        delimiter_cells is not None
        and re.search(r"(?<!\\)\|$", body)
        and len(cells_of(body)) + 1 == delimiter_cells
    ):
        raise ValueError(
            f"Line {line} ends with `|` like a table's header row, and the line after it is "
            "shaped like a delimiter row (`|---|`), but the two make no table (their cells do "
            "not match): an issue link after the `|` would make them one. Give both rows as "
            "many cells, or end the line without `|`; plansync leaves it alone until then."
        )
    return insert_at_end(text, f" ({stored})")


def linked_row(
    text: str, line: int, layout: TableRowLayout, stored: str, mojibake: str | None
) -> str:
    """The task row `text` (on `line`) with `stored` in its issue cell, else at the end of its
    title cell: ` (stored)`."""
    cells = [cell_of(text, line, layout, "title")]
    if layout.index_of("issue") is not None:
        padded, issue = reach_cell(text, line, layout, "issue")
        if padded == text:
            cells.append(issue)
    if _linked(text, stored, _read(text, cells, mojibake)):
        return text
    return _with_reference(text, line, layout, cells[0], stored)


def linked_other_row(
    text: str,
    line: int,
    roles: TableRowLayout,
    stored: str,
    mojibake: str | None,
    task_id: str | None,
) -> str:
    """A row the reader reads a task from without reading it as a task row (see `edit_row`):
    `stored` in the issue column's cell when its header names one, else after the text of
    the cell holding the task's ID. `roles`: the columns' roles from the header words."""
    if _linked(text, stored, as_read(text, mojibake)):
        return text  # the reader takes such a task's references from its whole line
    return _with_reference(text, line, roles, id_cell(text, task_id), stored)


def _read(text: str, cells: list[Cell], mojibake: str | None) -> str:
    return " ".join(as_read(text[cell.start : cell.end], mojibake) for cell in cells)


def _with_reference(text: str, line: int, layout: TableRowLayout, title: Cell, stored: str) -> str:
    """`stored` added to the issue cell (padding a ragged row up to it): alone in an empty
    one, after the references already there (`#61, #70`), or beside other text
    (`Internal (#70)`); without an issue column, at the end of the `title` cell."""
    if layout.index_of("issue") is None:
        old = text[title.start : title.end]
        return with_cell(text, title, fill_cell(old, f"{old.strip()} ({stored})"))
    padded, cell = reach_cell(text, line, layout, "issue")
    old = padded[cell.start : cell.end]
    content = old.strip(" \t")
    if not content:
        inner = stored
    elif parse_issue_refs(plain(content)):
        inner = f"{content}, {stored}"
    else:
        inner = f"{content} ({stored})"
    return with_cell(padded, cell, fill_cell(old, inner))
