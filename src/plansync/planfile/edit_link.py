"""A reference to a task's issue (`#123`, `group/proj#12` or a URL) written on its line: after a
list item's text, or in a table row's issue cell (else its title cell).

A line that already references the issue, as the reader reads references (`#2-4` holds `#3`),
is left as it is.
"""

from __future__ import annotations

import re

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import as_read
from plansync.planfile.edit_table import cell_of, fill_cell, with_cell
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import plain
from plansync.planfile.item_line import insert_at_end, item_text

# Issue cells that hold no reference yet and are replaced rather than appended to.
_PLACEHOLDERS = frozenset({"", "-", "--", "—", "–", "tbd", "tba", "n/a", "na", "none", "internal"})


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
    present = {(ref.repo, ref.number) for ref in parse_issue_refs(plain(read_text))}
    return all((ref.repo, ref.number) in present for ref in wanted)


def linked_item(text: str, stored: str, mojibake: str | None) -> str:
    """The list item `text` with ` (stored)` after its text (before any plansync comment and
    trailing hard break). `stored`: the reference as the line stores text."""
    if _linked(text, stored, as_read(item_text(text), mojibake)):
        return text
    return insert_at_end(text, f" ({stored})")


def linked_row(
    text: str, line: int, layout: TableRowLayout, stored: str, mojibake: str | None
) -> str:
    """The table row `text` (on `line`) with `stored` in its issue cell, replacing a
    placeholder (empty, `-`, `TBD`, `Internal`, ...) or after the references already there
    (`, #123`); without an issue column, ` (stored)` at the end of its title cell."""
    read = [
        as_read(text[cell.start : cell.end], mojibake)
        for role in ("issue", "title")
        if layout.index_of(role) is not None
        for cell in (cell_of(text, line, layout, role),)
    ]
    if _linked(text, stored, " ".join(read)):
        return text
    if layout.index_of("issue") is not None:
        cell = cell_of(text, line, layout, "issue")
        old = text[cell.start : cell.end]
        content = old.strip(" \t")
        placeholder = content.strip("*_` ").lower() in _PLACEHOLDERS
        inner = stored if placeholder else f"{content}, {stored}"
        return with_cell(text, cell, fill_cell(old, inner))
    cell = cell_of(text, line, layout, "title")
    old = text[cell.start : cell.end]
    return with_cell(text, cell, fill_cell(old, f"{old.strip()} ({stored})"))
