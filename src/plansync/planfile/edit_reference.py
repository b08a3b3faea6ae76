"""A reference on a task's line replaced by another: `(#40)` -> `(#2)` when #40 is an issue the
tracker cannot give the task and #2 is the one plansync made for it.

Only a reference standing where plansync itself writes references is replaced: in a table
row's issue cell, or in the trailing groups after a list item's text (or a title cell's),
such as `(#40)` or `(2h, #40)`. A reference inside the title (`Fix #40 crash`) is part of the
title and stays. Every other byte of the file stays as it was.
"""

from __future__ import annotations

import re

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import as_read, as_stored
from plansync.planfile.edit_table import cell_of, fill_cell, with_cell
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.item_line import ITEM_PREFIX, tail_start
from plansync.planfile.items import split_metadata

__all__ = [
    "check_new_reference",
    "reference_replaced",
    "replaceable_reference",
]


def _token(reference: str) -> re.Pattern[str]:
    # `#40` is not in `#401`, `other/repo#40` nor in the range `#40-45`.
    return re.compile(rf"(?<![\w/#]){re.escape(reference)}(?![\w/]|-\d)")


def _region(text: str, line: int, layout: TableRowLayout | None) -> tuple[int, int]:
    """Where in the line `text` references stand apart from the title: the issue cell, or the
    trailing groups of the item's text (of the title cell, in a table without issue cell)."""
    if layout is not None and layout.index_of("issue") is not None:
        cell = cell_of(text, line, layout, "issue")
        return cell.start, cell.end
    if layout is not None:
        cell = cell_of(text, line, layout, "title")
        start, end = cell.start, len(text[: cell.end].rstrip(" \t"))
    else:
        prefix = ITEM_PREFIX.match(text)
        start, end = (prefix.end() if prefix is not None else 0), tail_start(text)
    title = split_metadata(text[start:end])[0]
    return start + len(title), end


def _occurrence(text: str, line: int, old: str, layout: TableRowLayout | None) -> int | None:
    """Which occurrence of `old` on the line (0 for the first) stands apart from the title."""
    start, end = _region(text, line, layout)
    for index, found in enumerate(_token(old).finditer(text)):
        if start <= found.start() and found.end() <= end:
            return index
    return None


def replaceable_reference(text: str, line: int, old: str, layout: TableRowLayout | None) -> bool:
    """Whether the line `text` (as read) holds `old` where it can be replaced (see above)."""
    try:
        return _occurrence(text, line, old, layout) is not None
    except ValueError:  # a row shorter than its header: nothing is edited there
        return False


def check_new_reference(line: int, new: str) -> None:
    """ValueError unless `new` is one issue reference (`#2`, `owner/repo#2`)."""
    refs = parse_issue_refs(new)
    if len(refs) != 1 or refs[0].text != new:
        raise ValueError(f"The issue link for line {line} is {new!r}; expected e.g. `#123`.")


def reference_replaced(
    text: str, line: int, old: str, new: str, layout: TableRowLayout | None, mojibake: str | None
) -> str | None:
    """The line `text` (as stored, with `mojibake`) with the reference `old` replaced by `new`
    where it stands apart from the title; None when `old` does not stand there (the caller
    then adds `new` as a link). Raises ValueError when `new` is not one issue reference."""
    check_new_reference(line, new)
    # References are ASCII: the n-th one is the same in the text as read and as stored.
    index = _occurrence(as_read(text, mojibake), line, old, layout)
    if index is None:
        return None
    found = list(_token(old).finditer(text))[index]
    reference = as_stored(new, mojibake)
    if layout is not None and layout.index_of("issue") is not None:
        # In its own cell the reference keeps the cell's width where it fits.
        cell = cell_of(text, line, layout, "issue")
        old_cell = text[cell.start : cell.end]
        at, end = found.start() - cell.start, found.end() - cell.start
        inner = (old_cell[:at] + reference + old_cell[end:]).strip(" \t")
        return with_cell(text, cell, fill_cell(old_cell, inner))
    return text[: found.start()] + reference + text[found.end() :]
