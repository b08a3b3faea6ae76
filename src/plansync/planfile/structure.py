"""The block structure of a planfile, read with markdown-it: headings, list items, paragraphs,
tables and code, each with its 1-based source lines. Markdown is never rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from plansync.planfile.html_tables import HtmlRow, header_and_body, html_rows, is_html_table
from plansync.planfile.lines import split_text_lines

# Block structure only: inline tokens keep their source text; nothing is rendered.
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
# plansync's own blocks (the summary) sit between whole-line markers `<!-- plansync:NAME -->`
# and `<!-- /plansync:NAME -->`; what plansync writes there holds no tasks, so the reader skips
# it, unless the caller finds the plan's own text in it (see `own_blocks`).
_BLOCK_BEGIN = re.compile(r"^\s*<!--\s*plansync:([\w-]+)\s*-->\s*$")
_BLOCK_END = re.compile(r"^\s*<!--\s*/plansync:([\w-]+)\s*-->\s*$")
# A line that may open a fence (in a list item or a quote too), and one indented like code.
_FENCE_LIKE = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*(?:`{3,}|~{3,})")
_INDENTED = re.compile(r"^(?: {4}| {0,3}\t)")


def in_code(lines: list[str], numbers: Collection[int]) -> set[int]:
    """Those of the 1-based line `numbers` that lie inside a code block (fenced or indented),
    where a marker is an example, not plansync's. `lines`: the text's lines, without endings.

    Whether a line is code depends only on the lines before it, so markdown-it reads the
    lines up to the last of `numbers`, and only when one of those could open a fence or one
    of `numbers` is indented like code: a plan without code pays nothing."""
    if not numbers:
        return set()
    last = max(numbers)
    if not any(_INDENTED.match(lines[n - 1]) for n in numbers) and not any(
        _FENCE_LIKE.match(line) for line in lines[:last]
    ):
        return set()
    code: set[int] = set()
    for token in _MARKDOWN.parse("\n".join(lines[:last]) + "\n"):
        if token.type in ("fence", "code_block") and token.map is not None:
            code.update(range(token.map[0] + 1, token.map[1] + 1))
    return code & set(numbers)


def without_hard_break(line: str) -> str:
    """The line without a last backslash that is not itself escaped (`\\\\` is a literal
    backslash), nor the spaces around it."""
    body = line.rstrip(" \t")
    backslashes = len(body) - len(body.rstrip("\\"))
    if backslashes % 2 == 0:
        return line
    return body[:-1].rstrip(" \t")


# Given the text inside one of plansync's blocks: whether the reader reads it (it is not
# plansync's text but the plan's).
BlockFilter = Callable[[str], bool]


@dataclass(eq=False)
class Heading:
    line: int
    level: int
    text: str  # inline markdown


@dataclass(eq=False)
class Paragraph:
    line: int
    end_line: int
    text: str  # inline markdown, one source line per text line
    item: Item | None  # the list item it belongs to, if any


@dataclass(eq=False)
class Other:
    """A block the reader does not look into (code, HTML, rule): it separates its neighbours."""

    line: int
    end_line: int


@dataclass(eq=False)
class TableRow:
    line: int
    cells: list[str]  # inline markdown of each cell, as many as the header has
    html: HtmlRow | None = None  # a row of an HTML `<table>`: where its cells' text lies


@dataclass(eq=False)
class Table:
    line: int
    end_line: int
    header: list[str]
    rows: list[TableRow]


@dataclass(eq=False)
class Item:
    """One list item. `text` is its first paragraph (inline markdown), `''` when it has none."""

    line: int
    end_line: int
    ordered: bool
    parent: Item | None
    listing: ListBlock
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)

    @property
    def first_line(self) -> str:
        """The first line of the item's text, without a trailing backslash: one that ends a
        paragraph's line is a hard break or a stray mark, never part of a title."""
        return without_hard_break(self.text.split("\n", 1)[0])


@dataclass(eq=False)
class ListBlock:
    line: int
    end_line: int
    ordered: bool
    parent: Item | None
    items: list[Item] = field(default_factory=list)


Block = Heading | Paragraph | Table | ListBlock | Other


@dataclass
class Outline:
    lines: list[str]  # source lines without their endings; lines[0] is line 1
    blocks: list[Block] = field(default_factory=list)  # top level, in order
    headings: list[Heading] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # id(block) -> (its container, its index there), so neighbours are found in O(1)
    positions: dict[int, tuple[list[Block], int]] = field(default_factory=dict)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def last_filled(self, start: int, end: int) -> int:
        """The last non-blank line in `start..end` (both 1-based, inclusive), at least start."""
        while end > start and not self.line(end).strip():
            end -= 1
        return end


def _own_block_lines(lines: list[str], read_block: BlockFilter | None) -> set[int]:
    """1-based lines inside plansync's own marker blocks (the markers included), but for the
    blocks whose inner text `read_block` says is to be read. A marker in a code block is
    text."""
    marked = [n for n, text in enumerate(lines, start=1) if "plansync:" in text]
    found = {n: (_BLOCK_BEGIN.match(lines[n - 1]), _BLOCK_END.match(lines[n - 1])) for n in marked}
    code = in_code(lines, [n for n, (opening, closing) in found.items() if opening or closing])
    inside: set[int] = set()
    begin: tuple[int, str] | None = None
    for number, (opening, closing) in found.items():
        if number in code:
            continue
        if begin is None and opening is not None:
            begin = (number, opening.group(1))
        elif begin is not None and closing is not None and closing.group(1) == begin[1]:
            inner = "\n".join(lines[begin[0] : number - 1])
            if read_block is None or not read_block(inner):
                inside.update(range(begin[0], number + 1))
            begin = None
    return inside


def _blank_out(raw_lines: list[str], skip: set[int]) -> str:
    """The text with the skipped lines blanked (a space, their endings kept): line numbers stay
    put. Not emptied: a lone `\r` ending followed by an emptied `\n` line would read as one
    `\r\n` line."""
    return "".join(
        " " + line[len(line.rstrip("\r\n")) :] if number in skip else line
        for number, line in enumerate(raw_lines, start=1)
    )


class _Builder:
    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        self.containers: list[list[Block]] = [outline.blocks]
        self.items: list[Item] = []
        self.lists: list[ListBlock] = []

    def span(self, token: Token) -> tuple[int, int]:
        assert token.map is not None  # block tokens that open a block always carry a map
        start, end = token.map[0] + 1, token.map[1]
        return start, self.outline.last_filled(start, max(start, end))

    def add(self, block: Block) -> None:
        container = self.containers[-1]
        self.outline.positions[id(block)] = (container, len(container))
        container.append(block)

    def table(self, tokens: list[Token], index: int) -> int:
        start, end = self.span(tokens[index])
        table = Table(start, end, [], [])
        row: TableRow | None = None
        in_head = False
        index += 1
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                row = TableRow(self.span(token)[0], [])
            elif token.type == "inline" and row is not None:
                row.cells.append(token.content)
            elif token.type == "tr_close" and row is not None:
                if in_head:
                    table.header = row.cells
                else:
                    table.rows.append(row)
                row = None
            index += 1
        self.outline.tables.append(table)
        self.add(table)
        return index

    def html_table(self, token: Token) -> None:
        """A `<table>` HTML block, read as a table: a row is on the line of its `<tr>`."""
        start, end = self.span(token)
        head, body = header_and_body(html_rows(self.outline.lines[start - 1 : end], start))
        header = [cell.text for cell in head.cells] if head is not None else []
        width = max([len(header), *(len(row.cells) for row in body)])
        rows = [
            TableRow(row.line, [cell.text for cell in row.cells][:width] or [""], row)
            for row in body
        ]
        table = Table(start, end, header + [""] * (width - len(header)), rows)
        self.outline.tables.append(table)
        self.add(table)

    def walk(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                # A heading has no hard break: a last backslash is a stray mark, as on items.
                content = without_hard_break(tokens[index + 1].content)
                heading = Heading(self.span(token)[0], int(token.tag[1]), content)
                self.outline.headings.append(heading)
                self.add(heading)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                start, end = self.span(token)
                parent = self.items[-1] if self.items else None
                block = ListBlock(start, end, kind == "ordered_list_open", parent)
                self.add(block)
                self.lists.append(block)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                start, end = self.span(token)
                owner = self.lists[-1]
                parent = self.items[-1] if self.items else None
                item = Item(start, end, owner.ordered, parent, owner)
                owner.items.append(item)
                if parent is not None:
                    parent.children.append(item)
                self.outline.items.append(item)
                self.items.append(item)
                self.containers.append(item.blocks)
            elif kind == "list_item_close":
                self.items.pop()
                self.containers.pop()
            elif kind == "paragraph_open":
                start, end = self.span(token)
                holder = self.items[-1] if self.items else None
                text = tokens[index + 1].content
                if holder is not None and not holder.blocks and start == holder.line:
                    holder.text = text
                paragraph = Paragraph(start, end, text, holder)
                self.outline.paragraphs.append(paragraph)
                self.add(paragraph)
            elif kind == "table_open":
                index = self.table(tokens, index)
            elif kind == "html_block" and is_html_table(token.content):
                self.html_table(token)
            elif kind in ("fence", "code_block", "html_block", "hr"):
                self.add(Other(*self.span(token)))
            index += 1


def build_outline(text: str, read_block: BlockFilter | None = None) -> Outline:
    """Read the block structure of decoded planfile text. plansync's own blocks are skipped,
    but for those whose inner text `read_block` says is the plan's own."""
    return next(_outlines(text, read_block, None))


# The top-level blocks at the end of an outline of a file's first lines that the lines after
# them may still change: the last one (a paragraph that a `===` makes a heading, a list or a
# quote that goes on, a fence that closes later) and, as a margin, the one before it, which a
# rule may have ended by looking at the first line of the last one.
UNSETTLED_BLOCKS = 2


def first_lines_outlines(
    text: str, read_block: BlockFilter | None = None, first: int = 256
) -> Iterator[Outline]:
    """Outlines of the text's first `first` lines, then four times as many, and so on up to
    the whole text (the last one yielded is `build_outline(text, read_block)`), for a caller
    that needs only the top of a big file. Markdown is read in one pass from the top, so in
    each outline every top-level block but the last `UNSETTLED_BLOCKS` is what the whole
    text's outline holds; `lines` always holds every line of the text."""
    return _outlines(text, read_block, first)


def _outlines(text: str, read_block: BlockFilter | None, first: int | None) -> Iterator[Outline]:
    raw_lines = split_text_lines(text)
    lines = [line.rstrip("\r\n") for line in raw_lines]
    skipped = _own_block_lines(lines, read_block)
    # The outline holds the lines markdown-it read, a skipped block's blank: no span that ends
    # in blank lines (a list item, a section) takes in plansync's text, nor does what is read
    # from the lines under an item (its description, its fields).
    shown = ["" if n in skipped else line for n, line in enumerate(lines, start=1)]
    while first is not None and first < len(raw_lines):
        outline = Outline(shown)
        _Builder(outline).walk(_MARKDOWN.parse(_blank_out(raw_lines[:first], skipped)))
        yield outline
        first *= 4
    source = _blank_out(raw_lines, skipped) if skipped else text
    outline = Outline(shown)
    _Builder(outline).walk(_MARKDOWN.parse(source))
    yield outline


def neighbour(outline: Outline, block: Block, step: int) -> Block | None:
    """The block just before (`step=-1`) or after (`step=1`) `block` in its container (the
    document or a list item)."""
    container, position = outline.positions[id(block)]
    other = position + step
    return container[other] if 0 <= other < len(container) else None
