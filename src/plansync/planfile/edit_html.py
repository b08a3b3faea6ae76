"""Edits of a task row of an HTML `<table>`: each stays inside one cell's text, on the one line
that text is on. A cell whose text spans lines, or a row without the cell, is refused with
ValueError (plansync does not rewrite HTML it cannot place an edit in safely).

- a status cell's text becomes `Done` / `Todo` (as in a markdown table);
- an issue link goes at the end of the title cell's text (before its `</td>`, or before the
  next cell when the cell is not closed);
- a new title replaces the old one in the title cell's text, with `&`, `<` and `>` escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from plansync.model.plan import TableRowLayout
from plansync.planfile.edit_table import status_word
from plansync.planfile.html_tables import HtmlCell, HtmlRow

_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


@dataclass(frozen=True)
class CellText:
    """Where a cell's text (its content without surrounding whitespace) lies: on `line`, from
    `start` to `end` (columns); an empty cell's text is empty at its content's start."""

    line: int
    start: int
    end: int


def cell_text(row: HtmlRow, line: int, layout: TableRowLayout, role: str) -> CellText:
    index = layout.index_of(role)
    if index is None:
        raise ValueError(f"The table of line {line} has no `{role}` column to edit.")
    if index >= len(row.cells):
        raise ValueError(
            f"The HTML table row on line {line} has {len(row.cells)} cells but its table's "
            f"`{role}` column is cell {index + 1}; plansync leaves the row alone."
        )
    return _text_of(row.cells[index], line, role)


def _text_of(cell: HtmlCell, line: int, role: str) -> CellText:
    source = cell.source
    lead = len(source) - len(source.lstrip())
    content = source.strip()
    if "\n" in content:
        raise ValueError(
            f"The `{role}` cell of the HTML table row on line {line} spans several lines; "
            "plansync edits a cell only when its text is on one line, so it leaves the row alone."
        )
    before = source[:lead]
    text_line = cell.line + before.count("\n")
    start = lead - before.rfind("\n") - 1 if "\n" in before else cell.column + lead
    return CellText(text_line, start, start + len(content))


def with_status(text: str, place: CellText, done: bool) -> str:
    old = text[place.start : place.end]
    if old.lower() == ("done" if done else "todo"):
        return text
    return text[: place.start] + status_word(done, old) + text[place.end :]


def with_link(text: str, place: CellText, reference: str, *, issue_cell: bool) -> str:
    """`reference` alone in an empty issue cell, else after the cell's text: ` (#12)` in a
    title cell (as in a markdown row), ` #12` in an issue cell."""
    old = text[place.start : place.end]
    wanted = html.unescape(reference)  # `reference` is escaped for markdown: `&lt;!--`
    if wanted in html.unescape(old):
        return text
    added = html.escape(wanted, quote=False)
    if not issue_cell:
        added = f" ({added})"
    elif old:
        added = f" {added}"
    return text[: place.end] + added + text[place.end :]


def link_role(row: HtmlRow, layout: TableRowLayout) -> str:
    """The cell a link goes in: the issue column's when the table has one and the row has
    that cell, else the title cell."""
    index = layout.index_of("issue")
    return "issue" if index is not None and index < len(row.cells) else "title"


def retitled(text: str, place: CellText, line: int, old_title: str, new_title: str) -> str:
    old = text[place.start : place.end]
    flat = " ".join(_BREAKS.sub(" ", new_title).split())
    new = html.escape(flat, quote=False)
    for written in (html.escape(old_title, quote=False), old_title):
        at = old.find(written)
        if at >= 0 and old.count("<", 0, at) == old.count(">", 0, at):  # not inside a tag
            start = place.start + at
            return text[:start] + new + text[start + len(written) :]
    raise ValueError(
        f"The title cell of the HTML table row on line {line} does not contain the task title "
        f"{old_title!r}; the file probably changed since it was read: read it again."
    )
