"""Reading the top of a big file: the outline of its first lines holds the whole file's
top-level blocks, but for the last few, which the lines after them may still change."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plansync.planfile.structure import (
    UNSETTLED_BLOCKS,
    Block,
    Heading,
    Item,
    ListBlock,
    Outline,
    Paragraph,
    Table,
    build_outline,
    first_lines_outlines,
)

# Lines people write, including the ones whose meaning the next line decides (a setext
# underline, a table's delimiter row, a lazy quote line, a fence that closes later).
LINES = [
    "# Plan",
    "# Plan 🗺️",
    "## Week 1",
    "Title",
    "===",
    "---",
    "",
    "",
    "Some prose → here, café.",
    "**Owner:** web",
    "Owner: web",
    "- item",
    "- [ ] T1 task",
    "  - nested",
    "  continued",
    "1. one",
    "> quote",
    "> # Quoted",
    "```",
    "~~~",
    "    code",
    "| a | b |",
    "|---|---|",
    "a | b",
    "<div>",
    "</div>",
    "<table>",
    "<tr><td>x</td></tr>",
    "</table>",
    "[ref]: https://example.com",
    "<!-- plansync:summary -->",
    "<!-- /plansync:summary -->",
    "\t- tabbed",
]


def shape(block: Block | Item) -> object:
    """What the reader takes from a block, its nested blocks included."""
    if isinstance(block, Heading):
        return ("heading", block.line, block.level, block.text)
    if isinstance(block, Paragraph):
        return ("paragraph", block.line, block.end_line, block.text)
    if isinstance(block, Table):
        rows = [(row.line, row.cells) for row in block.rows]
        return ("table", block.line, block.end_line, block.header, rows)
    if isinstance(block, ListBlock):
        return ("list", block.line, block.end_line, block.ordered, [shape(i) for i in block.items])
    if isinstance(block, Item):
        nested = [shape(b) for b in block.blocks]
        return ("item", block.line, block.end_line, block.text, nested)
    return ("other", block.line, block.end_line)


def settled(outline: Outline) -> list[object]:
    return [shape(block) for block in outline.blocks[: len(outline.blocks) - UNSETTLED_BLOCKS]]


class TestFirstLines:
    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(st.sampled_from(LINES), max_size=60),
        st.sampled_from(["\n", "\r\n"]),
        st.integers(min_value=1, max_value=6),
    )
    def test_settled_blocks_are_the_whole_texts(
        self, lines: list[str], ending: str, first: int
    ) -> None:
        text = "".join(line + ending for line in lines)
        whole = build_outline(text)
        outlines = list(first_lines_outlines(text, first=first))
        assert [shape(b) for b in outlines[-1].blocks] == [shape(b) for b in whole.blocks]
        for outline in outlines:
            assert outline.lines == whole.lines
            part = settled(outline)
            assert part == [shape(b) for b in whole.blocks[: len(part)]]

    def test_reads_four_times_as_many_lines_each_time(self) -> None:
        text = "".join(f"Paragraph {n}.\n\n" for n in range(100))  # 200 lines
        outlines = list(first_lines_outlines(text, first=10))
        assert [len(o.paragraphs) for o in outlines] == [5, 20, 80, 100]
