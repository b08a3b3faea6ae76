"""One table row's cells, edited in place: a cell's content replaced while its padding and, where
the new content fits, its width stay (so aligned tables stay aligned).

Status cells follow one convention: a done task's status cell reads `Done`, an open one `Todo`
(`DONE` / `TODO` when the cell being replaced was written in capitals).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from plansync.model.plan import TableRowLayout


def unescaped_pipe_free(text: str) -> str:
    # A pipe already written as `\|` is left alone; any other one gets its backslash.
    return re.sub(r"(?<!\\)\|", r"\\|", text)


@dataclass(frozen=True)
class Cell:
    start: int  # index in the line of the cell's first character (after the opening pipe)
    end: int  # index of the closing pipe, or the end of the line


def _cells(text: str) -> list[Cell]:
    """The cells of a table row as markdown-it reads them: `\\|` does not split, and a
    leading or trailing pipe does not make an empty cell."""
    pipes = [m.start() for m in re.finditer(r"(?<!\\)\|", text)]
    content_start = len(text) - len(text.lstrip(" \t"))
    content_end = len(text.rstrip(" \t"))
    starts = [content_start, *(p + 1 for p in pipes)]
    ends = [*pipes, len(text)]
    cells = [Cell(s, e) for s, e in zip(starts, ends, strict=True)]
    if pipes and pipes[-1] == content_end - 1:
        cells = cells[:-1]
    if pipes and pipes[0] == content_start:
        cells = cells[1:]
    return cells


def cell_of(text: str, line: int, layout: TableRowLayout, role: str) -> Cell:
    index = layout.index_of(role)
    if index is None:
        raise ValueError(f"The table of line {line} has no `{role}` column to edit.")
    cells = _cells(text)
    if index >= len(cells):
        raise ValueError(
            f"Line {line} has {len(cells)} cells but its table's `{role}` column is cell "
            f"{index + 1}; the row is shorter than its header, so plansync leaves it alone."
        )
    return cells[index]


def _width(text: str) -> int:
    """Columns the text takes in a monospaced editor: wide characters 2, combining marks 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200d\ufe0f":
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def fill_cell(cell: str, inner: str) -> str:
    """The cell with its content replaced by `inner`, keeping its leading padding and, where
    the new content fits, its width (so aligned tables stay aligned)."""
    content = cell.strip(" \t")
    if content == inner:
        return cell
    if content:
        lead = cell[: len(cell) - len(cell.lstrip(" \t"))]
        trail = cell[len(cell.rstrip(" \t")) :]
    else:
        lead, trail = " ", " "
    if trail.strip(" "):
        return lead + inner + trail  # tabs as padding: nothing to align, keep them
    pad = max(_width(cell) - _width(lead) - _width(inner), 1 if trail else 0)
    return lead + inner + " " * pad


def refit(old_cell: str, new_cell: str) -> str:
    """`new_cell` with its trailing spaces adjusted so it keeps `old_cell`'s width if it can."""
    content = new_cell.rstrip(" ")
    if not old_cell.endswith(" "):
        return new_cell
    pad = max(_width(old_cell) - _width(content), 1)
    return content + " " * pad


def with_cell(text: str, cell: Cell, new_cell: str) -> str:
    return text[: cell.start] + new_cell + text[cell.end :]


def _status_word(done: bool, old: str) -> str:
    word = "Done" if done else "Todo"
    letters = [c for c in old if c.isalpha()]
    return word.upper() if letters and all(c.isupper() for c in letters) else word


def with_status(text: str, line: int, layout: TableRowLayout, done: bool) -> str:
    """The row `text` (on `line`) with `Done` / `Todo` in its `status` cell."""
    cell = cell_of(text, line, layout, "status")
    old = text[cell.start : cell.end]
    if old.strip(" \t").lower() == ("done" if done else "todo"):
        return text
    return with_cell(text, cell, fill_cell(old, _status_word(done, old)))
