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


def cells_of(text: str) -> list[Cell]:
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
    """The cell of the `role` column; ValueError when the table has none or the row is
    shorter than that."""
    index = _index_of(line, layout, role)
    cells = cells_of(text)
    if index >= len(cells):
        raise ValueError(
            f"Line {line} has {len(cells)} cells but its table's `{role}` column is cell "
            f"{index + 1}; the row is shorter than its header, so plansync leaves it alone."
        )
    return cells[index]


def reach_cell(text: str, line: int, layout: TableRowLayout, role: str) -> tuple[str, Cell]:
    """The row and its `role` column's cell; a row shorter than that (a ragged row) first gets
    empty cells after its last one, as many as that cell needs and no more."""
    return padded_to(text, line, _index_of(line, layout, role))


def padded_to(text: str, line: int, index: int) -> tuple[str, Cell]:
    """The row with empty cells added up to cell `index` (when it has fewer), and that cell.
    Cells added to a row without a closing pipe close it."""
    cells = cells_of(text)
    if index < len(cells):
        return text, cells[index]
    if not cells:
        raise ValueError(f"Line {line} is no table row: it has no cells to edit.")
    last = cells[-1]
    missing = index + 1 - len(cells)
    if last.end < len(text):  # the last cell ends at a pipe: add cells after it
        at, added = last.end + 1, "  |" * missing
    else:
        at, added = len(text.rstrip(" \t")), " |" + "  |" * missing
    padded = text[:at] + added + text[at:]
    return padded, cells_of(padded)[index]


def _index_of(line: int, layout: TableRowLayout, role: str) -> int:
    index = layout.index_of(role)
    if index is None:
        raise ValueError(f"The table of line {line} has no `{role}` column to edit.")
    return index


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


def status_word(done: bool, old: str) -> str:
    word = "Done" if done else "Todo"
    letters = [c for c in old if c.isalpha()]
    return word.upper() if letters and all(c.isupper() for c in letters) else word


def with_status(text: str, line: int, layout: TableRowLayout, done: bool) -> str:
    """The row `text` (on `line`) with `Done` / `Todo` in its `status` cell. A ragged row
    without that cell reads as open: it gets the cell only to be marked done."""
    padded, cell = reach_cell(text, line, layout, "status")
    if padded != text and not done:
        return text
    old = padded[cell.start : cell.end]
    if old.strip(" \t").lower() == ("done" if done else "todo"):
        return text
    return with_cell(padded, cell, fill_cell(old, status_word(done, old)))
