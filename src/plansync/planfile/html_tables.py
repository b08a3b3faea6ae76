"""Plan tables written as an HTML `<table>`: their rows and cells, each with where its content
lies in the source, read with the standard library's `html.parser` (tolerant as browsers are:
a missing `</td>` or `</tr>` ends the cell or row at the next one).

A row is placed on the line of its `<tr>`. The header is the `<thead>` row, else a first row of
`<th>` cells. A cell's text is its source between its opening tag and the next cell or row tag,
tags dropped and character references kept (the reader's `plain` unescapes them once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TABLE_OPEN = re.compile(r"^\s*<table[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlCell:
    """A cell's content: from (line, column) to (end_line, end_column), 1-based lines and
    0-based columns in characters; `closed` when the cell has its own `</td>` / `</th>`."""

    line: int
    column: int
    end_line: int
    end_column: int
    header: bool
    closed: bool
    source: str

    @property
    def text(self) -> str:
        """Inline text for the reader: tags out, whitespace runs (line breaks) one space."""
        return " ".join(_TAG.sub("", _BREAK.sub(" ", self.source)).split())


@dataclass
class HtmlRow:
    line: int  # the line of its `<tr>`
    in_head: bool
    cells: list[HtmlCell] = field(default_factory=list)


class _RowReader(HTMLParser):
    def __init__(self, lines: list[str], first_line: int) -> None:
        super().__init__(convert_charrefs=False)
        self.lines = lines  # the block's lines, without endings
        self.first_line = first_line
        self.rows: list[HtmlRow] = []
        self.in_head = False
        self.depth = 0  # nested tables: only the outer one's rows are read
        self.cell: tuple[int, int, bool] | None = None  # where the open cell's content starts

    def _here(self) -> tuple[int, int]:
        line, column = self.getpos()
        return line, column

    def _end_cell(self, closed: bool) -> None:
        if self.cell is None or not self.rows:
            self.cell = None
            return
        line, column, header = self.cell
        end_line, end_column = self._here()
        source = _slice(self.lines, line, column, end_line, end_column)
        self.rows[-1].cells.append(
            HtmlCell(
                line + self.first_line - 1,
                column,
                end_line + self.first_line - 1,
                end_column,
                header,
                closed,
                source,
            )
        )
        self.cell = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
            return
        if self.depth != 1:
            return
        if tag in ("thead", "tbody", "tfoot"):
            self._end_cell(False)
            self.in_head = tag == "thead"
        elif tag == "tr":
            self._end_cell(False)
            self.rows.append(HtmlRow(self._here()[0] + self.first_line - 1, self.in_head))
        elif tag in ("td", "th"):
            self._end_cell(False)
            if not self.rows:  # a cell before any `<tr>` opens a row
                self.rows.append(HtmlRow(self._here()[0] + self.first_line - 1, self.in_head))
            line, column = self._here()
            text = self.get_starttag_text() or ""
            end_line = line + text.count("\n")
            end_column = len(text) - text.rfind("\n") - 1 if "\n" in text else column + len(text)
            self.cell = (end_line, end_column, tag == "th")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self.depth == 1:
                self._end_cell(False)
            self.depth -= 1
            return
        if self.depth != 1:
            return
        if tag in ("td", "th"):
            self._end_cell(True)
        elif tag in ("tr", "thead", "tbody", "tfoot"):
            self._end_cell(False)


def _slice(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    if line == end_line:
        return lines[line - 1][column:end_column]
    middle = lines[line : end_line - 1]
    return "\n".join([lines[line - 1][column:], *middle, lines[end_line - 1][:end_column]])


def is_html_table(source: str) -> bool:
    """Whether an HTML block opens with a `<table>` tag."""
    return bool(_TABLE_OPEN.match(source))


def html_rows(lines: list[str], first_line: int) -> list[HtmlRow]:
    """The rows of the `<table>` in `lines` (the HTML block's lines, the first being line
    `first_line` of the file), each with its cells."""
    reader = _RowReader(lines, first_line)
    reader.feed("\n".join(lines))
    reader.close()
    return reader.rows


def header_and_body(rows: list[HtmlRow]) -> tuple[HtmlRow | None, list[HtmlRow]]:
    """The header row (the `<thead>` row, else a first row of `<th>` cells) and the body rows."""
    filled = [row for row in rows if row.cells]
    head = next((row for row in filled if row.in_head), None)
    if head is None and filled and all(cell.header for cell in filled[0].cells):
        head = filled[0]
    return head, [row for row in filled if row is not head and not row.in_head]
